// GET /overview and GET /events/{id}/stats: the dashboard's and the event page's numbers, counted in SQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventStatsCache } from '../../src/checkins/event-stats-cache.js';
import { ISO_TIME, startTestApp, type TestApp, UUID } from '../support/attendance-app.js';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp('event_stats');
});
afterAll(async () => {
  await t.close();
});

const get = (url: string, headers: Record<string, string> = t.committee()) => t.app.inject({ url, headers });
const scan = (eventId: string, ticketId: string, location?: string) =>
  t.checkIn({ event_id: eventId, ticket_id: ticketId, ...(location === undefined ? {} : { location }) });

/** Moves a check-in to a known time (the database stamps check-ins with now()). */
async function checkedInAt(eventId: string, ticketId: string, iso: string): Promise<void> {
  await t.db.pool.query('UPDATE checkins SET checked_in_at = $3 WHERE event_id = $1 AND ticket_id = $2', [
    eventId,
    ticketId,
    iso,
  ]);
}

describe('GET /overview', () => {
  beforeAll(async () => {
    const create = (payload: object) => t.app.inject({ method: 'POST', url: '/events', headers: t.admin(), payload });
    await create({
      id: 'ov-tickets',
      title: 'With tickets',
      location: 'Aula',
      start_time: '2026-03-01T08:00:00Z',
      end_time: '2026-03-01T12:00:00Z',
      capacity: 500,
    });
    await t.issueTickets('ov-tickets', ['OV-1', 'OV-2', 'OV-3']);
    await create({ id: 'ov-capacity', title: 'Capacity only', capacity: 8 });
    await create({ id: 'ov-nothing', title: 'Neither' });
    for (const [event, ticket] of [
      ['ov-tickets', 'OV-1'],
      ['ov-tickets', 'OV-2'],
      ['ov-capacity', 'any-code'],
      ['ov-nothing', 'walk-in'],
      ['ov-ad-hoc', 'never-registered'],
    ] as const) {
      expect((await scan(event, ticket)).statusCode).toBe(201);
    }
  });

  it('lists every registered event with its totals by the summary’s rules, in the order of GET /events', async () => {
    const response = await get('/overview');
    expect(response.statusCode).toBe(200);
    const events = response.json().events.filter((event: { id: string }) => event.id.startsWith('ov-'));
    expect(events).toEqual([
      {
        id: 'ov-tickets',
        title: 'With tickets',
        start_time: '2026-03-01T08:00:00.000Z',
        end_time: '2026-03-01T12:00:00.000Z',
        location: 'Aula',
        total_registered: 3,
        total_checked_in: 2,
        checkin_percentage: 66.67,
        lanes: null,
      },
      {
        id: 'ov-capacity',
        title: 'Capacity only',
        start_time: null,
        end_time: null,
        location: null,
        total_registered: 8,
        total_checked_in: 1,
        checkin_percentage: 12.5,
        lanes: null,
      },
      {
        id: 'ov-nothing',
        title: 'Neither',
        start_time: null,
        end_time: null,
        location: null,
        total_registered: 0,
        total_checked_in: 1,
        checkin_percentage: 0,
        lanes: null,
      },
    ]);
  });

  it('agrees with each event’s summary stats', async () => {
    const overview = (await get('/overview')).json().events as { id: string }[];
    for (const { id, ...numbers } of overview.filter((event) => event.id.startsWith('ov-'))) {
      const summary = await get(`/events/${id}/summary`);
      expect(summary.statusCode).toBe(200);
      expect(summary.json().stats).toEqual({
        total_registered: (numbers as Record<string, unknown>).total_registered,
        total_checked_in: (numbers as Record<string, unknown>).total_checked_in,
        checkin_percentage: (numbers as Record<string, unknown>).checkin_percentage,
      });
    }
  });

  it('answers 401 without a token', async () => {
    const response = await t.app.inject({ url: '/overview' });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ detail: 'Missing Authorization header' });
  });
});

