// Check-in rate limits (issue 10, item 7): per user across every check-in endpoint and batch item, per client address.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claims, validToken } from '../../../../packages/platform/test/support/forge-token.js';
import { SKIPPED_AFTER_BAD_TOKENS } from '../../src/routes/checkin-batch.js';
import { openApp, startTestApp, type TestApp } from '../support/attendance-app.js';

let t: TestApp;

// Small budgets so a test can spend them: 5 check-ins at once per user, then 20 a second; 30
// requests at once per address, then 1 a second.
const LIMITS = {
  CHECKIN_RATE_PER_USER: '20',
  CHECKIN_BURST_PER_USER: '5',
  CHECKIN_RATE_PER_CLIENT: '1',
  CHECKIN_BURST_PER_CLIENT: '30',
};
// The buckets' clock stands still unless a test moves it: a slow machine refills nothing.
let clock = Date.UTC(2026, 11, 6, 12);
const rateLimitClock = () => clock;

beforeAll(async () => {
  t = await startTestApp('rate_limits', LIMITS, { rateLimitClock });
  await t.createEvent('rl-event');
});
afterAll(async () => {
  await t.close();
});

/** Each test is its own client address, so the per-address budget of one never limits another. */
let addresses = 0;
const newAddress = () => `10.0.0.${++addresses}`;

const scan = (user: string, ticket: string, remoteAddress: string) =>
  t.app.inject({
    method: 'POST',
    url: '/checkins',
    remoteAddress,
    headers: t.committee(user),
    payload: { event_id: 'rl-event', ticket_id: ticket },
  });

const tooManyByUser = { detail: expect.stringMatching(/^Too many check-ins by this user, try again in \d+ seconds$/) };

describe('per user', () => {
  it('answers 429 {"detail"} with Retry-After once a user spent its burst; another user is not affected', async () => {
    const address = newAddress();
    for (let index = 0; index < 5; index++) {
      const answer = await scan('gate-a', `A-${index}`, address);
      expect(answer.statusCode).toBe(201);
      expect(answer.json().record.ticket_id).toBe(`A-${index}`);
    }
    const refused = await scan('gate-a', 'A-5', address);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.json()).toEqual(tooManyByUser);
    const other = await scan('gate-b', 'B-0', address);
    expect(other.statusCode).toBe(201);
    expect(other.json().record).toMatchObject({ ticket_id: 'B-0', checked_in_by: 'gate-b' });
    // Nothing was written for the refused scan.
    const list = await t.app.inject({ url: '/attendance/rl-event?limit=100', headers: t.committee() });
    expect(list.json().records.map((record: { ticket_id: string }) => record.ticket_id)).not.toContain('A-5');
  });

  it('refills at the sustained rate: after its Retry-After the user checks in again', async () => {
    const address = newAddress();
    for (let index = 0; index < 5; index++) await scan('gate-c', `C-${index}`, address);
    expect((await scan('gate-c', 'C-5', address)).statusCode).toBe(429);
    // 20 a second: after 49 ms not one token yet, after 50 ms one.
    clock += 49;
    expect((await scan('gate-c', 'C-5', address)).statusCode).toBe(429);
    clock += 1;
    const again = await scan('gate-c', 'C-5', address);
    expect(again.statusCode).toBe(201);
    expect(again.json().record.ticket_id).toBe('C-5');
  });

  it('counts POST /checkins, POST /events/{id}/checkins and batch items of one user together', async () => {
    const address = newAddress();
    expect((await scan('gate-d', 'D-0', address)).statusCode).toBe(201);
    const atEvent = await t.app.inject({
      method: 'POST',
      url: '/events/rl-event/checkins',
      remoteAddress: address,
      headers: t.committee('gate-d'),
      payload: { ticket_id: 'D-1' },
    });
    expect(atEvent.statusCode).toBe(201);
    const items = ['D-2', 'D-3', 'D-4', 'D-5'].map((ticket_id) => ({
      token: t.token('gate-d'),
      idempotency_key: randomUUID(),
      event_id: 'rl-event',
      ticket_id,
    }));
    const batch = await t.app.inject({
      method: 'POST',
      url: '/checkins/batch',
      remoteAddress: address,
      payload: { checkins: items },
    });
    expect(batch.statusCode).toBe(200);
    const [d2, d3, d4, d5] = batch.json().results;
    expect([d2.status, d3.status, d4.status]).toEqual([201, 201, 201]);
    expect(d5).toEqual({ status: 429, body: tooManyByUser, retry_after: 1 });
    const single = await t.app.inject({
      method: 'POST',
      url: '/events/rl-event/checkins',
      remoteAddress: address,
      headers: t.committee('gate-d'),
      payload: { ticket_id: 'D-6' },
    });
    expect(single.statusCode).toBe(429);
    expect(single.json()).toEqual(tooManyByUser);
  });

  it('answers a batch item over its user’s limit with its own 429 and retry_after; items of other users as usual', async () => {
    const items = [
      ...Array.from({ length: 7 }, (_, index) => ({ user: 'gate-e', ticket: `E-${index}` })),
      { user: 'gate-f', ticket: 'F-0' },
    ].map(({ user, ticket }) => ({
      token: t.token(user),
      idempotency_key: randomUUID(),
      event_id: 'rl-event',
      ticket_id: ticket,
    }));
    const batch = await t.app.inject({
      method: 'POST',
      url: '/checkins/batch',
      remoteAddress: newAddress(),
      payload: { checkins: items },
    });
    expect(batch.statusCode).toBe(200);
    const results = batch.json().results as { status: number; body: unknown; retry_after?: number }[];
    expect(results.map((result) => result.status)).toEqual([201, 201, 201, 201, 201, 429, 429, 201]);
    expect(results[5]).toEqual({ status: 429, body: tooManyByUser, retry_after: 1 });
    expect(results[7]?.body).toMatchObject({ status: 'checked_in', record: { checked_in_by: 'gate-f' } });
  });

  it('checks the token before the rate (401 first) and the rate before the body (429 before 422)', async () => {
    const address = newAddress();
    for (let index = 0; index < 5; index++) await scan('gate-g', `G-${index}`, address);
    const anonymous = await t.app.inject({
      method: 'POST',
      url: '/checkins',
      remoteAddress: address,
      payload: { event_id: 'rl-event', ticket_id: 'G-x' },
    });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json()).toEqual({ detail: 'Missing Authorization header' });
    const invalid = await t.app.inject({
      method: 'POST',
      url: '/checkins',
      remoteAddress: address,
      headers: t.committee('gate-g'),
      payload: { event_id: 5 },
    });
    expect(invalid.statusCode).toBe(429);
    expect(invalid.json()).toEqual(tooManyByUser);
  });
});

