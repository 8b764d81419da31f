// POST /checkins/batch: each item authorized by its own token and answered exactly as its single check-in would be.
import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claims, validToken } from '../../../../packages/platform/test/support/forge-token.js';
import { ISO_TIME, startTestApp, TEST_JWT_SECRET, type TestApp, UUID } from '../support/attendance-app.js';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp('checkin_batch');
  await t.createEvent('bt-gala', ['G-1', 'G-2']);
  await t.createEvent('bt-open');
});
afterAll(async () => {
  await t.close();
});

interface Result {
  status: number;
  body: Record<string, unknown>;
}

/** A batch item of `user` (committee unless a token is given) with a fresh idempotency key. */
const item = (fields: Record<string, unknown>, token = t.token('panitia1')) => ({
  token,
  idempotency_key: randomUUID(),
  ...fields,
});

const sendBatch = (checkins: unknown, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'POST', url: '/checkins/batch', headers, payload: { checkins } });

const resultsOf = (response: LightMyRequestResponse) => (response.json() as { results: Result[] }).results;

const created = (record: Record<string, unknown>) => ({
  status: 201,
  body: {
    status: 'checked_in',
    record: {
      checked_in_at: expect.stringMatching(ISO_TIME),
      checkin_id: expect.stringMatching(UUID),
      location: null,
      ...record,
    },
  },
});

