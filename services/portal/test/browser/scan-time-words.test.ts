// An offline scan's time against the event's own times, in Chromium: a scan 13 h after the start of an event without
// an end is accepted on sync (the regression of commit 5c939ab), and one outside an event with an end is kept in the
// recent list with plain words in Indonesian and English — never "Not a valid code" with the server's English detail.
import type { BrowserContext, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { login } from '../support/stack.js';
import {
  hasChromium,
  openPage,
  reportSkippedWithoutChromium,
  signIn,
  toEnglish,
  useUiStack,
} from './support/browser.js';
import { scan, seedEvent, storedCheckins } from './support/station-steps.js';

const hoursFromNow = (hours: number) => new Date(Date.now() + hours * 3600_000).toISOString();

describe.runIf(hasChromium)("an offline scan's time and the event's times at the station (Chromium)", () => {
  const stack = useUiStack();
  let admin: string;
  // Started 13 hours ago, no end: a gate scanning all day.
  const allDay = { id: 'st-all-day', title: 'Pasar Malam Sepanjang Hari', start_time: hoursFromNow(-13) };
  // Ended 30 hours ago: a scan now is far outside its times.
  const ended = { id: 'st-ended', title: 'Konser Kemarin', start_time: hoursFromNow(-40), end_time: hoursFromNow(-30) };

  beforeAll(async () => {
    admin = await login(stack.identity.url, 'admin1');
    await seedEvent(stack.portal.url, admin, allDay, [{ ticket_id: 'AD-1', holder_name: 'Tamu Siang' }]);
    await seedEvent(stack.portal.url, admin, ended, [
      { ticket_id: 'EN-1', holder_name: 'Tamu Satu' },
      { ticket_id: 'EN-2', holder_name: 'Tamu Dua' },
    ]);
  });

  /** Opens the station for `title`, waits for its tickets on the device, goes offline, scans `code` (saved). */
  async function scanOffline(page: Page, context: BrowserContext, eventId: string, code: string, english = false) {
    // As openStation, by the event's id: an event with a start is listed with its day and time.
    await signIn(page, stack.portal.url, 'panitia1');
    await page.goto(`${stack.portal.url}/station`);
    await page.getByLabel('Acara').selectOption(eventId);
    await page.getByLabel('Gerbang').fill('Gerbang Waktu');
    await page.getByRole('button', { name: 'Mulai check-in' }).click();
    await page.getByLabel('Kode tiket').waitFor();
    await page.getByText(/tiket tersimpan di perangkat ini/).waitFor();
    if (english) await toEnglish(page);
    await context.setOffline(true);
    await page.getByTestId('offline-banner').waitFor();
    const saved = await scan(page, code);
    expect(saved.tone).toBe('saved');
    await context.setOffline(false);
  }

  const firstRecent = (page: Page) => page.locator('.recent li').first();

  it('accepts on sync an offline scan 13 hours after the start of an event without an end', async () => {
    const { page, context, problems } = await openPage(stack);
    await scanOffline(page, context, allDay.id, 'AD-1');
    await page.getByText('Semua pindaian sudah terkirim').waitFor({ timeout: 20_000 });
    await expect
      .poll(() => firstRecent(page).innerText(), { timeout: 15_000 })
      .toMatch(/^Terkirim: check-in tercatat — AD-1/);
    const stored = await storedCheckins(stack.portal.url, admin, allDay.id);
    expect(stored).toEqual([expect.objectContaining({ ticket_id: 'AD-1', location: 'Gerbang Waktu' })]);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('keeps a scan outside the times of an event with an end in the list, saying so in plain Indonesian', async () => {
    const { page, context, problems } = await openPage(stack);
    await scanOffline(page, context, ended.id, 'EN-1');
    await page.getByText('Semua pindaian sudah terkirim').waitFor({ timeout: 20_000 });
    const line = firstRecent(page);
    await expect
      .poll(() => line.innerText(), { timeout: 15_000 })
      .toMatch(
        /^Waktu pindai di luar jadwal acara — EN-1, dipindai \d{2}[.:]\d{2}, tidak tercatat: waktu itu di luar jadwal acara \(atau jam perangkat salah\)\. Panggil supervisor\. · \d{2}[.:]\d{2}$/,
      );
    expect(await line.getAttribute('class')).toContain('recent-error');
    expect(await page.locator('.recent').innerText()).not.toMatch(/Kode tidak sah|must not|scanned_at/);
    expect(await storedCheckins(stack.portal.url, admin, ended.id)).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('says the same in plain English on an English page', async () => {
    const { page, context, problems } = await openPage(stack);
    await scanOffline(page, context, ended.id, 'EN-2', true);
    await page.getByText('Every scan has been sent').waitFor({ timeout: 20_000 });
    const line = firstRecent(page);
    await expect
      .poll(() => line.innerText(), { timeout: 15_000 })
      .toMatch(
        /^Scan time outside the event's times — EN-2, scanned \d{2}:\d{2}, was not recorded: that time is outside the event's times \(or the device's clock is wrong\)\. Call a supervisor\. · \d{2}:\d{2}$/,
      );
    expect(await page.locator('.recent').innerText()).not.toMatch(/Not a valid code|must not|scanned_at/);
    expect(await storedCheckins(stack.portal.url, admin, ended.id)).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });
});

reportSkippedWithoutChromium();