describe('GET /events/{id}/stats', () => {
  const tickets = ['ST-1', 'ST-2', 'ST-3', 'ST-4', 'ST-5', 'ST-6'];

  beforeAll(async () => {
    await t.createEvent('stats-ev');
    await t.app.inject({
      method: 'POST',
      url: '/events/stats-ev/tickets',
      headers: t.admin(),
      payload: { tickets: tickets.map((ticket_id, index) => ({ ticket_id, holder_name: `Holder ${index + 1}` })) },
    });
    // Times: 08:01, 08:04 (bucket 08:00), 08:07 (08:05), 08:20 (08:20), 09:10 (09:10); ST-6 is never scanned.
    const plan: [string, string | undefined, string][] = [
      ['ST-1', 'Gate A', '2026-03-01T08:01:00Z'],
      ['ST-2', 'Gate A', '2026-03-01T08:04:59.999Z'],
      ['ST-3', 'Gate B', '2026-03-01T08:07:00Z'],
      ['ST-4', undefined, '2026-03-01T08:20:00Z'],
      ['ST-5', 'Gate A', '2026-03-01T09:10:00Z'],
    ];
    for (const [ticket, location, at] of plan) {
      expect((await scan('stats-ev', ticket, location)).statusCode).toBe(201);
      await checkedInAt('stats-ev', ticket, at);
    }
  });

  it('counts check-ins per 5-minute bucket (only non-empty ones) and per gate, with the totals', async () => {
    const response = await get('/events/stats-ev/stats');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      event_id: 'stats-ev',
      total_registered: 6,
      total_checked_in: 5,
      checkin_percentage: 83.33,
      bucket_minutes: 5,
      timeline: [
        { start: '2026-03-01T08:00:00.000Z', count: 2 },
        { start: '2026-03-01T08:05:00.000Z', count: 1 },
        { start: '2026-03-01T08:20:00.000Z', count: 1 },
        { start: '2026-03-01T09:10:00.000Z', count: 1 },
      ],
      gates: [
        { location: 'Gate A', count: 3, inside: 3 },
        { location: 'Gate B', count: 1, inside: 1 },
        { location: null, count: 1, inside: 1 },
      ],
      other_gates: null,
      latest: [],
      conflicts: 0,
      lanes: expect.objectContaining({ window_minutes: 5, lanes: [] }),
      inside: 5,
      lists: [{ id: 'main', name: 'Main', capacity: null, checked_in: 5, inside: 5 }],
    });
  });

  it.each([
    [
      '15',
      [
        ['2026-03-01T08:00:00.000Z', 3],
        ['2026-03-01T08:15:00.000Z', 1],
        ['2026-03-01T09:00:00.000Z', 1],
      ],
    ],
    [
      '60',
      [
        ['2026-03-01T08:00:00.000Z', 4],
        ['2026-03-01T09:00:00.000Z', 1],
      ],
    ],
  ])('buckets by %s minutes, aligned to the hour', async (bucket, expected) => {
    const response = await get(`/events/stats-ev/stats?bucket=${bucket}`);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      bucket_minutes: Number(bucket),
      timeline: expected.map(([start, count]) => ({ start, count })),
    });
  });

  it('includes the newest check-ins with their holders when asked', async () => {
    const response = await get('/events/stats-ev/stats?latest=2');
    expect(response.statusCode).toBe(200);
    expect(response.json().latest).toEqual([
      {
        event_id: 'stats-ev',
        ticket_id: 'ST-5',
        checked_in_by: 'panitia1',
        checked_in_at: '2026-03-01T09:10:00.000Z',
        checkin_id: expect.stringMatching(UUID),
        location: 'Gate A',
        holder_name: 'Holder 5',
      },
      {
        event_id: 'stats-ev',
        ticket_id: 'ST-4',
        checked_in_by: 'panitia1',
        checked_in_at: expect.stringMatching(ISO_TIME),
        checkin_id: expect.stringMatching(UUID),
        location: null,
        holder_name: 'Holder 4',
      },
    ]);
  });

  it('answers an event without check-ins with zeros and empty lists', async () => {
    await t.createEvent('stats-empty');
    const response = await get('/events/stats-empty/stats?latest=5');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      event_id: 'stats-empty',
      total_registered: 0,
      total_checked_in: 0,
      checkin_percentage: 0,
      bucket_minutes: 5,
      timeline: [],
      gates: [],
      other_gates: null,
      latest: [],
      conflicts: 0,
      lanes: expect.objectContaining({ window_minutes: 5, lanes: [] }),
      inside: 0,
      lists: [{ id: 'main', name: 'Main', capacity: null, checked_in: 0, inside: 0 }],
    });
  });

  it('answers 404 for an event that was never registered, even with ad-hoc check-ins', async () => {
    expect((await scan('stats-ad-hoc', 'X-1')).statusCode).toBe(201);
    const response = await get('/events/stats-ad-hoc/stats');
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ detail: 'Event not found' });
  });

  it.each([
    ['a bucket of 10 minutes', '?bucket=10', ['query', 'bucket']],
    ['more latest check-ins than 50', '?latest=51', ['query', 'latest']],
  ])('answers 422 to %s', async (_name, query, loc) => {
    const response = await get(`/events/stats-ev/stats${query}`);
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual({ detail: [expect.objectContaining({ loc })] });
  });
});

