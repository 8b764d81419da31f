// The browser session: login sets an HttpOnly/Secure/SameSite=Strict cookie that /api accepts; logout clears it.
import { describe, expect, it } from 'vitest';
import { call, login, useStack } from '../support/stack.js';

const stack = useStack();

/** Logs in through the portal; returns the session cookie pair ("tixgo_session=...") and the answer. */
async function browserLogin(username = 'panitia1') {
  const answer = await call(stack.portal.url, 'POST', '/api/auth/login', { json: { username, password: 'secret' } });
  const setCookie = answer.cookies.find((cookie) => cookie.startsWith('tixgo_session='));
  return { answer, setCookie, cookie: setCookie?.split(';', 1)[0] as string };
}

describe('session cookie', () => {
  it('is set by a login through the portal: HttpOnly, Secure, SameSite=Strict, Path=/, Max-Age of the token', async () => {
    const { answer, setCookie } = await browserLogin();
    expect(answer.status).toBe(200);
    const { access_token, expires_in } = answer.body as { access_token: string; expires_in: number };
    expect(expires_in).toBe(7200);
    const attributes = (setCookie as string).split(';').map((part) => part.trim());
    expect(attributes[0]).toBe(`tixgo_session=${access_token}`);
    expect(attributes.slice(1).sort()).toEqual(['HttpOnly', 'Max-Age=7200', 'Path=/', 'SameSite=Strict', 'Secure']);
  });

  it('alone authenticates /api/auth/me', async () => {
    const { cookie } = await browserLogin('admin1');
    const answer = await call(stack.portal.url, 'GET', '/api/auth/me', { headers: { cookie } });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ username: 'admin1', role: 'admin' });
  });

  it('alone authenticates a JSON check-in, made in the session user’s name', async () => {
    const { cookie } = await browserLogin();
    const answer = await call(stack.portal.url, 'POST', '/api/checkins', {
      headers: { cookie },
      json: { event_id: 'cookie-fest', ticket_id: 'C-1', location: 'Gate A' },
    });
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({
      event_id: 'cookie-fest',
      ticket_id: 'C-1',
      user_id: 'panitia1',
      status: 'success',
    });
  });

  it('gives way to a Bearer header when both are present', async () => {
    const { cookie } = await browserLogin('panitia1');
    const adminToken = await login(stack.identity.url, 'admin1');
    const answer = await call(stack.portal.url, 'GET', '/api/auth/me', { headers: { cookie }, token: adminToken });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ username: 'admin1', role: 'admin' });
  });

  it.each([
    ['text/plain', '{"event_id":"cookie-fest","ticket_id":"C-2"}'],
    ['application/x-www-form-urlencoded', 'event_id=cookie-fest&ticket_id=C-2'],
    [
      'multipart/form-data; boundary=x',
      '--x\r\nContent-Disposition: form-data; name="event_id"\r\n\r\ncookie-fest\r\n--x--\r\n',
    ],
  ])('refuses a cookie-authenticated POST sent as %s with 415, attendance never asked', async (type, body) => {
    const { cookie } = await browserLogin();
    const before = stack.attendance.received.length;
    const answer = await call(stack.portal.url, 'POST', '/api/checkins', {
      headers: { cookie, 'content-type': type },
      body,
    });
    expect(answer.status).toBe(415);
    expect(answer.body).toEqual({ detail: expect.stringContaining('Unsupported Media Type') });
    expect(stack.attendance.received.slice(before)).toEqual([]);
  });

  it('refuses a cookie-authenticated DELETE without a JSON content type with 415', async () => {
    const { cookie } = await browserLogin('admin1');
    const answer = await call(stack.portal.url, 'DELETE', '/api/events/anything', { headers: { cookie } });
    expect(answer.status).toBe(415);
    expect(answer.body).toEqual({ detail: expect.stringContaining('Unsupported Media Type') });
  });

  it('accepts a cookie-authenticated DELETE that says application/json and sends no body', async () => {
    const { cookie } = await browserLogin('admin1');
    const created = await call(stack.portal.url, 'POST', '/api/events', {
      headers: { cookie },
      json: { id: 'cookie-delete', title: 'Short-lived' },
    });
    expect(created.status).toBe(201);
    const deleted = await call(stack.portal.url, 'DELETE', '/api/events/cookie-delete', {
      headers: { cookie, 'content-type': 'application/json' },
    });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ status: 'deleted', event_id: 'cookie-delete' });
  });

  it('accepts a text/csv ticket upload with the cookie, on that route only', async () => {
    const { cookie } = await browserLogin('admin1');
    const event = await call(stack.portal.url, 'POST', '/api/events', {
      headers: { cookie },
      json: { id: 'cookie-csv', title: 'Cookie CSV' },
    });
    expect(event.status).toBe(201);
    const issued = await call(stack.portal.url, 'POST', '/api/events/cookie-csv/tickets', {
      headers: { cookie, 'content-type': 'text/csv' },
      body: 'ticket_id\nCK-1\n',
    });
    expect(issued.status).toBe(201);
    expect(issued.body).toEqual({
      created: 1,
      tickets: [{ ticket_id: 'CK-1', holder_name: null, holder_email: null }],
    });
    const elsewhere = await call(stack.portal.url, 'POST', '/api/checkins', {
      headers: { cookie, 'content-type': 'text/csv' },
      body: 'event_id,ticket_id\ncookie-csv,CK-1\n',
    });
    expect(elsewhere.status).toBe(415);
    expect(elsewhere.body).toEqual({ detail: expect.stringContaining('Unsupported Media Type') });
  });

  it('does not hold a Bearer-authenticated request to the JSON-only rule (no cookie, no CSRF risk)', async () => {
    const token = await login(stack.identity.url, 'panitia1');
    const answer = await call(stack.portal.url, 'POST', '/api/checkins', {
      token,
      headers: { 'content-type': 'text/plain' },
      body: '{"event_id":"cookie-fest","ticket_id":"C-3"}',
    });
    // Past the CSRF rule, a text body is simply not the JSON object the schema wants.
    expect(answer.status).toBe(422);
    expect(answer.body).toEqual({ detail: [{ loc: ['body'], msg: expect.any(String), type: expect.any(String) }] });
  });

  it('is cleared by logout, which also revokes the refresh token upstream', async () => {
    const { answer, cookie } = await browserLogin();
    const { refresh_token } = answer.body as { refresh_token: string };
    const out = await call(stack.portal.url, 'POST', '/api/auth/logout', {
      headers: { cookie },
      json: { refresh_token },
    });
    expect(out.status).toBe(200);
    expect(out.body).toEqual({ message: 'Logged out' });
    expect(out.cookies).toEqual([expect.stringMatching(/^tixgo_session=; .*Expires=Thu, 01 Jan 1970 00:00:00 GMT/)]);
    const cleared = (out.cookies[0] as string).split(';').map((part) => part.trim());
    expect(cleared).toEqual(expect.arrayContaining(['HttpOnly', 'Secure', 'SameSite=Strict', 'Path=/']));
    const refresh = await call(stack.portal.url, 'POST', '/api/auth/refresh', { json: { refresh_token } });
    expect(refresh.status).toBe(401);
    expect(refresh.body).toEqual({ detail: expect.any(String) });
  });

  it('is cleared by logout without a body too (JSON content type, nothing to send)', async () => {
    const { cookie } = await browserLogin();
    const out = await call(stack.portal.url, 'POST', '/api/auth/logout', {
      headers: { cookie, 'content-type': 'application/json' },
    });
    expect(out.status).toBe(200);
    expect(out.body).toEqual({ message: 'Logged out' });
    expect(out.cookies).toEqual([expect.stringMatching(/^tixgo_session=; /)]);
  });

  it('follows a refresh through the portal (the new access token replaces the old one)', async () => {
    const { answer } = await browserLogin();
    const { refresh_token } = answer.body as { refresh_token: string };
    const refreshed = await call(stack.portal.url, 'POST', '/api/auth/refresh', { json: { refresh_token } });
    expect(refreshed.status).toBe(200);
    const { access_token } = refreshed.body as { access_token: string };
    expect(refreshed.cookies).toEqual([
      expect.stringMatching(new RegExp(`^tixgo_session=${access_token.replace(/\./g, '\\.')};`)),
    ]);
  });

  it('without a cookie or header, /api answers 401 "Missing Authorization header"', async () => {
    const answer = await call(stack.portal.url, 'GET', '/api/auth/me');
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({ detail: 'Missing Authorization header' });
  });
});
