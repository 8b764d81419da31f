// The offline station's /api against real identity, attendance and portal servers: queue uploads, conflicts, the ticket download.
import { randomUUID } from 'node:crypto';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { request } from 'undici';
import { beforeAll, describe, expect, it } from 'vitest';
import { portalResultOf } from '../../src/routes/offline-station.js';
import { call, FAULT_DEADLINE_MS, FAULT_ENV, login, startAttendance, startPortal, useStack } from '../support/stack.js';
import { startAnswerLosingProxy, startStalledServer } from '../support/tcp-faults.js';

const stack = useStack();
let committee: string;
let colleague: string;
let admin: string;

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

beforeAll(async () => {
  const person = { username: 'panitia2', password: 'pass1234' };
  expect((await call(stack.identity.url, 'POST', '/auth/register', { json: person })).status).toBe(200);
  [committee, colleague, admin] = await Promise.all([
    login(stack.identity.url, 'panitia1'),
    login(stack.identity.url, 'panitia2', 'pass1234'),
    login(stack.identity.url, 'admin1'),
  ]);
});

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

interface Scan {
  event_id: string;
  ticket_id: string;
  location?: string | null;
  scanned_at?: string;
  admitted_offline?: boolean;
  idempotency_key?: string;
}

/** A scan as the station queues it: its own key, the gate, the device's scan time, admitted offline. */
const queued = (event_id: string, ticket_id: string, extra: Partial<Scan> = {}): Scan => ({
  event_id,
  ticket_id,
  location: 'Gate A',
  scanned_at: minutesAgo(5),
  admitted_offline: true,
  idempotency_key: randomUUID(),
  ...extra,
});

const upload = (checkins: unknown[], token = committee, baseUrl = stack.portal.url) =>
  call(baseUrl, 'POST', '/api/checkins/batch', { token, json: { checkins } });

interface Result {
  status: number;
  body: Record<string, unknown>;
}
const resultsOf = (answer: { body: unknown }) => (answer.body as { results: Result[] }).results;

async function createEvent(id: string, tickets: { ticket_id: string; holder_name?: string }[] = []): Promise<void> {
  const event = await call(stack.portal.url, 'POST', '/api/events', { token: admin, json: { id, title: id } });
  expect(event.status).toBe(201);
  if (tickets.length === 0) return;
  const issued = await call(stack.portal.url, 'POST', `/api/events/${id}/tickets`, { token: admin, json: { tickets } });
  expect(issued.status).toBe(201);
}

/** The event's check-ins as attendance itself records them. */
async function recorded(eventId: string): Promise<Record<string, unknown>[]> {
  const answer = await call(stack.attendance.url, 'GET', `/attendance/${eventId}`, { token: committee });
  expect(answer.status).toBe(200);
  return (answer.body as { records: Record<string, unknown>[] }).records;
}

