// GET /events/{id}/export: who arrived (conflicts marked) or who has not yet, in the event's time zone and the
// asked language, as CSV or .xlsx, named after the event and its date.
import { strFromU8, unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/attendance-app.js';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp('exports', { EVENT_TIME_ZONE: 'UTC' });
  const created = await t.app.inject({
    method: 'POST',
    url: '/events',
    headers: t.admin(),
    payload: {
      id: 'wisuda',
      title: 'Wisuda Desember 2026',
      // Today while the gates scan (a device's scan time must fall near the event's own times); moved
      // to 12 December below, for the file names and the times the export shows.
      start_time: new Date().toISOString(),
      time_zone: 'Asia/Jakarta',
    },
  });
  expect(created.statusCode).toBe(201);
  expect(created.json().time_zone).toBe('Asia/Jakarta');
  const issued = await t.app.inject({
    method: 'POST',
    url: '/events/wisuda/tickets',
    headers: t.admin(),
    payload: {
      tickets: [
        { ticket_id: 'W-1', holder_name: 'Ani Lestari', holder_email: 'ani@example.com' },
        { ticket_id: 'W-2', holder_name: '=HYPERLINK("x")', holder_email: 'b@example.com' },
        { ticket_id: 'W-3', holder_name: 'Citra', holder_email: 'citra@example.com' },
      ],
    },
  });
  expect(issued.statusCode).toBe(201);
  for (const [ticket, gate] of [
    ['W-1', 'Gerbang A'],
    ['W-2', 'Gerbang B'],
  ]) {
    expect((await t.checkIn({ event_id: 'wisuda', ticket_id: ticket, location: gate })).statusCode).toBe(201);
  }
  // 14:33 UTC is 21:33 WIB.
  await t.db.pool.query("UPDATE checkins SET checked_in_at = '2026-12-12T14:33:00Z' WHERE event_id = 'wisuda'");
  // An offline gate let W-1 in again: a conflict.
  const offline = await t.checkIn({
    event_id: 'wisuda',
    ticket_id: 'W-1',
    location: 'Gerbang C',
    scanned_at: new Date(Date.now() - 60_000).toISOString(),
    admitted_offline: true,
  });
  expect(offline.statusCode).toBe(409);
  await t.db.pool.query("UPDATE events SET start_time = '2026-12-12T01:00:00Z' WHERE id = 'wisuda'");
});

afterAll(async () => {
  await t.close();
});

const exported = (query: string, headers = t.admin()) =>
  t.app.inject({ url: `/events/wisuda/export?${query}`, headers });

