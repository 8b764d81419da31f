// POST /auth/register (spec: identity table, first row), closed registration and look-alike usernames (issue 10).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, type IdentityHarness, startIdentityApp } from '../support/identity-app.js';

let identity: IdentityHarness;
let adminToken: string;
let committeeToken: string;

beforeAll(async () => {
  identity = await startIdentityApp();
  adminToken = await identity.adminToken();
  await identity.register({ username: 'gatekeeper', password: 'gatepass' });
  committeeToken = await identity.tokenFor('gatekeeper', 'gatepass');
});

afterAll(async () => {
  await identity?.close();
});

const validationItem = (field: string) => ({ loc: ['body', field], msg: expect.any(String), type: expect.any(String) });

describe('GET /auth/settings', () => {
  it('tells anyone, without a token, that self-registration is open (the default outside production)', async () => {
    const response = await identity.app.inject({ method: 'GET', url: '/auth/settings' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ registration_open: true });
  });
});

describe('POST /auth/register', () => {
  it('creates a committee member by default and answers the compat body', async () => {
    const response = await identity.register({ username: 'panitia7', password: 'pass1234' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ username: 'panitia7', role: 'committee' });
    const login = await identity.login('panitia7', 'pass1234');
    expect(login.statusCode).toBe(200);
  });

  it('registers and logs in an integer username as its decimal string (compat: the original does)', async () => {
    const response = await identity.register({ username: 20260101, password: 'pass1234' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ username: '20260101', role: 'committee' });
    const login = await identity.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { username: 20260101, password: 'pass1234' },
    });
    expect(login.statusCode).toBe(200);
    expect(login.json()).toMatchObject({ token_type: 'bearer', access_token: expect.any(String) });
    const taken = await identity.register({ username: '20260101', password: 'other-pass' });
    expect(taken.statusCode).toBe(409);
    expect(taken.json()).toEqual({ detail: 'Username already exists' });
  });

  it('stores only a bcrypt hash of the password', async () => {
    await identity.register({ username: 'hashcheck', password: 'plain-text-pw' });
    const { rows } = await identity.db.pool.query('SELECT password_hash FROM users WHERE username = $1', ['hashcheck']);
    expect(rows[0].password_hash).toMatch(/^\$2[aby]\$04\$/);
    expect(rows[0].password_hash).not.toContain('plain-text-pw');
  });

  it('trims and lower-cases the role (" Committee " is committee)', async () => {
    const response = await identity.register({ username: 'trimmed', password: 'pass1234', role: ' Committee ' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ username: 'trimmed', role: 'committee' });
  });

  it('treats " ADMIN " as the admin role: 403 without a token', async () => {
    const response = await identity.register({ username: 'sneaky', password: 'pass1234', role: ' ADMIN ' });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual({ detail: 'Creating an admin requires an admin token' });
    expect((await identity.login('sneaky', 'pass1234')).statusCode).toBe(401);
  });

  it('treats " ADMIN " as the admin role: 200 with an admin token', async () => {
    const response = await identity.register(
      { username: 'second-admin', password: 'pass1234', role: ' ADMIN ' },
      adminToken,
    );
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ username: 'second-admin', role: 'admin' });
  });

  it('refuses the admin role to a committee member with 403 "Admin only"', async () => {
    const response = await identity.register(
      { username: 'climber', password: 'pass1234', role: 'admin' },
      committeeToken,
    );
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual({ detail: 'Admin only' });
  });

  it('answers 401 when the admin role comes with an invalid token', async () => {
    const response = await identity.register({ username: 'forger', password: 'pass1234', role: 'admin' }, 'not.a.jwt');
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ detail: 'Invalid token' });
  });

  it('lets an admin register a committee member too', async () => {
    const response = await identity.register({ username: 'by-admin', password: 'pass1234' }, adminToken);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ username: 'by-admin', role: 'committee' });
  });

  it.each(['superuser', 'root', '', '   ', 'supervisor'])('answers 400 to the invalid role %j', async (role) => {
    const response = await identity.register({
      username: `role-${role.trim() || 'blank'}`,
      password: 'pass1234',
      role,
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ detail: "Invalid role: must be 'committee' or 'admin'" });
  });

  it('answers 400 to a password over 72 bytes (ASCII)', async () => {
    const response = await identity.register({ username: 'longpw', password: 'a'.repeat(73) });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ detail: 'Password too long: at most 72 bytes' });
  });

  it('answers 400 to a password of few characters but over 72 bytes in UTF-8', async () => {
    const password = 'ü'.repeat(37); // 37 characters, 74 bytes
    const response = await identity.register({ username: 'umlauts', password });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ detail: 'Password too long: at most 72 bytes' });
  });

  it('accepts a password of exactly 72 bytes, multi-byte included', async () => {
    const password = '🔑'.repeat(18); // 4 bytes each
    const response = await identity.register({ username: 'emoji', password });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ username: 'emoji', role: 'committee' });
    expect((await identity.login('emoji', password)).statusCode).toBe(200);
  });

  it.each([
    ['a username of 2 characters', { username: 'ab', password: 'pass1234' }, 'username'],
    ['a username of 51 characters', { username: 'u'.repeat(51), password: 'pass1234' }, 'username'],
    ['a missing username', { password: 'pass1234' }, 'username'],
    ['a username that is a boolean', { username: true, password: 'pass1234' }, 'username'],
    ['a username that is a fraction', { username: 123.5, password: 'pass1234' }, 'username'],
    ['a username that is an integer of 2 digits', { username: 12, password: 'pass1234' }, 'username'],
    ['a password of 3 characters', { username: 'shortpw', password: 'abc' }, 'password'],
    ['a password of 201 characters', { username: 'hugepw', password: 'p'.repeat(201) }, 'password'],
    ['a missing password', { username: 'nopw' }, 'password'],
  ])('answers 422 in the FastAPI shape to %s', async (_name, body, field) => {
    const response = await identity.register(body);
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual({ detail: [validationItem(field)] });
  });

  it('accepts usernames of exactly 3 and 50 characters', async () => {
    for (const username of ['abc', 'x'.repeat(50)]) {
      const response = await identity.register({ username, password: 'pass' });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ username, role: 'committee' });
    }
  });

  it('answers 409 "Username already exists" to a taken username', async () => {
    await identity.register({ username: 'duplicate', password: 'pass1234' });
    const response = await identity.register({ username: 'duplicate', password: 'other-pass' });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toEqual({ detail: 'Username already exists' });
  });

  it('answers 409 to a taken username in another letter case, and keeps the first password', async () => {
    await identity.register({ username: 'CaseUser', password: 'first-pass' });
    const response = await identity.register({ username: 'caseuser', password: 'second-pass' });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toEqual({ detail: 'Username already exists' });
    expect((await identity.login('CaseUser', 'first-pass')).statusCode).toBe(200);
    expect((await identity.login('CaseUser', 'second-pass')).statusCode).toBe(401);
  });

  it('answers 409 when the bootstrap admin name is taken in upper case', async () => {
    const response = await identity.register({ username: ADMIN.username.toUpperCase(), password: 'pass1234' });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toEqual({ detail: 'Username already exists' });
  });

  it('creates one user when the same new name is registered many times at once', async () => {
    const responses = await Promise.all(
      Array.from({ length: 8 }, (_, index) =>
        identity.register({ username: index % 2 ? 'Racer' : 'racer', password: 'pass1234' }),
      ),
    );
    const statuses = responses.map((response) => response.statusCode).sort();
    expect(statuses).toEqual([200, 409, 409, 409, 409, 409, 409, 409]);
    const { rows } = await identity.db.pool.query(
      "SELECT count(*)::int AS n FROM users WHERE lower(username) = 'racer'",
    );
    expect(rows[0].n).toBe(1);
  });
});

