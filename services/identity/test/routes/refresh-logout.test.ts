// POST /auth/refresh (rotation, reuse after the grace revokes the family) and POST /auth/logout (spec: identity, new).

import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, decodeClaims, type IdentityHarness, startIdentityApp } from '../support/identity-app.js';

/** The grace the tests run with (REFRESH_REUSE_GRACE_SECONDS); the clock is moved past it, never waited for. */
const GRACE_MS = 20_000;
const digestOf = (token: string) => createHash('sha256').update(token).digest('hex');

let identity: IdentityHarness;

beforeAll(async () => {
  identity = await startIdentityApp({
    TOKEN_EXPIRE_MINUTES: '10',
    REFRESH_REUSE_GRACE_SECONDS: String(GRACE_MS / 1000),
  });
  await identity.register({ username: 'rotator', password: 'pass1234' });
});

afterAll(async () => {
  await identity?.close();
});

const refresh = (refreshToken: string) =>
  identity.app.inject({ method: 'POST', url: '/auth/refresh', payload: { refresh_token: refreshToken } });
const logout = (refreshToken: string) =>
  identity.app.inject({ method: 'POST', url: '/auth/logout', payload: { refresh_token: refreshToken } });
const loginTokens = async () => (await identity.login('rotator', 'pass1234')).json();

