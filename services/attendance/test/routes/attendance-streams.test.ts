// Full attendance lists streamed from one snapshot (issue 10, item 6): compat bytes, NDJSON, the CSV export, bounded connections.
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckinListStreams, jsonList, ndjsonList } from '../../src/checkins/attendance-streams.js';
import { openApp, startTestApp, type TestApp } from '../support/attendance-app.js';

let t: TestApp;
/** The same service with ATTENDANCE_CACHE_MB=0: every full list is streamed from a cursor. */
let streaming: Awaited<ReturnType<typeof openApp>>;

/** Ticket codes and places with every character JSON and CSV have to get right. */
const ODD = [
  { ticket_id: 'Q"uote', location: 'Gate "A", left' },
  { ticket_id: 'back\\slash', location: 'C:\\gates\\1' },
  { ticket_id: 'ünïcødé-😀', location: 'Gerbang 🚪' },
  { ticket_id: 'line\u2028separator', location: null },
  { ticket_id: '</script><script>alert(1)</script>', location: '<b>' },
  { ticket_id: 'comma,semicolon;', location: 'tab\u00a0nbsp' },
];

/** `count` check-ins at `eventId`, inserted in SQL (with their counter), oldest first as B-00001… */
async function seedCheckins(eventId: string, count: number): Promise<void> {
  await t.db.pool.query(
    `WITH ins AS (
       INSERT INTO checkins (event_id, ticket_id, checkin_id, checked_in_by, location)
       SELECT $1, 'B-' || lpad(g::text, 5, '0'), gen_random_uuid(), 'gate-' || (g % 7),
              CASE WHEN g % 3 = 0 THEN NULL ELSE 'Gate ' || (g % 4) END
       FROM generate_series(1, $2::int) g ORDER BY g
       RETURNING 1)
     INSERT INTO event_checkin_counts (event_id, shard, n) SELECT $1, 0, count(*) FROM ins`,
    [eventId, count],
  );
}

beforeAll(async () => {
  t = await startTestApp('streams');
  streaming = await openApp(t.database, { ATTENDANCE_CACHE_MB: '0' });
  await t.createEvent('odd');
  for (const { ticket_id, location } of ODD) {
    const answer = await t.checkIn({ event_id: 'odd', ticket_id, location });
    if (answer.statusCode !== 201) throw new Error(`seed ${ticket_id}: ${answer.body}`);
  }
  await t.createEvent('big');
  await seedCheckins('big', 2500);
});
afterAll(async () => {
  await streaming?.close();
  await t.close();
});

const get = (app: TestApp['app'], url: string, headers: Record<string, string> = {}) =>
  app.inject({ url, headers: { ...t.committee(), ...headers } });

/** What the full list was before it streamed: JSON.stringify of the whole object, from the paged records. */
async function expectedBytes(eventId: string): Promise<string> {
  const page = (await get(t.app, `/attendance/${encodeURIComponent(eventId)}?limit=10000`)).json();
  return JSON.stringify({ event_id: eventId, total_checked_in: page.total_checked_in, records: page.records });
}

