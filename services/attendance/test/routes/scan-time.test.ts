// scanned_at on every check-in endpoint: stored beside the receive time, bounded, part of the request identity, compat without it.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ISO_TIME, openApp, startTestApp, type TestApp, UUID } from '../support/attendance-app.js';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp('scan_time');
  await t.createEvent('st-gala', ['S-1', 'S-2']);
});
afterAll(async () => {
  await t.close();
});

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);
const keyed = (key: string, body: object, user = 'panitia1') =>
  t.app.inject({
    method: 'POST',
    url: '/checkins',
    headers: { ...t.committee(user), 'idempotency-key': key },
    payload: body,
  });

describe('scanned_at on POST /checkins', () => {
  it('stores the device scan time beside the receive time and answers it, in UTC, after the compat fields', async () => {
    const scanned = minutesAgo(90);
    // The same instant written in Jakarta time (+07:00): stored and answered as UTC with milliseconds.
    const local = new Date(scanned.getTime() + 7 * 3600_000).toISOString().replace('Z', '+07:00');
    const response = await t.checkIn({ event_id: 'st-a', ticket_id: 'A-1', location: 'Gate A', scanned_at: local });
    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(body).toEqual({
      status: 'checked_in',
      record: {
        event_id: 'st-a',
        ticket_id: 'A-1',
        checked_in_by: 'panitia1',
        checked_in_at: expect.stringMatching(ISO_TIME),
        checkin_id: expect.stringMatching(UUID),
        location: 'Gate A',
        scanned_at: scanned.toISOString(),
      },
    });
    expect(Object.keys(body.record).at(-1)).toBe('scanned_at');
    // checked_in_at stays attendance's own receive time.
    expect(Math.abs(Date.parse(body.record.checked_in_at) - Date.now())).toBeLessThan(60_000);
  });

  it('answers a check-in without scanned_at exactly as before: no scanned_at field', async () => {
    const response = await t.checkIn({ event_id: 'st-a', ticket_id: 'A-plain', scanned_at: null });
    expect(response.statusCode).toBe(201);
    expect(Object.keys(response.json().record)).toEqual([
      'event_id',
      'ticket_id',
      'checked_in_by',
      'checked_in_at',
      'checkin_id',
      'location',
    ]);
  });

  it("answers a duplicate with the first scan's device time", async () => {
    const scanned = minutesAgo(5).toISOString();
    const first = await t.checkIn({ event_id: 'st-a', ticket_id: 'A-dup', scanned_at: scanned }, t.committee('gate1'));
    expect(first.statusCode).toBe(201);
    const second = await t.checkIn({ event_id: 'st-a', ticket_id: 'A-dup' }, t.committee('gate2'));
    expect(second.statusCode).toBe(409);
    expect(second.json()).toEqual({ detail: 'Ticket already checked in', record: first.json().record });
    expect(second.json().record.scanned_at).toBe(scanned);
  });

  it('lists scanned_at only on the check-ins that have one, in full lists, pages and "my check-ins"', async () => {
    const scanned = minutesAgo(2).toISOString();
    await t.checkIn({ event_id: 'st-list', ticket_id: 'L-1', scanned_at: scanned }, t.committee('lister'));
    await t.checkIn({ event_id: 'st-list', ticket_id: 'L-2' }, t.committee('lister'));
    const full = await t.app.inject({ url: '/attendance/st-list', headers: t.committee() });
    const page = await t.app.inject({ url: '/attendance/st-list?limit=10', headers: t.committee() });
    const mine = await t.app.inject({ url: '/checkins?event_id=st-list', headers: t.committee('lister') });
    for (const [response, records] of [
      [full, full.json().records],
      [page, page.json().records],
      [mine, mine.json().checkins],
    ] as const) {
      expect(response.statusCode).toBe(200);
      expect(records.map((record: Record<string, unknown>) => [record.ticket_id, record.scanned_at])).toEqual([
        ['L-1', scanned],
        ['L-2', undefined],
      ]);
      expect(Object.keys(records[1])).not.toContain('scanned_at');
    }
  });

  it('accepts a device clock up to two minutes ahead, and refuses one further ahead with a 422 naming the field and bound', async () => {
    const ahead = await t.checkIn({
      event_id: 'st-a',
      ticket_id: 'A-ahead',
      scanned_at: new Date(Date.now() + 60_000).toISOString(),
    });
    expect(ahead.statusCode).toBe(201);
    const future = await t.checkIn({
      event_id: 'st-a',
      ticket_id: 'A-future',
      scanned_at: new Date(Date.now() + 5 * 60_000).toISOString(),
    });
    expect(future.statusCode).toBe(422);
    expect(future.json()).toEqual({
      detail: [
        {
          loc: ['body', 'scanned_at'],
          msg: "must not be later than the server's time plus 2 minutes",
          type: 'value_error',
        },
      ],
    });
    const list = await t.app.inject({ url: '/attendance/st-a', headers: t.committee() });
    expect(list.json().records.map((record: { ticket_id: string }) => record.ticket_id)).not.toContain('A-future');
  });

  it('refuses a scan older than OFFLINE_SCAN_MAX_AGE_HOURS (72 by default) with a 422 naming the bound', async () => {
    const old = await t.checkIn({
      event_id: 'st-a',
      ticket_id: 'A-old',
      scanned_at: minutesAgo(73 * 60).toISOString(),
    });
    expect(old.statusCode).toBe(422);
    expect(old.json()).toEqual({
      detail: [
        {
          loc: ['body', 'scanned_at'],
          msg: 'must not be more than 72 hours old (OFFLINE_SCAN_MAX_AGE_HOURS)',
          type: 'value_error',
        },
      ],
    });
    const recent = await t.checkIn({
      event_id: 'st-a',
      ticket_id: 'A-71h',
      scanned_at: minutesAgo(71 * 60).toISOString(),
    });
    expect(recent.statusCode).toBe(201);
  });

  it('follows a configured OFFLINE_SCAN_MAX_AGE_HOURS', async () => {
    const strict = await openApp(t.database, { OFFLINE_SCAN_MAX_AGE_HOURS: '1' });
    try {
      const response = await strict.checkIn({
        event_id: 'st-a',
        ticket_id: 'A-2h',
        scanned_at: minutesAgo(120).toISOString(),
      });
      expect(response.statusCode).toBe(422);
      expect(response.json().detail[0].msg).toBe('must not be more than 1 hours old (OFFLINE_SCAN_MAX_AGE_HOURS)');
    } finally {
      await strict.close();
    }
  });

  it('refuses a scan time without an offset, or not a time at all, as an invalid body', async () => {
    for (const scanned_at of ['2026-12-01T10:31:00', 'yesterday', 1_764_000_000]) {
      const response = await t.checkIn({ event_id: 'st-a', ticket_id: 'A-bad', scanned_at });
      expect(response.statusCode).toBe(422);
      expect(response.json().detail[0].loc).toEqual(['body', 'scanned_at']);
    }
  });

  it('takes scanned_at into the request identity: the same key and scan replays, another scan time is a 422', async () => {
    const scanned = minutesAgo(10).toISOString();
    const body = { event_id: 'st-a', ticket_id: 'A-key', location: 'Gate A', scanned_at: scanned };
    const first = await keyed('st-key-1', body);
    const replay = await keyed('st-key-1', body);
    expect(first.statusCode).toBe(201);
    expect(replay.statusCode).toBe(201);
    expect(replay.json()).toEqual(first.json());
    const other = await keyed('st-key-1', { ...body, scanned_at: minutesAgo(11).toISOString() });
    expect(other.statusCode).toBe(422);
    expect(other.json()).toEqual({ detail: 'Idempotency-Key was already used for a different request' });
  });

  it('answers the same scan sent again without its key (same person, gate and scan time) with its first 201', async () => {
    const body = {
      event_id: 'st-a',
      ticket_id: 'A-again',
      location: 'Gate B',
      scanned_at: minutesAgo(3).toISOString(),
    };
    const first = await t.checkIn(body, t.committee('gate-b'));
    const again = await t.checkIn(body, t.committee('gate-b'));
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.json()).toEqual(first.json());
    // Anyone else, or another scan time, is another scan: the ticket is already checked in.
    const colleague = await t.checkIn(body, t.committee('gate-c'));
    expect(colleague.statusCode).toBe(409);
    expect(colleague.json()).toEqual({ detail: 'Ticket already checked in', record: first.json().record });
    const later = await t.checkIn({ ...body, scanned_at: minutesAgo(1).toISOString() }, t.committee('gate-b'));
    expect(later.statusCode).toBe(409);
    expect(later.json()).toEqual({ detail: 'Ticket already checked in', record: first.json().record });
  });

  it('answers a scan whose key expired, uploaded again later, with its first 201 rather than "already checked in"', async () => {
    const body = { event_id: 'st-a', ticket_id: 'A-expired', scanned_at: minutesAgo(30 * 60).toISOString() };
    const first = await keyed('st-key-expired', body);
    expect(first.statusCode).toBe(201);
    await t.db.pool.query("UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = $1", [
      'st-key-expired',
    ]);
    const upload = await keyed('st-key-expired', body);
    expect(upload.statusCode).toBe(201);
    expect(upload.json()).toEqual(first.json());
  });
});

