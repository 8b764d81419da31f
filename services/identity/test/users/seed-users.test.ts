// Users that exist at start-up: demo users (compat smoke test) and the bootstrap admin (spec: identity).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPasswordHasher } from '../../src/users/password-hasher.js';
import { DEMO_USERS, seedUsers } from '../../src/users/seed-users.js';
import { bearer, type IdentityHarness, startIdentityApp } from '../support/identity-app.js';

const quietLog = { info: () => undefined, warn: () => undefined };

describe('with SEED_DEMO_USERS=true and ADMIN_USERNAME/ADMIN_PASSWORD', () => {
  let identity: IdentityHarness;

  beforeAll(async () => {
    identity = await startIdentityApp({
      SEED_DEMO_USERS: 'true',
      ADMIN_USERNAME: 'Operator',
      ADMIN_PASSWORD: 'operator-pass',
    });
  });

  afterAll(async () => {
    await identity?.close();
  });

  it.each([
    ['panitia1', 'committee'],
    ['admin1', 'admin'],
  ])('lets the demo user %s log in with "secret" as %s', async (username, role) => {
    const token = await identity.tokenFor(username, 'secret');
    const me = await identity.app.inject({ url: '/auth/me', headers: bearer(token) });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toEqual({ username, role });
  });

  it('creates the bootstrap admin, who can manage users', async () => {
    const token = await identity.tokenFor('operator', 'operator-pass');
    const users = await identity.app.inject({ url: '/auth/users', headers: bearer(token) });
    expect(users.statusCode).toBe(200);
    expect(users.json().users.map((user: { username: string; role: string }) => [user.username, user.role])).toEqual([
      ['admin1', 'admin'],
      ['Operator', 'admin'],
      ['panitia1', 'committee'],
    ]);
  });

  it('never changes existing users when seeding again (a changed password stays changed)', async () => {
    const otherHash = await identity.hasher.hash('changed-pass');
    await identity.db.pool.query("UPDATE users SET password_hash = $1 WHERE username = 'panitia1'", [otherHash]);
    await identity.db.pool.query("UPDATE users SET role = 'committee' WHERE username = 'admin1'");
    await seedUsers(
      identity.db.pool,
      createPasswordHasher(4),
      { demo: true, admin: { username: 'OPERATOR', password: 'another-pass' } },
      quietLog,
    );
    expect((await identity.login('panitia1', 'changed-pass')).statusCode).toBe(200);
    expect((await identity.login('panitia1', 'secret')).statusCode).toBe(401);
    expect((await identity.login('operator', 'operator-pass')).statusCode).toBe(200);
    const { rows } = await identity.db.pool.query('SELECT username, role FROM users ORDER BY lower(username)');
    expect(rows).toEqual([
      { username: 'admin1', role: 'committee' },
      { username: 'Operator', role: 'admin' },
      { username: 'panitia1', role: 'committee' },
    ]);
  });
});

describe('with SEED_DEMO_USERS=false', () => {
  let identity: IdentityHarness;

  beforeAll(async () => {
    identity = await startIdentityApp({ SEED_DEMO_USERS: 'false' });
  });

  afterAll(async () => {
    await identity?.close();
  });

  it('has no demo users', async () => {
    for (const { username, password } of DEMO_USERS) {
      const response = await identity.login(username, password);
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual({ detail: 'Invalid username/password' });
    }
  });
});

describe('a demo account left from an earlier run, once demo users are off', () => {
  let identity: IdentityHarness;

  beforeAll(async () => {
    // An earlier development run on the same database made the demo users.
    identity = await startIdentityApp({ SEED_DEMO_USERS: 'true' });
  });

  afterAll(async () => {
    await identity?.close();
  });

  it('no longer signs in with the published password, and its open sessions end; a changed password is kept', async () => {
    const before = await identity.login('admin1', 'secret');
    expect(before.statusCode).toBe(200);
    const { refresh_token: refreshToken } = before.json();
    const otherHash = await identity.hasher.hash('panitia-own-pass');
    await identity.db.pool.query("UPDATE users SET password_hash = $1 WHERE username = 'panitia1'", [otherHash]);

    // The next start runs with demo users off (a venue stack, or production).
    const warnings: string[] = [];
    const log = { info: () => undefined, warn: (_obj: object, msg?: string) => warnings.push(msg ?? '') };
    await seedUsers(identity.db.pool, identity.hasher, { demo: false, admin: undefined }, log);

    const refused = await identity.login('admin1', 'secret');
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toEqual({ detail: 'Invalid username/password' });
    const refreshed = await identity.app.inject({
      method: 'POST',
      url: '/auth/refresh',
      payload: { refresh_token: refreshToken },
    });
    expect(refreshed.statusCode).toBe(401);
    expect((await identity.login('panitia1', 'panitia-own-pass')).statusCode).toBe(200);
    expect(warnings).toEqual([
      'demo user admin1 still had its published password: that password no longer signs in (demo users are off)',
    ]);
    // The account stays (its name is in check-in records); an admin may delete it.
    const { rows } = await identity.db.pool.query("SELECT role FROM users WHERE username = 'admin1'");
    expect(rows).toEqual([{ role: 'admin' }]);
  });
});

describe('in production by default', () => {
  let identity: IdentityHarness;

  beforeAll(async () => {
    // An empty variable counts as unset: the production default applies.
    identity = await startIdentityApp({ NODE_ENV: 'production', SEED_DEMO_USERS: '' });
  });

  afterAll(async () => {
    await identity?.close();
  });

  it('has no demo users, but the bootstrap admin', async () => {
    expect(identity.config.seedDemoUsers).toBe(false);
    expect((await identity.login('panitia1', 'secret')).statusCode).toBe(401);
    expect((await identity.login('admin1', 'secret')).statusCode).toBe(401);
    expect((await identity.adminToken()).split('.')).toHaveLength(3);
  });
});