describe('POST /auth/refresh', () => {
  it('rotates: answers a new access token and a new refresh token', async () => {
    const first = await loginTokens();
    const response = await refresh(first.refresh_token);
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toEqual({
      access_token: expect.any(String),
      token_type: 'bearer',
      expires_in: 600,
      refresh_token: expect.any(String),
    });
    expect(body.refresh_token).not.toBe(first.refresh_token);
    expect(decodeClaims(body.access_token)).toMatchObject({ sub: 'rotator', role: 'committee' });
    const me = await identity.app.inject({ url: '/auth/me', headers: bearer(body.access_token) });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toEqual({ username: 'rotator', role: 'committee' });
  });

  it('signs the refreshed access token with the role the user has now', async () => {
    await identity.register({ username: 'climbing', password: 'pass1234' });
    const { refresh_token: token } = (await identity.login('climbing', 'pass1234')).json();
    const patch = await identity.app.inject({
      method: 'PATCH',
      url: '/auth/users/climbing',
      headers: bearer(await identity.adminToken()),
      payload: { role: 'admin' },
    });
    expect(patch.statusCode).toBe(200);
    const response = await refresh(token);
    expect(response.statusCode).toBe(200);
    expect(decodeClaims(response.json().access_token)).toMatchObject({ sub: 'climbing', role: 'admin' });
  });

  it('lets the newest refresh token of a chain rotate again', async () => {
    let current = (await loginTokens()).refresh_token;
    for (let step = 0; step < 3; step++) {
      const response = await refresh(current);
      expect(response.statusCode).toBe(200);
      current = response.json().refresh_token;
    }
    const last = await refresh(current);
    expect(last.statusCode).toBe(200);
  });

  it('answers 401 to a refresh token reused after the grace and revokes the whole family, so the newest fails too', async () => {
    const first = (await loginTokens()).refresh_token;
    const second = (await refresh(first)).json().refresh_token;
    const third = (await refresh(second)).json().refresh_token;

    identity.advanceClock(GRACE_MS + 1000);
    const reuse = await refresh(first);
    expect(reuse.statusCode).toBe(401);
    expect(reuse.json()).toEqual({ detail: 'Refresh token already used; sign in again' });

    const newest = await refresh(third);
    expect(newest.statusCode).toBe(401);
    expect(newest.json()).toEqual({ detail: expect.any(String) });
  });

  it('leaves other logins of the same user alone when one family is revoked', async () => {
    const stolen = (await loginTokens()).refresh_token;
    const otherDevice = (await loginTokens()).refresh_token;
    await refresh(stolen);
    identity.advanceClock(GRACE_MS + 1000);
    expect((await refresh(stolen)).statusCode).toBe(401);
    const response = await refresh(otherDevice);
    expect(response.statusCode).toBe(200);
    expect(response.json().token_type).toBe('bearer');
  });

  it('answers two concurrent uses of one refresh token (two tabs, two portals) with one rotation: the same new token', async () => {
    const token = (await loginTokens()).refresh_token;
    const responses = await Promise.all([refresh(token), refresh(token)]);
    expect(responses.map((response) => response.statusCode)).toEqual([200, 200]);
    const [one, two] = responses.map((response) => response.json());
    expect(one.refresh_token).toBe(two.refresh_token);
    const { rows } = await identity.db.pool.query(
      'SELECT count(*)::int AS n FROM refresh_tokens WHERE family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = $1)',
      [digestOf(token)],
    );
    expect(rows).toEqual([{ n: 2 }]);
    // The session lives on: the shared new token rotates as usual.
    expect((await refresh(one.refresh_token)).statusCode).toBe(200);
  });

  it('answers a renewal retried within the grace (its answer was lost) with the same new refresh token and a working access token', async () => {
    const token = (await loginTokens()).refresh_token;
    const first = (await refresh(token)).json();
    identity.advanceClock(GRACE_MS - 1000);
    const retried = await refresh(token);
    expect(retried.statusCode).toBe(200);
    expect(retried.json()).toEqual({
      access_token: expect.any(String),
      token_type: 'bearer',
      expires_in: 600,
      refresh_token: first.refresh_token,
    });
    const me = await identity.app.inject({ url: '/auth/me', headers: bearer(retried.json().access_token) });
    expect(me.json()).toEqual({ username: 'rotator', role: 'committee' });
    expect((await refresh(first.refresh_token)).statusCode).toBe(200);
  });

  it('answers a token retried within the grace after its successor rotated again with the newest token of the chain', async () => {
    const token = (await loginTokens()).refresh_token;
    const second = (await refresh(token)).json().refresh_token;
    const third = (await refresh(second)).json().refresh_token;
    const retried = await refresh(token);
    expect(retried.statusCode).toBe(200);
    expect(retried.json().refresh_token).toBe(third);
  });

  it('keeps a used token’s successor sealed: the database holds neither token in clear', async () => {
    const token = (await loginTokens()).refresh_token;
    const successor = (await refresh(token)).json().refresh_token as string;
    const { rows } = await identity.db.pool.query<{ sealed: Buffer }>(
      'SELECT successor_sealed AS sealed FROM refresh_tokens WHERE token_hash = $1',
      [digestOf(token)],
    );
    const sealed = rows[0]?.sealed as Buffer;
    expect(sealed.length).toBeGreaterThan(28);
    expect(sealed.includes(Buffer.from(successor))).toBe(false);
    expect(sealed.includes(Buffer.from(token))).toBe(false);
  });

  it('answers 401 "Invalid refresh token" to an unknown token', async () => {
    const response = await refresh('made-up-refresh-token');
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ detail: 'Invalid refresh token' });
  });

  it('does not take an access token as a refresh token', async () => {
    const { access_token: accessToken } = await loginTokens();
    const response = await refresh(accessToken);
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ detail: 'Invalid refresh token' });
  });

  it('answers 401 "Refresh token expired" to an expired refresh token', async () => {
    const token = (await loginTokens()).refresh_token;
    await identity.db.pool.query(
      "UPDATE refresh_tokens SET expires_at = now() - interval '1 second' WHERE used_at IS NULL AND revoked_at IS NULL",
    );
    const response = await refresh(token);
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ detail: 'Refresh token expired' });
  });

  it('answers 422 to a missing or empty refresh_token', async () => {
    for (const payload of [{}, { refresh_token: '' }]) {
      const response = await identity.app.inject({ method: 'POST', url: '/auth/refresh', payload });
      expect(response.statusCode).toBe(422);
      expect(response.json()).toEqual({
        detail: [{ loc: ['body', 'refresh_token'], msg: expect.any(String), type: expect.any(String) }],
      });
    }
  });

  it('stores only a digest of refresh tokens', async () => {
    const token = (await loginTokens()).refresh_token;
    const { rows } = await identity.db.pool.query('SELECT token_hash FROM refresh_tokens WHERE token_hash = $1', [
      token,
    ]);
    expect(rows).toEqual([]);
  });
});

describe('POST /auth/logout', () => {
  it('answers 200 {"message"} and the refresh token no longer works', async () => {
    const { refresh_token: token } = await loginTokens();
    const response = await logout(token);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ message: 'Logged out' });
    const after = await refresh(token);
    expect(after.statusCode).toBe(401);
    expect(after.json()).toEqual({ detail: expect.any(String) });
  });

  it('also ends the tokens rotated from the same login', async () => {
    const first = (await loginTokens()).refresh_token;
    const second = (await refresh(first)).json().refresh_token;
    expect((await logout(first)).statusCode).toBe(200);
    expect((await refresh(second)).statusCode).toBe(401);
  });

  it('answers 200 to a second logout and to an unknown token', async () => {
    const { refresh_token: token } = await loginTokens();
    expect((await logout(token)).statusCode).toBe(200);
    const again = await logout(token);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ message: 'Logged out' });
    const unknown = await logout('never-issued');
    expect(unknown.statusCode).toBe(200);
    expect(unknown.json()).toEqual({ message: 'Logged out' });
  });
});