describe('across replicas and restarts', () => {
  it('shares one user’s budget between two replicas on one database, and keeps it across a restart', async () => {
    const replica = await openApp(t.database, LIMITS, { rateLimitClock });
    try {
      const address = newAddress();
      const through = (app: typeof t.app, ticket: string) =>
        app.inject({
          method: 'POST',
          url: '/checkins',
          remoteAddress: address,
          headers: t.committee('gate-r'),
          payload: { event_id: 'rl-event', ticket_id: ticket },
        });
      // 5 at once in all: 3 through this replica and 2 through the other, then both refuse.
      for (const [index, app] of [t.app, replica.app, t.app, replica.app, t.app].entries()) {
        expect((await through(app, `R-${index}`)).statusCode).toBe(201);
      }
      expect((await through(replica.app, 'R-5')).statusCode).toBe(429);
      expect((await through(t.app, 'R-5')).statusCode).toBe(429);
      // A replica restarted forgets nothing.
      await replica.close();
      const restarted = await openApp(t.database, LIMITS, { rateLimitClock });
      try {
        expect((await through(restarted.app, 'R-5')).statusCode).toBe(429);
        clock += 50;
        expect((await through(restarted.app, 'R-5')).statusCode).toBe(201);
        expect((await through(t.app, 'R-6')).statusCode).toBe(429);
      } finally {
        await restarted.close();
      }
    } finally {
      await replica.close().catch(() => undefined);
    }
  });

  it('counts the items of one batch and concurrent requests of one user in one budget (5 of 8 pass)', async () => {
    const address = newAddress();
    const answers = await Promise.all(Array.from({ length: 8 }, (_, index) => scan('gate-s', `S-${index}`, address)));
    const statuses = answers.map((answer) => answer.statusCode).sort();
    expect(statuses).toEqual([201, 201, 201, 201, 201, 429, 429, 429]);
  });
});