describe('GET /events/{id}/stats with scans uploaded from offline gates', () => {
  const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
  /** Moves a check-in to a known receive time and device scan time. */
  async function timesOf(eventId: string, ticketId: string, receivedAt: string, scannedAt: string | null) {
    await t.db.pool.query(
      'UPDATE checkins SET checked_in_at = $3, scanned_at = $4 WHERE event_id = $1 AND ticket_id = $2',
      [eventId, ticketId, receivedAt, scannedAt],
    );
  }

  beforeAll(async () => {
    await t.createEvent('stats-offline', ['OFF-1', 'OFF-2', 'OFF-3']);
    // OFF-1 online at 10:41; OFF-2 scanned at 10:31 by an offline gate whose queue reached the server
    // at 11:00, after OFF-3 (online, 11:00 too). So by arrival: OFF-1, OFF-3, OFF-2.
    const plan: [string, string | undefined, string, string | null][] = [
      ['OFF-1', undefined, '2026-03-01T10:41:00Z', null],
      ['OFF-3', undefined, '2026-03-01T11:00:00Z', null],
      ['OFF-2', minutesAgo(30), '2026-03-01T11:00:30Z', '2026-03-01T10:31:00Z'],
    ];
    for (const [ticket_id, scanned_at, receivedAt, scannedAt] of plan) {
      const answer = await t.checkIn(
        { event_id: 'stats-offline', ticket_id, location: 'Gate A', ...(scanned_at ? { scanned_at } : {}) },
        t.committee(scanned_at ? 'offline-gate' : 'panitia1'),
      );
      expect(answer.statusCode).toBe(201);
      await timesOf('stats-offline', ticket_id, receivedAt, scannedAt);
    }
  });

  it('counts an uploaded scan in the bucket of its device scan time, not of its arrival', async () => {
    const response = await get('/events/stats-offline/stats');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      total_checked_in: 3,
      timeline: [
        { start: '2026-03-01T10:30:00.000Z', count: 1 },
        { start: '2026-03-01T10:40:00.000Z', count: 1 },
        { start: '2026-03-01T11:00:00.000Z', count: 1 },
      ],
      gates: [{ location: 'Gate A', count: 3 }],
    });
  });

  it('lists the newest check-ins by arrival, with scanned_at only on the one that gave it', async () => {
    const response = await get('/events/stats-offline/stats?latest=3');
    expect(response.statusCode).toBe(200);
    const record = (ticket_id: string, checked_in_by: string, checked_in_at: string) => ({
      event_id: 'stats-offline',
      ticket_id,
      checked_in_by,
      checked_in_at,
      checkin_id: expect.stringMatching(UUID),
      location: 'Gate A',
      holder_name: null,
    });
    const latest = response.json().latest;
    expect(latest).toEqual([
      { ...record('OFF-2', 'offline-gate', '2026-03-01T11:00:30.000Z'), scanned_at: '2026-03-01T10:31:00.000Z' },
      record('OFF-3', 'panitia1', '2026-03-01T11:00:00.000Z'),
      record('OFF-1', 'panitia1', '2026-03-01T10:41:00.000Z'),
    ]);
    expect(Object.keys(latest[1])).not.toContain('scanned_at');
  });

  it('counts the event’s conflicts, and only this event’s', async () => {
    await t.createEvent('stats-conflicts', ['SC-1', 'SC-2']);
    await t.createEvent('stats-conflicts-other', ['SO-1']);
    const offline = (event_id: string, ticket_id: string, gate: string) =>
      t.checkIn({ event_id, ticket_id, scanned_at: minutesAgo(10), admitted_offline: true }, t.committee(gate));
    expect((await get('/events/stats-conflicts/stats')).json().conflicts).toBe(0);
    expect((await offline('stats-conflicts', 'SC-1', 'gate-a')).statusCode).toBe(201);
    // Admitted by a second offline gate too, and a code the event never issued: two conflicts.
    const late = await offline('stats-conflicts', 'SC-1', 'gate-b');
    expect(late.statusCode).toBe(409);
    expect(late.json()).toMatchObject({ detail: 'Ticket already checked in', conflict: true });
    const forged = await offline('stats-conflicts', 'SC-FORGED', 'gate-b');
    expect(forged.statusCode).toBe(404);
    expect(forged.json()).toEqual({ detail: 'Ticket not found for this event', conflict: true });
    expect((await offline('stats-conflicts-other', 'SO-X', 'gate-c')).statusCode).toBe(404);

    const response = await get('/events/stats-conflicts/stats');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ event_id: 'stats-conflicts', total_checked_in: 1, conflicts: 2 });
    const listed = await get('/events/stats-conflicts/conflicts');
    expect(listed.json().total).toBe(2);
    expect((await get('/events/stats-conflicts-other/stats')).json().conflicts).toBe(1);
  });
});