describe('POST /api/checkins/batch', () => {
  it('checks every queued scan in with its key and device time, answering each in the portal shape, in order', async () => {
    await createEvent('os-gala', [{ ticket_id: 'G-1' }, { ticket_id: 'G-2' }, { ticket_id: 'G-3' }]);
    const scans = [queued('os-gala', 'G-2'), queued('os-gala', 'G-1', { location: null }), queued('os-gala', 'NOPE')];
    const answer = await upload(scans);
    expect(answer.status).toBe(200);
    expect(resultsOf(answer)).toEqual([
      {
        status: 201,
        body: {
          checkin_id: expect.stringMatching(UUID),
          event_id: 'os-gala',
          ticket_id: 'G-2',
          user_id: 'panitia1',
          checkin_time: expect.stringMatching(ISO),
          location: 'Gate A',
          status: 'success',
          scanned_at: scans[0]?.scanned_at,
        },
      },
      {
        status: 201,
        body: expect.objectContaining({ ticket_id: 'G-1', location: null, scanned_at: scans[1]?.scanned_at }),
      },
      // A code the event never issued, admitted offline: its 404, flagged as a conflict.
      { status: 404, body: { detail: 'Ticket not found for this event', conflict: true } },
    ]);
    // Stored with the device's scan time (in ticket order: one statement writes them).
    expect((await recorded('os-gala')).map((record) => [record.ticket_id, record.scanned_at])).toEqual([
      ['G-1', scans[1]?.scanned_at],
      ['G-2', scans[0]?.scanned_at],
    ]);
  });

  it('names the other event that issued a queued code the event refuses, in that scan’s 404', async () => {
    await createEvent('os-day-1', [{ ticket_id: 'D1-1' }]);
    await createEvent('os-day-2', [{ ticket_id: 'D2-1' }]);
    const answer = await upload([queued('os-day-1', 'D2-1'), queued('os-day-1', 'D1-1')]);
    expect(answer.status).toBe(200);
    expect(resultsOf(answer)).toEqual([
      {
        status: 404,
        body: {
          detail: 'Ticket not found for this event',
          other_event: { id: 'os-day-2', title: 'os-day-2' },
          conflict: true,
        },
      },
      { status: 201, body: expect.objectContaining({ event_id: 'os-day-1', ticket_id: 'D1-1' }) },
    ]);
    expect((await recorded('os-day-2')).length).toBe(0);
  });

  it('answers a whole batch uploaded again (same keys) with the first answers, counting nothing twice', async () => {
    await createEvent('os-replay', [{ ticket_id: 'R-1' }, { ticket_id: 'R-2' }]);
    const scans = [queued('os-replay', 'R-1'), queued('os-replay', 'R-2')];
    const first = await upload(scans);
    const again = await upload(scans);
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(resultsOf(first).map((result) => result.status)).toEqual([201, 201]);
    expect(again.body).toEqual(first.body);
    expect(await recorded('os-replay')).toHaveLength(2);
  });

  it('replays the answer of a scan first tried online whose answer was lost, when its queue is uploaded', async () => {
    await createEvent('os-online', [{ ticket_id: 'O-1' }]);
    const scan = queued('os-online', 'O-1', { admitted_offline: undefined });
    const { idempotency_key, admitted_offline: _, ...body } = scan;
    const online = await call(stack.portal.url, 'POST', '/api/checkins', {
      token: committee,
      headers: { 'idempotency-key': idempotency_key as string },
      json: body,
    });
    expect(online.status).toBe(201);
    // The device never saw that answer: it admitted the person offline and queued the same scan.
    const uploaded = await upload([{ ...scan, admitted_offline: true }]);
    expect(uploaded.status).toBe(200);
    expect(resultsOf(uploaded)).toEqual([{ status: 201, body: online.body }]);
    expect(await recorded('os-online')).toHaveLength(1);
  });

  it('answers two users who admitted one ticket offline with one 201 and one 409 conflict, listed once after retries', async () => {
    await createEvent('os-clash', [{ ticket_id: 'C-1', holder_name: 'Intan Permata' }]);
    const gateA = queued('os-clash', 'C-1', { location: 'Gate A', scanned_at: minutesAgo(12) });
    const gateB = queued('os-clash', 'C-1', { location: 'Gate B', scanned_at: minutesAgo(10) });
    const first = await upload([gateA], committee);
    const second = await upload([gateB], colleague);
    expect(resultsOf(first)).toEqual([{ status: 201, body: expect.objectContaining({ user_id: 'panitia1' }) }]);
    const [late] = resultsOf(second);
    expect(late).toEqual({
      status: 409,
      body: {
        detail: 'Ticket already checked in',
        record: {
          event_id: 'os-clash',
          ticket_id: 'C-1',
          checked_in_by: 'panitia1',
          checked_in_at: expect.stringMatching(ISO),
          checkin_id: resultsOf(first)[0]?.body.checkin_id,
          location: 'Gate A',
          scanned_at: gateA.scanned_at,
        },
        conflict: true,
      },
    });
    // The second station's sync is interrupted and repeated, twice: the same answer, one conflict.
    for (let retry = 0; retry < 2; retry++) expect(resultsOf(await upload([gateB], colleague))).toEqual([late]);

    // Listed by the late scan's sender: a scan's key is shown to its sender (and admins) only.
    const list = await call(stack.portal.url, 'GET', '/api/events/os-clash/conflicts', { token: colleague });
    expect(list.status).toBe(200);
    expect(list.body).toEqual({
      event_id: 'os-clash',
      total: 1,
      conflicts: [
        {
          conflict_id: expect.any(String),
          kind: 'duplicate',
          event_id: 'os-clash',
          ticket_id: 'C-1',
          holder_name: 'Intan Permata',
          first: {
            checkin_id: resultsOf(first)[0]?.body.checkin_id,
            checked_in_by: 'panitia1',
            location: 'Gate A',
            checked_in_at: expect.stringMatching(ISO),
            scanned_at: gateA.scanned_at,
          },
          second: {
            checked_in_by: 'panitia2',
            location: 'Gate B',
            scanned_at: gateB.scanned_at,
            received_at: expect.stringMatching(ISO),
            idempotency_key: gateB.idempotency_key,
          },
        },
      ],
      next_cursor: null,
    });
    expect(await recorded('os-clash')).toHaveLength(1);
  });

  it('answers a scan time out of bounds and a malformed scan with their own 422, and checks the rest in', async () => {
    const scans = [
      queued('os-bounds', 'B-future', { scanned_at: new Date(Date.now() + 10 * 60_000).toISOString() }),
      queued('os-bounds', 'B-old', { scanned_at: minutesAgo(73 * 60) }),
      { ...queued('os-bounds', 'B-nokey'), idempotency_key: undefined },
      queued('os-bounds', 'B-ok'),
    ];
    const answer = await upload(scans);
    expect(answer.status).toBe(200);
    expect(resultsOf(answer)).toEqual([
      {
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
      },
      {
        status: 422,
        body: {
          detail: [
            {
              loc: ['body', 'scanned_at'],
              msg: 'must not be more than 72 hours old (OFFLINE_SCAN_MAX_AGE_HOURS)',
              type: 'value_error',
            },
          ],
        },
      },
      {
        status: 422,
        body: { detail: [{ loc: ['body', 'idempotency_key'], msg: expect.any(String), type: expect.any(String) }] },
      },
      { status: 201, body: expect.objectContaining({ ticket_id: 'B-ok' }) },
    ]);
    expect((await recorded('os-bounds')).map((record) => record.ticket_id)).toEqual(['B-ok']);
  });

  it('refuses an empty or over-long upload, and one without a token, before asking attendance', async () => {
    const before = stack.attendance.received.length;
    const empty = await upload([]);
    expect(empty.status).toBe(422);
    expect(empty.body).toEqual({
      detail: [{ loc: ['body', 'checkins'], msg: expect.any(String), type: expect.any(String) }],
    });
    const tooMany = await upload(Array.from({ length: 201 }, (_, index) => queued('os-many', `M-${index}`)));
    expect(tooMany.status).toBe(422);
    expect((tooMany.body as { detail: { loc: unknown[] }[] }).detail[0]?.loc).toEqual(['body', 'checkins']);
    const anonymous = await call(stack.portal.url, 'POST', '/api/checkins/batch', {
      json: { checkins: [queued('os-many', 'M-0')] },
    });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toEqual({ detail: 'Missing Authorization header' });
    expect(stack.attendance.received.slice(before)).toEqual([]);
  });

  it('uploads 200 queued scans in one call to attendance', async () => {
    const before = stack.attendance.received.length;
    const answer = await upload(Array.from({ length: 200 }, (_, index) => queued('os-full', `F-${index}`)));
    expect(answer.status).toBe(200);
    expect(resultsOf(answer).every((result) => result.status === 201)).toBe(true);
    expect(stack.attendance.received.slice(before)).toEqual(['POST /checkins/batch']);
    expect(await recorded('os-full')).toHaveLength(200);
  });

  it('passes a rate-limited scan on as its 429 with retry_after in the body', () => {
    expect(
      portalResultOf({ status: 429, body: { detail: 'Too many check-ins by this user' }, retry_after: 3 }),
    ).toEqual({ status: 429, body: { detail: 'Too many check-ins by this user', retry_after: 3 } });
  });
});

