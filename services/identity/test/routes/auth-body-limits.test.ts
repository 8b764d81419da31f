// Issue 15, item 7: the routes anyone may call before holding a token take small bodies only, and renewals are counted per client address.
import { AUTH_BODY_LIMIT_BYTES } from '@tixgo/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IdentityHarness, startIdentityApp } from '../support/identity-app.js';

const MAX_PER_IP = 3;
let identity: IdentityHarness;

beforeAll(async () => {
  identity = await startIdentityApp({ LOGIN_MAX_PER_IP: String(MAX_PER_IP), LOGIN_WINDOW_SECONDS: '60' });
});
afterAll(async () => {
  await identity?.close();
});

describe('auth bodies and renewals', () => {
  it.each(['/auth/login', '/auth/register', '/auth/refresh', '/auth/logout'])(
    'answers 413 to a %s body over 16 KiB, before parsing it',
    async (url) => {
      const payload = { username: 'u', password: 'p', refresh_token: 'r'.repeat(AUTH_BODY_LIMIT_BYTES) };
      const response = await identity.app.inject({ method: 'POST', url, payload, remoteAddress: '10.9.0.1' });
      expect(response.statusCode).toBe(413);
      expect(response.json()).toEqual({ detail: 'Request body is too large' });
    },
  );

  it('counts refresh attempts per client address like logins: 429 with Retry-After past the limit', async () => {
    const from = '10.9.1.1';
    const refresh = () =>
      identity.app.inject({
        method: 'POST',
        url: '/auth/refresh',
        payload: { refresh_token: 'guessed-refresh-token' },
        remoteAddress: from,
      });
    for (let attempt = 0; attempt < MAX_PER_IP; attempt++) {
      const response = await refresh();
      expect(response.statusCode).toBe(401);
    }
    const refused = await refresh();
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.json()).toEqual({ detail: expect.stringMatching(/^Too many/) });
    // Another client is not held back.
    const other = await identity.app.inject({
      method: 'POST',
      url: '/auth/refresh',
      payload: { refresh_token: 'guessed-refresh-token' },
      remoteAddress: '10.9.1.2',
    });
    expect(other.statusCode).toBe(401);
  });
});
