// Admin user management: GET /auth/users, PATCH and DELETE /auth/users/{username} (spec: identity, new).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, bearer, type IdentityHarness, startIdentityApp } from '../support/identity-app.js';

let identity: IdentityHarness;
let adminToken: string;
let committeeToken: string;

beforeAll(async () => {
  identity = await startIdentityApp();
  adminToken = await identity.adminToken();
  await identity.register({ username: 'member', password: 'pass1234' });
  committeeToken = await identity.tokenFor('member', 'pass1234');
});

afterAll(async () => {
  await identity?.close();
});

const patchRole = (username: string, role: unknown, token = adminToken) =>
  identity.app.inject({
    method: 'PATCH',
    url: `/auth/users/${encodeURIComponent(username)}`,
    headers: bearer(token),
    payload: { role },
  });
const deleteUser = (username: string, token = adminToken) =>
  identity.app.inject({ method: 'DELETE', url: `/auth/users/${encodeURIComponent(username)}`, headers: bearer(token) });
const listUsers = (token = adminToken) => identity.app.inject({ url: '/auth/users', headers: bearer(token) });

describe('GET /auth/users', () => {
  it('lists every user with role and creation time, ordered by name', async () => {
    const response = await listUsers();
    expect(response.statusCode).toBe(200);
    const { users } = response.json();
    expect(users).toEqual([
      { username: 'member', role: 'committee', created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/) },
      { username: ADMIN.username, role: 'admin', created_at: expect.any(String) },
    ]);
    expect(JSON.stringify(users)).not.toMatch(/password|hash/i);
  });

  it('answers 403 "Admin only" to a committee member', async () => {
    const response = await listUsers(committeeToken);
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual({ detail: 'Admin only' });
  });
});

describe('PATCH /auth/users/{username}', () => {
  it('changes the role (trimmed and lower-cased) and answers the updated user', async () => {
    await identity.register({ username: 'rising', password: 'pass1234' });
    const response = await patchRole('RISING', ' Admin ');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ username: 'rising', role: 'admin', created_at: expect.any(String) });
    const back = await patchRole('rising', 'committee');
    expect(back.statusCode).toBe(200);
    expect(back.json()).toMatchObject({ username: 'rising', role: 'committee' });
  });

  it('gives the supervisor role (issue 16), which the account then signs in with', async () => {
    await identity.register({ username: 'lead', password: 'pass1234' });
    const response = await patchRole('lead', 'Supervisor');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ username: 'lead', role: 'supervisor', created_at: expect.any(String) });
    const me = await identity.app.inject({
      url: '/auth/me',
      headers: bearer(await identity.tokenFor('lead', 'pass1234')),
    });
    expect(me.json()).toEqual({ username: 'lead', role: 'supervisor' });
  });

  it('answers 400 to an invalid role', async () => {
    const response = await patchRole('member', 'owner');
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ detail: "Invalid role: must be 'committee', 'supervisor' or 'admin'" });
  });

  it('answers 422 to a role that is not a string', async () => {
    const response = await patchRole('member', 7);
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual({
      detail: [{ loc: ['body', 'role'], msg: expect.any(String), type: expect.any(String) }],
    });
  });

  it('answers 404 to an unknown user', async () => {
    const response = await patchRole('no-such-user', 'admin');
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ detail: 'User not found' });
  });

  it('answers 409 to demoting the last admin, who stays admin', async () => {
    const response = await patchRole(ADMIN.username, 'committee');
    expect(response.statusCode).toBe(409);
    expect(response.json()).toEqual({ detail: 'Cannot remove the last admin' });
    const me = await identity.app.inject({ url: '/auth/me', headers: bearer(adminToken) });
    expect(me.json()).toEqual({ username: ADMIN.username, role: 'admin' });
  });

  it('answers 403 to a committee member', async () => {
    const response = await patchRole('member', 'admin', committeeToken);
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual({ detail: 'Admin only' });
  });
});