describe('POST /auth/register: usernames are normalised and look-alikes refused', () => {
  it('stores "panitia1 " as panitia1, so registering it again answers 409', async () => {
    const first = await identity.register({ username: 'panitia9 ', password: 'pass1234' });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ username: 'panitia9', role: 'committee' });
    for (const lookalike of ['panitia9', ' panitia9', 'PANITIA9\u3000', 'ｐａｎｉｔｉａ９']) {
      const again = await identity.register({ username: lookalike, password: 'pass1234' });
      expect(again.statusCode, JSON.stringify(lookalike)).toBe(409);
      expect(again.json()).toEqual({ detail: 'Username already exists' });
    }
  });

  it.each([
    ['a Cyrillic а in place of the Latin a', 'p\u0430nitia1'],
    ['a zero-width space', 'pan\u200bitia1'],
    ['a space inside', 'panitia 1'],
    ['an emoji', 'gate🔑'],
    ['a slash', 'gate/one'],
  ])('answers 422 in the FastAPI shape to %s', async (_name, username) => {
    const response = await identity.register({ username, password: 'pass1234' });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual({
      detail: [
        { loc: ['body', 'username'], msg: 'may contain only ASCII letters, digits and . _ - @', type: 'custom' },
      ],
    });
  });

  it('accepts the allowed punctuation . _ - @', async () => {
    const response = await identity.register({ username: 'gate.a_1-b@campus', password: 'pass1234' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ username: 'gate.a_1-b@campus', role: 'committee' });
  });

  it('counts the length after trimming: two letters and spaces is too short (422)', async () => {
    const response = await identity.register({ username: '  ab  ', password: 'pass1234' });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual({ detail: [validationItem('username')] });
  });
});

