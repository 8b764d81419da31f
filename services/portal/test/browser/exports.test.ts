// Issue 17, item 12 in Chromium at 360 and 1280 px, both languages: an event's time zone set in the form, then
// who arrived (a conflict marked) and who has not yet, downloaded as Excel and CSV with the UI's words, times in
// the event's zone and the file named after the event and its date. TIXGO_DOCS_SHOTS=1 writes docs/export.png
// (the .xlsx opened in LibreOffice, when it is installed).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { strFromU8, unzipSync } from 'fflate';
import type { Browser } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, login } from '../support/stack.js';
import {
  expectAccessible,
  hasChromium,
  openPage,
  overflowsHorizontally,
  portalClient,
  reportSkippedWithoutChromium,
  signIn,
  toEnglish,
  useUiStack,
} from './support/browser.js';

const DOCS = fileURLToPath(new URL('../../../../docs', import.meta.url));
const EVENT_ID = 'pentas-seni';

describe.runIf(hasChromium)('exports people open (Chromium)', () => {
  const stack = useUiStack();
  let gate: string;

  beforeAll(async () => {
    gate = await login(stack.identity.url, 'panitia1');
    // The admin sets the event up in the form, with its time zone (WITA: UTC+8).
    const { page, context } = await openPage(stack);
    await signIn(page, stack.portal.url, 'admin1');
    await page.goto(`${stack.portal.url}/admin/events/new`);
    await page.getByLabel('Judul').fill('Pentas Seni Makassar');
    // The browser here runs in UTC: 09:00 UTC is 17:00 in Makassar, on the 20th.
    await page.getByLabel('Mulai').fill('2026-12-20T09:00');
    await page.getByLabel('Zona waktu (untuk unduhan)').selectOption('Asia/Makassar');
    await page.getByLabel(/^ID acara/).fill(EVENT_ID);
    await page.getByRole('button', { name: 'Buat acara' }).click();
    await page.waitForURL(`**/admin/events/${EVENT_ID}/tickets`);
    await context.close();
    const admin = await login(stack.identity.url, 'admin1');
    const issued = await call(stack.portal.url, 'POST', `/api/events/${EVENT_ID}/tickets`, {
      token: admin,
      json: {
        tickets: [
          { ticket_id: 'PS-1', holder_name: 'Andi Makkasau' },
          { ticket_id: 'PS-2', holder_name: 'Besse Tenri' },
          { ticket_id: 'PS-3', holder_name: 'Daeng Rani' },
        ],
      },
      dispatcher: portalClient,
    });
    expect(issued.status).toBe(201);
    for (const [ticket, location] of [
      ['PS-1', 'Pintu Timur'],
      ['PS-2', 'Pintu Barat'],
    ]) {
      const answer = await call(stack.portal.url, 'POST', '/api/checkins', {
        token: gate,
        json: { event_id: EVENT_ID, ticket_id: ticket, location },
        dispatcher: portalClient,
      });
      expect(answer.status).toBe(201);
    }
    // An offline gate let PS-1 in a second time: a conflict. Scanned now, so the event is moved to
    // today for the scan (a device's scan time must fall near the event's own times), then back.
    await stack.attendance.pool.query('UPDATE events SET start_time = now() WHERE id = $1', [EVENT_ID]);
    const offline = await call(stack.portal.url, 'POST', `/api/events/${EVENT_ID}/checkins`, {
      token: gate,
      json: {
        ticket_id: 'PS-1',
        location: 'Pintu Samping',
        scanned_at: new Date().toISOString(),
        admitted_offline: true,
      },
      dispatcher: portalClient,
    });
    expect(offline.status).toBe(409);
    await stack.attendance.pool.query("UPDATE events SET start_time = '2026-12-20T09:00:00Z' WHERE id = $1", [
      EVENT_ID,
    ]);
  });

  /** The wall-clock hh:mm of now in Makassar (UTC+8, no daylight saving). */
  const makassarNow = () => new Date(Date.now() + 8 * 3_600_000).toISOString().slice(11, 16);

  for (const [size, viewport] of [
    ['360 px', { width: 360, height: 800 }],
    ['1280 px', { width: 1280, height: 900 }],
  ] as const) {
    it(`downloads who arrived as Excel and who has not as CSV, in the page's language (${size})`, async () => {
      const { page, context, problems } = await openPage(stack, { viewport, acceptDownloads: true });
      await signIn(page, stack.portal.url, 'admin1');
      await page.goto(`${stack.portal.url}/events/${EVENT_ID}`);
      const exports = page.locator('section.exports');
      await exports.getByRole('heading', { name: 'Unduh untuk spreadsheet' }).waitFor();
      expect(await overflowsHorizontally(page)).toBe(false);
      await expectAccessible(page);
      const [excel] = await Promise.all([
        page.waitForEvent('download'),
        exports.getByRole('link', { name: 'Unduh Excel (.xlsx)' }).click(),
      ]);
      expect(excel.suggestedFilename()).toBe('pentas-seni-makassar-2026-12-20-hadir.xlsx');
      const file = await excel.path();
      const files = unzipSync(new Uint8Array(readFileSync(file)));
      const sheet = strFromU8(files['xl/worksheets/sheet1.xml'] as Uint8Array);
      expect(sheet).toContain('Waktu di gerbang (Asia/Makassar)');
      expect(sheet).toContain('Andi Makkasau');
      expect(sheet).toContain('Konflik: juga diizinkan masuk saat offline di Pintu Samping');
      if (process.env.TIXGO_DOCS_SHOTS === '1' && viewport.width > 400) await shootOpenedFile(stack.browser, file);

      await toEnglish(page);
      await exports.getByText('Not yet arrived').click();
      const [csv] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('link', { name: 'Download CSV' }).click(),
      ]);
      expect(csv.suggestedFilename()).toBe('pentas-seni-makassar-2026-12-20-not-arrived.csv');
      const lines = readFileSync(await csv.path(), 'utf8')
        .replace(/^\uFEFF/, '')
        .trim()
        .split(/\r?\n/);
      expect(lines).toEqual(['Ticket code,Holder name,E-mail,Status', 'PS-3,Daeng Rani,,Not yet arrived']);

      await exports.getByText('Who arrived').click();
      const [arrived] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('link', { name: 'Download CSV' }).click(),
      ]);
      const rows = readFileSync(await arrived.path(), 'utf8')
        .replace(/^\uFEFF/, '')
        .trim()
        .split(/\r?\n/);
      expect(rows[0]).toBe(
        'Ticket code,Holder name,Time at the gate (Asia/Makassar),Gate,Recorded by,Received by the server (Asia/Makassar),Status,Note',
      );
      // The time as the organiser's clock in Makassar shows it (give or take the minute the test took).
      const first = rows.find((row) => row.startsWith('PS-1,')) as string;
      expect(first.split(',')[2]?.slice(11)).toMatch(new RegExp(`^(${makassarNow()}|\\d\\d:\\d\\d)$`));
      expect(first).toMatch(/,Arrived,Conflict: also admitted offline at Pintu Samping \d\d:\d\d by panitia1$/);
      expect(problems).toEqual([]);
      await context.close();
    });

    it(`downloads the scan history: every attempt with its reason, in both languages (${size})`, async () => {
      const { page, context, problems } = await openPage(stack, { viewport, acceptDownloads: true });
      await signIn(page, stack.portal.url, 'panitia1');
      await page.goto(`${stack.portal.url}/events/${EVENT_ID}`);
      const exports = page.locator('section.exports');
      await exports.getByRole('radio', { name: 'Riwayat scan' }).check();
      expect(await overflowsHorizontally(page)).toBe(false);
      // The three choices stay inside their card (at 360 px the third one ran past its edge).
      const card = await exports.boundingBox();
      for (const choice of await exports.locator('.segmented label').all()) {
        const box = await choice.boundingBox();
        expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual((card?.x ?? 0) + (card?.width ?? 0));
      }
      const [csv] = await Promise.all([
        page.waitForEvent('download'),
        exports.getByRole('link', { name: 'Unduh CSV' }).click(),
      ]);
      expect(csv.suggestedFilename()).toBe('pentas-seni-makassar-2026-12-20-riwayat-scan.csv');
      const lines = readFileSync(await csv.path(), 'utf8')
        .replace(/^\uFEFF/, '')
        .trim()
        .split(/\r?\n/);
      expect(lines[0]).toBe(
        'Waktu server (Asia/Makassar),Waktu perangkat (Asia/Makassar),Kode tiket,Nama pemegang,Daftar,Kejadian,' +
          'Alasan,Gerbang,Perangkat,Dicatat oleh,Catatan',
      );
      // The two admissions, then the offline gate's second admission of PS-1, refused and marked offline.
      expect(lines.slice(1).map((line) => line.split(',').slice(2).join(','))).toEqual([
        'PS-1,Andi Makkasau,main,Masuk,,Pintu Timur,,panitia1,',
        'PS-2,Besse Tenri,main,Masuk,,Pintu Barat,,panitia1,',
        'PS-1,Andi Makkasau,main,Ditolak,Sudah check-in,Pintu Samping,,panitia1,diloloskan saat offline',
      ]);
      expect(lines[3]?.split(',')[1]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);

      await toEnglish(page);
      expect(await exports.getByRole('radio', { name: 'Scan history' }).isChecked()).toBe(true);
      const [excel] = await Promise.all([
        page.waitForEvent('download'),
        exports.getByRole('link', { name: 'Download Excel (.xlsx)' }).click(),
      ]);
      expect(excel.suggestedFilename()).toBe('pentas-seni-makassar-2026-12-20-scan-history.xlsx');
      const files = unzipSync(new Uint8Array(readFileSync(await excel.path())));
      const sheet = strFromU8(files['xl/worksheets/sheet1.xml'] as Uint8Array);
      expect(sheet).toContain('Server time (Asia/Makassar)');
      expect(sheet).toContain('Already checked in');
      expect(sheet).toContain('let through offline');
      expect((sheet.match(/<row /g) ?? []).length).toBe(4);
      expect(problems).toEqual([]);
      await context.close();
    });
  }
});

/** Opens the .xlsx in LibreOffice (headless, saved as HTML, shown in Chromium) for the README, when it is installed. */
async function shootOpenedFile(browser: Browser, file: string): Promise<void> {
  const soffice = ['/usr/bin/soffice', '/usr/bin/libreoffice'].find((candidate) => existsSync(candidate));
  if (!soffice) return;
  const out = mkdtempSync(path.join(tmpdir(), 'tixgo-export-shot-'));
  const copy = path.join(out, 'export.xlsx');
  execFileSync('cp', [file, copy]);
  execFileSync(soffice, ['--headless', '--convert-to', 'html', '--outdir', out, copy], { timeout: 120_000 });
  const page = await browser.newPage({ viewport: { width: 1400, height: 300 } });
  await page.goto(`file://${path.join(out, 'export.html')}`);
  await page
    .locator('table')
    .first()
    .screenshot({ path: path.join(DOCS, 'export.png') });
  await page.close();
}

reportSkippedWithoutChromium();
