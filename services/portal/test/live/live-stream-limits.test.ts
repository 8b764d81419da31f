// Issue 15, items 3 and 4: a revoked token's open live streams end; one account or one address cannot take every stream slot.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStream } from '../support/event-stream.js';
import { call, type RunningService, startPortal, useUpstreams } from '../support/stack.js';

const upstreams = useUpstreams();
let portal: RunningService;
/** The hub's periodic revocation check, run by the test instead of a timer. */
let checkRevocations: () => void = () => undefined;

beforeAll(async () => {
  portal = await startPortal({
    identityUrl: upstreams.identity.url,
    attendanceUrl: upstreams.attendance.url,
    env: {
      REVOCATION_POLL_SECONDS: '1',
      LIVE_MAX_STREAMS_PER_USER: '2',
      LIVE_MAX_STREAMS_PER_CLIENT: '3',
      TRUST_PROXY: '127.0.0.1',
    },
    liveChecks: (_ms, check) => {
      checkRevocations = check;
      return () => undefined;
    },
  });
});
afterAll(async () => {
  await portal?.close();
});

const signIn = async (username: string) => {
  const answer = await call(portal.url, 'POST', '/api/auth/login', { json: { username, password: 'secret' } });
  expect(answer.status).toBe(200);
  return answer.body as { access_token: string; refresh_token: string };
};

describe('live streams and revocation', () => {
  it('ends an open stream with `expired` once its token is revoked (signed out elsewhere)', async () => {
    const tokens = await signIn('panitia1');
    const stream = await openStream(portal.url, '/api/live/overview', { token: tokens.access_token });
    try {
      expect(stream.status).toBe(200);
      await stream.next('overview');
      const logout = await call(upstreams.identity.url, 'POST', '/auth/logout', {
        json: { refresh_token: tokens.refresh_token },
      });
      expect(logout.status).toBe(200);
      // Once the portal has the revocation (its poll), any other request with the token is refused by
      // the portal itself (this attendance knows no revocations: it has no identity to ask)…
      for (;;) {
        const events = await call(portal.url, 'GET', '/api/events', { token: tokens.access_token });
        if (events.status === 401) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      // …and the next check ends the stream the same way.
      checkRevocations();
      const expired = await stream.next('expired', 10_000);
      expect(expired.data).toEqual({ detail: 'Invalid token' });
      await stream.ended;
    } finally {
      stream.close();
    }
  });
});

describe('live stream slots', () => {
  it('refuses a third stream of one account with 429 while another account still gets one', async () => {
    const [first, second] = [(await signIn('panitia1')).access_token, (await signIn('admin1')).access_token];
    const from = (address: string) => ({ 'x-forwarded-for': address });
    const open = [
      await openStream(portal.url, '/api/live/overview', { token: first, headers: from('10.30.0.1') }),
      await openStream(portal.url, '/api/live/overview', { token: first, headers: from('10.30.0.2') }),
    ];
    try {
      for (const stream of open) expect(stream.status).toBe(200);
      const refused = await openStream(portal.url, '/api/live/overview', { token: first, headers: from('10.30.0.3') });
      expect(refused.status).toBe(429);
      expect(refused.headers['retry-after']).toBe('10');
      expect(refused.body).toEqual({
        detail: 'Too many live streams open for this account; close one or try again later',
      });
      const other = await openStream(portal.url, '/api/live/overview', { token: second, headers: from('10.30.0.3') });
      open.push(other);
      expect(other.status).toBe(200);
    } finally {
      for (const stream of open) stream.close();
    }
  });

  it('refuses a fourth stream from one address with 429, whichever accounts open them', async () => {
    const tokens = await Promise.all(
      ['panitia1', 'admin1', 'panitia1'].map(async (name) => (await signIn(name)).access_token),
    );
    const headers = { 'x-forwarded-for': '10.31.0.1' };
    const open = [];
    try {
      open.push(await openStream(portal.url, '/api/live/overview', { token: tokens[0], headers }));
      open.push(await openStream(portal.url, '/api/live/overview', { token: tokens[1], headers }));
      open.push(await openStream(portal.url, '/api/live/overview', { token: tokens[1], headers }));
      for (const stream of open) expect(stream.status).toBe(200);
      const refused = await openStream(portal.url, '/api/live/overview', { token: tokens[2], headers });
      expect(refused.status).toBe(429);
      expect(refused.body).toEqual({
        detail: 'Too many live streams open from this address; close one or try again later',
      });
    } finally {
      for (const stream of open) stream.close();
    }
  });
});
