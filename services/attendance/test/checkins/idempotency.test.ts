// Idempotency-Key on check-ins: replays, 422 for another body, concurrent repeats, expiry and cleanup.
import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claims, validToken } from '../../../../packages/platform/test/support/forge-token.js';
import { deleteExpiredKeys } from '../../src/checkins/checkins-repository.js';
import { requestHash } from '../../src/checkins/idempotency.js';
import { startTestApp, type TestApp } from '../support/attendance-app.js';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp('idempotency');
});
afterAll(async () => {
  await t.close();
});

const keyed = (key: string, body: object, user = 'panitia1', url = '/checkins') =>
  t.app.inject({ method: 'POST', url, headers: { ...t.committee(user), 'idempotency-key': key }, payload: body });

const count = async (eventId: string) =>
  (await t.app.inject({ url: `/attendance/${eventId}`, headers: t.committee() })).json().total_checked_in;

describe('Idempotency-Key', () => {
  it('replays the first 201 (same status, same record) for a repeat with the same body', async () => {
    const first = await keyed('key-1', { event_id: 'ev-i', ticket_id: 'I-1', location: 'Gate A' });
    const repeat = await keyed('key-1', { event_id: 'ev-i', ticket_id: 'I-1', location: 'Gate A' });
    expect(first.statusCode).toBe(201);
    expect(repeat.statusCode).toBe(201);
    expect(repeat.json()).toEqual(first.json());
    expect(await count('ev-i')).toBe(1);
  });

  it('answers 422 to the same key with a different body, and writes nothing', async () => {
    await keyed('key-2', { event_id: 'ev-i', ticket_id: 'I-2' });
    const other = await keyed('key-2', { event_id: 'ev-i', ticket_id: 'I-3' });
    expect(other.statusCode).toBe(422);
    expect(other.json()).toEqual({ detail: 'Idempotency-Key was already used for a different request' });
    const list = await t.app.inject({ url: '/attendance/ev-i', headers: t.committee() });
    expect(list.json().records.map((record: { ticket_id: string }) => record.ticket_id)).not.toContain('I-3');
  });

  it('treats a different location as a different body', async () => {
    await keyed('key-loc', { event_id: 'ev-i', ticket_id: 'I-loc', location: 'Gate A' });
    const other = await keyed('key-loc', { event_id: 'ev-i', ticket_id: 'I-loc', location: 'Gate B' });
    expect(other.statusCode).toBe(422);
    expect(other.json().detail).toBe('Idempotency-Key was already used for a different request');
  });

  it('treats the same key on the other check-in endpoint as a different request', async () => {
    await t.createEvent('ev-ik');
    await keyed('key-route', { event_id: 'ev-ik', ticket_id: 'I-r' });
    const other = await keyed('key-route', { ticket_id: 'I-r' }, 'panitia1', '/events/ev-ik/checkins');
    expect(other.statusCode).toBe(422);
    expect(other.json().detail).toBe('Idempotency-Key was already used for a different request');
  });

  it('replays a 409: a retried scan of a ticket someone else checked in stays "already checked in"', async () => {
    const original = await t.checkIn({ event_id: 'ev-i', ticket_id: 'I-dup' }, t.committee('gate1'));
    const first = await keyed('key-409', { event_id: 'ev-i', ticket_id: 'I-dup' }, 'gate2');
    const repeat = await keyed('key-409', { event_id: 'ev-i', ticket_id: 'I-dup' }, 'gate2');
    expect(first.statusCode).toBe(409);
    expect(repeat.statusCode).toBe(409);
    expect(repeat.json()).toEqual(first.json());
    expect(first.json().record).toEqual(original.json().record);
  });

  it('never turns a retried 201 into a false "already checked in"', async () => {
    // The first answer is lost on the way to the gate; the gate retries with the same key.
    await keyed('key-lost', { event_id: 'ev-i', ticket_id: 'I-lost' });
    const retry = await keyed('key-lost', { event_id: 'ev-i', ticket_id: 'I-lost' });
    expect(retry.statusCode).toBe(201);
    expect(retry.json().status).toBe('checked_in');
  });

  it('replays a 404 and, once the ticket is issued, turns into one check-in that later repeats replay', async () => {
    await t.createEvent('ev-late', ['EARLY']);
    const first = await keyed('key-404', { event_id: 'ev-late', ticket_id: 'LATE' });
    const repeat = await keyed('key-404', { event_id: 'ev-late', ticket_id: 'LATE' });
    expect(first.statusCode).toBe(404);
    expect(repeat.statusCode).toBe(404);
    expect(repeat.json()).toEqual({ detail: 'Ticket not found for this event' });

    await t.issueTickets('ev-late', ['LATE']);
    const afterIssue = await keyed('key-404', { event_id: 'ev-late', ticket_id: 'LATE' });
    const replayed = await keyed('key-404', { event_id: 'ev-late', ticket_id: 'LATE' });
    expect(afterIssue.statusCode).toBe(201);
    expect(replayed.statusCode).toBe(201);
    expect(replayed.json()).toEqual(afterIssue.json());
  });

  it('counts once when 40 requests with the same key arrive at the same time, and all get the same 201', async () => {
    const responses = await Promise.all(
      Array.from({ length: 40 }, () => keyed('key-burst', { event_id: 'ev-burst', ticket_id: 'B-1' })),
    );
    expect(responses.map((response) => response.statusCode)).toEqual(Array(40).fill(201));
    const record = responses[0]?.json().record;
    for (const response of responses) expect(response.json()).toEqual({ status: 'checked_in', record });
    expect(await count('ev-burst')).toBe(1);
  });

  it('keeps concurrent same-key requests with different bodies apart: one check-in, the rest 422', async () => {
    const responses = await Promise.all(
      Array.from({ length: 12 }, (_, index) => keyed('key-mixed', { event_id: 'ev-mixed', ticket_id: `X-${index}` })),
    );
    const statuses = responses.map((response) => response.statusCode);
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 422)).toHaveLength(11);
    expect(await count('ev-mixed')).toBe(1);
  });

  it('scopes keys to the caller: two users may use the same key for their own scans', async () => {
    const mine = await keyed('shared-key', { event_id: 'ev-scope', ticket_id: 'S-1' }, 'alice');
    const theirs = await keyed('shared-key', { event_id: 'ev-scope', ticket_id: 'S-2' }, 'bob');
    expect(mine.statusCode).toBe(201);
    expect(theirs.statusCode).toBe(201);
    expect(theirs.json().record.ticket_id).toBe('S-2');
  });

  it("scopes keys to the account, not the name: a username registered again does not replay the old account's keys (issue 15, item 15)", async () => {
    const body = { event_id: 'ev-account', ticket_id: 'U-1' };
    const first = await keyed('reborn-key', body, 'reborn');
    expect(first.statusCode).toBe(201);
    // The same username, another account (identity gives a registration again a new uid).
    const newAccount = validToken(t.config.jwtSecret, claims('reborn', 'committee', { uid: randomUUID() }));
    const replay = await t.app.inject({
      method: 'POST',
      url: '/checkins',
      headers: { authorization: `Bearer ${newAccount}`, 'idempotency-key': 'reborn-key' },
      payload: body,
    });
    expect(replay.statusCode).toBe(409);
    expect(replay.json()).toMatchObject({
      detail: 'Ticket already checked in',
      record: { checkin_id: first.json().record.checkin_id },
    });
  });

  it("does not take another account of the same name for the scan's own earlier check-in", async () => {
    const scan = {
      event_id: 'ev-account',
      ticket_id: 'U-2',
      location: 'Gate U',
      scanned_at: new Date(Date.now() - 60_000).toISOString(),
    };
    const first = await t.checkIn(scan, t.committee('twin'));
    expect(first.statusCode).toBe(201);
    const sameAccount = await t.checkIn(scan, t.committee('twin'));
    expect(sameAccount.statusCode).toBe(201);
    const otherAccount = validToken(t.config.jwtSecret, claims('twin', 'committee', { uid: randomUUID() }));
    const again = await t.checkIn(scan, { authorization: `Bearer ${otherAccount}` });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ detail: 'Ticket already checked in' });
  });

  it('forgets a key after its time to live: the key can then be used for a new request', async () => {
    await keyed('key-old', { event_id: 'ev-i', ticket_id: 'I-old-1' });
    await t.db.pool.query("UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = 'key-old'");
    const reused = await keyed('key-old', { event_id: 'ev-i', ticket_id: 'I-old-2' });
    expect(reused.statusCode).toBe(201);
    expect(reused.json().record.ticket_id).toBe('I-old-2');
  });

  it('deletes expired keys in the background cleanup and keeps live ones', async () => {
    await keyed('key-expired', { event_id: 'ev-i', ticket_id: 'I-exp' });
    await keyed('key-live', { event_id: 'ev-i', ticket_id: 'I-live' });
    await t.db.pool.query(
      "UPDATE idempotency_keys SET created_at = now() - interval '2 days' WHERE key = 'key-expired'",
    );
    const deleted = await deleteExpiredKeys(t.db.pool, t.config.idempotencyTtlSeconds, 1);
    expect(deleted).toBeGreaterThanOrEqual(1);
    const { rows } = await t.db.pool.query<{ key: string }>(
      "SELECT key FROM idempotency_keys WHERE key IN ('key-expired', 'key-live')",
    );
    expect(rows.map((row) => row.key)).toEqual(['key-live']);
  });

  it('answers 422 to an over-long or non-ASCII key', async () => {
    const long = await keyed('k'.repeat(201), { event_id: 'ev-i', ticket_id: 'I-k' });
    expect(long.statusCode).toBe(422);
    expect(long.json().detail[0].loc).toEqual(['header', 'idempotency-key']);
    const spaced = await keyed('has space', { event_id: 'ev-i', ticket_id: 'I-k' });
    expect(spaced.statusCode).toBe(422);
    expect(spaced.json().detail[0].loc).toEqual(['header', 'idempotency-key']);
  });

  it('hashes route and every body field into the request identity', () => {
    const base = { eventId: 'e', ticketId: 't', location: null, scannedAt: null };
    expect(requestHash('checkins', base)).toBe(requestHash('checkins', { ...base }));
    expect(requestHash('checkins', base)).not.toBe(requestHash('event-checkins', base));
    expect(requestHash('checkins', base)).not.toBe(requestHash('checkins', { ...base, location: 'x' }));
    expect(requestHash('checkins', base)).not.toBe(
      requestHash('checkins', { ...base, scannedAt: '2026-12-01T10:31:00.000Z' }),
    );
    expect(requestHash('checkins', { ...base, eventId: 'a,b', ticketId: 'c' })).not.toBe(
      requestHash('checkins', { ...base, eventId: 'a', ticketId: 'b,c' }),
    );
  });

  it('keeps the hash of a request without a scan time as it was before scan times, so stored keys still replay', () => {
    const before = createHash('sha256')
      .update(JSON.stringify(['checkins', 'e', 't', 'Gate A']))
      .digest('base64url');
    expect(requestHash('checkins', { eventId: 'e', ticketId: 't', location: 'Gate A', scannedAt: null })).toBe(before);
  });
});