describe('scanned_at through /api/checkins and the portal shapes', () => {
  it('answers and lists the device scan time only for check-ins that gave one (compat shapes without it)', async () => {
    await createEvent('os-shapes');
    const scanned = minutesAgo(20);
    const withTime = await call(stack.portal.url, 'POST', '/api/checkins', {
      token: committee,
      json: { event_id: 'os-shapes', ticket_id: 'P-1', location: 'Gate A', scanned_at: scanned },
    });
    expect(withTime.status).toBe(201);
    expect(withTime.body).toEqual({
      checkin_id: expect.stringMatching(UUID),
      event_id: 'os-shapes',
      ticket_id: 'P-1',
      user_id: 'panitia1',
      checkin_time: expect.stringMatching(ISO),
      location: 'Gate A',
      status: 'success',
      scanned_at: scanned,
    });
    const atEvent = await call(stack.portal.url, 'POST', '/api/events/os-shapes/checkins', {
      token: committee,
      json: { ticket_id: 'P-2', scanned_at: scanned },
    });
    expect(atEvent.status).toBe(201);
    expect((atEvent.body as { record: Record<string, unknown> }).record).toMatchObject({
      ticket_id: 'P-2',
      scanned_at: scanned,
    });
    const without = await call(stack.portal.url, 'POST', '/api/checkins', {
      token: committee,
      json: { event_id: 'os-shapes', ticket_id: 'P-3' },
    });
    expect(without.status).toBe(201);
    expect(Object.keys(without.body as object)).toEqual([
      'checkin_id',
      'event_id',
      'ticket_id',
      'user_id',
      'checkin_time',
      'location',
      'status',
    ]);

    const attendance = await call(stack.portal.url, 'GET', '/api/attendance/os-shapes', { token: committee });
    expect(attendance.status).toBe(200);
    const listed = (attendance.body as { checkins: Record<string, unknown>[] }).checkins;
    expect(listed.map((checkin) => [checkin.ticket_id, checkin.scanned_at])).toEqual([
      ['P-1', scanned],
      ['P-2', scanned],
      ['P-3', undefined],
    ]);
    expect(Object.keys(listed[2] as object)).toEqual([
      'checkin_id',
      'ticket_id',
      'user_id',
      'checkin_time',
      'location',
    ]);
    const mine = await call(stack.portal.url, 'GET', '/api/checkins?event_id=os-shapes', { token: committee });
    expect(mine.status).toBe(200);
    expect(
      (mine.body as { checkins: Record<string, unknown>[] }).checkins.map((checkin) => checkin.scanned_at),
    ).toEqual([scanned, scanned, undefined]);
  });

  it("passes attendance's 422 for a scan time beyond the device clock's allowed skew", async () => {
    const answer = await call(stack.portal.url, 'POST', '/api/checkins', {
      token: committee,
      json: { event_id: 'os-shapes', ticket_id: 'P-late', scanned_at: new Date(Date.now() + 3600_000).toISOString() },
    });
    expect(answer.status).toBe(422);
    expect(answer.body).toEqual({
      detail: [
        {
          loc: ['body', 'scanned_at'],
          msg: "must not be later than the server's time plus 2 minutes",
          type: 'value_error',
        },
      ],
    });
  });
});

