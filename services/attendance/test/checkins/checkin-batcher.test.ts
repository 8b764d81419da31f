// Concurrent scans grouped into one statement: every scan still gets its own, exactly-once answer.
import type { CheckinRecord } from '@tixgo/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_SETTINGS } from '../../src/attendance-database.js';
import { CheckinBatcher } from '../../src/checkins/checkin-batcher.js';
import type { StatementResult } from '../../src/checkins/checkins-repository.js';
import { checkinRequest, startTestApp, type TestApp } from '../support/attendance-app.js';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp('batcher');
  await t.createEvent('b-tix', ['OK-1', 'OK-2']);
});
afterAll(async () => {
  await t.close();
});

const counted = async (eventId: string) =>
  Number(
    (
      await t.db.pool.query<{ n: string }>(
        'SELECT coalesce(sum(n), 0) AS n FROM event_checkin_counts WHERE event_id = $1',
        [eventId],
      )
    ).rows[0]?.n,
  );

describe('CheckinBatcher', () => {
  it('answers each scan of a mixed batch on its own: new, duplicate within the batch, refused, earlier duplicate', async () => {
    // One statement at a time: EARLY goes alone; the blocker and the five queued with it form one batch.
    const batcher = new CheckinBatcher(t.db.pool, { maxBatch: 50, maxConcurrent: 1 });
    const first = await batcher.checkIn(checkinRequest('b-mixed', 'EARLY'));
    expect(first.outcome?.kind).toBe('created');

    const requests = [
      checkinRequest('b-mixed', 'EARLY', 'late-gate'),
      checkinRequest('b-mixed', 'NEW-1', 'gate-a'),
      checkinRequest('b-mixed', 'NEW-1', 'gate-b'),
      checkinRequest('b-tix', 'FORGED'),
      checkinRequest('b-tix', 'OK-1'),
    ];
    const blocker = batcher.checkIn(checkinRequest('b-mixed', 'BLOCKER'));
    const results = await Promise.all(requests.map((request) => batcher.checkIn(request)));
    await blocker;

    const recordOf = (result: StatementResult | undefined) =>
      (result?.outcome as { record?: CheckinRecord } | undefined)?.record;
    expect(results[0]?.outcome).toEqual({ kind: 'duplicate', record: recordOf(first) });
    const pair = [results[1], results[2]];
    expect(pair.map((result) => result?.outcome?.kind).sort()).toEqual(['created', 'duplicate']);
    // The scan that lost inside the batch is told about the one that won in the same batch.
    expect(recordOf(pair[0])).toEqual(recordOf(pair[1]));
    expect(results[3]?.outcome).toEqual({
      kind: 'refused',
      facts: { isRegistered: true, hasTickets: true, isIssued: false, isCancelled: false },
    });
    expect(results[4]?.outcome?.kind).toBe('created');
    expect(await counted('b-mixed')).toBe(3);
    expect(await counted('b-tix')).toBe(1);
  });

  it('counts exactly the created check-ins when 200 scans of 50 tickets race through 4 concurrent batches', async () => {
    const batcher = new CheckinBatcher(t.db.pool, { maxBatch: 16, maxConcurrent: 4 });
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, index) =>
        batcher.checkIn(checkinRequest('b-race', `R-${index % 50}`, `gate-${index}`)),
      ),
    );
    const kinds = results.map((result) => result.outcome?.kind);
    expect(kinds.filter((kind) => kind === 'created')).toHaveLength(50);
    expect(kinds.filter((kind) => kind === 'duplicate')).toHaveLength(150);
    expect(await counted('b-race')).toBe(50);
    const { rows } = await t.db.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM checkins WHERE event_id = 'b-race'",
    );
    expect(rows[0]?.n).toBe(50);
  });

  it('never puts two claims of one key in one statement: the second finds the key taken', async () => {
    const batcher = new CheckinBatcher(t.db.pool, { maxBatch: 50, maxConcurrent: 1 });
    const claim = { key: 'same-key', requestHash: 'h', ttlSeconds: 3600 };
    const blocker = batcher.checkIn(checkinRequest('b-key', 'BLOCK'));
    const [one, two] = await Promise.all([
      batcher.checkIn(checkinRequest('b-key', 'K-1', 'owner'), claim),
      batcher.checkIn(checkinRequest('b-key', 'K-1', 'owner'), claim),
    ]);
    await blocker;
    expect(one?.claimed).toBe(true);
    expect(one?.outcome?.kind).toBe('created');
    expect(two).toEqual({ outcome: undefined, claimed: false });
  });

  it('rejects every scan of a batch whose statement fails, and keeps serving later ones', async () => {
    const batcher = new CheckinBatcher(t.db.pool, { maxBatch: 50, maxConcurrent: 1 });
    const broken = { ...checkinRequest('b-err', 'E-1'), checkinId: 'not-a-uuid' };
    await expect(batcher.checkIn(broken)).rejects.toThrow(/uuid/);
    const after = await batcher.checkIn(checkinRequest('b-err', 'E-2'));
    expect(after.outcome?.kind).toBe('created');
  });

  it('runs its connections with stable generic plans that never scan whole tables', async () => {
    const client = await t.db.pool.connect();
    try {
      for (const [name, value] of Object.entries(SESSION_SETTINGS)) {
        const { rows } = await client.query(`SHOW ${name}`);
        expect(rows[0]?.[name]).toBe(value);
      }
    } finally {
      client.release();
    }
  });
});
