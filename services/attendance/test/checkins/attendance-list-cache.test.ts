// The cached full attendance list: incremental appends, rebuilds on late commits and deletes, the byte cap.
import { type AttendanceList, toPortalAttendanceCheckin } from '@tixgo/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttendanceListCache } from '../../src/checkins/attendance-list-cache.js';
import { CheckinBatcher } from '../../src/checkins/checkin-batcher.js';
import { checkinRequest, startTestApp, type TestApp } from '../support/attendance-app.js';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp('list_cache');
  batcher = new CheckinBatcher(t.db.pool, { maxBatch: 10, maxConcurrent: 3 });
});
afterAll(async () => {
  await t.close();
});

let batcher: CheckinBatcher;
const scan = (eventId: string, ticketId: string) => batcher.checkIn(checkinRequest(eventId, ticketId));

const listOf = async (cache: AttendanceListCache, eventId: string) =>
  JSON.parse(String(await cache.fullList(eventId))) as AttendanceList;
const ids = (list: { records: { ticket_id: string }[] }) => list.records.map((record) => record.ticket_id);

describe('AttendanceListCache', () => {
  it('appends new check-ins to the cached list', async () => {
    const cache = new AttendanceListCache(t.db.pool, 1024 * 1024);
    await scan('c-append', 'A');
    expect(ids(await listOf(cache, 'c-append'))).toEqual(['A']);
    await scan('c-append', 'B');
    await scan('c-append', 'C');
    const list = await listOf(cache, 'c-append');
    expect(list.total_checked_in).toBe(3);
    expect(ids(list)).toEqual(['A', 'B', 'C']);
    expect(cache.size.events).toBe(1);
  });

  it('rebuilds when a check-in with an earlier position commits after the list was cached', async () => {
    const cache = new AttendanceListCache(t.db.pool, 1024 * 1024);
    await scan('c-late', 'FIRST');
    await scan('c-late', 'THIRD');
    expect(ids(await listOf(cache, 'c-late'))).toEqual(['FIRST', 'THIRD']);
    // A transaction that took its position before THIRD but committed after the list was read.
    const { rows } = await t.db.pool.query<{ seq: string }>(
      "SELECT seq FROM checkins WHERE event_id = 'c-late' AND ticket_id = 'FIRST'",
    );
    await t.db.pool.query(
      `WITH ins AS (
         INSERT INTO checkins (event_id, ticket_id, seq, checkin_id, checked_in_by)
         OVERRIDING SYSTEM VALUE VALUES ('c-late', 'SECOND', $1::int8 + 0, gen_random_uuid(), 'panitia1')
         RETURNING 1)
       INSERT INTO event_checkin_counts (event_id, shard, n) SELECT 'c-late', 63, 1 FROM ins
       ON CONFLICT (event_id, shard) DO UPDATE SET n = event_checkin_counts.n + 1`,
      [rows[0]?.seq],
    );
    const list = await listOf(cache, 'c-late');
    expect(list.total_checked_in).toBe(3);
    expect(ids(list).sort()).toEqual(['FIRST', 'SECOND', 'THIRD']);
  });

  it('notices an event deleted and refilled elsewhere (count differs) and rebuilds', async () => {
    const cache = new AttendanceListCache(t.db.pool, 1024 * 1024);
    await scan('c-deleted', 'OLD-1');
    await scan('c-deleted', 'OLD-2');
    expect(ids(await listOf(cache, 'c-deleted'))).toEqual(['OLD-1', 'OLD-2']);
    await t.db.pool.query("DELETE FROM checkins WHERE event_id = 'c-deleted'");
    await t.db.pool.query("DELETE FROM event_checkin_counts WHERE event_id = 'c-deleted'");
    await scan('c-deleted', 'NEW-1');
    await scan('c-deleted', 'NEW-2');
    expect(ids(await listOf(cache, 'c-deleted'))).toEqual(['NEW-1', 'NEW-2']);
  });

  it('keeps its bytes under the cap, evicting the least recently used lists', async () => {
    const events = ['cap-1', 'cap-2', 'cap-3'];
    for (const event of events) for (let index = 0; index < 3; index++) await scan(event, `${event}-${index}`);
    // What one list takes in the cache (its JSON and its NDJSON form).
    const sizing = new AttendanceListCache(t.db.pool, 1024 * 1024);
    await sizing.fullList('cap-1');
    const listBytes = sizing.size.bytes;
    // Room for two and a half lists of this size.
    const cap = Math.floor(listBytes * 2.5);
    const cache = new AttendanceListCache(t.db.pool, cap);
    for (const event of events) {
      expect(ids(await listOf(cache, event))).toEqual([0, 1, 2].map((index) => `${event}-${index}`));
      expect(cache.size.bytes).toBeLessThanOrEqual(cap);
    }
    expect(cache.size.events).toBe(2);
    expect(ids(await listOf(cache, 'cap-1'))).toEqual(['cap-1-0', 'cap-1-1', 'cap-1-2']);
    expect(cache.size.bytes).toBeLessThanOrEqual(cap);
  });

  it('does not keep a list larger than half of its budget, but still serves it', async () => {
    await scan('cap-big', 'ONLY');
    const cache = new AttendanceListCache(t.db.pool, 100);
    expect(ids(await listOf(cache, 'cap-big'))).toEqual(['ONLY']);
    expect(cache.size).toEqual({ events: 0, bytes: 0 });
  });

  it('never builds a list longer than maxRecords: undefined (the route streams it), also once a cached list outgrows it', async () => {
    const cache = new AttendanceListCache(t.db.pool, 1024 * 1024, 3);
    for (const ticket of ['M-1', 'M-2', 'M-3']) await scan('c-max', ticket);
    expect(ids(await listOf(cache, 'c-max'))).toEqual(['M-1', 'M-2', 'M-3']);
    expect(cache.size.events).toBe(1);
    await scan('c-max', 'M-4');
    expect(await cache.fullList('c-max')).toBeUndefined();
    expect(cache.size).toEqual({ events: 0, bytes: 0 });
    expect(await new AttendanceListCache(t.db.pool, 1024 * 1024, 3).fullList('c-max')).toBeUndefined();
  });

  it('serves the NDJSON form in the portal’s view from the same entry: a head line, then the records one per line', async () => {
    const cache = new AttendanceListCache(t.db.pool, 1024 * 1024);
    for (const ticket of ['N-1', 'N-2']) await scan('c-lines', ticket);
    const json = await listOf(cache, 'c-lines');
    const chunks = (await cache.portalLines('c-lines')) ?? [];
    const lines = Buffer.concat(chunks).toString('utf8').split('\n');
    expect(JSON.parse(lines[0] as string)).toEqual({ event_id: 'c-lines', total_checked_in: 2 });
    expect(lines.slice(1)).toEqual([
      ...json.records.map((record) => JSON.stringify(toPortalAttendanceCheckin(record))),
      '',
    ]);
    await scan('c-lines', 'N-3');
    const appended = Buffer.concat((await cache.portalLines('c-lines')) ?? [])
      .toString('utf8')
      .split('\n');
    expect(appended).toHaveLength(5);
    expect(JSON.parse(appended[3] as string).ticket_id).toBe('N-3');
  });

  it('answers concurrent readers of a changing list with complete lists', async () => {
    const cache = new AttendanceListCache(t.db.pool, 1024 * 1024);
    const writes = Array.from({ length: 30 }, (_, index) => scan('c-busy', `B-${index}`));
    const reads = Array.from({ length: 30 }, () => listOf(cache, 'c-busy'));
    const lists = await Promise.all(reads);
    await Promise.all(writes);
    for (const list of lists) expect(list.records).toHaveLength(list.total_checked_in);
    const final = await listOf(cache, 'c-busy');
    expect(final.total_checked_in).toBe(30);
    expect(new Set(ids(final)).size).toBe(30);
  });
});