describe('with OPEN_REGISTRATION=false', () => {
  let closed: IdentityHarness;

  beforeAll(async () => {
    closed = await startIdentityApp({ OPEN_REGISTRATION: 'false' });
  });

  afterAll(async () => {
    await closed?.close();
  });

  it('says so at GET /auth/settings, to anyone', async () => {
    const response = await closed.app.inject({ method: 'GET', url: '/auth/settings' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ registration_open: false });
  });

  it('answers 403 to a self-registration without a token, and creates nothing', async () => {
    const response = await closed.register({ username: 'walk-in', password: 'pass1234' });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual({ detail: 'Registration is closed: an admin creates accounts' });
    expect((await closed.login('walk-in', 'pass1234')).statusCode).toBe(401);
  });

  it('lets an admin token create a committee account and an admin account', async () => {
    const token = await closed.adminToken();
    for (const [username, role] of [
      ['hired-gate', 'committee'],
      ['hired-boss', 'admin'],
    ] as const) {
      const response = await closed.register({ username, password: 'pass1234', role }, token);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ username, role });
    }
  });

  it('answers 403 "Admin only" to a committee member\'s token', async () => {
    const token = await closed.adminToken();
    await closed.register({ username: 'plain-gate', password: 'pass1234' }, token);
    const committee = await closed.tokenFor('plain-gate', 'pass1234');
    const response = await closed.register({ username: 'friend-of-gate', password: 'pass1234' }, committee);
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual({ detail: 'Admin only' });
  });
});

describe('in production by default', () => {
  let production: IdentityHarness;

  beforeAll(async () => {
    production = await startIdentityApp({ NODE_ENV: 'production' });
  });

  afterAll(async () => {
    await production?.close();
  });

  it('refuses self-registration with 403', async () => {
    const response = await production.register({ username: 'stranger', password: 'pass1234' });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual({ detail: 'Registration is closed: an admin creates accounts' });
  });
});

describe('in production with OPEN_REGISTRATION=true', () => {
  let production: IdentityHarness;

  beforeAll(async () => {
    production = await startIdentityApp({ NODE_ENV: 'production', OPEN_REGISTRATION: 'true' });
  });

  afterAll(async () => {
    await production?.close();
  });

  it('lets anyone register as committee', async () => {
    const response = await production.register({ username: 'volunteer', password: 'pass1234' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ username: 'volunteer', role: 'committee' });
  });
});