describe('POST /api/checkins/batch when attendance fails', () => {
  it('answers 502 for the whole upload while attendance is down; the same upload later counts each scan once', async () => {
    const own = await startAttendance();
    const portal = await startPortal({ identityUrl: stack.identity.url, attendanceUrl: own.url, env: FAULT_ENV });
    try {
      const scans = [queued('os-outage', 'U-1'), queued('os-outage', 'U-2')];
      await own.stop();
      const down = await upload(scans, committee, portal.url);
      expect(down.status).toBe(502);
      expect(down.body).toEqual({ detail: 'Attendance service unavailable' });
      await own.restart();
      const later = await upload(scans, committee, portal.url);
      expect(later.status).toBe(200);
      expect(resultsOf(later).map((result) => result.status)).toEqual([201, 201]);
      const list = await call(own.url, 'GET', '/attendance/os-outage', { token: committee });
      expect((list.body as { total_checked_in: number }).total_checked_in).toBe(2);
    } finally {
      await portal.close();
      await own.close();
    }
  });

  it('answers 504 at the deadline when attendance stalls', async () => {
    const stalled = await startStalledServer();
    const portal = await startPortal({ identityUrl: stack.identity.url, attendanceUrl: stalled.url, env: FAULT_ENV });
    try {
      const started = performance.now();
      const answer = await upload([queued('os-stall', 'S-1')], committee, portal.url);
      expect(answer.status).toBe(504);
      expect(answer.body).toEqual({ detail: 'Attendance service timed out' });
      expect(performance.now() - started).toBeLessThan(FAULT_DEADLINE_MS + 5000);
    } finally {
      await portal.close();
      await stalled.close();
    }
  });

  it('retries an upload whose answer was lost on the way, and each scan counts once', async () => {
    const proxy = await startAnswerLosingProxy(stack.attendance.port, 1);
    const portal = await startPortal({ identityUrl: stack.identity.url, attendanceUrl: proxy.url, env: FAULT_ENV });
    try {
      const answer = await upload([queued('os-lossy', 'L-1'), queued('os-lossy', 'L-2')], committee, portal.url);
      expect(answer.status).toBe(200);
      expect(resultsOf(answer).map((result) => result.status)).toEqual([201, 201]);
      expect(proxy.connections()).toBe(2);
      expect(await recorded('os-lossy')).toHaveLength(2);
    } finally {
      await portal.close();
      await proxy.close();
    }
  });
});