describe('stats kept between reads (EventStatsCache)', () => {
  // A margin of 2 positions: after a read, all but the newest 2 check-ins are settled.
  // One clock for every cache: their answers are compared whole (the lanes say when they were measured).
  const clock = () => Date.parse('2026-12-01T10:00:00Z');
  const cache = () => new EventStatsCache(t.db.pool, 2, clock);
  const gateCounts = (stats: { gates: { location: string | null; count: number }[] } | undefined) =>
    Object.fromEntries((stats?.gates ?? []).map((gate) => [gate.location ?? '(none)', gate.count]));

  it('counts the check-ins that arrive after a read, and agrees with a count of the whole event', async () => {
    await t.createEvent('inc-ev');
    for (const ticket of ['I-1', 'I-2', 'I-3', 'I-4', 'I-5']) await scan('inc-ev', ticket, 'Gate A');
    const kept = cache();
    expect((await kept.read('inc-ev', 5, 0))?.total_checked_in).toBe(5);
    for (const ticket of ['I-6', 'I-7', 'I-8']) await scan('inc-ev', ticket, 'Gate B');
    const later = await kept.read('inc-ev', 60, 0);
    expect(later).toMatchObject({ total_checked_in: 8, bucket_minutes: 60 });
    expect(gateCounts(later)).toEqual({ 'Gate A': 5, 'Gate B': 3 });
    expect(later?.timeline.reduce((sum, bucket) => sum + bucket.count, 0)).toBe(8);
    expect(later).toEqual(await cache().read('inc-ev', 60, 0));
  });

  it('puts a late upload of offline scans in the buckets of their scan times, as a count of the whole event does', async () => {
    await t.createEvent('inc-offline');
    for (const ticket of ['O-1', 'O-2', 'O-3']) await scan('inc-offline', ticket, 'Gate A');
    const kept = cache();
    const before = await kept.read('inc-offline', 5, 0);
    expect(before?.timeline).toHaveLength(1);
    // A gate's queue from three hours ago arrives now: positions after the settled ones.
    const scannedAt = new Date(Date.now() - 3 * 3600_000).toISOString();
    for (const ticket of ['O-4', 'O-5', 'O-6', 'O-7']) {
      const answer = await t.checkIn(
        { event_id: 'inc-offline', ticket_id: ticket, location: 'Gate B', scanned_at: scannedAt },
        t.committee('queue'),
      );
      expect(answer.statusCode).toBe(201);
    }
    const after = await kept.read('inc-offline', 5, 0);
    expect(after?.total_checked_in).toBe(7);
    const bin = Math.floor(Date.parse(scannedAt) / 300_000) * 300_000;
    expect(after?.timeline[0]).toEqual({ start: new Date(bin).toISOString(), count: 4 });
    expect(after?.timeline.slice(1)).toEqual(before?.timeline);
    expect(after).toEqual(await cache().read('inc-offline', 5, 0));
  });

  it('stays exact when a check-in commits below the settled position', async () => {
    await t.createEvent('late-ev');
    for (const ticket of ['L-1', 'L-2', 'L-3', 'L-4']) await scan('late-ev', ticket, 'Gate A');
    const kept = cache();
    await kept.read('late-ev', 5, 0);
    // A check-in numbered before the settled ones, made visible only now (as a late commit is),
    // with its counter increment, as the check-in statement writes them together.
    await t.db.pool.query(
      `INSERT INTO checkins (event_id, ticket_id, seq, checkin_id, checked_in_by, location)
       OVERRIDING SYSTEM VALUE VALUES ('late-ev', 'L-late', 1, gen_random_uuid(), 'panitia1', 'Gate Z')`,
    );
    await t.db.pool.query(
      `INSERT INTO event_checkin_counts (event_id, shard, n) VALUES ('late-ev', 0, 1)
       ON CONFLICT (event_id, shard) DO UPDATE SET n = event_checkin_counts.n + 1`,
    );
    const after = await kept.read('late-ev', 5, 0);
    expect(after?.total_checked_in).toBe(5);
    expect(gateCounts(after)).toEqual({ 'Gate A': 4, 'Gate Z': 1 });
  });

  it('starts over when the event is deleted and filled again', async () => {
    await t.createEvent('again-ev');
    for (const ticket of ['A-1', 'A-2', 'A-3', 'A-4']) await scan('again-ev', ticket, 'Gate A');
    const kept = cache();
    await kept.read('again-ev', 5, 0);
    const deleted = await t.app.inject({ method: 'DELETE', url: '/events/again-ev?force=true', headers: t.admin() });
    expect(deleted.statusCode).toBe(200);
    expect(await kept.read('again-ev', 5, 0)).toBeUndefined();
    await t.createEvent('again-ev');
    for (const ticket of ['B-1', 'B-2']) await scan('again-ev', ticket, 'Gate B');
    const refilled = await kept.read('again-ev', 5, 0);
    expect(refilled?.total_checked_in).toBe(2);
    expect(gateCounts(refilled)).toEqual({ 'Gate B': 2 });
  });
});

