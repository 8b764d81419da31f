// The check-in station in Chromium: a scanner's code + Enter with no touch, green / amber / red answers, a lost
// answer retried with the same key (green, not amber), focus kept for the scanner, camera QR scanning, axe.
// TIXGO_DOCS_SHOTS=1 writes the README's docs/station-green.png (the name and type on green, a 360-px phone).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, login } from '../support/stack.js';
import {
  deliverBehindThePage,
  expectAccessible,
  hasChromium,
  launchChromium,
  openPage,
  overflowsHorizontally,
  portalClient,
  reportSkippedWithoutChromium,
  signIn,
  useUiStack,
} from './support/browser.js';
import { writeQrVideo } from './support/fake-camera.js';
import { openStation, scan, seedEvent, storedCheckins, typeWithRhythm } from './support/station-steps.js';

const EVENT = { id: 'station-fest', title: 'Station Fest' };
const TICKETS = ['ST-001', 'ST-002', 'ST-003', 'ST-004', 'ST-005'].map((ticket_id, index) => ({
  ticket_id,
  holder_name: `Holder ${index + 1}`,
}));

describe.runIf(hasChromium)('the check-in station (Chromium)', () => {
  const stack = useUiStack();
  let admin: string;

  beforeAll(async () => {
    admin = await login(stack.identity.url, 'admin1');
    await seedEvent(stack.portal.url, admin, EVENT, TICKETS);
  });

  /** The event's check-ins as attendance has them. */
  const checkins = () => storedCheckins(stack.portal.url, admin, EVENT.id);

  it('checks in a scanned code (green), then says amber with the first scan’s time and who, then red for an unknown code', async () => {
    const { page, context, problems } = await openPage(stack);
    await openStation(page, stack.portal.url, { title: EVENT.title, gate: 'Gerbang A' });
    // Nothing clicked: the code field has the focus, as a scanner needs.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('ticket-code');

    // The page's clock stands still where the test puts it (timers run): the repeat window is the test's to move.
    const start = Date.now();
    await page.clock.setFixedTime(start);
    const first = await scan(page, 'ST-001');
    expect(first.tone).toBe('ok');
    expect(first.text).toContain('Berhasil check-in');
    expect(first.text).toContain('ST-001');
    expect(await page.getByTestId('scan-announcement').textContent()).toContain('Berhasil check-in');

    // Scanned again after the few seconds a double read takes: someone else with the same code.
    await page.clock.setFixedTime(start + 6000);
    const again = await scan(page, 'ST-001');
    expect(again.tone).toBe('warn');
    expect(again.text).toMatch(/Sudah check-in.*ST-001: pukul \d{2}[.:]\d{2} oleh panitia1 \(Gerbang A\)/);

    const unknown = await scan(page, 'FORGED-77');
    expect(unknown.tone).toBe('error');
    expect(unknown.text).toContain('Tiket tidak dikenal');
    expect(await page.getByTestId('scan-announcement').textContent()).toContain('Tiket tidak dikenal');

    // Ready for the next scan by itself: the focus never left the field.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('ticket-code');
    const stored = (await checkins()).filter((checkin) => checkin.ticket_id === 'ST-001');
    expect(stored).toEqual([
      expect.objectContaining({ ticket_id: 'ST-001', user_id: 'panitia1', location: 'Gerbang A' }),
    ]);
    expect(problems).toEqual([]);
    await context.close();
  });

  it.each([
    ['id', { width: 360, height: 740 }, 'NG'],
    ['en', { width: 1280, height: 800 }, 'NE'],
  ])(
    'shows the holder’s name and the ticket type, large, on green and on the saved purple (%s)',
    async (language, viewport, prefix) => {
      const event = { id: `names-${prefix.toLowerCase()}`, title: `Names ${prefix}` };
      await seedEvent(stack.portal.url, admin, event, [
        { ticket_id: `${prefix}-001`, holder_name: 'Sari Wulandari', type: 'VIP' },
        { ticket_id: `${prefix}-002`, holder_name: 'Budi Santoso', type: 'REG' },
      ]);
      const { page, context, problems } = await openPage(stack, {
        viewport,
        isMobile: viewport.width < 400,
      });
      await openStation(page, stack.portal.url, { title: event.title, gate: 'Gerbang Nama' });
      if (language === 'en') {
        await page.evaluate(() => localStorage.setItem('tixgo.language', 'en'));
        await page.reload();
        await page.getByLabel('Ticket code').waitFor();
      }
      await page.getByTestId('ticket-copy').filter({ hasText: /^2 / }).waitFor();

      const green = await scan(page, `${prefix}-001`);
      expect(green.tone).toBe('ok');
      expect(green.text).toContain(language === 'en' ? 'Checked in' : 'Berhasil check-in');
      expect(await page.getByTestId('answer-name').textContent()).toBe('Sari Wulandari');
      expect(await page.getByTestId('answer-type').textContent()).toBe('VIP');
      // As large as the title: a step away, the gate reads who it is.
      const sizes = await page.evaluate(() => {
        const size = (selector: string) =>
          Number.parseFloat(getComputedStyle(document.querySelector(selector) as Element).fontSize);
        return { name: size('.answer-name'), detail: size('.answer-detail') };
      });
      expect(sizes.name).toBeGreaterThan(sizes.detail * 1.4);
      if (process.env.TIXGO_DOCS_SHOTS === '1' && language === 'id') {
        const docs = fileURLToPath(new URL('../../../../docs', import.meta.url));
        await page.screenshot({ path: path.join(docs, 'station-green.png') });
      }
      expect(await overflowsHorizontally(page)).toBe(false);
      await expectAccessible(page);

      // Without the server, the saved answer names them too.
      await page.route(/\/api\/checkins(\/batch)?$/, (route) => route.abort('connectionrefused'));
      const saved = await scan(page, `${prefix}-002`);
      expect(saved.tone).toBe('saved');
      expect(await page.getByTestId('answer-name').textContent()).toBe('Budi Santoso');
      expect(await page.getByTestId('answer-type').textContent()).toBe('REG');
      await page.unrouteAll({ behavior: 'ignoreErrors' });
      expect(problems).toEqual([]);
      await context.close();
    },
  );

  it('lets an admin define the event’s gates, and the stations pick from them: one spelling in the stats', async () => {
    const { page, context, problems } = await openPage(stack, {
      viewport: { width: 360, height: 740 },
      isMobile: true,
    });
    await signIn(page, stack.portal.url, 'admin1');
    await page.goto(`${stack.portal.url}/admin/events/new`);
    await page.getByLabel('Judul').fill('Gates Fest');
    const gates = page.getByLabel('Gerbang acara (satu per baris)');
    // The same gate twice in other letters is refused, in the page's words.
    await gates.fill('Gerbang Utara\ngerbang utara');
    await page.getByLabel(/^ID acara/).fill('gates-fest');
    await page.getByRole('button', { name: 'Buat acara' }).click();
    await page.getByText(/menyebut satu gerbang dua kali/).waitFor();
    await gates.fill('Gerbang Utara\nGerbang Selatan\n');
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Buat acara' }).click();
    await page.waitForURL('**/admin/events/gates-fest/tickets');
    await context.close();

    const event = await call(stack.portal.url, 'GET', '/api/events/gates-fest', {
      token: admin,
      dispatcher: portalClient,
    });
    expect((event.body as { gates: string[] }).gates).toEqual(['Gerbang Utara', 'Gerbang Selatan']);

    // Two committee devices: each picks the gate from the event's list (no typing, so no second spelling).
    for (const viewport of [
      { width: 360, height: 740 },
      { width: 1280, height: 800 },
    ]) {
      const station = await openPage(stack, { viewport });
      await signIn(station.page, stack.portal.url, 'panitia1');
      await station.page.goto(`${stack.portal.url}/station`);
      await station.page.getByLabel('Acara').selectOption({ label: 'Gates Fest' });
      // A list to pick from, not a field to type in.
      const gate = station.page.getByRole('combobox', { name: /^Gerbang/ });
      expect(await gate.locator('option').allTextContents()).toEqual([
        'Pilih gerbang',
        'Gerbang Utara',
        'Gerbang Selatan',
      ]);
      await gate.selectOption('Gerbang Utara');
      await station.page.getByRole('button', { name: 'Mulai check-in' }).click();
      await station.page.getByLabel('Kode tiket').waitFor();
      expect((await scan(station.page, `GATE-${viewport.width}`)).tone).toBe('ok');
      expect(station.problems).toEqual([]);
      await station.context.close();
    }
    const stored = await storedCheckins(stack.portal.url, admin, 'gates-fest');
    expect(stored.map((checkin) => checkin.location)).toEqual(['Gerbang Utara', 'Gerbang Utara']);
    expect(problems).toEqual([]);
  });

  it.each([
    ['id', { width: 360, height: 740 }, 'AT'],
    ['en', { width: 1280, height: 800 }, 'AE'],
  ])(
    'stops at an attention ticket, with its note and its own sound, until the gate taps to confirm (%s)',
    async (language, viewport, prefix) => {
      const event = { id: `attention-${prefix.toLowerCase()}`, title: `Attention ${prefix}` };
      await seedEvent(stack.portal.url, admin, event, [
        { ticket_id: `${prefix}-001`, holder_name: 'Dewi Lestari', note: 'Periksa KTP' },
        { ticket_id: `${prefix}-002`, holder_name: 'Eko Prasetyo' },
      ]);
      const { page, context, problems } = await openPage(stack, { viewport, isMobile: viewport.width < 400 });
      // The sounds the station plays: an attention ticket has its own.
      await page.addInitScript(() => {
        const played: number[] = [];
        (window as unknown as { __tones: number[] }).__tones = played;
        const start = OscillatorNode.prototype.start;
        OscillatorNode.prototype.start = function (this: OscillatorNode, ...args: [number?]) {
          played.push(this.frequency.value);
          return start.apply(this, args);
        };
      });
      await openStation(page, stack.portal.url, { title: event.title, gate: 'Gerbang Perhatian' });
      if (language === 'en') {
        await page.evaluate(() => localStorage.setItem('tixgo.language', 'en'));
        await page.reload();
        await page.getByLabel('Ticket code').waitFor();
      }
      await page.getByTestId('ticket-copy').filter({ hasText: /^2 / }).waitFor();
      const words =
        language === 'en'
          ? { note: 'Attention: Periksa KTP', confirm: 'Done: continue', held: '1 scan waited' }
          : { note: 'Perhatian: Periksa KTP', confirm: 'Selesai: lanjutkan', held: '1 pindaian tertahan' };

      const answer = await scan(page, `${prefix}-001`);
      expect(answer.tone).toBe('ok');
      const panel = page.locator('[data-testid="scan-answer"][data-attention="true"]');
      expect(await page.getByTestId('answer-note').textContent()).toContain(words.note);
      expect(await page.getByTestId('answer-name').textContent()).toBe('Dewi Lestari');
      expect(await page.evaluate(() => (window as unknown as { __tones: number[] }).__tones)).toEqual([988, 988, 988]);
      await expectAccessible(page);

      // Longer than any answer stays by itself: this one waits for the gate.
      // (A real wait, longer than a green's 1.8 s: slowness can only make the answer stay longer, never pass wrongly.)
      await page.waitForTimeout(2500);
      expect(await panel.count()).toBe(1);
      // A scan meanwhile is not taken: the gate is stopped.
      await page.keyboard.type(`${prefix}-002`);
      await page.keyboard.press('Enter');
      await page.getByTestId('answer-held').filter({ hasText: words.held }).waitFor();
      expect((await storedCheckins(stack.portal.url, admin, event.id)).map((checkin) => checkin.ticket_id)).toEqual([
        `${prefix}-001`,
      ]);

      await panel.getByRole('button', { name: words.confirm }).click();
      expect(await panel.count()).toBe(0);
      expect((await scan(page, `${prefix}-002`)).tone).toBe('ok');
      expect(await page.locator('[data-attention="true"]').count()).toBe(0);
      expect(problems).toEqual([]);
      await context.close();
    },
  );

  it('answers a scanner’s double read of a ticket it just let in “just checked in here” in the green family, sent once', async () => {
    const event = { id: 'double-fest', title: 'Double Fest' };
    await seedEvent(stack.portal.url, admin, event, [
      { ticket_id: 'DR-001', holder_name: 'Rina Dua' },
      { ticket_id: 'DR-002', holder_name: 'Budi Dua' },
    ]);
    const { page, context, problems } = await openPage(stack, {
      viewport: { width: 360, height: 740 },
      isMobile: true,
    });
    await openStation(page, stack.portal.url, { title: event.title, gate: 'Gerbang Ganda' });
    await page.getByText(/^2 tiket tersimpan di perangkat ini/).waitFor();
    const start = Date.now();
    await page.clock.setFixedTime(start);
    const sent: string[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/api/checkins') sent.push(request.postDataJSON().ticket_id);
    });

    expect((await scan(page, 'DR-001')).tone).toBe('ok');
    await page.clock.setFixedTime(start + 2000);
    const repeat = await scan(page, 'DR-001');
    expect(repeat.tone).toBe('repeat');
    expect(repeat.text).toContain('Baru saja check-in di sini');
    expect(repeat.text).toContain('Rina Dua DR-001 — check-in di perangkat ini 2 detik lalu: orang yang sama');
    expect(sent).toEqual(['DR-001']);

    // On a phone the language switch is in the menu.
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('button', { name: 'Switch the language to English' }).click();
    // The double read comes while the first answer is still on its way (80 ms later): the first one decides.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route('**/api/checkins', async (route) => {
      await held;
      await route.continue();
    });
    await page.keyboard.type('DR-002');
    await page.keyboard.press('Enter');
    await expect.poll(() => sent).toEqual(['DR-001', 'DR-002']);
    await page.keyboard.type('DR-002');
    await page.keyboard.press('Enter');
    release();
    const answer = page.locator('[data-testid="scan-answer"][data-tone="repeat"]').filter({ hasText: 'DR-002' });
    await answer.waitFor();
    expect((await answer.innerText()).replace(/\s+/g, ' ')).toContain(
      'Just checked in here Budi Dua DR-002 — checked in on this device 0 seconds ago: the same person, let them through.',
    );
    await expect
      .poll(() => page.locator('.recent li').allInnerTexts())
      .toEqual([
        expect.stringMatching(/^Just checked in here — DR-002/),
        expect.stringMatching(/^Checked in — DR-002/),
        expect.stringMatching(/^Just checked in here — DR-001/),
        expect.stringMatching(/^Checked in — DR-001/),
      ]);
    expect(sent).toEqual(['DR-001', 'DR-002']);
    const stored = await storedCheckins(stack.portal.url, admin, event.id);
    expect(stored.map((checkin) => checkin.ticket_id).sort()).toEqual(['DR-001', 'DR-002']);
    expect(await overflowsHorizontally(page)).toBe(false);
    await expectAccessible(page);
    expect(problems).toEqual([]);
    await context.close();
  });

  it.each([
    ['a laptop', { width: 1280, height: 800 }, 'US'],
    ['a 360-px phone', { width: 360, height: 740 }, 'UP'],
  ])(
    'checks in a USB scan that comes while the name search has the focus, and gives the search its text back (%s)',
    async (_, viewport, prefix) => {
      const event = { id: `burst-fest-${prefix.toLowerCase()}`, title: `Burst Fest ${prefix}` };
      const code = `FSM26-${prefix}01301`;
      await seedEvent(stack.portal.url, admin, event, [
        { ticket_id: code, holder_name: 'Andi Nasution' },
        { ticket_id: `${prefix}-HAND`, holder_name: 'Sari Tangan' },
      ]);
      const { page, context, problems } = await openPage(stack, { viewport, isMobile: viewport.width < 400 });
      await openStation(page, stack.portal.url, { title: event.title, gate: 'Gerbang Cari' });
      await page.getByRole('button', { name: 'Cari nama atau kode' }).click();
      const search = page.getByLabel(/^Nama pemegang atau sebagian kode/);
      await search.click();
      // A person types a name (150 ms a key)...
      await typeWithRhythm(page, 'Nasution', 150, false);
      await page.getByRole('listitem').filter({ hasText: code }).waitFor();
      // ...and the scanner's code comes into the same field (8 ms a key, then Enter): a scan, checked in.
      await typeWithRhythm(page, code, 8);
      const answer = page.locator('[data-testid="scan-answer"][data-tone="ok"]').filter({ hasText: code });
      await answer.waitFor();
      expect(await search.inputValue()).toBe('Nasution');
      expect(await page.getByText('Tidak ada tiket yang cocok').count()).toBe(0);

      // A person typing a code into the search and pressing Enter searches; nothing is checked in.
      await search.fill('');
      await typeWithRhythm(page, `${prefix}-HAND`, 150);
      await page.getByRole('listitem').filter({ hasText: 'Sari Tangan' }).waitFor();
      expect(await search.inputValue()).toBe(`${prefix}-HAND`);
      const stored = await storedCheckins(stack.portal.url, admin, event.id);
      expect(stored.map((checkin) => checkin.ticket_id)).toEqual([code]);
      expect(problems).toEqual([]);
      await context.close();
    },
  );

  it('keeps every scan in the code field after a tap elsewhere: a search result, closing the search, the language, an empty spot', async () => {
    const event = { id: 'focus-fest', title: 'Focus Fest' };
    const codes = ['FO-001', 'FO-002', 'FO-003', 'FO-004', 'FO-005', 'FO-006'];
    await seedEvent(
      stack.portal.url,
      admin,
      event,
      codes.map((ticket_id, index) => ({ ticket_id, holder_name: `Tamu Fokus ${index + 1}` })),
    );
    const { page, context, problems } = await openPage(stack);
    await openStation(page, stack.portal.url, { title: event.title, gate: 'Gerbang F' });
    await page.getByText(/^6 tiket tersimpan di perangkat ini/).waitFor();

    // Typed by hand in lower case on a keyboard that does not capitalise: still the issued code.
    const typed = await scan(page, 'fo-001');
    expect(typed.tone).toBe('ok');
    expect(typed.text).toContain('FO-001');

    // A check-in from the manual search leaves the focus on that result's button...
    const toggle = page.getByRole('button', { name: 'Cari nama atau kode' });
    await toggle.click();
    await page.getByLabel(/^Nama pemegang atau sebagian kode/).fill('Fokus 2');
    const result = page.getByRole('listitem').filter({ hasText: 'FO-002' });
    await result.getByRole('button', { name: 'Check-in' }).click();
    await page.locator('[data-testid="scan-answer"][data-tone="ok"]').filter({ hasText: 'FO-002' }).waitFor();
    // ...the list asks the server again and says so...
    await result.getByText(/sudah check-in/).waitFor();
    // ...and the scanner's next code still goes into the code field (its Enter does not press that button again).
    expect((await scan(page, 'FO-003')).tone).toBe('ok');

    await toggle.click();
    expect(await page.getByLabel(/^Nama pemegang atau sebagian kode/).count()).toBe(0);
    expect((await scan(page, 'FO-004')).tone).toBe('ok');
    expect(await page.getByLabel(/^Nama pemegang atau sebagian kode/).count()).toBe(0);

    await page.getByRole('button', { name: 'Switch the language to English' }).click();
    const english = await scan(page, 'FO-005');
    expect(english.tone).toBe('ok');
    expect(english.text).toContain('Checked in');
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    // The whole recent list follows the language, the scans from before the switch too.
    const recent = await page.locator('.recent li').allInnerTexts();
    expect(recent).toHaveLength(5);
    for (const line of recent) expect(line).toMatch(/^Checked in — FO-00\d/);

    // A tap on an empty spot (the focus goes to the page's main area).
    await page.getByRole('heading', { name: 'Recent scans on this device' }).click();
    expect((await scan(page, 'FO-006')).tone).toBe('ok');

    const stored = await storedCheckins(stack.portal.url, admin, event.id);
    expect(stored.map((checkin) => checkin.ticket_id).sort()).toEqual(codes);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('changes the event or the gate starting from the current ones, can be left unchanged, and wants a gate name', async () => {
    const { page, context } = await openPage(stack);
    await openStation(page, stack.portal.url, { title: EVENT.title, gate: 'Gerbang Lama' });
    await page.getByRole('button', { name: 'Ganti acara atau gerbang' }).click();
    await page.getByRole('heading', { name: 'Ganti acara atau gerbang' }).waitFor();
    expect(await page.getByLabel('Gerbang', { exact: true }).inputValue()).toBe('Gerbang Lama');
    expect(await page.getByRole('combobox', { name: /^Acara/ }).inputValue()).toBe(EVENT.id);
    await page.getByRole('button', { name: 'Batal, kembali ke pos check-in' }).click();
    await page.getByLabel('Kode tiket').waitFor();
    expect(await page.locator('.station-gate strong').textContent()).toBe('Gerbang Lama');

    await page.getByRole('button', { name: 'Ganti acara atau gerbang' }).click();
    await page.getByLabel('Gerbang', { exact: true }).fill('   ');
    await page.getByRole('button', { name: 'Simpan dan lanjut check-in' }).click();
    expect(await page.getByRole('alert').textContent()).toContain('Isi nama gerbang');
    expect(await page.getByLabel('Kode tiket').count()).toBe(0);
    await page.getByLabel('Gerbang', { exact: true }).fill('Gerbang Baru');
    await page.getByRole('button', { name: 'Simpan dan lanjut check-in' }).click();
    await page.getByLabel('Kode tiket').waitFor();
    expect(await page.locator('.station-gate strong').textContent()).toBe('Gerbang Baru');
    await context.close();
  });

  it('retries a scan whose answer was lost with the same Idempotency-Key and shows green, not amber', async () => {
    const { page, context } = await openPage(stack);
    await openStation(page, stack.portal.url, { title: EVENT.title, gate: 'Gerbang B' });
    const keys: string[] = [];
    let lost = false;
    await page.route('**/api/checkins', async (route) => {
      keys.push(route.request().headers()['idempotency-key'] ?? '');
      if (!lost) {
        lost = true;
        // The check-in reaches the server and is recorded; its answer never reaches the station.
        expect(await deliverBehindThePage(route)).toBe(201);
        await route.abort('connectionreset');
        return;
      }
      await route.continue();
    });
    const answer = await scan(page, 'ST-002');
    expect(answer.tone).toBe('ok');
    expect(answer.text).toContain('Berhasil check-in');
    expect(keys.length).toBeGreaterThanOrEqual(2);
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    const stored = (await checkins()).filter((checkin) => checkin.ticket_id === 'ST-002');
    expect(stored).toHaveLength(1);
    await context.close();
  });

  it('answers from the device within seconds when the server stays unreachable: saved, not yet sent, never green', async () => {
    const { page, context } = await openPage(stack);
    await openStation(page, stack.portal.url, { title: EVENT.title, gate: 'Gerbang C' });
    await page.route(/\/api\/checkins(\/batch)?$/, (route) => route.abort('connectionrefused'));
    const started = Date.now();
    const answer = await scan(page, 'ST-004');
    // The station's own wait (a few seconds), not the browser's (minutes); generous for a busy machine.
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(answer.tone).toBe('saved');
    expect(answer.text).toContain('Disimpan di perangkat ini');
    expect(answer.text).toContain('belum terkirim');
    expect(await page.getByTestId('offline-banner').textContent()).toContain('Offline');
    expect(await page.getByTestId('waiting-count').textContent()).toBe('1 pindaian menunggu dikirim');
    expect((await checkins()).filter((checkin) => checkin.ticket_id === 'ST-004')).toEqual([]);
    // The network is back: the queue goes out by itself, with the device's scan time.
    await page.unrouteAll();
    await page.getByText('Semua pindaian sudah terkirim').waitFor({ timeout: 15_000 });
    const stored = (await checkins()).filter((checkin) => checkin.ticket_id === 'ST-004');
    expect(stored).toEqual([expect.objectContaining({ location: 'Gerbang C', scanned_at: expect.any(String) })]);
    await context.close();
  });

  it('passes axe and fits a 360-px phone, with and without an answer on screen', async () => {
    const { page, context } = await openPage(stack, { viewport: { width: 360, height: 740 }, isMobile: true });
    await openStation(page, stack.portal.url, { title: EVENT.title, gate: 'Gerbang D' });
    expect(await overflowsHorizontally(page)).toBe(false);
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Cari nama atau kode' }).click();
    await page.getByLabel(/Nama pemegang atau sebagian kode/).fill('Holder 5');
    await expectAccessible(page);
    // The search took the focus; the person goes back to the code field.
    await page.getByLabel('Kode tiket').click();
    const answer = await scan(page, 'FORGED-1');
    expect(answer.tone).toBe('error');
    await expectAccessible(page);
    await context.close();
  });

  it('says in the page’s language why the camera cannot start on a device without one', async () => {
    const { page, context } = await openPage(stack);
    await context.grantPermissions(['camera']);
    await openStation(page, stack.portal.url, { title: EVENT.title, gate: 'Gerbang Kamera' });
    await page.getByRole('button', { name: 'Pindai dengan kamera' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toBe(
      'Kamera tidak dapat dipakai: perangkat ini tidak punya kamera yang dapat dipakai. Ketik kode atau pakai pemindai.',
    );
    await context.close();
  });

  it('loads at most 100 KB of gzipped JavaScript when the station opens (the camera decoder only when used)', async () => {
    const { page, context } = await openPage(stack);
    await signIn(page, stack.portal.url, 'panitia1');
    // A fresh load of the station: every script the page fetches, as the phone would download it.
    const scripts = new Map<string, Buffer>();
    page.on('response', async (response) => {
      if (response.request().resourceType() !== 'script') return;
      scripts.set(response.url(), await response.body().catch(() => Buffer.alloc(0)));
    });
    await page.evaluate((eventId) => {
      localStorage.setItem('tixgo.station', JSON.stringify({ eventId, gate: 'Gerbang Ukur' }));
    }, EVENT.id);
    await page.goto(`${stack.portal.url}/station`);
    await page.getByLabel('Kode tiket').waitFor();
    await page.waitForLoadState('networkidle');
    const { gzipSync } = await import('node:zlib');
    const gzipped = [...scripts.values()].reduce((total, body) => total + gzipSync(body).length, 0);
    expect(scripts.size).toBeGreaterThan(1);
    expect([...scripts.keys()].some((url) => url.includes('ponyfill') || url.includes('zxing'))).toBe(false);
    expect(gzipped).toBeLessThanOrEqual(100 * 1024);
    await context.close();
  });

  describe('camera scanning', () => {
    let cameraBrowser: Browser;

    beforeAll(async () => {
      const video = path.join(mkdtempSync(path.join(tmpdir(), 'tixgo-camera-')), 'ticket-qr.y4m');
      writeQrVideo(video, 'ST-003');
      cameraBrowser = await launchChromium(stack.trustingHome, [
        '--use-fake-device-for-media-stream',
        '--use-fake-ui-for-media-stream',
        `--use-file-for-fake-video-capture=${video}`,
      ]);
    });

    afterAll(async () => {
      await cameraBrowser?.close();
    });

    it('checks in the ticket whose QR code the camera shows (bundled decoder, Chromium has no BarcodeDetector)', async () => {
      const { page, context, problems } = await openPage(
        { ...stack, browser: cameraBrowser },
        { permissions: ['camera'] },
      );
      await openStation(page, stack.portal.url, { title: EVENT.title, gate: 'Gerbang Kamera' });
      await page.getByRole('button', { name: 'Pindai dengan kamera' }).click();
      const answer = page.locator('[data-testid="scan-answer"][data-tone="ok"]');
      await answer.waitFor({ timeout: 20_000 });
      expect(await answer.textContent()).toContain('ST-003');
      expect(problems).toEqual([]);
      const stored = (await checkins()).filter((checkin) => checkin.ticket_id === 'ST-003');
      expect(stored).toEqual([expect.objectContaining({ location: 'Gerbang Kamera' })]);
      await context.close();
    }, 60_000);

    it.each([
      ['a 360×740 phone', { width: 360, height: 740 }],
      ['a 1280-px laptop', { width: 1280, height: 720 }],
    ])(
      'opens the camera in view, as wide as the screen on a phone (%s)',
      async (_, viewport) => {
        const phone = viewport.width < 400;
        const { page, context, problems } = await openPage(
          { ...stack, browser: cameraBrowser },
          { permissions: ['camera'], viewport, isMobile: phone },
        );
        await openStation(page, stack.portal.url, { title: EVENT.title, gate: 'Gerbang Lensa' });
        await page.getByRole('button', { name: 'Pindai dengan kamera' }).click();
        const video = page.getByTestId('camera-video');
        await page.waitForFunction(() => {
          const element = document.querySelector<HTMLVideoElement>('[data-testid="camera-video"]');
          return element !== null && element.readyState >= 2;
        });
        // Entirely on screen, without scrolling by hand: polled, as the page scrolls it into view again
        // once the video has its size (on a busy machine that can come a little after readyState 2).
        await expect
          .poll(
            async () => {
              const shown = await video.boundingBox();
              return shown !== null && shown.y >= 0 && shown.y + shown.height <= viewport.height;
            },
            { timeout: 10_000 },
          )
          .toBe(true);
        const box = await video.boundingBox();
        expect(box).not.toBeNull();
        const { x, width, height } = box as { x: number; y: number; width: number; height: number };
        if (phone) {
          expect(x).toBe(0);
          expect(width).toBe(viewport.width);
          expect(height).toBeGreaterThanOrEqual(300);
        } else {
          expect(width).toBeGreaterThanOrEqual(400);
        }
        expect(await overflowsHorizontally(page)).toBe(false);
        // And it reads the ticket it shows.
        await page
          .locator('[data-testid="scan-answer"]:not([data-tone="pending"])')
          .filter({ hasText: 'ST-003' })
          .waitFor({ timeout: 20_000 });
        expect(problems).toEqual([]);
        await context.close();
      },
      60_000,
    );
  });
});

reportSkippedWithoutChromium();
