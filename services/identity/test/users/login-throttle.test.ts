// Login throttling: failures per username and attempts per address end in 429 with Retry-After (spec: identity).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type IdentityHarness, startIdentityApp } from '../support/identity-app.js';

const PER_USERNAME = 3;
const PER_IP = 12;
const WINDOW_SECONDS = 120;

let identity: IdentityHarness;
/** Counts tests: each test logs in from its own default address, so per-address counts do not leak. */
let address = 0;

beforeAll(async () => {
  identity = await startIdentityApp({
    LOGIN_MAX_PER_USERNAME: String(PER_USERNAME),
    LOGIN_MAX_PER_IP: String(PER_IP),
    LOGIN_WINDOW_SECONDS: String(WINDOW_SECONDS),
  });
  for (const username of ['victim', 'regular', 'neighbour', 'busy']) {
    const response = await identity.app.inject({
      method: 'POST',
      url: '/auth/register',
      payload: { username, password: 'right-pass' },
      remoteAddress: '10.0.0.250',
    });
    expect(response.statusCode).toBe(200);
  }
});

afterEach(() => {
  address += 1;
});

afterAll(async () => {
  await identity?.close();
});

function login(username: string, password: string, from = `10.0.0.${address + 1}`) {
  return identity.app.inject({
    method: 'POST',
    url: '/auth/login',
    payload: { username, password },
    remoteAddress: from,
  });
}

function expectTooMany(response: Awaited<ReturnType<typeof login>>) {
  expect(response.statusCode).toBe(429);
  const retryAfter = Number(response.headers['retry-after']);
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(WINDOW_SECONDS);
  expect(response.json()).toEqual({ detail: `Too many login attempts, try again in ${retryAfter} seconds` });
}

describe('failed logins per username', () => {
  it('answers 429 with Retry-After once a username has used up its failures, even with the right password', async () => {
    for (let attempt = 0; attempt < PER_USERNAME; attempt++) {
      const response = await login('victim', 'wrong-pass', `10.1.0.${attempt}`);
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual({ detail: 'Invalid username/password' });
    }
    expectTooMany(await login('victim', 'wrong-pass', '10.1.1.1'));
    // The lock is on the username, from any address, whatever the password.
    expectTooMany(await login('VICTIM', 'right-pass', '10.1.1.2'));
  });

  it('counts unknown usernames too, so they cannot be told apart from known ones', async () => {
    for (let attempt = 0; attempt < PER_USERNAME; attempt++) {
      expect((await login('ghost-user', 'whatever', `10.2.0.${attempt}`)).statusCode).toBe(401);
    }
    expectTooMany(await login('ghost-user', 'whatever', '10.2.1.1'));
  });

  it('does not count successful logins toward the failures', async () => {
    expect((await login('regular', 'wrong-pass', '10.3.0.1')).statusCode).toBe(401);
    expect((await login('regular', 'wrong-pass', '10.3.0.2')).statusCode).toBe(401);
    for (let attempt = 0; attempt < PER_USERNAME + 2; attempt++) {
      const response = await login('regular', 'right-pass', `10.3.1.${attempt}`);
      expect(response.statusCode).toBe(200);
      expect(response.json().token_type).toBe('bearer');
    }
    // Third failure is still answered 401; only then is the username locked.
    expect((await login('regular', 'wrong-pass', '10.3.2.1')).statusCode).toBe(401);
    expectTooMany(await login('regular', 'right-pass', '10.3.2.2'));
  });

  it('leaves other usernames alone while one is locked', async () => {
    for (let attempt = 0; attempt <= PER_USERNAME; attempt++) await login('victim', 'wrong-pass', `10.4.0.${attempt}`);
    const response = await login('neighbour', 'right-pass', '10.4.1.1');
    expect(response.statusCode).toBe(200);
    expect(response.json().token_type).toBe('bearer');
  });
});

describe('attempts per client address', () => {
  it('answers 429 with Retry-After after too many logins from one address, successful ones included', async () => {
    for (let attempt = 0; attempt < PER_IP; attempt++) {
      const response = await login('busy', 'right-pass');
      expect(response.statusCode).toBe(200);
    }
    expectTooMany(await login('busy', 'right-pass'));
    // Another address is not affected.
    const elsewhere = await login('busy', 'right-pass', '10.9.9.9');
    expect(elsewhere.statusCode).toBe(200);
  });

  it('limits registrations per address as well', async () => {
    const from = '10.5.0.1';
    for (let attempt = 0; attempt < PER_IP; attempt++) {
      const response = await identity.app.inject({
        method: 'POST',
        url: '/auth/register',
        payload: { username: `signup-${attempt}`, password: 'pass1234' },
        remoteAddress: from,
      });
      expect(response.statusCode).toBe(200);
    }
    const refused = await identity.app.inject({
      method: 'POST',
      url: '/auth/register',
      payload: { username: 'signup-extra', password: 'pass1234' },
      remoteAddress: from,
    });
    expectTooMany(refused);
  });
});
