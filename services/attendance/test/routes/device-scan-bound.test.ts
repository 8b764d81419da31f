// An offline scan's time bounded by its device's first ticket download (issue 15, item 12): moved, marked, never first.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/attendance-app.js';

let t: TestApp;
const EVENT = 'dsb-fest';

beforeAll(async () => {
  t = await startTestApp('device_scan_bound');
  await t.createEvent(EVENT, ['D-1', 'D-2', 'D-3', 'D-4', 'D-5', 'D-6']);
});
afterAll(async () => {
  await t.close();
});

const download = (query = '') =>
  t.app.inject({ url: `/events/${EVENT}/tickets/offline${query}`, headers: t.committee('gate-b') });

/** When `deviceId` first and last downloaded the event's tickets, in ms (as attendance bounds by it). */
async function downloadsOf(deviceId: string): Promise<{ first: number; last: number } | undefined> {
  const { rows } = await t.db.pool.query<{ first: string; last: string }>(
    `SELECT floor(extract(epoch FROM first_at) * 1000)::int8::text AS first,
            floor(extract(epoch FROM last_at) * 1000)::int8::text AS last
       FROM device_downloads WHERE event_id = $1 AND device_id = $2`,
    [EVENT, deviceId],
  );
  const row = rows[0];
  return row && { first: Number(row.first), last: Number(row.last) };
}

const offlineScan = (ticketId: string, scannedAt: string, deviceId: string | undefined, key = randomUUID()) =>
  t.app.inject({
    method: 'POST',
    url: '/checkins',
    headers: { ...t.committee('gate-b'), 'idempotency-key': key },
    payload: {
      event_id: EVENT,
      ticket_id: ticketId,
      location: 'Gate B',
      scanned_at: scannedAt,
      admitted_offline: true,
      ...(deviceId !== undefined && { device_id: deviceId }),
    },
  });

const iso = (ms: number) => new Date(ms).toISOString();
let firstDownload: number;
let onlineAdmission: { checked_in_at: string };

describe("an offline scan time before its device's first download", () => {
  beforeAll(async () => {
    // Gate A admits D-1 online; only then does device B download its copy of the tickets.
    const online = await t.checkIn({ event_id: EVENT, ticket_id: 'D-1', location: 'Gate A' }, t.committee('gate-a'));
    expect(online.statusCode).toBe(201);
    onlineAdmission = online.json().record;
    const response = await download('?device_id=dev-b');
    expect(response.statusCode).toBe(200);
    firstDownload = (await downloadsOf('dev-b'))?.first as number;
    expect(firstDownload).toBeGreaterThanOrEqual(Date.parse(onlineAdmission.checked_in_at));
  });

  it('answers the download with a device id exactly as without, and notes the first and the last download', async () => {
    const plain = await download();
    const again = await download('?device_id=dev-b');
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(plain.json());
    expect(Object.keys(again.json()).sort()).toEqual(
      ['checkins', 'complete', 'event_id', 'has_tickets', 'next_cursor', 'tickets'].sort(),
    );
    const noted = await downloadsOf('dev-b');
    expect(noted?.first).toBe(firstDownload);
    expect(noted?.last).toBeGreaterThanOrEqual(firstDownload);
    // Without a device id nothing is noted.
    const { rows } = await t.db.pool.query('SELECT device_id FROM device_downloads WHERE event_id = $1', [EVENT]);
    expect(rows).toEqual([{ device_id: 'dev-b' }]);
  });

  it('does not win a conflict against an earlier online admission by back-dating: its time is moved to the first download', async () => {
    const claimed = iso(Date.parse(onlineAdmission.checked_in_at) - 3600_000);
    const response = await offlineScan('D-1', claimed, 'dev-b');
    expect(response.statusCode).toBe(409);
    expect(response.json()).toEqual({
      detail: 'Ticket already checked in',
      record: onlineAdmission,
      conflict: true,
    });
    const list = (await t.app.inject({ url: `/events/${EVENT}/conflicts`, headers: t.admin() })).json();
    const conflict = list.conflicts.find((item: { ticket_id: string }) => item.ticket_id === 'D-1');
    expect(conflict.second.scanned_at).toBe(iso(firstDownload));
    // The online admission is the earlier of the two at the gates, as the event page orders them.
    expect(Date.parse(conflict.second.scanned_at)).toBeGreaterThanOrEqual(Date.parse(onlineAdmission.checked_in_at));
  });

  it('keeps a back-dated scan that reached the server first, at the first download, with the device time in its history', async () => {
    const claimed = iso(firstDownload - 3 * 3600_000);
    const key = randomUUID();
    const response = await offlineScan('D-2', claimed, 'dev-b', key);
    expect(response.statusCode).toBe(201);
    expect(response.json().record).toMatchObject({ ticket_id: 'D-2', scanned_at: iso(firstDownload) });
    // The same upload again (its answer was lost): the same request, replayed.
    const retried = await offlineScan('D-2', claimed, 'dev-b', key);
    expect(retried.statusCode).toBe(201);
    expect(retried.json()).toEqual(response.json());
    const history = (await t.app.inject({ url: `/events/${EVENT}/tickets/D-2/history`, headers: t.admin() })).json();
    expect(history.history).toHaveLength(1);
    expect(history.history[0]).toMatchObject({
      action: 'entry',
      scanned_at: iso(firstDownload),
      device_scanned_at: claimed,
    });
  });

  it('moves a batch item too, and replays it when the same batch is sent again', async () => {
    const item = {
      token: t.token('gate-b'),
      idempotency_key: randomUUID(),
      event_id: EVENT,
      ticket_id: 'D-5',
      scanned_at: iso(firstDownload - 2 * 3600_000),
      admitted_offline: true,
      device_id: 'dev-b',
    };
    const send = () => t.app.inject({ method: 'POST', url: '/checkins/batch', payload: { checkins: [item] } });
    const first = await send();
    expect(first.statusCode).toBe(200);
    expect(first.json().results[0]).toMatchObject({
      status: 201,
      body: { record: { scanned_at: iso(firstDownload) } },
    });
    const again = await send();
    expect(again.json()).toEqual(first.json());
  });
});

describe('offline scans the device bound leaves as they are', () => {
  it('keeps a scan time after the first download, or up to two minutes before it (the device clock may run behind)', async () => {
    const justBefore = iso(firstDownload - 60_000);
    const response = await offlineScan('D-3', justBefore, 'dev-b');
    expect(response.statusCode).toBe(201);
    expect(response.json().record.scanned_at).toBe(justBefore);
    const history = (await t.app.inject({ url: `/events/${EVENT}/tickets/D-3/history`, headers: t.admin() })).json();
    expect(history.history[0]).not.toHaveProperty('device_scanned_at');
    expect(history.history[0].scanned_at).toBe(justBefore);
  });

  it('keeps the scan time of a device that never downloaded the tickets, and of a scan without a device id', async () => {
    const claimed = iso(firstDownload - 3 * 3600_000);
    const unknownDevice = await offlineScan('D-4', claimed, 'dev-never');
    expect(unknownDevice.statusCode).toBe(201);
    expect(unknownDevice.json().record.scanned_at).toBe(claimed);
    const noDevice = await offlineScan('D-6', claimed, undefined);
    expect(noDevice.statusCode).toBe(201);
    expect(noDevice.json().record.scanned_at).toBe(claimed);
  });
});
