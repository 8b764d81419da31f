// POST /auth/login and GET /auth/me (spec: identity table).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validToken } from '../../../../packages/platform/test/support/forge-token.js';
import { bearer, decodeClaims, type IdentityHarness, JWT_SECRET, startIdentityApp } from '../support/identity-app.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let identity: IdentityHarness;

beforeAll(async () => {
  identity = await startIdentityApp({ TOKEN_EXPIRE_MINUTES: '30' });
  await identity.register({ username: 'Panitia2', password: 'gate-pass' });
});

afterAll(async () => {
  await identity?.close();
});

describe('POST /auth/login', () => {
  it('answers the compat token body plus expires_in and refresh_token', async () => {
    const response = await identity.login('Panitia2', 'gate-pass');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      access_token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
      token_type: 'bearer',
      expires_in: 30 * 60,
      refresh_token: expect.stringMatching(/^[\w-]{40,}$/),
    });
  });

  it('signs an HS256 access token with sub, role, iat and exp (compat) and the account id, session and version', async () => {
    const { access_token: token } = (await identity.login('Panitia2', 'gate-pass')).json();
    const header = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString());
    expect(header.alg).toBe('HS256');
    const claims = decodeClaims(token);
    expect(claims).toEqual({
      sub: 'Panitia2',
      role: 'committee',
      uid: await identity.uidOf('Panitia2'),
      sid: expect.stringMatching(UUID),
      ver: 0,
      iat: expect.any(Number),
      exp: expect.any(Number),
    });
    expect((claims.exp as number) - (claims.iat as number)).toBe(30 * 60);
    // Verifiable by any service holding the shared secret.
    expect(identity.app.jwt.verify(token)).toMatchObject({ sub: 'Panitia2' });
  });

  it('gives every login its own session id', async () => {
    const first = decodeClaims((await identity.login('Panitia2', 'gate-pass')).json().access_token);
    const second = decodeClaims((await identity.login('Panitia2', 'gate-pass')).json().access_token);
    expect(first.uid).toBe(second.uid);
    expect(first.sid).not.toBe(second.sid);
  });

  it('normalises the username as registration does: a trailing space or full-width letters log in the same user', async () => {
    for (const typed of ['Panitia2 ', '  Panitia2', 'Ｐａｎｉｔｉａ２']) {
      const response = await identity.login(typed, 'gate-pass');
      expect(response.statusCode, typed).toBe(200);
      expect(decodeClaims(response.json().access_token).sub).toBe('Panitia2');
    }
  });

  it('ignores the letter case of the username and signs the stored spelling', async () => {
    const response = await identity.login('PANITIA2', 'gate-pass');
    expect(response.statusCode).toBe(200);
    expect(decodeClaims(response.json().access_token).sub).toBe('Panitia2');
  });

  it('answers 401 "Invalid username/password" to a wrong password', async () => {
    const response = await identity.login('Panitia2', 'wrong-pass');
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ detail: 'Invalid username/password' });
  });

  it('answers the same 401 text to an unknown username', async () => {
    const response = await identity.login('nobody-here', 'gate-pass');
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ detail: 'Invalid username/password' });
  });

  it('answers 401, not a hint about the rules, to usernames and passwords of any length', async () => {
    for (const [username, password] of [
      ['ab', 'gate-pass'],
      ['u'.repeat(120), 'gate-pass'],
      ['Panitia2', 'x'],
      ['Panitia2', 'p'.repeat(300)],
      ['Panitia2', `gate-pass${'!'.repeat(80)}`],
    ] as const) {
      const response = await identity.login(username, password);
      expect(response.statusCode, `${username.length}/${password.length}`).toBe(401);
      expect(response.json()).toEqual({ detail: 'Invalid username/password' });
    }
  });

  it.each([
    ['a boolean', true],
    ['a fraction', 12.5],
    ['an object', { name: 'panitia2' }],
  ])('answers 422 to a username that is %s (only an integer is taken as its digits)', async (_name, username) => {
    const response = await identity.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { username, password: 'secret' },
    });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual({
      detail: [{ loc: ['body', 'username'], msg: expect.any(String), type: 'invalid_type' }],
    });
  });

  it('answers 422 to a body that is not {username, password} strings', async () => {
    const response = await identity.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { username: 'Panitia2', password: 1234 },
    });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual({
      detail: [{ loc: ['body', 'password'], msg: expect.any(String), type: 'invalid_type' }],
    });
  });
});

