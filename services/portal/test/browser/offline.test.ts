// The offline station in Chromium (context.setOffline): answers from the device, a reload without network, the
// queue sent by itself once exactly with the device's scan times, a ticket admitted at two offline gates as a
// conflict, and the portal going down in the middle of a sync with nothing lost and nothing counted twice.
import type { BrowserContext, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, login } from '../support/stack.js';
import {
  deliverBehindThePage,
  hasChromium,
  openPage,
  portalClient,
  reportSkippedWithoutChromium,
  signIn,
  useUiStack,
} from './support/browser.js';
import { openStation, scan, seedEvent, storedCheckins } from './support/station-steps.js';

const EVENT = { id: 'offline-fest', title: 'Offline Fest' };
const TICKETS = Array.from({ length: 20 }, (_, index) => ({
  ticket_id: `OF-${String(index + 1).padStart(3, '0')}`,
  holder_name: `Tamu ${index + 1}`,
}));

describe.runIf(hasChromium)('the station without network (Chromium)', () => {
  const stack = useUiStack();
  let admin: string;

  beforeAll(async () => {
    admin = await login(stack.identity.url, 'admin1');
    await seedEvent(stack.portal.url, admin, EVENT, TICKETS);
    const second = await call(stack.portal.url, 'POST', '/api/auth/register', {
      json: { username: 'panitia2', password: 'secret' },
      dispatcher: portalClient,
    });
    expect(second.status).toBe(200);
  });

  const checkins = async (ticketId: string) =>
    (await storedCheckins(stack.portal.url, admin, EVENT.id)).filter((checkin) => checkin.ticket_id === ticketId);

  /** Opens the station and waits until the event's tickets are on the device and the app is cached. */
  async function openCachedStation(page: Page, username: string, gate: string): Promise<void> {
    await openStation(page, stack.portal.url, { username, title: EVENT.title, gate });
    await page.getByText(/^20 tiket tersimpan di perangkat ini/).waitFor();
    // The service worker took the page over (clientsClaim): a reload without network is served by it.
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
  }

  const waiting = (page: Page) => page.getByTestId('waiting-count').textContent();

  async function goOffline(context: BrowserContext, page: Page): Promise<void> {
    await context.setOffline(true);
    await page.getByTestId('offline-banner').waitFor();
  }

  async function comeBack(context: BrowserContext, page: Page): Promise<void> {
    await context.setOffline(false);
    await page.getByText('Semua pindaian sudah terkirim').waitFor({ timeout: 20_000 });
  }

  it('answers valid, unknown and repeated codes from the device, survives a reload, and sends every valid scan once with its scan time', async () => {
    const { page, context, problems } = await openPage(stack);
    await openCachedStation(page, 'panitia1', 'Gerbang A');
    await goOffline(context, page);
    const offlineFrom = Date.now();

    const saved = await scan(page, 'OF-001');
    expect(saved.tone).toBe('saved');
    expect(saved.text).toContain('Disimpan di perangkat ini');
    expect(saved.text).toContain('Tamu 1');
    expect(saved.text).not.toContain('Berhasil check-in');
    // The gate's count goes on with the people let in on the device's word.
    expect(await page.getByTestId('gate-count').textContent()).toBe('1 check-in di Gerbang A');
    expect(await page.getByTestId('gate-count-saved').textContent()).toContain('termasuk 1');
    const unknown = await scan(page, 'FAKE-99');
    expect(unknown.tone).toBe('error');
    expect(unknown.text).toContain('Tiket tidak dikenal');
    expect(unknown.text).toContain('diperiksa di perangkat ini');
    await expect.poll(() => waiting(page)).toBe('1 pindaian menunggu dikirim');

    // A reload (or a phone restart) without network: the app, the session and the queue are on the device.
    await page.reload();
    await page.getByLabel('Kode tiket').waitFor();
    await expect.poll(() => waiting(page)).toBe('1 pindaian menunggu dikirim');
    // The scans are listed again with their answers (issue 17 item 17), not "nothing scanned yet".
    const recent = page.locator('.recent li');
    await expect
      .poll(() => recent.allInnerTexts(), { timeout: 15_000 })
      .toEqual([
        expect.stringMatching(/^Tiket tidak dikenal — FAKE-99/),
        expect.stringMatching(/^Disimpan di perangkat ini — OF-001/),
      ]);
    // Scanned again (past the few seconds of a double read, which a reload also ends): amber from the device.
    const again = await scan(page, 'OF-001');
    expect(again.tone).toBe('warn');
    expect(again.text).toMatch(/OF-001: sudah dipindai di perangkat ini pukul \d{2}[.:]\d{2} \(Gerbang A\)/);
    await expect.poll(() => waiting(page)).toBe('1 pindaian menunggu dikirim');
    const afterReload = await scan(page, 'OF-002');
    expect(afterReload.tone).toBe('saved');
    await expect.poll(() => waiting(page)).toBe('2 pindaian menunggu dikirim');
    expect(await checkins('OF-001')).toEqual([]);

    await comeBack(context, page);
    // The recent list says what became of each saved scan once the server answered it.
    await expect
      .poll(() => recent.allInnerTexts())
      .toEqual([
        expect.stringMatching(/^Terkirim: check-in tercatat — OF-002/),
        expect.stringMatching(/^Sudah check-in — OF-001: sudah dipindai di perangkat ini/),
        expect.stringMatching(/^Tiket tidak dikenal — FAKE-99/),
        expect.stringMatching(/^Terkirim: check-in tercatat — OF-001/),
      ]);
    for (const ticket of ['OF-001', 'OF-002']) {
      const stored = await checkins(ticket);
      expect(stored).toEqual([
        expect.objectContaining({ ticket_id: ticket, user_id: 'panitia1', location: 'Gerbang A' }),
      ]);
      // The device's time of the scan, not the upload's.
      const scannedAt = Date.parse(stored[0]?.scanned_at as string);
      expect(scannedAt).toBeGreaterThanOrEqual(offlineFrom - 1000);
      expect(scannedAt).toBeLessThan(Date.parse(stored[0]?.checkin_time as string));
    }
    expect(await checkins('FAKE-99')).toEqual([]);
    // Back online, the server answers again.
    const online = await scan(page, 'OF-003');
    expect(online.tone).toBe('ok');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('searches the names on the device offline and while the server is slow, and keeps the counts through an offline reload', async () => {
    const { page, context, problems } = await openPage(stack);
    await openCachedStation(page, 'panitia1', 'Gerbang Hitung');
    for (const ticket of ['OF-016', 'OF-017']) expect((await scan(page, ticket)).tone).toBe('ok');
    const gateCount = page.getByTestId('gate-count');
    await expect.poll(() => gateCount.textContent()).toBe('2 check-in di Gerbang Hitung');
    const eventCount = page.getByTestId('event-count');
    await expect.poll(() => eventCount.textContent()).toMatch(/^\d+ dari 20 di acara ini$/);
    const eventTotal = await eventCount.textContent();

    // The server's search does not answer: the device's copy does, and says so.
    await page.route('**/tickets/search?**', () => undefined);
    await page.getByRole('button', { name: 'Cari nama atau kode' }).click();
    const search = page.getByLabel(/^Nama pemegang atau sebagian kode/);
    await search.fill('tamu 18');
    await page.getByRole('listitem').filter({ hasText: 'OF-018' }).getByText('Tamu 18').waitFor();
    expect(await page.getByTestId('search-source').textContent()).toBe(
      'Dari salinan tiket di perangkat ini selagi server lambat menjawab.',
    );
    await page.unrouteAll({ behavior: 'ignoreErrors' });

    // Offline: every name is on the device; no "server cannot be reached" in red.
    await goOffline(context, page);
    await search.fill('Tamu 16');
    const checkedIn = page.getByRole('listitem').filter({ hasText: 'OF-016' });
    await checkedIn.getByText(/sudah check-in \d/).waitFor();
    expect(await page.getByTestId('search-source').textContent()).toBe(
      'Dari salinan tiket di perangkat ini: server tidak dapat dihubungi.',
    );
    await search.fill('Tamu 19');
    await page.getByRole('listitem').filter({ hasText: 'OF-019' }).getByRole('button', { name: 'Check-in' }).click();
    await page.locator('[data-testid="scan-answer"][data-tone="saved"]').filter({ hasText: 'OF-019' }).waitFor();
    expect(await page.getByRole('alert').count()).toBe(0);
    await expect.poll(() => gateCount.textContent()).toBe('3 check-in di Gerbang Hitung');

    // A reload without network: the counts come back with the page (the server's last, and the device's own).
    await page.reload();
    await page.getByLabel('Kode tiket').waitFor();
    await expect.poll(() => gateCount.textContent()).toBe('3 check-in di Gerbang Hitung');
    expect(await eventCount.textContent()).toBe(eventTotal);
    expect(await page.getByTestId('counts-as-of').textContent()).toMatch(/^hitungan dari server terakhir pukul/);

    await comeBack(context, page);
    await expect.poll(() => gateCount.textContent(), { timeout: 20_000 }).toBe('3 check-in di Gerbang Hitung');
    expect(await page.getByTestId('counts-as-of').count()).toBe(0);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('shows a ticket admitted at two offline gates as one conflict, on the station and on the event page', async () => {
    const first = await openPage(stack);
    const second = await openPage(stack);
    await openCachedStation(first.page, 'panitia1', 'Gerbang Utara');
    await openCachedStation(second.page, 'panitia2', 'Gerbang Selatan');
    await goOffline(first.context, first.page);
    await goOffline(second.context, second.page);
    expect((await scan(first.page, 'OF-010')).tone).toBe('saved');
    expect((await scan(second.page, 'OF-010')).tone).toBe('saved');

    await comeBack(first.context, first.page);
    await comeBack(second.context, second.page);
    const line = second.page.getByTestId('conflict-list').getByRole('listitem');
    await line.waitFor();
    expect(await line.textContent()).toMatch(
      /Tiket OF-010 diizinkan masuk di Gerbang Selatan \d{2}[.:]\d{2} \(perangkat ini\), tetapi sudah tercatat lebih dulu di Gerbang Utara \d{2}[.:]\d{2} \(panitia1\)/,
    );
    await expect
      .poll(() => second.page.locator('.recent li').first().innerText())
      .toMatch(
        /^Terkirim: konflik, tiket sudah tercatat lebih dulu — OF-010: pukul \d{2}[.:]\d{2} oleh panitia1 \(Gerbang Utara\)/,
      );
    expect(await checkins('OF-010')).toEqual([
      expect.objectContaining({ user_id: 'panitia1', location: 'Gerbang Utara' }),
    ]);

    const supervisor = await openPage(stack);
    await signIn(supervisor.page, stack.portal.url, 'admin1');
    await supervisor.page.goto(`${stack.portal.url}/events/${EVENT.id}`);
    const conflicts = supervisor.page.getByTestId('event-conflicts').getByRole('listitem');
    await conflicts.first().waitFor();
    expect(await conflicts.count()).toBe(1);
    expect(await conflicts.first().textContent()).toMatch(
      /Tiket OF-010 \(Tamu 10\) diizinkan masuk di Gerbang Utara .* \(panitia1\) dan di Gerbang Selatan .* \(panitia2\)/,
    );
    for (const opened of [first, second, supervisor]) await opened.context.close();
  });

  it('loses nothing and counts nothing twice when the portal goes down in the middle of a sync', async () => {
    const { page, context } = await openPage(stack);
    await openCachedStation(page, 'panitia1', 'Gerbang Timur');
    await goOffline(context, page);
    const tickets = ['OF-011', 'OF-012', 'OF-013', 'OF-014', 'OF-015'];
    for (const ticket of tickets) expect((await scan(page, ticket)).tone).toBe('saved');
    await expect.poll(() => waiting(page)).toBe('5 pindaian menunggu dikirim');

    let uploads = 0;
    await page.route('**/api/checkins/batch', async (route) => {
      uploads++;
      if (uploads > 1) return route.continue();
      // The upload reaches the server and is committed; then the portal dies before it can answer.
      expect(await deliverBehindThePage(route)).toBe(200);
      await stack.restartPortal();
      await route.abort('connectionreset');
    });
    await comeBack(context, page);
    expect(uploads).toBeGreaterThanOrEqual(2);
    for (const ticket of tickets) {
      expect(await checkins(ticket)).toEqual([
        expect.objectContaining({ ticket_id: ticket, location: 'Gerbang Timur' }),
      ]);
    }
    await context.close();
  });
});

reportSkippedWithoutChromium();