describe('POST /checkins/batch', () => {
  it('answers every item of a mixed batch in item order, each as its single check-in would answer', async () => {
    const earlier = await t.checkIn(
      { event_id: 'bt-mix', ticket_id: 'EARLY', location: 'Gate 0' },
      t.committee('gate0'),
    );
    expect(earlier.statusCode).toBe(201);
    const expired = validToken(TEST_JWT_SECRET, { ...claims(), exp: Math.floor(Date.now() / 1000) - 60 });
    const forged = validToken('x'.repeat(40), claims());
    const guest = validToken(TEST_JWT_SECRET, claims('visitor', 'guest'));

    const response = await sendBatch([
      item({ event_id: 'bt-mix', ticket_id: 'NEW-1', location: 'Gate A' }, t.token('gate-a')),
      item({ event_id: 'bt-mix', ticket_id: 'TWICE' }, t.token('gate-b')),
      item({ event_id: 'bt-mix', ticket_id: 'TWICE' }, t.token('gate-c')),
      item({ event_id: 'bt-mix', ticket_id: 'EARLY' }),
      item({ event_id: 'bt-mix', ticket_id: 'BAD-TOKEN' }, forged),
      item({ event_id: 'bt-mix', ticket_id: 'OLD-TOKEN' }, expired),
      item({ event_id: 'bt-mix', ticket_id: 'GUEST' }, guest),
      item({ event_id: 'bt-never-registered', ticket_id: 'X', registered_event_only: true }),
      item({ event_id: 'bt-open', ticket_id: 'ANY-CODE', registered_event_only: true }, t.token('admin1', 'admin')),
      item({ event_id: 'bt-gala', ticket_id: 'FORGED' }),
      item({ event_id: 'bt-gala', ticket_id: 'G-1' }),
      item({ event_id: 'bt-mix', ticket_id: '' }),
    ]);

    expect(response.statusCode).toBe(200);
    const results = resultsOf(response);
    expect(results).toHaveLength(12);
    expect(results[0]).toEqual(
      created({ event_id: 'bt-mix', ticket_id: 'NEW-1', checked_in_by: 'gate-a', location: 'Gate A' }),
    );
    // Two scans of one ticket in one batch: one wins, the other is told about the winner.
    const pair = [results[1], results[2]] as Result[];
    expect(pair.map((result) => result.status).sort()).toEqual([201, 409]);
    const winner = pair.find((result) => result.status === 201) as Result;
    const loser = pair.find((result) => result.status === 409) as Result;
    expect(loser.body).toEqual({ detail: 'Ticket already checked in', record: winner.body.record });
    expect(results[3]).toEqual({
      status: 409,
      body: { detail: 'Ticket already checked in', record: earlier.json().record },
    });
    expect(results[4]).toEqual({ status: 401, body: { detail: 'Invalid token' } });
    expect(results[5]).toEqual({ status: 401, body: { detail: 'Token expired' } });
    expect(results[6]).toEqual({ status: 401, body: { detail: 'Invalid token' } });
    expect(results[7]).toEqual({ status: 404, body: { detail: 'Event not found' } });
    expect(results[8]).toEqual(created({ event_id: 'bt-open', ticket_id: 'ANY-CODE', checked_in_by: 'admin1' }));
    expect(results[9]).toEqual({ status: 404, body: { detail: 'Ticket not found for this event' } });
    expect(results[10]).toEqual(created({ event_id: 'bt-gala', ticket_id: 'G-1', checked_in_by: 'panitia1' }));
    expect(results[11]?.status).toBe(422);

    // Nothing was written for the refused items; the accepted ones are there once.
    const list = await t.app.inject({ url: '/attendance/bt-mix', headers: t.committee() });
    expect(
      list
        .json()
        .records.map((record: { ticket_id: string }) => record.ticket_id)
        .sort(),
    ).toEqual(['EARLY', 'NEW-1', 'TWICE']);
  });

  it('names the other event that issued a refused code in that item’s 404, as POST /checkins does', async () => {
    await t.app.inject({
      method: 'POST',
      url: '/events',
      headers: t.admin(),
      payload: { id: 'bt-after-party', title: 'After party' },
    });
    await t.issueTickets('bt-after-party', ['AP-1']);
    const response = await sendBatch([
      item({ event_id: 'bt-gala', ticket_id: 'AP-1' }),
      item({ event_id: 'bt-gala', ticket_id: 'AP-1', registered_event_only: true }),
      item({ event_id: 'bt-after-party', ticket_id: 'AP-1' }),
    ]);
    expect(response.statusCode).toBe(200);
    const notHere = {
      status: 404,
      body: { detail: 'Ticket not found for this event', other_event: { id: 'bt-after-party', title: 'After party' } },
    };
    expect(resultsOf(response)).toEqual([
      notHere,
      notHere,
      created({ event_id: 'bt-after-party', ticket_id: 'AP-1', checked_in_by: 'panitia1' }),
    ]);
  });

  it('answers an invalid item with the 422 body POST /checkins gives the same fields', async () => {
    const fields = { event_id: 'bt-422', ticket_id: 'x'.repeat(101), location: 7 };
    const single = await t.checkIn(fields);
    expect(single.statusCode).toBe(422);
    const response = await sendBatch([item(fields), item({ event_id: 'bt-422', ticket_id: 'FINE' })]);
    expect(response.statusCode).toBe(200);
    const [invalid, fine] = resultsOf(response);
    expect(invalid).toEqual({ status: 422, body: single.json() });
    expect(fine).toEqual(created({ event_id: 'bt-422', ticket_id: 'FINE', checked_in_by: 'panitia1' }));
  });

  it('answers 422 for an item without a token or key, and 401 before 422 for a bad token, as the header is checked first', async () => {
    const response = await sendBatch([
      { event_id: 'bt-fields', ticket_id: 'NO-TOKEN', idempotency_key: randomUUID() },
      { event_id: 'bt-fields', ticket_id: 'NO-KEY', token: t.token() },
      { token: 'not-a-jwt', ticket_id: 7 },
      'not an object',
    ]);
    expect(response.statusCode).toBe(200);
    const results = resultsOf(response);
    expect(results[0]).toEqual({
      status: 422,
      body: { detail: [{ loc: ['body', 'token'], msg: expect.any(String), type: 'invalid_type' }] },
    });
    expect(results[1]).toEqual({
      status: 422,
      body: { detail: [{ loc: ['body', 'idempotency_key'], msg: expect.any(String), type: 'invalid_type' }] },
    });
    expect(results[2]).toEqual({ status: 401, body: { detail: 'Invalid token' } });
    expect(results[3]).toEqual({
      status: 422,
      body: { detail: [{ loc: ['body'], msg: expect.any(String), type: 'invalid_type' }] },
    });
  });

  it('takes a request_id per item, bounded like X-Request-Id: an unprintable or overlong one is that item’s 422', async () => {
    const response = await sendBatch([
      item({ event_id: 'bt-rid', ticket_id: 'R-OK', request_id: 'gate-3-scan-77' }),
      item({ event_id: 'bt-rid', ticket_id: 'R-SPACE', request_id: 'has a space' }),
      item({ event_id: 'bt-rid', ticket_id: 'R-LONG', request_id: 'x'.repeat(129) }),
    ]);
    expect(response.statusCode).toBe(200);
    const [fine, spaced, long] = resultsOf(response);
    expect(fine).toEqual(created({ event_id: 'bt-rid', ticket_id: 'R-OK', checked_in_by: 'panitia1' }));
    for (const invalid of [spaced, long]) {
      expect(invalid).toEqual({
        status: 422,
        body: { detail: [{ loc: ['body', 'request_id'], msg: expect.any(String), type: 'invalid_format' }] },
      });
    }
  });

  it('replays a whole batch sent again: the same status and body for every item, nothing counted twice', async () => {
    const batch = [
      item({ event_id: 'bt-replay', ticket_id: 'R-1', location: 'Gate R' }),
      item({ event_id: 'bt-replay', ticket_id: 'R-1' }, t.token('gate-2')),
      item({ event_id: 'bt-gala', ticket_id: 'NOT-ISSUED' }),
      item({ event_id: 'bt-gala', ticket_id: 'G-2' }, t.token('gate-3')),
      item({ event_id: 'bt-replay', ticket_id: 'R-2' }, 'garbage'),
    ];
    const first = await sendBatch(batch);
    const again = await sendBatch(batch);
    expect(first.statusCode).toBe(200);
    expect(again.statusCode).toBe(200);
    const statuses = resultsOf(first).map((result) => result.status);
    // The first two race for R-1 in one statement: either may win.
    expect([...statuses.slice(0, 2).sort(), ...statuses.slice(2)]).toEqual([201, 409, 404, 201, 401]);
    expect(again.json()).toEqual(first.json());
    const list = await t.app.inject({ url: '/attendance/bt-replay', headers: t.committee() });
    expect(list.json().total_checked_in).toBe(1);
  });

  it('answers 422 to an item that reuses its key with a different body, and the other items as usual', async () => {
    const key = randomUUID();
    const first = await sendBatch([{ ...item({ event_id: 'bt-key', ticket_id: 'K-1' }), idempotency_key: key }]);
    expect(resultsOf(first)[0]?.status).toBe(201);
    const second = await sendBatch([
      { ...item({ event_id: 'bt-key', ticket_id: 'K-2' }), idempotency_key: key },
      item({ event_id: 'bt-key', ticket_id: 'K-3' }),
    ]);
    expect(second.statusCode).toBe(200);
    expect(resultsOf(second)).toEqual([
      { status: 422, body: { detail: 'Idempotency-Key was already used for a different request' } },
      created({ event_id: 'bt-key', ticket_id: 'K-3', checked_in_by: 'panitia1' }),
    ]);
    const list = await t.app.inject({ url: '/attendance/bt-key', headers: t.committee() });
    expect(list.json().records.map((record: { ticket_id: string }) => record.ticket_id)).toEqual(['K-1', 'K-3']);
  });

  it('answers two items with one key in one batch as concurrent requests with that key: the same 201, or 422 for another body', async () => {
    const same = { ...item({ event_id: 'bt-twin', ticket_id: 'TW-1' }), idempotency_key: randomUUID() };
    const key = randomUUID();
    const response = await sendBatch([
      same,
      { ...same },
      { ...item({ event_id: 'bt-twin', ticket_id: 'TW-2' }), idempotency_key: key },
      { ...item({ event_id: 'bt-twin', ticket_id: 'TW-3' }), idempotency_key: key },
    ]);
    const results = resultsOf(response);
    expect(results[0]).toEqual(created({ event_id: 'bt-twin', ticket_id: 'TW-1', checked_in_by: 'panitia1' }));
    expect(results[1]).toEqual(results[0]);
    // As with two concurrent requests, whichever claims the key first is checked in; the other is refused.
    const rival = [results[2], results[3]] as Result[];
    expect(rival.map((result) => result.status).sort()).toEqual([201, 422]);
    const refused = rival.find((result) => result.status === 422);
    expect(refused?.body).toEqual({ detail: 'Idempotency-Key was already used for a different request' });
    const won = rival.find((result) => result.status === 201) as Result;
    const winner = (won.body.record as { ticket_id: string }).ticket_id;
    const list = await t.app.inject({ url: '/attendance/bt-twin', headers: t.committee() });
    expect(list.json().records.map((record: { ticket_id: string }) => record.ticket_id)).toEqual(['TW-1', winner]);
  });

  it('scopes item keys to their own token user, and shares them with POST /checkins for the same body', async () => {
    const key = randomUUID();
    const response = await sendBatch([
      { ...item({ event_id: 'bt-scope', ticket_id: 'S-1' }, t.token('gate-x')), idempotency_key: key },
      { ...item({ event_id: 'bt-scope', ticket_id: 'S-2' }, t.token('gate-y')), idempotency_key: key },
    ]);
    const results = resultsOf(response);
    expect(results.map((result) => result.status)).toEqual([201, 201]);
    const single = await t.checkIn(
      { event_id: 'bt-scope', ticket_id: 'S-1' },
      { ...t.committee('gate-x'), 'idempotency-key': key },
    );
    expect(single.statusCode).toBe(201);
    expect(single.json()).toEqual(results[0]?.body);
  });

  it('checks each ticket in exactly once when 8 batches race for the same 40 tickets', async () => {
    const batches = Array.from({ length: 8 }, (_, gate) =>
      Array.from({ length: 60 }, (_, index) =>
        item({ event_id: 'bt-race', ticket_id: `T-${(index + gate * 7) % 40}` }, t.token(`gate-${gate}`)),
      ),
    );
    const responses = await Promise.all(batches.map((batch) => sendBatch(batch)));
    expect(responses.map((response) => response.statusCode)).toEqual(Array(8).fill(200));
    const results = responses.flatMap(resultsOf);
    const winners = results.filter((result) => result.status === 201);
    expect(winners).toHaveLength(40);
    expect(results.filter((result) => result.status === 409)).toHaveLength(480 - 40);
    const recordOf = new Map(
      winners.map((result) => [(result.body.record as { ticket_id: string }).ticket_id, result.body.record]),
    );
    expect(recordOf.size).toBe(40);
    for (const result of results.filter((one) => one.status === 409)) {
      const record = result.body.record as { ticket_id: string };
      expect(result.body).toEqual({ detail: 'Ticket already checked in', record: recordOf.get(record.ticket_id) });
    }
    const list = await t.app.inject({ url: '/attendance/bt-race', headers: t.committee() });
    expect(list.json().total_checked_in).toBe(40);
    expect(list.json().records).toHaveLength(40);
  });

  it('writes the items of one batch on an idle service in one statement: one transaction, one commit', async () => {
    const response = await sendBatch(
      Array.from({ length: 50 }, (_, index) => item({ event_id: 'bt-commit', ticket_id: `C-${index}` })),
    );
    expect(resultsOf(response).map((result) => result.status)).toEqual(Array(50).fill(201));
    const { rows } = await t.db.pool.query<{ transactions: number; checkins: number }>(
      "SELECT count(DISTINCT xmin::text)::int AS transactions, count(*)::int AS checkins FROM checkins WHERE event_id = 'bt-commit'",
    );
    expect(rows[0]).toEqual({ transactions: 1, checkins: 50 });
  });

  it('refuses a batch that is not a list of 1 to 200 items with 422 for the whole request', async () => {
    const empty = await sendBatch([]);
    expect(empty.statusCode).toBe(422);
    expect(empty.json()).toEqual({
      detail: [{ loc: ['body', 'checkins'], msg: expect.any(String), type: 'too_small' }],
    });
    const tooMany = await sendBatch(Array.from({ length: 201 }, () => item({ event_id: 'bt-big', ticket_id: 'B' })));
    expect(tooMany.statusCode).toBe(422);
    expect(tooMany.json()).toEqual({
      detail: [{ loc: ['body', 'checkins'], msg: expect.any(String), type: 'too_big' }],
    });
    const notAList = await t.app.inject({ method: 'POST', url: '/checkins/batch', payload: { checkins: 'many' } });
    expect(notAList.statusCode).toBe(422);
    expect(notAList.json().detail[0].loc).toEqual(['body', 'checkins']);
    const list = await t.app.inject({ url: '/attendance/bt-big', headers: t.committee() });
    expect(list.json().total_checked_in).toBe(0);
  });

  it('ignores an Authorization header on the request: only the items’ own tokens count', async () => {
    const response = await sendBatch([item({ event_id: 'bt-header', ticket_id: 'H-1' }, 'garbage')], t.admin());
    expect(response.statusCode).toBe(200);
    expect(resultsOf(response)).toEqual([{ status: 401, body: { detail: 'Invalid token' } }]);
  });
});