describe('live lanes in the stats and the overview', () => {
  const NOW = Date.parse('2026-05-01T10:00:30Z');

  it('measures each gate’s pace over the last five minutes, its trend and idleness, the queue and the hint', async () => {
    await t.app.inject({
      method: 'POST',
      url: '/events',
      headers: t.admin(),
      payload: { id: 'lanes-ev', title: 'Lanes', start_time: '2026-05-01T10:05:30Z' },
    });
    const tickets = Array.from({ length: 100 }, (_, i) => `LN-${i}`);
    await t.issueTickets('lanes-ev', tickets);
    // Gate A: 27 at 09:57-09:59 (9 a minute); gate B: 10 at 09:52 and nothing since.
    const plan = [
      ...tickets.slice(0, 27).map((id, i) => [id, 'Gerbang A', `2026-05-01T09:5${7 + Math.floor(i / 9)}:10Z`]),
      ...tickets.slice(27, 37).map((id) => [id, 'Gerbang B', '2026-05-01T09:52:40Z']),
    ];
    for (const [ticket, gate, when] of plan as [string, string, string][]) {
      expect((await scan('lanes-ev', ticket, gate)).statusCode).toBe(201);
      await checkedInAt('lanes-ev', ticket, when);
    }
    const stats = await new EventStatsCache(t.db.pool, 2, () => NOW).read('lanes-ev', 5, 0);
    expect(stats?.lanes).toEqual({
      window_minutes: 5,
      at: '2026-05-01T10:00:30.000Z',
      lanes: [
        {
          location: 'Gerbang A',
          per_minute: 6,
          previous_per_minute: 0,
          trend: 'up',
          last_scan_at: '2026-05-01T09:59:00.000Z',
          idle: false,
        },
        {
          location: 'Gerbang B',
          per_minute: 0,
          previous_per_minute: 2,
          trend: 'down',
          last_scan_at: '2026-05-01T09:52:00.000Z',
          idle: true,
        },
      ],
      other: null,
      remaining: 63,
      per_minute: 6,
      active_lanes: 1,
      minutes_to_clear: 10.5,
      minutes_to_start: 5,
      more_lanes_needed: 2,
    });
  });

  it('gives the dashboard the lanes of an event on now, null for the others', async () => {
    const soon = new Date(Date.now() + 30 * 60_000).toISOString();
    await t.app.inject({
      method: 'POST',
      url: '/events',
      headers: t.admin(),
      payload: { id: 'lanes-now', title: 'Now', start_time: soon },
    });
    await t.issueTickets('lanes-now', ['NOW-1', 'NOW-2', 'NOW-3']);
    expect((await scan('lanes-now', 'NOW-1', 'Pintu 1')).statusCode).toBe(201);
    const response = await get('/overview');
    expect(response.statusCode).toBe(200);
    const events = response.json().events as { id: string; lanes: unknown }[];
    expect(events.find((event) => event.id === 'lanes-now')?.lanes).toMatchObject({
      lanes: [expect.objectContaining({ location: 'Pintu 1', idle: false })],
      remaining: 2,
      active_lanes: 1,
      minutes_to_start: expect.any(Number),
    });
    expect(events.find((event) => event.id === 'ov-tickets')?.lanes).toBeNull();
  });
});