describe('DELETE /auth/users/{username}', () => {
  it("answers 204 and the deleted user's refresh token and login stop working", async () => {
    await identity.register({ username: 'leaving', password: 'pass1234' });
    const { refresh_token: refreshToken, access_token: accessToken } = (
      await identity.login('leaving', 'pass1234')
    ).json();

    const response = await deleteUser('Leaving');
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');

    const refresh = await identity.app.inject({
      method: 'POST',
      url: '/auth/refresh',
      payload: { refresh_token: refreshToken },
    });
    expect(refresh.statusCode).toBe(401);
    expect(refresh.json()).toEqual({ detail: 'Invalid refresh token' });
    const login = await identity.login('leaving', 'pass1234');
    expect(login.statusCode).toBe(401);
    expect(login.json()).toEqual({ detail: 'Invalid username/password' });
    const me = await identity.app.inject({ url: '/auth/me', headers: bearer(accessToken) });
    expect(me.statusCode).toBe(401);
    expect(me.json()).toEqual({ detail: 'Invalid token' });
  });

  it('frees the username for a new registration', async () => {
    await identity.register({ username: 'reused-name', password: 'pass1234' });
    expect((await deleteUser('reused-name')).statusCode).toBe(204);
    const again = await identity.register({ username: 'reused-name', password: 'new-pass' });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ username: 'reused-name', role: 'committee' });
  });

  it('answers 404 to an unknown user', async () => {
    const response = await deleteUser('no-such-user');
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ detail: 'User not found' });
  });

  it('answers 409 to deleting the last admin', async () => {
    const response = await deleteUser(ADMIN.username);
    expect(response.statusCode).toBe(409);
    expect(response.json()).toEqual({ detail: 'Cannot remove the last admin' });
    expect((await identity.login(ADMIN.username, ADMIN.password)).statusCode).toBe(200);
  });

  it('deletes an admin while another admin remains', async () => {
    await identity.register({ username: 'deputy', password: 'pass1234', role: 'admin' }, adminToken);
    const response = await deleteUser('deputy');
    expect(response.statusCode).toBe(204);
    const remaining = (await listUsers()).json().users.filter((user: { role: string }) => user.role === 'admin');
    expect(remaining).toEqual([{ username: ADMIN.username, role: 'admin', created_at: expect.any(String) }]);
  });

  it("ends a demoted admin's user management at once: the old token, which still says admin, is revoked", async () => {
    await identity.register({ username: 'ex-admin', password: 'pass1234', role: 'admin' }, adminToken);
    const staleToken = await identity.tokenFor('ex-admin', 'pass1234');
    expect((await patchRole('ex-admin', 'committee')).statusCode).toBe(200);

    const list = await listUsers(staleToken);
    expect(list.statusCode).toBe(401);
    expect(list.json()).toEqual({ detail: 'Invalid token' });
    const promoteSelf = await patchRole('ex-admin', 'admin', staleToken);
    expect(promoteSelf.statusCode).toBe(401);
    expect(promoteSelf.json()).toEqual({ detail: 'Invalid token' });
    const register = await identity.register({ username: 'crony', password: 'pass1234', role: 'admin' }, staleToken);
    expect(register.statusCode).toBe(401);
    expect(register.json()).toEqual({ detail: 'Invalid token' });
    // The demoted user's new login is a committee token: still no user management.
    const fresh = await identity.tokenFor('ex-admin', 'pass1234');
    const again = await listUsers(fresh);
    expect(again.statusCode).toBe(403);
    expect(again.json()).toEqual({ detail: 'Admin only' });
  });

  it('does not revoke tokens when the role set is the one the user has', async () => {
    await identity.register({ username: 'steady', password: 'pass1234' });
    const token = await identity.tokenFor('steady', 'pass1234');
    const same = await patchRole('steady', 'committee');
    expect(same.statusCode).toBe(200);
    expect(same.json()).toMatchObject({ username: 'steady', role: 'committee' });
    const me = await identity.app.inject({ url: '/auth/me', headers: bearer(token) });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toEqual({ username: 'steady', role: 'committee' });
  });

  it("ends a deleted admin's user management at once with 401", async () => {
    await identity.register({ username: 'gone-admin', password: 'pass1234', role: 'admin' }, adminToken);
    const staleToken = await identity.tokenFor('gone-admin', 'pass1234');
    expect((await deleteUser('gone-admin')).statusCode).toBe(204);

    const response = await deleteUser('member', staleToken);
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ detail: 'Invalid token' });
    expect((await listUsers()).json().users.map((user: { username: string }) => user.username)).toContain('member');
  });

  it('keeps one admin when two admins remove each other at the same time', async () => {
    await identity.register({ username: 'twin-a', password: 'pass1234', role: 'admin' }, adminToken);
    await identity.register({ username: 'twin-b', password: 'pass1234', role: 'admin' }, adminToken);
    // Only the twins are admins now: the root admin steps down first.
    const tokenA = await identity.tokenFor('twin-a', 'pass1234');
    expect((await patchRole(ADMIN.username, 'committee', tokenA)).statusCode).toBe(200);
    const tokenB = await identity.tokenFor('twin-b', 'pass1234');

    const [first, second] = await Promise.all([deleteUser('twin-b', tokenA), deleteUser('twin-a', tokenB)]);
    // One wins; the other is refused as the last admin (409) or, if it was checked after
    // the winner's delete, as a caller who no longer exists (401).
    const statuses = [first.statusCode, second.statusCode].sort();
    expect(statuses[0]).toBe(204);
    expect([401, 409]).toContain(statuses[1]);
    const { rows } = await identity.db.pool.query("SELECT count(*)::int AS n FROM users WHERE role = 'admin'");
    expect(rows[0].n).toBe(1);
  });

  it('answers 403 to a committee member', async () => {
    const response = await deleteUser('member', committeeToken);
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual({ detail: 'Admin only' });
  });
});