describe('the full list, streamed', () => {
  it.each(['odd', 'big'])(
    'answers /attendance/%s byte for byte as before, from the cache and streamed from a cursor',
    async (eventId) => {
      const expected = await expectedBytes(eventId);
      for (const url of [`/attendance/${eventId}`, `/events/${eventId}/attendance`]) {
        const cached = await get(t.app, url);
        const streamed = await get(streaming.app, url);
        expect(cached.statusCode, url).toBe(200);
        expect(streamed.statusCode, url).toBe(200);
        expect(streamed.headers['content-type']).toBe('application/json; charset=utf-8');
        // Streamed: no length known up front.
        expect(streamed.headers['transfer-encoding']).toBe('chunked');
        expect(cached.body).toBe(expected);
        expect(streamed.body).toBe(expected);
      }
      const parsed = JSON.parse(expected);
      expect(parsed.records).toHaveLength(eventId === 'odd' ? ODD.length : 2500);
      expect(parsed.total_checked_in).toBe(parsed.records.length);
    },
  );

  it('answers an unknown event with the compat empty list when streamed too', async () => {
    const response = await get(streaming.app, '/attendance/nobody-here');
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('{"event_id":"nobody-here","total_checked_in":0,"records":[]}');
  });

  it('answers Accept: application/x-ndjson with a head line, then one record per line', async () => {
    const response = await get(t.app, '/attendance/odd', { accept: 'application/x-ndjson' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/x-ndjson');
    const lines = response.body.split('\n');
    expect(lines.at(-1)).toBe('');
    expect(JSON.parse(lines[0] as string)).toEqual({ event_id: 'odd', total_checked_in: ODD.length });
    const page = (await get(t.app, '/attendance/odd?limit=100')).json();
    expect(lines.slice(1, -1).map((line) => JSON.parse(line))).toEqual(page.records);
    // A record line is exactly JSON.stringify of the record: U+2028 stays inside its line.
    expect(lines.slice(1, -1)).toEqual(page.records.map((record: object) => JSON.stringify(record)));
    // Streamed from a cursor (no cache), the same bytes.
    const streamed = await get(streaming.app, '/attendance/odd', { accept: 'application/x-ndjson' });
    expect(streamed.headers['content-type']).toBe('application/x-ndjson');
    expect(streamed.body).toBe(response.body);
  });

  it('reads the count and the records from one snapshot: a check-in committed meanwhile is in neither', async () => {
    await t.createEvent('snap');
    for (const ticket of ['S-1', 'S-2']) await t.checkIn({ event_id: 'snap', ticket_id: ticket });
    const streams = new CheckinListStreams(t.db.pool, 1);
    const list = await streams.open('snap', 'records', jsonList('snap'));
    await t.checkIn({ event_id: 'snap', ticket_id: 'S-3' });
    const body = JSON.parse(await text(list));
    expect(body.total_checked_in).toBe(2);
    expect(body.records.map((record: { ticket_id: string }) => record.ticket_id)).toEqual(['S-1', 'S-2']);
  });

  it('streams at most its number of lists at once; a reader that goes away mid-list gives its connection back', async () => {
    const pool = t.db.pool;
    const inUse = () => pool.totalCount - pool.idleCount;
    // Earlier lists give their connections back as they close.
    await expect.poll(inUse).toBe(0);
    const before = 0;
    const streams = new CheckinListStreams(pool, 1);
    const first = await streams.open('big', 'records', ndjsonList('big'));
    expect(inUse()).toBe(before + 1);
    let secondOpened = false;
    const second = streams.open('big', 'records', ndjsonList('big')).then((stream) => {
      secondOpened = true;
      return stream;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(secondOpened).toBe(false);
    expect(streams.waiting).toBe(1);
    // The first reader takes one chunk, then goes away.
    first.read();
    first.destroy();
    const next = await second;
    expect(inUse()).toBe(before + 1);
    const lines = (await text(next)).trimEnd().split('\n');
    expect(lines).toHaveLength(2501);
    await expect.poll(inUse).toBe(before);
  });
});

const OFFLINE_SCAN = new Date(Date.now() - 3600_000).toISOString();
const CSV_HEADER = 'ticket_id,holder_name,checked_in_at,scanned_at,checked_in_by,location,checkin_id';

describe('GET /events/{id}/attendance.csv', () => {
  beforeAll(async () => {
    await t.createEvent('export');
    const issued = await t.app.inject({
      method: 'POST',
      url: '/events/export/tickets',
      headers: t.admin(),
      payload: {
        tickets: [
          { ticket_id: 'X-1', holder_name: 'Budi Santoso' },
          { ticket_id: 'X-2', holder_name: '=HYPERLINK("http://evil.example","click")' },
          { ticket_id: '+62-811', holder_name: 'Sari, "Dewi"' },
          { ticket_id: '@SUM(A1)', holder_name: '-1+2' },
          { ticket_id: 'X-5' },
        ],
      },
    });
    if (issued.statusCode !== 201) throw new Error(issued.body);
    for (const [ticket_id, location, scanned_at] of [
      ['X-1', 'Gate A', null],
      ['X-2', '=cmd|"/c calc"!A1', null],
      // Scanned by an offline gate an hour before it reached attendance.
      ['+62-811', null, OFFLINE_SCAN],
      ['@SUM(A1)', 'Aula, lantai 2', null],
    ] as const) {
      const answer = await t.checkIn({ event_id: 'export', ticket_id, location, scanned_at }, t.committee('panitia2'));
      if (answer.statusCode !== 201) throw new Error(answer.body);
    }
  });

  it('exports every check-in as a UTF-8 CSV attachment with a header row, the device scan time where given, formula-looking cells neutralised', async () => {
    const response = await get(t.app, '/events/export/attendance.csv');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['content-disposition']).toBe('attachment; filename="attendance-export.csv"');
    const body = response.rawPayload.toString('utf8');
    expect(body.startsWith(`\ufeff${CSV_HEADER}\n`)).toBe(true);
    const page = (await get(t.app, '/attendance/export?limit=100')).json();
    const [x1, x2, x3, x4] = page.records as { checked_in_at: string; checkin_id: string }[];
    expect(body.slice(1).split('\n')).toEqual([
      CSV_HEADER,
      `X-1,Budi Santoso,${x1?.checked_in_at},,panitia2,Gate A,${x1?.checkin_id}`,
      `X-2,"'=HYPERLINK(""http://evil.example"",""click"")",${x2?.checked_in_at},,panitia2,"'=cmd|""/c calc""!A1",${x2?.checkin_id}`,
      `'+62-811,"Sari, ""Dewi""",${x3?.checked_in_at},${OFFLINE_SCAN},panitia2,,${x3?.checkin_id}`,
      `'@SUM(A1),'-1+2,${x4?.checked_in_at},,panitia2,"Aula, lantai 2",${x4?.checkin_id}`,
      '',
    ]);
  });

  it('exports a list longer than one cursor batch, in order, with a file name safe for any event id', async () => {
    const response = await get(streaming.app, '/events/big/attendance.csv');
    expect(response.statusCode).toBe(200);
    const rows = response.body.trimEnd().split('\n');
    expect(rows).toHaveLength(2501);
    expect(rows[1]).toMatch(/^B-00001,,\d{4}-\d\d-\d\dT[\d:.]+Z,,gate-1,Gate 1,[0-9a-f-]{36}$/);
    expect(rows[2500]).toMatch(/^B-02500,,/);
    await t.createEvent('Fest "2026"/../é');
    const odd = await get(t.app, `/events/${encodeURIComponent('Fest "2026"/../é')}/attendance.csv`);
    expect(odd.statusCode).toBe(200);
    expect(odd.headers['content-disposition']).toBe('attachment; filename="attendance-Fest_2026_.._.csv"');
    expect(odd.body).toBe(`\ufeff${CSV_HEADER}\n`);
  });

  it('answers 404 for an unregistered event and 401 without a token', async () => {
    const missing = await get(t.app, '/events/nowhere/attendance.csv');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ detail: 'Event not found' });
    const anonymous = await t.app.inject({ url: '/events/export/attendance.csv' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json()).toEqual({ detail: 'Missing Authorization header' });
  });
});

describe('list slots under hostile readers (issue 15, item 10)', () => {
  /** A list that never ends, 1 KiB a chunk: what a slow reader of a very long list holds. */
  const endless = async function* (): AsyncGenerator<string> {
    for (;;) yield 'x'.repeat(1024);
  };
  const manualChecks = () => {
    const driver: { check: () => void } = { check: () => undefined };
    return {
      driver,
      every: (_ms: number, check: () => void) => {
        driver.check = check;
        return () => undefined;
      },
    };
  };

  it('gives one account at most its share of the slots (429), while another account still gets one', async () => {
    const streams = new CheckinListStreams(t.db.pool, 4, { perOwner: 2, every: manualChecks().every });
    const mine = [
      await streams.open('big', 'records', endless, 'uid-a'),
      await streams.open('big', 'records', endless, 'uid-a'),
    ];
    try {
      await expect(streams.open('big', 'records', endless, 'uid-a')).rejects.toMatchObject({
        statusCode: 429,
        message: 'Too many lists being read by this account at once; finish one first',
      });
      const theirs = await streams.open('big', 'records', endless, 'uid-b');
      theirs.destroy();
    } finally {
      for (const stream of mine) stream.destroy();
    }
  });

  it('keeps a bounded queue: a list past it is refused with 503 at once, not queued', async () => {
    const streams = new CheckinListStreams(t.db.pool, 1, { perOwner: 5, maxWaiting: 1, every: manualChecks().every });
    const first = await streams.open('big', 'records', endless, 'uid-a');
    const second = streams.open('big', 'records', endless, 'uid-b');
    await expect.poll(() => streams.waiting).toBe(1);
    await expect(streams.open('big', 'records', endless, 'uid-c')).rejects.toMatchObject({ statusCode: 503 });
    first.destroy();
    (await second).destroy();
  });

  it('ends the list of a reader that stopped reading at the next check, and the waiting list gets its slot', async () => {
    const { driver, every } = manualChecks();
    const streams = new CheckinListStreams(t.db.pool, 1, { minBytesPerCheck: 64 * 1024, every });
    const slow = await streams.open('big', 'records', endless, 'uid-slow');
    const slowError = new Promise<Error>((resolve) => slow.once('error', resolve));
    const slowClosed = new Promise((resolve) => slow.once('close', resolve));
    let taken = 0;
    const enough = new Promise<void>((resolve) => {
      slow.on('data', (chunk: Buffer) => {
        taken += chunk.length;
        if (taken >= 200 * 1024) {
          slow.pause();
          resolve();
        }
      });
    });
    await enough;
    let nextOpened = false;
    const next = streams.open('big', 'records', endless, 'uid-next').then((stream) => {
      nextOpened = true;
      return stream;
    });
    // It read 200 KiB since it opened: kept.
    driver.check();
    expect(slow.destroyed).toBe(false);
    expect(nextOpened).toBe(false);
    // Since then it read nothing (its buffer refilled at most): ended, and its slot goes on.
    driver.check();
    expect(slow.destroyed).toBe(true);
    expect((await slowError).message).toBe('list reader too slow: ended to free its slot');
    await slowClosed;
    const stream = await next;
    expect(nextOpened).toBe(true);
    stream.destroy();
  });
});