describe('stats of an event with very many gate names (issue 15, item 11)', () => {
  it('lists the 50 busiest gates by name and sums the rest in other_gates', async () => {
    await t.createEvent('many-gates');
    // 60 gates: gate-00 busiest (3 scans), gate-01..09 two each, the rest one each.
    let ticket = 0;
    for (let gate = 0; gate < 60; gate++) {
      const scans = gate === 0 ? 3 : gate < 10 ? 2 : 1;
      for (let scan = 0; scan < scans; scan++) {
        const location = `gate-${String(gate).padStart(2, '0')}`;
        const answer = await t.checkIn({ event_id: 'many-gates', ticket_id: `MG-${ticket++}`, location });
        expect(answer.statusCode).toBe(201);
      }
    }
    // Two go out: one who came in at gate-00, one at gate-55 (in the tail), both through gate-49.
    for (const ticketId of ['MG-0', `MG-${ticket - 5}`]) {
      const out = await t.app.inject({
        method: 'POST',
        url: '/events/many-gates/checkins',
        headers: t.committee(),
        payload: { ticket_id: ticketId, direction: 'exit', location: 'gate-49' },
      });
      expect(out.statusCode).toBe(201);
    }
    const stats = await t.app.inject({ url: '/events/many-gates/stats', headers: t.committee() });
    expect(stats.statusCode).toBe(200);
    const body = stats.json();
    expect(body.gates).toHaveLength(50);
    expect(body.gates[0]).toEqual({ location: 'gate-00', count: 3, inside: 2 });
    expect(body.gates[49]).toEqual({ location: 'gate-49', count: 1, inside: 1 });
    expect(body.other_gates).toEqual({ gates: 10, count: 10, inside: 9 });
    expect(body.inside).toBe(3 + 9 * 2 + 50 - 2);
    expect(body.total_checked_in).toBe(3 + 9 * 2 + 50);
  });

  it('refuses a gate name over 100 characters with 422 naming the field', async () => {
    const answer = await t.checkIn({ event_id: 'many-gates', ticket_id: 'MG-long', location: 'g'.repeat(101) });
    expect(answer.statusCode).toBe(422);
    expect(answer.json().detail[0]).toMatchObject({ loc: ['body', 'location'] });
  });
});