describe('PUT /auth/users/{username}/password', () => {
  // An admin of its own: the tests above change the first admin's role.
  let resetter: string;
  beforeAll(async () => {
    // Made admin in the database: by now the tests above have changed who is admin.
    const made = await identity.register({ username: 'reset-admin', password: 'pass1234' });
    if (made.statusCode !== 200) throw new Error(`set-up: ${made.statusCode} ${made.body}`);
    await identity.db.pool.query("UPDATE users SET role = 'admin' WHERE username = 'reset-admin'");
    resetter = await identity.tokenFor('reset-admin', 'pass1234');
  });
  const reset = (username: string, password: unknown, token = resetter) =>
    identity.app.inject({
      method: 'PUT',
      url: `/auth/users/${encodeURIComponent(username)}/password`,
      headers: bearer(token),
      payload: { password },
    });

  it('sets a forgotten password: the new one signs in, the old one and the old sessions no longer work', async () => {
    await identity.register({ username: 'lupa-sandi', password: 'old-pass' });
    const before = await identity.login('lupa-sandi', 'old-pass');
    expect(before.statusCode).toBe(200);
    const { access_token: oldAccess, refresh_token: oldRefresh } = before.json();

    const response = await reset('Lupa-Sandi', 'new-pass-2026');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ username: 'lupa-sandi', role: 'committee', created_at: expect.any(String) });

    const old = await identity.login('lupa-sandi', 'old-pass');
    expect(old.statusCode).toBe(401);
    expect(old.json()).toEqual({ detail: 'Invalid username/password' });
    expect((await identity.login('lupa-sandi', 'new-pass-2026')).statusCode).toBe(200);
    const me = await identity.app.inject({ url: '/auth/me', headers: bearer(oldAccess) });
    expect(me.statusCode).toBe(401);
    expect(me.json()).toEqual({ detail: 'Invalid token' });
    const refreshed = await identity.app.inject({
      method: 'POST',
      url: '/auth/refresh',
      payload: { refresh_token: oldRefresh },
    });
    expect(refreshed.statusCode).toBe(401);
  });

  it('is for admins only, 404 for an unknown member, and holds the password rules', async () => {
    const refused = await reset('member', 'whatever1', committeeToken);
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toEqual({ detail: 'Admin only' });
    const missing = await reset('nobody-here', 'whatever1');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ detail: 'User not found' });
    const short = await reset('member', 'abc');
    expect(short.statusCode).toBe(422);
    expect(short.json().detail[0]).toMatchObject({ loc: ['body', 'password'], type: 'too_small' });
    const long = await reset('member', 'é'.repeat(40));
    expect(long.statusCode).toBe(400);
    expect(long.json()).toEqual({ detail: 'Password too long: at most 72 bytes' });
  });
});
