// Issue 10, item 9: the portal limits logins and registrations per client address itself, before forwarding,
// so one client cannot use up the budget identity keeps for the portal's address (shared by all its users).
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningService, startPortal, useUpstreams } from './support/stack.js';

const MAX = 3;
const WINDOW_SECONDS = 60;

const upstreams = useUpstreams();
let portal: RunningService;
// The portal's clock: a test moves it past the window instead of waiting.
let nowMs = Date.parse('2026-12-06T10:00:00Z');

beforeAll(async () => {
  portal = await startPortal({
    identityUrl: upstreams.identity.url,
    attendanceUrl: upstreams.attendance.url,
    now: () => nowMs,
    env: { PORTAL_LOGIN_MAX_PER_IP: String(MAX), PORTAL_LOGIN_WINDOW_SECONDS: String(WINDOW_SECONDS) },
  });
});

afterAll(async () => {
  await portal?.close();
});

const post = (url: string, payload: object, from: string) =>
  portal.app.inject({ method: 'POST', url, payload, remoteAddress: from });

function expectTooMany(response: LightMyRequestResponse): void {
  expect(response.statusCode).toBe(429);
  const retryAfter = Number(response.headers['retry-after']);
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(WINDOW_SECONDS);
  expect(response.json()).toEqual({ detail: `Too many login attempts, try again in ${retryAfter} seconds` });
}

describe('logins through the portal', () => {
  it('answers 429 with Retry-After to a client past its attempts, while another client logs in', async () => {
    const attacker = '10.20.0.1';
    for (let attempt = 0; attempt < MAX; attempt++) {
      const response = await post('/api/auth/login', { username: 'admin1', password: `guess-${attempt}` }, attacker);
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual({ detail: 'Invalid username/password' });
    }
    expectTooMany(await post('/api/auth/login', { username: 'admin1', password: 'secret' }, attacker));
    // A %-escaped path is the same route, and the same limit.
    expectTooMany(await post('/api/auth/%6cogin', { username: 'admin1', password: 'secret' }, attacker));

    const owner = await post('/api/auth/login', { username: 'admin1', password: 'secret' }, '10.20.0.2');
    expect(owner.statusCode).toBe(200);
    expect(owner.json()).toMatchObject({ token_type: 'bearer' });
  });

  it('counts registrations per client too (a budget of their own)', async () => {
    const from = '10.20.1.1';
    for (let attempt = 0; attempt < MAX; attempt++) {
      const response = await post('/api/auth/register', { username: `walk-in-${attempt}`, password: 'pass1234' }, from);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ username: `walk-in-${attempt}`, role: 'committee' });
    }
    expectTooMany(await post('/api/auth/register', { username: 'walk-in-extra', password: 'pass1234' }, from));
  });

  it("counts the web UI's sign-in (POST /api/session) in the same budget as /api/auth/login (issue 15, item 8)", async () => {
    const attacker = '10.20.2.1';
    for (let attempt = 0; attempt < MAX; attempt++) {
      const response = await post('/api/session', { username: 'admin1', password: `guess-${attempt}` }, attacker);
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual({ detail: 'Invalid username/password' });
    }
    expectTooMany(await post('/api/session', { username: 'admin1', password: 'secret' }, attacker));
    expectTooMany(await post('/api/auth/login', { username: 'admin1', password: 'secret' }, attacker));
    const owner = await post('/api/session', { username: 'admin1', password: 'secret' }, '10.20.2.2');
    expect(owner.statusCode).toBe(200);
    expect(owner.json()).toMatchObject({ username: 'admin1', role: 'admin' });
  });

  it('limits renewals per client (both ways in share a budget), and opens again when the window ends', async () => {
    const from = '10.20.3.1';
    const bogus = { refresh_token: 'not-a-refresh-token' };
    for (let attempt = 0; attempt < MAX; attempt++) {
      const response = await post('/api/auth/refresh', bogus, from);
      expect(response.statusCode).toBe(401);
    }
    expectTooMany(await post('/api/auth/refresh', bogus, from));
    expectTooMany(await post('/api/session/refresh', {}, from));
    // Renewing is its own budget: the same client may still sign in.
    const signIn = await post('/api/auth/login', { username: 'panitia1', password: 'secret' }, from);
    expect(signIn.statusCode).toBe(200);
    nowMs += WINDOW_SECONDS * 1000;
    const after = await post('/api/auth/refresh', bogus, from);
    expect(after.statusCode).toBe(401);
    expect(after.json()).toMatchObject({ detail: expect.any(String) });
  });
});
