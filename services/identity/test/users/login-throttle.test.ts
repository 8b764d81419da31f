// Login throttling: failures per username and client, attempts per address, end in 429 with Retry-After (spec: identity);
// an attacker's failures never lock the owner out from another client, and X-Forwarded-For counts only from the portal.
// The counts live in identity's database: two processes share them, a restart keeps them; time is the app's clock.
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
  for (const username of ['victim', 'owner', 'doubling', 'regular', 'neighbour', 'besieged', 'busy']) {
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

function expectTooMany(response: Awaited<ReturnType<typeof login>>): void {
  expect(response.statusCode).toBe(429);
  const retryAfter = Number(response.headers['retry-after']);
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(WINDOW_SECONDS);
  expect(response.json()).toEqual({ detail: `Too many login attempts, try again in ${retryAfter} seconds` });
}

describe('failed logins per username and client', () => {
  it('locks a client out of a username after its failures, with Retry-After, even with the right password', async () => {
    for (let attempt = 0; attempt < PER_USERNAME; attempt++) {
      const response = await login('victim', 'wrong-pass', '10.1.0.1');
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual({ detail: 'Invalid username/password' });
    }
    expectTooMany(await login('victim', 'wrong-pass', '10.1.0.1'));
    expectTooMany(await login('VICTIM', 'right-pass', '10.1.0.1'));
  });

  it("lets the owner log in from another client while an attacker's client is locked out", async () => {
    for (let attempt = 0; attempt < 12; attempt++) await login('owner', 'guess-' + attempt, '10.2.0.66');
    expectTooMany(await login('owner', 'right-pass', '10.2.0.66'));
    const response = await login('owner', 'right-pass', '10.2.0.7');
    expect(response.statusCode).toBe(200);
    expect(response.json().token_type).toBe('bearer');
  });

  it("doubles a client's lockout with every further failure (2 s, then 4 s)", async () => {
    for (let attempt = 0; attempt < PER_USERNAME; attempt++) await login('doubling', 'wrong-pass', '10.2.1.1');
    const first = await login('doubling', 'wrong-pass', '10.2.1.1');
    expectTooMany(first);
    expect(Number(first.headers['retry-after'])).toBe(2);
    identity.advanceClock(2100);
    const again = await login('doubling', 'wrong-pass', '10.2.1.1');
    expect(again.statusCode).toBe(401);
    expect(again.json()).toEqual({ detail: 'Invalid username/password' });
    const second = await login('doubling', 'right-pass', '10.2.1.1');
    expectTooMany(second);
    expect(Number(second.headers['retry-after'])).toBe(4);
  });

  it('counts unknown usernames too, so they cannot be told apart from known ones', async () => {
    for (let attempt = 0; attempt < PER_USERNAME; attempt++) {
      expect((await login('ghost-user', 'whatever', '10.2.2.1')).statusCode).toBe(401);
    }
    expectTooMany(await login('ghost-user', 'whatever', '10.2.2.1'));
  });

  it("does not count successful logins, and a success clears the client's earlier failures", async () => {
    const from = '10.3.0.1';
    for (let attempt = 0; attempt < PER_USERNAME - 1; attempt++) {
      expect((await login('regular', 'wrong-pass', from)).statusCode).toBe(401);
    }
    for (let attempt = 0; attempt < PER_USERNAME + 2; attempt++) {
      const response = await login('regular', 'right-pass', from);
      expect(response.statusCode).toBe(200);
      expect(response.json().token_type).toBe('bearer');
    }
    // The success cleared the count: as many failures again before the lockout.
    for (let attempt = 0; attempt < PER_USERNAME - 1; attempt++) {
      expect((await login('regular', 'wrong-pass', from)).statusCode).toBe(401);
    }
    expect((await login('regular', 'right-pass', from)).statusCode).toBe(200);
  });

  it('leaves other usernames alone at the locked-out client', async () => {
    for (let attempt = 0; attempt <= PER_USERNAME; attempt++) await login('victim', 'wrong-pass', '10.4.0.1');
    const response = await login('neighbour', 'right-pass', '10.4.0.1');
    expect(response.statusCode).toBe(200);
    expect(response.json().token_type).toBe('bearer');
  });

  it('slows down, never locks, a username that collects very many failures from many clients', async () => {
    // PER_USERNAME * 10 failures, each from its own client (a botnet): none of them is locked out.
    for (let client = 0; client < PER_USERNAME * 10; client++) {
      expect((await login('besieged', 'guess', `10.6.${client}.1`)).statusCode).toBe(401);
    }
    expect(identity.sleeps).toEqual([]);
    const response = await login('besieged', 'right-pass', '10.6.200.1');
    expect(identity.sleeps).toEqual([1000]);
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

describe('with two identity processes on one database, and after a restart', () => {
  let second: IdentityHarness;
  // The second process reads the first one's clock (two processes on one machine share the time);
  // across the restart it stands still, since a restart may take seconds on a busy machine and the
  // lockout must be judged at the same moment before and after it.
  let frozen: Date | undefined;
  const startSecond = () =>
    startIdentityApp(
      {
        LOGIN_MAX_PER_USERNAME: String(PER_USERNAME),
        LOGIN_MAX_PER_IP: String(PER_IP),
        LOGIN_WINDOW_SECONDS: String(WINDOW_SECONDS),
      },
      { database: identity.database, now: () => frozen ?? identity.now() },
    );

  beforeAll(async () => {
    second = await startSecond();
  });

  afterAll(async () => {
    await second?.close();
  });

  const loginAt = (harness: IdentityHarness, from: string) =>
    harness.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { username: 'shared-victim', password: 'guess' },
      remoteAddress: from,
    });

  it('counts failures made through either process against one lockout', async () => {
    const from = '10.8.0.1';
    for (let attempt = 0; attempt < PER_USERNAME; attempt++) {
      const harness = attempt % 2 === 0 ? identity : second;
      expect((await loginAt(harness, from)).statusCode).toBe(401);
    }
    expectTooMany(await loginAt(identity, from));
    expectTooMany(await loginAt(second, from));
  });

  it('shares one per-address budget between the processes', async () => {
    const from = '10.8.1.1';
    for (let attempt = 0; attempt < PER_IP; attempt++) {
      const harness = attempt % 2 === 0 ? identity : second;
      const response = await harness.app.inject({
        method: 'POST',
        url: '/auth/login',
        payload: { username: `shared-${attempt}`, password: 'guess' },
        remoteAddress: from,
      });
      expect(response.statusCode).toBe(401);
    }
    expectTooMany(await loginAt(second, from));
  });

  it('keeps a lockout across a restart of the process', async () => {
    const from = '10.8.2.1';
    frozen = identity.now();
    for (let attempt = 0; attempt < PER_USERNAME; attempt++) await loginAt(second, from);
    expectTooMany(await loginAt(second, from));
    await second.close();
    second = await startSecond();
    expectTooMany(await loginAt(second, from));
    frozen = undefined;
  });
});

describe('X-Forwarded-For', () => {
  let behindPortal: IdentityHarness;
  const PORTAL = '10.7.0.5';

  beforeAll(async () => {
    behindPortal = await startIdentityApp({
      LOGIN_MAX_PER_IP: String(PER_IP),
      LOGIN_WINDOW_SECONDS: String(WINDOW_SECONDS),
      TRUST_PROXY: PORTAL,
    });
  });

  afterAll(async () => {
    await behindPortal?.close();
  });

  const loginVia = (from: string, forwardedFor: string) =>
    behindPortal.app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { username: 'nobody-at-all', password: 'whatever' },
      remoteAddress: from,
      headers: { 'x-forwarded-for': forwardedFor },
    });

  it('is ignored from an address that is not the portal: a spoofed header per attempt does not escape the limit', async () => {
    for (let attempt = 0; attempt < PER_IP; attempt++) {
      const response = await loginVia('10.7.9.9', `198.51.100.${attempt}`);
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual({ detail: 'Invalid username/password' });
    }
    expectTooMany(await loginVia('10.7.9.9', '198.51.100.250'));
  });

  it("is believed from the portal: each of the portal's clients has a budget of its own", async () => {
    for (let attempt = 0; attempt < PER_IP; attempt++) {
      expect((await loginVia(PORTAL, '203.0.113.1')).statusCode).toBe(401);
    }
    expectTooMany(await loginVia(PORTAL, '203.0.113.1'));
    const other = await loginVia(PORTAL, '203.0.113.2');
    expect(other.statusCode).toBe(401);
    expect(other.json()).toEqual({ detail: 'Invalid username/password' });
  });
});