describe('per client address behind gateways (the portals)', () => {
  const batchFrom = (app: typeof t.app, gateway: string, client: string, tickets: string[]) =>
    app.inject({
      method: 'POST',
      url: '/checkins/batch',
      remoteAddress: gateway,
      payload: {
        // Ten users, so that the per-user limit (5 at once) is not the one reached.
        checkins: tickets.map((ticket_id, index) => ({
          token: t.token(`gw-gate-${index % 10}-${client}`),
          idempotency_key: randomUUID(),
          event_id: 'rl-event',
          ticket_id,
          client_address: client,
        })),
      },
    });

  it('counts each item against the address a trusted gateway passed on, the same through two replicas', async () => {
    const env = { ...LIMITS, TRUST_PROXY: '10.9.9.1,10.9.9.2' };
    const [first, second] = [
      await openApp(t.database, env, { rateLimitClock }),
      await openApp(t.database, env, { rateLimitClock }),
    ];
    try {
      const client = '192.0.2.10';
      const tickets = Array.from({ length: 31 }, (_, index) => `GW-${index}`);
      // 30 at once per address: 20 through one portal and replica, 10 through the other, then the 31st is refused.
      const a = await batchFrom(first.app, '10.9.9.1', client, tickets.slice(0, 20));
      const b = await batchFrom(second.app, '10.9.9.2', client, tickets.slice(20, 30));
      const statuses = [...a.json().results, ...b.json().results].map((result: { status: number }) => result.status);
      expect(statuses).toEqual(Array(30).fill(201));
      const refused = await batchFrom(second.app, '10.9.9.2', client, tickets.slice(30));
      expect(refused.json().results[0]).toEqual({
        status: 429,
        body: { detail: expect.stringMatching(/^Too many check-ins from this address, try again in \d+ seconds$/) },
        retry_after: expect.any(Number),
      });
      // Another device behind the same portal goes on.
      const other = await batchFrom(first.app, '10.9.9.1', '192.0.2.11', ['GW-other']);
      expect(other.json().results[0].status).toBe(201);
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('ignores client_address from an address TRUST_PROXY does not name (anyone could pick a fresh one per scan)', async () => {
    const client = '192.0.2.20';
    const tickets = Array.from({ length: 31 }, (_, index) => `UG-${index}`);
    // t.app trusts no gateway: the 31 scans named for one address are not counted for it.
    const answer = await batchFrom(t.app, newAddress(), client, tickets);
    const statuses = answer.json().results.map((result: { status: number }) => result.status);
    expect(statuses.filter((status: number) => status === 201)).toHaveLength(31);
  });
});

describe('per client address', () => {
  it('answers 429 to an address past its burst, before checking the token, while other addresses go on', async () => {
    const address = newAddress();
    // 30 requests at once per address: users rotate so that the per-user limit is not the one reached.
    for (let index = 0; index < 30; index++) {
      const answer = await scan(`nat-gate-${index % 10}`, `N-${index}`, address);
      expect(answer.statusCode).toBe(201);
    }
    const refused = await t.app.inject({
      method: 'POST',
      url: '/checkins',
      remoteAddress: address,
      headers: { authorization: 'Bearer not-even-a-token' },
      payload: { event_id: 'rl-event', ticket_id: 'N-30' },
    });
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.json()).toEqual({
      detail: expect.stringMatching(/^Too many check-ins from this address, try again in \d+ seconds$/),
    });
    const batch = await t.app.inject({
      method: 'POST',
      url: '/checkins/batch',
      remoteAddress: address,
      payload: {
        checkins: [
          { token: t.token('nat-gate-0'), idempotency_key: randomUUID(), event_id: 'rl-event', ticket_id: 'N-31' },
        ],
      },
    });
    expect(batch.statusCode).toBe(429);
    const elsewhere = await scan('nat-gate-0', 'N-32', newAddress());
    expect(elsewhere.statusCode).toBe(201);
    expect(elsewhere.json().record.ticket_id).toBe('N-32');
  });
});

describe('a batch of forged tokens (issue 15, item 6)', () => {
  it('verifies at most 3 distinct bad tokens, answers the rest 429 unverified, and charges every refused item to the address', async () => {
    const address = newAddress();
    // Well-formed tokens signed with another secret, each different: each one costs a signature check.
    const forged = Array.from({ length: 200 }, (_, index) => ({
      token: validToken('not-the-secret-of-this-service-0123456789', claims(`forger-${index}`, 'committee')),
      idempotency_key: randomUUID(),
      event_id: 'rl-event',
      ticket_id: `F-${index}`,
    }));
    const batch = await t.app.inject({
      method: 'POST',
      url: '/checkins/batch',
      remoteAddress: address,
      payload: { checkins: forged },
    });
    expect(batch.statusCode).toBe(200);
    const results = batch.json().results as { status: number; body: unknown; retry_after?: number }[];
    expect(results.slice(0, 3)).toEqual(Array(3).fill({ status: 401, body: { detail: 'Invalid token' } }));
    expect(results[3]).toEqual({ status: 429, body: { detail: SKIPPED_AFTER_BAD_TOKENS }, retry_after: 1 });
    expect(results.filter((result) => result.status === 429)).toHaveLength(197);
    // The address spent its budget (30 at once) on the refused items: its next check-in waits.
    const next = await scan('gate-honest', 'H-1', address);
    expect(next.statusCode).toBe(429);
    expect(next.json()).toEqual({ detail: expect.stringMatching(/^Too many check-ins from this address/) });
  });

  it('verifies a token repeated in a batch once, and still checks in the good items beside one bad token', async () => {
    const good = t.token('repeat-gate');
    const items = [
      ...Array.from({ length: 4 }, (_, index) => ({
        token: good,
        idempotency_key: randomUUID(),
        event_id: 'rl-event',
        ticket_id: `RP-${index}`,
      })),
      { token: 'not.a.token', idempotency_key: randomUUID(), event_id: 'rl-event', ticket_id: 'R-bad' },
    ];
    const batch = await t.app.inject({
      method: 'POST',
      url: '/checkins/batch',
      remoteAddress: newAddress(),
      payload: { checkins: items },
    });
    expect(batch.statusCode).toBe(200);
    expect(batch.json().results.map((result: { status: number }) => result.status)).toEqual([201, 201, 201, 201, 401]);
  });
});