describe('GET /auth/me', () => {
  it('answers the caller in the compat body', async () => {
    const token = await identity.tokenFor('panitia2', 'gate-pass');
    const response = await identity.app.inject({ url: '/auth/me', headers: bearer(token) });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ username: 'Panitia2', role: 'committee' });
  });

  it('accepts the lowercase bearer scheme', async () => {
    const token = await identity.tokenFor('Panitia2', 'gate-pass');
    const response = await identity.app.inject({ url: '/auth/me', headers: { authorization: `bearer ${token}` } });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ username: 'Panitia2', role: 'committee' });
  });

  it('refuses the token of before a role change at once (401), and a new login shows the new role', async () => {
    await identity.register({ username: 'promoted', password: 'pass1234' });
    const token = await identity.tokenFor('promoted', 'pass1234');
    const patch = await identity.app.inject({
      method: 'PATCH',
      url: '/auth/users/promoted',
      headers: bearer(await identity.adminToken()),
      payload: { role: 'admin' },
    });
    expect(patch.statusCode).toBe(200);
    const stale = await identity.app.inject({ url: '/auth/me', headers: bearer(token) });
    expect(stale.statusCode).toBe(401);
    expect(stale.json()).toEqual({ detail: 'Invalid token' });
    const fresh = await identity.tokenFor('promoted', 'pass1234');
    expect(decodeClaims(fresh)).toMatchObject({ role: 'admin', ver: 1 });
    const response = await identity.app.inject({ url: '/auth/me', headers: bearer(fresh) });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ username: 'promoted', role: 'admin' });
  });

  it("answers 401 to a deleted user's token once the username belongs to a new account", async () => {
    await identity.register({ username: 'reincarnated', password: 'pass1234' });
    const oldToken = await identity.tokenFor('reincarnated', 'pass1234');
    const admin = bearer(await identity.adminToken());
    const removed = await identity.app.inject({ method: 'DELETE', url: '/auth/users/reincarnated', headers: admin });
    expect(removed.statusCode).toBe(204);
    expect((await identity.register({ username: 'reincarnated', password: 'stranger-pass' })).statusCode).toBe(200);

    const response = await identity.app.inject({ url: '/auth/me', headers: bearer(oldToken) });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ detail: 'Invalid token' });
    const stranger = await identity.tokenFor('reincarnated', 'stranger-pass');
    expect(decodeClaims(stranger).uid).not.toBe(decodeClaims(oldToken).uid);
    const me = await identity.app.inject({ url: '/auth/me', headers: bearer(stranger) });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toEqual({ username: 'reincarnated', role: 'committee' });
  });

  it("answers 401 to a token that carries another account's uid under this username", async () => {
    const forged = await identity.tokenFor('Panitia2', 'gate-pass');
    const claims = decodeClaims(forged);
    // Signed with the real secret (as a token of the deleted namesake would be), but its uid is not this account's.
    const token = validToken(JWT_SECRET, { ...claims, uid: '00000000-0000-4000-8000-000000000000' });
    const response = await identity.app.inject({ url: '/auth/me', headers: bearer(token) });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ detail: 'Invalid token' });
  });

  it('answers 401 "Missing Authorization header" without a token', async () => {
    const response = await identity.app.inject({ url: '/auth/me' });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ detail: 'Missing Authorization header' });
  });
});