describe('GET /events/{id}/export', () => {
  it('writes who arrived in the event’s time zone with Indonesian headers, a conflict marked, named after the event and date', async () => {
    const response = await exported('list=arrived&lang=id&format=csv', t.committee());
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['content-disposition']).toBe(
      'attachment; filename="wisuda-desember-2026-2026-12-12-hadir.csv"; filename*=UTF-8\'\'wisuda-desember-2026-2026-12-12-hadir.csv',
    );
    expect(response.body.startsWith('\uFEFF')).toBe(true);
    const lines = response.body.slice(1).trimEnd().split('\n');
    expect(lines[0]).toBe(
      'Kode tiket,Nama pemegang,Waktu di gerbang (Asia/Jakarta),Gerbang,Dicatat oleh,Diterima server (Asia/Jakarta),Status,Catatan',
    );
    expect(lines[1]).toMatch(
      /^W-1,Ani Lestari,2026-12-12 21:33,Gerbang A,panitia1,2026-12-12 21:33,Hadir,Konflik: juga diizinkan masuk saat offline di Gerbang C \d{2}:\d{2} oleh panitia1$/,
    );
    // A holder name that a spreadsheet would run as a formula starts with '.
    expect(lines[2]).toBe(`W-2,"'=HYPERLINK(""x"")",2026-12-12 21:33,Gerbang B,panitia1,2026-12-12 21:33,Hadir,`);
    expect(lines).toHaveLength(3);
  });

  it('writes who has not arrived yet, in English, with e-mails for an admin only', async () => {
    const admin = await exported('list=absent&lang=en');
    expect(admin.statusCode).toBe(200);
    expect(admin.headers['content-disposition']).toContain(
      'filename="wisuda-desember-2026-2026-12-12-not-arrived.csv"',
    );
    expect(admin.body.slice(1).trimEnd().split('\n')).toEqual([
      'Ticket code,Holder name,E-mail,Status',
      'W-3,Citra,citra@example.com,Not yet arrived',
    ]);
    const committee = await exported('list=absent&lang=en', t.committee());
    expect(committee.body.slice(1).trimEnd().split('\n')).toEqual([
      'Ticket code,Holder name,Status',
      'W-3,Citra,Not yet arrived',
    ]);
  });

  it('writes an .xlsx that opens: one sheet, the header row, times as dates in the event’s time zone', async () => {
    const response = await exported('list=arrived&lang=en&format=xlsx');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(response.headers['content-disposition']).toContain(
      'filename="wisuda-desember-2026-2026-12-12-arrived.xlsx"',
    );
    const files = unzipSync(new Uint8Array(response.rawPayload));
    expect(Object.keys(files).sort()).toEqual([
      '[Content_Types].xml',
      '_rels/.rels',
      'xl/_rels/workbook.xml.rels',
      'xl/styles.xml',
      'xl/workbook.xml',
      'xl/worksheets/sheet1.xml',
    ]);
    expect(strFromU8(files['xl/workbook.xml'] as Uint8Array)).toContain('<sheet name="Arrived"');
    const sheet = strFromU8(files['xl/worksheets/sheet1.xml'] as Uint8Array);
    expect(sheet).toContain('<t xml:space="preserve">Time at the gate (Asia/Jakarta)</t>');
    expect(sheet).toContain('<t xml:space="preserve">Ani Lestari</t>');
    // 2026-12-12 21:33 as an Excel serial day (days since 1899-12-30), with the date style.
    const serial = Date.UTC(2026, 11, 12, 21, 33) / 86_400_000 + 25_569;
    expect(sheet).toContain(`<c r="C2" s="2"><v>${serial}</v></c>`);
    // In a spreadsheet file the name is text, never a formula: as written.
    expect(sheet).toContain('=HYPERLINK(&quot;x&quot;)</t>');
    expect((sheet.match(/<row /g) ?? []).length).toBe(3);
  });

  it('takes the server’s time zone for an event without one, and answers 404 for an unknown event', async () => {
    await t.createEvent('no-zone', ['N-1']);
    expect((await t.checkIn({ event_id: 'no-zone', ticket_id: 'N-1' })).statusCode).toBe(201);
    await t.db.pool.query("UPDATE checkins SET checked_in_at = '2026-12-12T14:33:00Z' WHERE event_id = 'no-zone'");
    const response = await t.app.inject({ url: '/events/no-zone/export?lang=en', headers: t.admin() });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('Time at the gate (UTC)');
    expect(response.body).toContain('N-1,,2026-12-12 14:33,');
    const missing = await t.app.inject({ url: '/events/nothing/export', headers: t.admin() });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ detail: 'Event not found' });
  });

  it('refuses an unknown time zone for an event with 422', async () => {
    const response = await t.app.inject({
      method: 'PUT',
      url: '/events/no-zone',
      headers: t.admin(),
      payload: { time_zone: 'Mars/Olympus' },
    });
    expect(response.statusCode).toBe(422);
    expect(response.json().detail[0]).toMatchObject({ loc: ['body', 'time_zone'], type: 'custom' });
  });
});

