// The web UI's session (/api/session): tokens only in HttpOnly cookies, silent renewal, sign-out, and the CSRF rules on cookie writes.
import { describe, expect, it } from 'vitest';
import { call, type HttpAnswer, startPortal, useStack } from '../support/stack.js';

const stack = useStack();

/** `name=value` of the Set-Cookie named `name`, and its attributes. */
function cookieOf(answer: HttpAnswer, name: string): { pair: string; attributes: string[] } | undefined {
  const line = answer.cookies.find((cookie) => cookie.startsWith(`${name}=`));
  if (line === undefined) return undefined;
  const [pair, ...attributes] = line.split(';').map((part) => part.trim());
  return { pair: pair as string, attributes };
}

async function signIn(username = 'panitia1', password = 'secret') {
  const answer = await call(stack.portal.url, 'POST', '/api/session', { json: { username, password } });
  const access = cookieOf(answer, 'tixgo_session');
  const refresh = cookieOf(answer, 'tixgo_refresh');
  return { answer, access, refresh, cookie: [access?.pair, refresh?.pair].filter(Boolean).join('; ') };
}

describe('POST /api/session (sign in from the browser)', () => {
  it('answers who is signed in and for how long, with both tokens in HttpOnly cookies and none in the body', async () => {
    const { answer, access, refresh } = await signIn();
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ username: 'panitia1', role: 'committee', expires_in: 7200 });
    expect(answer.text).not.toMatch(/token/);
    expect(access?.attributes.sort()).toEqual(['HttpOnly', 'Max-Age=7200', 'Path=/', 'SameSite=Strict', 'Secure']);
    expect(refresh?.attributes.sort()).toEqual([
      'HttpOnly',
      `Max-Age=${7 * 24 * 3600}`,
      'Path=/api/session',
      'SameSite=Strict',
      'Secure',
    ]);
  });

  it('passes a wrong password through as identity’s 401 and sets no cookie', async () => {
    const { answer } = await signIn('panitia1', 'wrong');
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({ detail: 'Invalid username/password' });
    expect(answer.cookies).toEqual([]);
  });

  it('is what GET /api/session reports from the access cookie alone', async () => {
    const { access } = await signIn('admin1');
    const who = await call(stack.portal.url, 'GET', '/api/session', { headers: { cookie: access?.pair as string } });
    expect(who.status).toBe(200);
    expect(who.body).toEqual({ username: 'admin1', role: 'admin', expires_in: expect.any(Number) });
    expect((who.body as { expires_in: number }).expires_in).toBeGreaterThan(7100);
  });
});

describe('POST /api/session/refresh (silent renewal)', () => {
  it('rotates the refresh cookie and renews the access cookie without showing either token', async () => {
    const { cookie, refresh } = await signIn();
    const renewed = await call(stack.portal.url, 'POST', '/api/session/refresh', {
      headers: { cookie, 'content-type': 'application/json' },
    });
    expect(renewed.status).toBe(200);
    expect(renewed.body).toEqual({ username: 'panitia1', role: 'committee', expires_in: 7200 });
    const next = cookieOf(renewed, 'tixgo_refresh');
    expect(next?.pair).toMatch(/^tixgo_refresh=.+/);
    expect(next?.pair).not.toBe(refresh?.pair);
    const access = cookieOf(renewed, 'tixgo_session');
    const me = await call(stack.portal.url, 'GET', '/api/auth/me', { headers: { cookie: access?.pair as string } });
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ username: 'panitia1', role: 'committee' });
  });

  it('gives two tabs renewing at once the same rotation, so neither is taken for a stolen token', async () => {
    const { cookie } = await signIn();
    const renew = () =>
      call(stack.portal.url, 'POST', '/api/session/refresh', {
        headers: { cookie, 'content-type': 'application/json' },
      });
    const [first, second] = await Promise.all([renew(), renew()]);
    expect([first.status, second.status]).toEqual([200, 200]);
    const rotated = cookieOf(first, 'tixgo_refresh')?.pair as string;
    expect(cookieOf(second, 'tixgo_refresh')?.pair).toBe(rotated);
    // The session survived: the rotated cookie renews again.
    const later = await call(stack.portal.url, 'POST', '/api/session/refresh', {
      headers: { cookie: rotated, 'content-type': 'application/json' },
    });
    expect(later.status).toBe(200);
    expect(later.body).toEqual({ username: 'panitia1', role: 'committee', expires_in: 7200 });
  });

  it('gives a renewal retried through another portal (its answer was lost) the same rotation, and the session lives on at both', async () => {
    const other = await startPortal({ identityUrl: stack.identity.url, attendanceUrl: stack.attendance.url });
    try {
      const { cookie } = await signIn();
      const renew = (portalUrl: string, cookieHeader: string) =>
        call(portalUrl, 'POST', '/api/session/refresh', {
          headers: { cookie: cookieHeader, 'content-type': 'application/json' },
        });
      const throughA = await renew(stack.portal.url, cookie);
      const retriedThroughB = await renew(other.url, cookie);
      expect([throughA.status, retriedThroughB.status]).toEqual([200, 200]);
      expect(retriedThroughB.body).toEqual({ username: 'panitia1', role: 'committee', expires_in: 7200 });
      const rotated = cookieOf(throughA, 'tixgo_refresh')?.pair as string;
      expect(cookieOf(retriedThroughB, 'tixgo_refresh')?.pair).toBe(rotated);
      const access = cookieOf(retriedThroughB, 'tixgo_session')?.pair as string;
      for (const portalUrl of [stack.portal.url, other.url]) {
        const me = await call(portalUrl, 'GET', '/api/auth/me', { headers: { cookie: access } });
        expect(me.status).toBe(200);
        expect(me.body).toEqual({ username: 'panitia1', role: 'committee' });
      }
      expect((await renew(other.url, rotated)).status).toBe(200);
    } finally {
      await other.close();
    }
  });

  it('answers 401 and clears both cookies when there is nothing to renew', async () => {
    const answer = await call(stack.portal.url, 'POST', '/api/session/refresh', {
      headers: { 'content-type': 'application/json' },
    });
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({ detail: 'No session to renew: sign in again' });
    expect(answer.cookies).toEqual([
      expect.stringMatching(/^tixgo_session=; /),
      expect.stringMatching(/^tixgo_refresh=; .*Path=\/api\/session/),
    ]);
  });
});

