// GET /auth/revocations (issue 10): what identity publishes after role changes, deletions and logouts, with an ETag;
// and identity's own refusal of those tokens, at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, decodeClaims, type IdentityHarness, startIdentityApp } from '../support/identity-app.js';

let identity: IdentityHarness;
let adminToken: string;

beforeAll(async () => {
  identity = await startIdentityApp();
  adminToken = await identity.adminToken();
});

afterAll(async () => {
  await identity?.close();
});

const feed = (headers: Record<string, string> = {}) => identity.app.inject({ url: '/auth/revocations', headers });
const me = (token: string) => identity.app.inject({ url: '/auth/me', headers: bearer(token) });

async function newUser(username: string, role: 'committee' | 'admin' = 'committee') {
  const response = await identity.register({ username, password: 'pass1234', role }, adminToken);
  expect(response.statusCode).toBe(200);
  return (await identity.login(username, 'pass1234')).json() as { access_token: string; refresh_token: string };
}

describe('GET /auth/revocations', () => {
  it('answers without a token, with an ETag, and 304 without a body to the same ETag', async () => {
    const first = await feed();
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ revocations: expect.any(Array) });
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"[^"]+"$/);
    const again = await feed({ 'if-none-match': etag });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
  });

  it('lists a role change, a deletion and a logout with opaque ids only, and changes its ETag', async () => {
    const before = await feed();
    const demoted = await newUser('feed-demoted', 'admin');
    const deleted = await newUser('feed-deleted');
    const loggedOut = await newUser('feed-logged-out');
    const demotedUid = await identity.uidOf('feed-demoted');
    const deletedUid = await identity.uidOf('feed-deleted');

    const headers = bearer(adminToken);
    const patch = await identity.app.inject({
      method: 'PATCH',
      url: '/auth/users/feed-demoted',
      headers,
      payload: { role: 'committee' },
    });
    expect(patch.statusCode).toBe(200);
    const removed = await identity.app.inject({ method: 'DELETE', url: '/auth/users/feed-deleted', headers });
    expect(removed.statusCode).toBe(204);
    const logout = await identity.app.inject({
      method: 'POST',
      url: '/auth/logout',
      payload: { refresh_token: loggedOut.refresh_token },
    });
    expect(logout.statusCode).toBe(200);

    const after = await feed({ 'if-none-match': before.headers.etag as string });
    expect(after.statusCode).toBe(200);
    expect(after.headers.etag).not.toBe(before.headers.etag);
    const { revocations } = after.json();
    expect(revocations).toEqual(
      expect.arrayContaining([
        { uid: demotedUid, min_ver: 1 },
        { uid: deletedUid, deleted: true },
        { sid: decodeClaims(loggedOut.access_token).sid },
      ]),
    );
    expect(after.body).not.toMatch(/feed-|committee|admin/);
    // And identity itself refuses those tokens at once.
    for (const token of [demoted.access_token, deleted.access_token, loggedOut.access_token]) {
      const response = await me(token);
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual({ detail: 'Invalid token' });
    }
  });

  it("picks up another identity replica's change from the shared table", async () => {
    const other = await newUser('feed-other-replica');
    const sid = decodeClaims(other.access_token).sid as string;
    // What another replica's logout writes: the revocation row, in its own transaction.
    await identity.db.pool.query("INSERT INTO revocations (kind, subject) VALUES ('session', $1)", [sid]);
    let listed = false;
    for (let attempt = 0; attempt < 50 && !listed; attempt++) {
      listed = (await feed()).json().revocations.some((entry: { sid?: string }) => entry.sid === sid);
      if (!listed) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(listed).toBe(true);
  });

  it('drops entries older than the token lifetime and its margins', async () => {
    const aged = await newUser('feed-aged');
    const sid = decodeClaims(aged.access_token).sid as string;
    await identity.db.pool.query(
      "INSERT INTO revocations (kind, subject, created_at) VALUES ('session', $1, now() - interval '1 day')",
      [sid],
    );
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const response = await feed();
    expect(response.statusCode).toBe(200);
    expect(response.json().revocations).not.toContainEqual({ sid });
  });
});

describe('tokens and sessions', () => {
  it('keeps the session id across refreshes and signs the current version', async () => {
    const tokens = await newUser('session-keeper');
    const sid = decodeClaims(tokens.access_token).sid;
    const refreshed = await identity.app.inject({
      method: 'POST',
      url: '/auth/refresh',
      payload: { refresh_token: tokens.refresh_token },
    });
    expect(refreshed.statusCode).toBe(200);
    expect(decodeClaims(refreshed.json().access_token)).toMatchObject({
      sub: 'session-keeper',
      sid,
      uid: await identity.uidOf('session-keeper'),
      ver: 0,
    });
  });

  it("ends the session's access tokens when a rotated refresh token is reused after the grace", async () => {
    const tokens = await newUser('session-stolen');
    const refresh = (token: string) =>
      identity.app.inject({ method: 'POST', url: '/auth/refresh', payload: { refresh_token: token } });
    const rotated = (await refresh(tokens.refresh_token)).json();
    expect((await me(rotated.access_token)).statusCode).toBe(200);
    identity.advanceClock((identity.config.refreshReuseGraceSeconds + 1) * 1000);
    const reuse = await refresh(tokens.refresh_token);
    expect(reuse.statusCode).toBe(401);
    for (const token of [tokens.access_token, rotated.access_token]) {
      const response = await me(token);
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual({ detail: 'Invalid token' });
    }
  });

  it('ends only the logged-out session: another login of the same user still works', async () => {
    const phone = await newUser('two-devices');
    const laptop = (await identity.login('two-devices', 'pass1234')).json();
    const logout = await identity.app.inject({
      method: 'POST',
      url: '/auth/logout',
      payload: { refresh_token: phone.refresh_token },
    });
    expect(logout.statusCode).toBe(200);
    expect((await me(phone.access_token)).statusCode).toBe(401);
    const response = await me(laptop.access_token);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ username: 'two-devices', role: 'committee' });
  });
});