/** GET with an Accept-Encoding, the body decompressed as its Content-Encoding says. */
async function fetchEncoded(path: string, acceptEncoding: string | undefined) {
  const headers: Record<string, string> = { authorization: `Bearer ${committee}` };
  if (acceptEncoding) headers['accept-encoding'] = acceptEncoding;
  const response = await request(`${stack.portal.url}${path}`, { headers });
  const raw = Buffer.from(await response.body.arrayBuffer());
  const encoding = response.headers['content-encoding'];
  const text =
    encoding === 'br'
      ? brotliDecompressSync(raw).toString()
      : encoding === 'gzip'
        ? gunzipSync(raw).toString()
        : raw.toString();
  return { status: response.statusCode, encoding, bytes: raw.length, body: JSON.parse(text) };
}

describe('GET /api/events/{id}/tickets/offline', () => {
  it('downloads the tickets compressed for a committee member, then only the tickets and check-ins since', async () => {
    const tickets = Array.from({ length: 500 }, (_, index) => ({
      ticket_id: `D-${index}`,
      holder_name: `Guest ${index}`,
    }));
    await createEvent('os-download', tickets);
    const plain = await fetchEncoded('/api/events/os-download/tickets/offline', undefined);
    const browser = await fetchEncoded('/api/events/os-download/tickets/offline', 'gzip, deflate, br, zstd');
    const br = await fetchEncoded('/api/events/os-download/tickets/offline', 'br');
    expect([plain.status, browser.status, br.status]).toEqual([200, 200, 200]);
    expect([plain.encoding, browser.encoding, br.encoding]).toEqual([undefined, 'gzip', 'br']);
    expect(browser.body).toEqual(plain.body);
    expect(br.body).toEqual(plain.body);
    expect(browser.bytes).toBeLessThan(plain.bytes / 2);
    expect(plain.body).toMatchObject({ event_id: 'os-download', has_tickets: true, checkins: [], complete: true });
    expect(plain.body.tickets).toHaveLength(500);
    expect(plain.body.tickets[0]).toEqual(['D-0', 'Guest 0']);

    const issued = await call(stack.portal.url, 'POST', '/api/events/os-download/tickets', {
      token: admin,
      json: { tickets: [{ ticket_id: 'D-new', holder_name: 'Late Buyer' }] },
    });
    expect(issued.status).toBe(201);
    expect(resultsOf(await upload([queued('os-download', 'D-7')])).map((result) => result.status)).toEqual([201]);
    const delta = await call(
      stack.portal.url,
      'GET',
      `/api/events/os-download/tickets/offline?cursor=${plain.body.next_cursor}`,
      { token: committee },
    );
    expect(delta.status).toBe(200);
    expect(delta.body).toEqual({
      event_id: 'os-download',
      has_tickets: true,
      tickets: [['D-new', 'Late Buyer']],
      checkins: [['D-7', expect.stringMatching(ISO), 'panitia1', 'Gate A']],
      next_cursor: expect.any(String),
      complete: true,
    });
  });

  it("downloads a list's passes compressed for an offline station on that list (issue 16)", async () => {
    const tickets = Array.from({ length: 150 }, (_, index) => ({ ticket_id: `P-${String(index).padStart(3, '0')}` }));
    await createEvent('os-passes', tickets);
    const list = await call(stack.portal.url, 'POST', '/api/events/os-passes/lists', {
      token: admin,
      json: { name: 'VIP', reentry: true },
    });
    expect(list.status).toBe(201);
    // Set up in SQL: 150 list scans take turns on the list's lock, too slow for a loaded machine's deadline.
    await stack.attendance.pool.query(
      `INSERT INTO list_passes (event_id, list_id, ticket_id, entries, is_inside)
       SELECT 'os-passes', 'vip', t.ticket_id, 1, true FROM tickets t WHERE t.event_id = 'os-passes'`,
    );
    const plain = await fetchEncoded('/api/events/os-passes/lists/vip/passes', undefined);
    const gzip = await fetchEncoded('/api/events/os-passes/lists/vip/passes', 'gzip, deflate, br');
    expect([plain.status, gzip.status]).toEqual([200, 200]);
    expect([plain.encoding, gzip.encoding]).toEqual([undefined, 'gzip']);
    expect(gzip.body).toEqual(plain.body);
    expect(gzip.bytes).toBeLessThan(plain.bytes / 2);
    expect(plain.body).toMatchObject({ event_id: 'os-passes', list_id: 'vip', next_after: null });
    expect(plain.body.passes).toHaveLength(150);
    expect(plain.body.passes[0]).toEqual(['P-000', 1, true]);
    const paged = await call(stack.portal.url, 'GET', '/api/events/os-passes/lists/vip/passes?after=P-148', {
      token: committee,
    });
    expect(paged.status).toBe(200);
    expect(paged.body).toEqual({
      event_id: 'os-passes',
      list_id: 'vip',
      passes: [['P-149', 1, true]],
      next_after: null,
    });
  });

  it('never compresses check-in answers, even for a client that accepts it', async () => {
    const response = await request(`${stack.portal.url}/api/checkins/batch`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${committee}`,
        'content-type': 'application/json',
        'accept-encoding': 'gzip, br',
      },
      body: JSON.stringify({
        checkins: Array.from({ length: 20 }, (_, index) => queued('os-uncompressed', `N-${index}`)),
      }),
    });
    const text = await response.body.text();
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-encoding']).toBeUndefined();
    expect(text.length).toBeGreaterThan(1024);
    expect(JSON.parse(text).results).toHaveLength(20);
  });

  it("passes the station's device id on: its scan back-dated before the first download is kept at that download", async () => {
    await createEvent('os-device', [{ ticket_id: 'DV-1' }]);
    const beforeDownload = Date.now();
    const download = await call(stack.portal.url, 'GET', '/api/events/os-device/tickets/offline?device_id=dev-portal', {
      token: committee,
    });
    expect(download.status).toBe(200);
    const claimed = minutesAgo(180);
    const answer = await call(stack.portal.url, 'POST', '/api/checkins', {
      token: committee,
      json: {
        event_id: 'os-device',
        ticket_id: 'DV-1',
        scanned_at: claimed,
        admitted_offline: true,
        device_id: 'dev-portal',
      },
    });
    expect(answer.status).toBe(201);
    const scannedAt = Date.parse((answer.body as { scanned_at: string }).scanned_at);
    // Not the device's claim: the first download (attendance's clock, at most a little behind this one).
    expect(scannedAt).toBeGreaterThan(Date.parse(claimed) + 60 * 60_000);
    expect(scannedAt).toBeGreaterThanOrEqual(beforeDownload - 5_000);
  });

  it("passes attendance's 404 for an event it does not know", async () => {
    const answer = await call(stack.portal.url, 'GET', '/api/events/os-none/tickets/offline', { token: committee });
    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({ detail: 'Event not found' });
  });
});