describe('GET /events/{id}/export?list=history (issue 16)', () => {
  const EVENT = 'riwayat';
  const scan = (body: Record<string, unknown>, headers: Record<string, string> = t.committee()) =>
    t.app.inject({ method: 'POST', url: `/events/${EVENT}/checkins`, headers, payload: body });

  beforeAll(async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/events',
      headers: t.admin(),
      payload: { id: EVENT, title: 'Riwayat Fest', start_time: new Date().toISOString(), time_zone: 'Asia/Jakarta' },
    });
    expect(created.statusCode).toBe(201);
    const issued = await t.app.inject({
      method: 'POST',
      url: `/events/${EVENT}/tickets`,
      headers: t.admin(),
      payload: {
        tickets: ['R-1', 'R-2', 'R-3', 'R-4'].map((id, n) => ({ ticket_id: id, holder_name: `Tamu ${n + 1}` })),
      },
    });
    expect(issued.statusCode).toBe(201);
    const list = await t.app.inject({
      method: 'POST',
      url: `/events/${EVENT}/lists`,
      headers: t.admin(),
      payload: { name: 'VIP', capacity: 1 },
    });
    expect(list.statusCode).toBe(201);
    // In order: admitted, already in, out; admitted then undone; cancelled then refused; an area filled,
    // refused full, then let in by a supervisor over capacity.
    expect((await scan({ ticket_id: 'R-1', location: 'Gerbang A', device_id: 'hp-1' })).statusCode).toBe(201);
    expect((await scan({ ticket_id: 'R-1', location: 'Gerbang A', device_id: 'hp-1' })).statusCode).toBe(409);
    expect((await scan({ ticket_id: 'R-1', location: 'Gerbang B', direction: 'exit' })).statusCode).toBe(201);
    const second = await scan({ ticket_id: 'R-2', location: 'Gerbang A' });
    const annulled = await t.app.inject({
      method: 'POST',
      url: `/events/${EVENT}/checkins/${second.json().record.checkin_id}/annul`,
      headers: t.supervisor(),
      payload: { reason: 'salah scan' },
    });
    expect(annulled.statusCode).toBe(200);
    const cancelled = await t.app.inject({
      method: 'POST',
      url: `/events/${EVENT}/tickets/R-3/cancel`,
      headers: t.admin(),
      payload: { reason: 'refund' },
    });
    expect(cancelled.statusCode).toBe(200);
    expect((await scan({ ticket_id: 'R-3', location: 'Gerbang A' })).statusCode).toBe(409);
    expect((await scan({ ticket_id: 'R-4', list_id: 'vip', location: 'Lounge' })).statusCode).toBe(201);
    expect((await scan({ ticket_id: 'R-1', list_id: 'vip', location: 'Lounge' })).statusCode).toBe(409);
    const over = await scan({ ticket_id: 'R-1', list_id: 'vip', location: 'Lounge', override: true }, t.supervisor());
    expect(over.statusCode).toBe(201);
    // Every time moved by one amount, so the first line was received at 14:33:00 UTC (21:33 WIB); order kept.
    await t.db.pool.query(
      `WITH first AS (
         SELECT least((SELECT min(checked_in_at) FROM checkins WHERE event_id = $1),
                      (SELECT min(at) FROM scan_history WHERE event_id = $1)) - timestamptz '2026-12-12T14:33:00Z' AS d
       ), c AS (
         UPDATE checkins SET checked_in_at = checked_in_at - (SELECT d FROM first) WHERE event_id = $1 RETURNING 1
       )
       UPDATE scan_history SET at = at - (SELECT d FROM first),
         annulled_at = annulled_at - (SELECT d FROM first) WHERE event_id = $1`,
      [EVENT],
    );
    await t.db.pool.query("UPDATE events SET start_time = '2026-12-12T01:00:00Z' WHERE id = $1", [EVENT]);
  });

  it('writes every scan attempt in server time, in the event’s time zone, with Indonesian headers', async () => {
    const response = await t.app.inject({
      url: `/events/${EVENT}/export?list=history&lang=id`,
      headers: t.committee(),
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['content-disposition']).toContain('filename="riwayat-fest-2026-12-12-riwayat-scan.csv"');
    const lines = response.body.slice(1).trimEnd().split('\n');
    expect(lines[0]).toBe(
      'Waktu server (Asia/Jakarta),Waktu perangkat (Asia/Jakarta),Kode tiket,Nama pemegang,Daftar,Kejadian,Alasan,' +
        'Gerbang,Perangkat,Dicatat oleh,Catatan',
    );
    expect(lines[1]).toMatch(/^2026-12-12 21:33,/);
    // The times aside: what happened, in order.
    const TIME = /^2026-12-12 21:3\d$/;
    const cells = lines.slice(1).map((line) => line.split(','));
    for (const row of cells) expect(row[0]).toMatch(TIME);
    expect(cells.map((row) => row.slice(2).join(','))).toEqual([
      'R-1,Tamu 1,main,Masuk,,Gerbang A,,panitia1,',
      'R-1,Tamu 1,main,Ditolak,Sudah check-in,Gerbang A,hp-1,panitia1,',
      'R-1,Tamu 1,main,Keluar,,Gerbang B,,panitia1,',
      expect.stringMatching(
        /^R-2,Tamu 2,main,Masuk,,Gerbang A,,panitia1,kemudian dibatalkan 2026-12-12 21:3\d oleh lead1$/,
      ),
      'R-2,Tamu 2,main,Check-in dibatalkan,salah scan,,,lead1,',
      'R-3,Tamu 3,,Tiket dibatalkan,refund,,,admin1,',
      'R-3,Tamu 3,main,Ditolak,Tiket dibatalkan,Gerbang A,,panitia1,',
      'R-4,Tamu 4,vip,Masuk,,Lounge,,panitia1,',
      'R-1,Tamu 1,vip,Ditolak,Area penuh,Lounge,,panitia1,',
      'R-1,Tamu 1,vip,Masuk,,Lounge,,lead1,dimasukkan supervisor melebihi kapasitas',
    ]);
  });

  it('writes it in English and as an .xlsx with the times as dates', async () => {
    const english = await t.app.inject({ url: `/events/${EVENT}/export?list=history&lang=en`, headers: t.admin() });
    expect(english.statusCode).toBe(200);
    expect(english.headers['content-disposition']).toContain('filename="riwayat-fest-2026-12-12-scan-history.csv"');
    const lines = english.body.slice(1).trimEnd().split('\n');
    expect(lines[0]).toBe(
      'Server time (Asia/Jakarta),Device time (Asia/Jakarta),Ticket code,Holder name,List,What happened,Why,Gate,' +
        'Device,Recorded by,Note',
    );
    expect(lines.slice(1).map((line) => line.split(',').slice(5, 7).join(','))).toEqual([
      'Entered,',
      'Refused,Already checked in',
      'Went out,',
      'Entered,',
      'Check-in undone,salah scan',
      'Ticket cancelled,refund',
      'Refused,Ticket cancelled',
      'Entered,',
      'Refused,Area full',
      'Entered,',
    ]);
    const xlsx = await t.app.inject({
      url: `/events/${EVENT}/export?list=history&lang=en&format=xlsx`,
      headers: t.admin(),
    });
    expect(xlsx.statusCode).toBe(200);
    expect(xlsx.headers['content-disposition']).toContain('filename="riwayat-fest-2026-12-12-scan-history.xlsx"');
    const files = unzipSync(new Uint8Array(xlsx.rawPayload));
    expect(strFromU8(files['xl/workbook.xml'] as Uint8Array)).toContain('<sheet name="Scan history"');
    const sheet = strFromU8(files['xl/worksheets/sheet1.xml'] as Uint8Array);
    const serial = Date.UTC(2026, 11, 12, 21, 33) / 86_400_000 + 25_569;
    expect(sheet).toContain(`<c r="A2" s="2"><v>${serial}</v></c>`);
    expect(sheet).toContain('<t xml:space="preserve">Area full</t>');
    expect((sheet.match(/<row /g) ?? []).length).toBe(11);
  });
});