describe('scanned_at on POST /events/{id}/checkins and in batches', () => {
  it('stores the scan time of a check-in at a registered event', async () => {
    const scanned = minutesAgo(15).toISOString();
    const response = await t.app.inject({
      method: 'POST',
      url: '/events/st-gala/checkins',
      headers: t.committee(),
      payload: { ticket_id: 'S-1', scanned_at: scanned },
    });
    expect(response.statusCode).toBe(201);
    expect(response.json().record).toMatchObject({ event_id: 'st-gala', ticket_id: 'S-1', scanned_at: scanned });
  });

  it('answers a batch item with a scan time out of bounds with its own 422, and checks the others in', async () => {
    const token = t.token('batcher');
    const scanned = minutesAgo(20).toISOString();
    const response = await t.app.inject({
      method: 'POST',
      url: '/checkins/batch',
      payload: {
        checkins: [
          { token, idempotency_key: randomUUID(), event_id: 'st-batch', ticket_id: 'B-1', scanned_at: scanned },
          {
            token,
            idempotency_key: randomUUID(),
            event_id: 'st-batch',
            ticket_id: 'B-2',
            scanned_at: new Date(Date.now() + 3600_000).toISOString(),
          },
        ],
      },
    });
    expect(response.statusCode).toBe(200);
    const [ok, late] = response.json().results;
    expect(ok).toEqual({
      status: 201,
      body: { status: 'checked_in', record: expect.objectContaining({ ticket_id: 'B-1', scanned_at: scanned }) },
    });
    expect(late).toEqual({
      status: 422,
      body: {
        detail: [
          {
            loc: ['body', 'scanned_at'],
            msg: "must not be later than the server's time plus 2 minutes",
            type: 'value_error',
          },
        ],
      },
    });
  });
});