describe('DELETE /api/session (sign out)', () => {
  it('revokes the session at identity and clears both cookies', async () => {
    const { cookie, refresh } = await signIn();
    const out = await call(stack.portal.url, 'DELETE', '/api/session', {
      headers: { cookie, 'content-type': 'application/json' },
    });
    expect(out.status).toBe(200);
    expect(out.body).toEqual({ message: 'Logged out', revoked: true });
    expect(out.cookies).toEqual([
      expect.stringMatching(/^tixgo_session=; /),
      expect.stringMatching(/^tixgo_refresh=; /),
    ]);
    const renewed = await call(stack.portal.url, 'POST', '/api/session/refresh', {
      headers: { cookie: refresh?.pair as string, 'content-type': 'application/json' },
    });
    expect(renewed.status).toBe(401);
    expect(renewed.body).toEqual({ detail: expect.any(String) });
  });
});

describe('CSRF rules for writes made with the session cookies', () => {
  it('decides on the matched route: DELETE /%61pi/events/x with the cookie is held to the JSON rule (415)', async () => {
    const { cookie } = await signIn('admin1');
    const answer = await call(stack.portal.url, 'DELETE', '/%61pi/events/anything', { headers: { cookie } });
    expect(answer.status).toBe(415);
    expect(answer.body).toEqual({ detail: expect.stringContaining('Unsupported Media Type') });
  });

  it.each([
    ['an Origin of another site', { origin: 'https://evil.example' }],
    ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
    ['Sec-Fetch-Site: same-site (a sibling subdomain)', { 'sec-fetch-site': 'same-site' }],
  ])('refuses a JSON check-in with the cookie and %s (403), attendance never asked', async (_name, headers) => {
    const { cookie } = await signIn();
    const before = stack.attendance.received.length;
    const answer = await call(stack.portal.url, 'POST', '/api/checkins', {
      headers: { cookie, ...headers },
      json: { event_id: 'csrf-fest', ticket_id: 'X-1' },
    });
    expect(answer.status).toBe(403);
    expect(answer.body).toEqual({ detail: 'Cross-site request refused' });
    expect(stack.attendance.received.slice(before)).toEqual([]);
  });

  it('accepts the same check-in from the portal’s own origin', async () => {
    const { cookie } = await signIn();
    const host = new URL(stack.portal.url).host;
    const answer = await call(stack.portal.url, 'POST', '/api/checkins', {
      headers: { cookie, origin: `https://${host}`, 'sec-fetch-site': 'same-origin' },
      json: { event_id: 'csrf-fest', ticket_id: 'X-2' },
    });
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ event_id: 'csrf-fest', ticket_id: 'X-2', user_id: 'panitia1' });
  });

  it('holds the refresh cookie alone to the same rules (a cross-site renewal is refused)', async () => {
    const { refresh } = await signIn();
    const answer = await call(stack.portal.url, 'POST', '/api/session/refresh', {
      headers: { cookie: refresh?.pair as string, 'content-type': 'application/json', origin: 'https://evil.example' },
    });
    expect(answer.status).toBe(403);
    expect(answer.body).toEqual({ detail: 'Cross-site request refused' });
  });
});