describe('scanned_at on the event page list (GET /events/{id}/checkins)', () => {
  it('lists a late upload by arrival, newest first, with its scan time and the receive time', async () => {
    await t.createEvent('st-page', ['P-1', 'P-2', 'P-3']);
    const scanned = minutesAgo(45).toISOString();
    expect((await t.checkIn({ event_id: 'st-page', ticket_id: 'P-1' })).statusCode).toBe(201);
    // Scanned 45 minutes ago by an offline gate, uploaded after P-1 and before P-3.
    const upload = await t.checkIn(
      { event_id: 'st-page', ticket_id: 'P-2', scanned_at: scanned },
      t.committee('gate9'),
    );
    expect(upload.statusCode).toBe(201);
    expect((await t.checkIn({ event_id: 'st-page', ticket_id: 'P-3' })).statusCode).toBe(201);

    const response = await t.app.inject({ url: '/events/st-page/checkins', headers: t.committee() });
    expect(response.statusCode).toBe(200);
    const record = (ticket_id: string, checked_in_by = 'panitia1') => ({
      event_id: 'st-page',
      ticket_id,
      checked_in_by,
      checked_in_at: expect.stringMatching(ISO_TIME),
      checkin_id: expect.stringMatching(UUID),
      location: null,
      holder_name: null,
    });
    expect(response.json()).toEqual({
      event_id: 'st-page',
      records: [record('P-3'), { ...record('P-2', 'gate9'), scanned_at: scanned }, record('P-1')],
      next_cursor: null,
    });
    const [newest, late] = response.json().records;
    expect(Object.keys(newest)).not.toContain('scanned_at');
    expect(late.checked_in_at).toBe(upload.json().record.checked_in_at);
  });
});

describe("scanned_at within the event's own times (issue 15, item 12)", () => {
  const hoursFromNow = (hours: number) => new Date(Date.now() + hours * 3600_000).toISOString();

  beforeAll(async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/events',
      headers: t.admin(),
      payload: { id: 'st-timed', title: 'Timed', start_time: hoursFromNow(-20), end_time: hoursFromNow(-14) },
    });
    expect(created.statusCode).toBe(201);
  });

  it('refuses a scan back-dated more than 12 hours before the event starts with 422 naming scanned_at', async () => {
    const response = await t.checkIn({ event_id: 'st-timed', ticket_id: 'T-1', scanned_at: hoursFromNow(-40) });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual({
      detail: [
        {
          loc: ['body', 'scanned_at'],
          msg: 'must not be more than 12 hours before the event starts',
          type: 'value_error',
        },
      ],
    });
  });

  it('accepts a scan between 12 hours before the start and 12 hours after the end', async () => {
    for (const [index, hours] of [-31, -17, -3].entries()) {
      const response = await t.checkIn({
        event_id: 'st-timed',
        ticket_id: `T-in-${index}`,
        scanned_at: hoursFromNow(hours),
      });
      expect(response.statusCode).toBe(201);
    }
  });

  it('refuses a batch item scanned long before the event as its own 422, the others still checked in', async () => {
    const item = (ticket_id: string, scanned_at: string) => ({
      token: t.token('panitia1'),
      idempotency_key: randomUUID(),
      event_id: 'st-timed',
      ticket_id,
      scanned_at,
    });
    const response = await t.app.inject({
      method: 'POST',
      url: '/checkins/batch',
      payload: { checkins: [item('T-b1', hoursFromNow(-45)), item('T-b2', hoursFromNow(-15))] },
    });
    expect(response.statusCode).toBe(200);
    const [early, ok] = response.json().results;
    expect(early).toEqual({
      status: 422,
      body: { detail: [expect.objectContaining({ loc: ['body', 'scanned_at'] })] },
    });
    expect(ok.status).toBe(201);
  });
});
