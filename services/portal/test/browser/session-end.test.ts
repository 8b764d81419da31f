// A session that ends by itself (its cookies gone: expired, revoked) in Chromium: the page says so in its language,
// the admin's click is carried out once they sign in again in place, and the station keeps scanning from the device
// and sends what it kept once the person signs in again (issue 17, item 7).
import { beforeAll, describe, expect, it } from 'vitest';
import { call, login } from '../support/stack.js';
import {
  expectAccessible,
  hasChromium,
  openPage,
  portalClient,
  reportSkippedWithoutChromium,
  signIn,
  useUiStack,
} from './support/browser.js';
import { openStation, scan, seedEvent, storedCheckins } from './support/station-steps.js';

const EVENT = { id: 'session-fest', title: 'Session Fest' };
const TICKETS = ['SE-001', 'SE-002', 'SE-003', 'SE-004'].map((ticket_id, index) => ({
  ticket_id,
  holder_name: `Tamu Sesi ${index + 1}`,
}));

describe.runIf(hasChromium)('a session that ends by itself (Chromium)', () => {
  const stack = useUiStack();
  let admin: string;

  beforeAll(async () => {
    admin = await login(stack.identity.url, 'admin1');
    await seedEvent(stack.portal.url, admin, EVENT, TICKETS);
  });

  it('says so in a dialog over the admin page and carries the interrupted click out after signing in again', async () => {
    const event = { id: 'session-admin', title: 'Session Admin' };
    await seedEvent(stack.portal.url, admin, event, [{ ticket_id: 'SA-001' }]);
    const { page, context, problems } = await openPage(stack, {
      viewport: { width: 360, height: 740 },
      isMobile: true,
    });
    await signIn(page, stack.portal.url, 'admin1');
    await page.goto(`${stack.portal.url}/admin/events/${event.id}/tickets`);
    await page.getByLabel('Jumlah tiket baru').fill('3');
    // The session ends while the page is open: its cookies are gone, the renewal is refused.
    await context.clearCookies();
    await page.getByRole('button', { name: 'Buat', exact: true }).click();

    const dialog = page.getByTestId('session-lost');
    await dialog.waitFor();
    expect(await dialog.getByRole('heading').textContent()).toBe('Sesi Anda telah berakhir');
    expect(await dialog.textContent()).toContain('Masuk lagi sebagai admin1 untuk melanjutkan');
    // The page stays where it was (no trip to the sign-in page that would lose what was typed).
    expect(new URL(page.url()).pathname).toBe(`/admin/events/${event.id}/tickets`);
    await expectAccessible(page);

    await dialog.getByLabel('Kata sandi').fill('wrong');
    await dialog.getByRole('button', { name: 'Masuk dan lanjutkan' }).click();
    await dialog.getByText('Nama pengguna atau kata sandi salah.').waitFor();
    await dialog.getByLabel('Kata sandi').fill('secret');
    await dialog.getByRole('button', { name: 'Masuk dan lanjutkan' }).click();
    // The click that met the end is carried out: the tickets are made, once.
    await page.getByText('3 tiket dibuat.').waitFor();
    expect(await page.getByTestId('session-lost').count()).toBe(0);
    const tickets = await call(stack.portal.url, 'GET', `/api/events/${event.id}/tickets`, {
      token: admin,
      dispatcher: portalClient,
    });
    expect((tickets.body as { tickets: unknown[] }).tickets).toHaveLength(4);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('keeps the station scanning from the device, says why in its language, and sends the kept scans after signing in again', async () => {
    const { page, context, problems } = await openPage(stack);
    await openStation(page, stack.portal.url, { title: EVENT.title, gate: 'Gerbang Sesi' });
    await page.getByText(/^4 tiket tersimpan di perangkat ini/).waitFor();
    expect((await scan(page, 'SE-001')).tone).toBe('ok');

    await context.clearCookies();
    const kept = await scan(page, 'SE-002');
    expect(kept.tone).toBe('saved');
    expect(kept.text).toContain('Tamu Sesi 2');
    // Still the station, no dialog over it (it would take the scanner's keys), a banner saying what happened.
    expect(new URL(page.url()).pathname).toBe('/station');
    expect(await page.getByTestId('session-lost').count()).toBe(0);
    const banner = page.getByTestId('station-signed-out');
    expect(await banner.textContent()).toContain('Sesi Anda telah berakhir');
    expect(await page.getByTestId('offline-banner').count()).toBe(0);
    expect((await scan(page, 'SE-003')).tone).toBe('saved');
    await page.getByTestId('waiting-count').filter({ hasText: '2 pindaian menunggu dikirim' }).waitFor();

    await page.getByRole('button', { name: 'Switch the language to English' }).click();
    expect(await banner.textContent()).toContain('Your session has ended');
    await banner.getByRole('button', { name: 'Sign in again' }).click();
    const dialog = page.getByTestId('session-lost');
    expect(await dialog.getByRole('heading').textContent()).toBe('Your session has ended');
    await dialog.getByLabel('Password').fill('secret');
    await dialog.getByRole('button', { name: 'Sign in and continue' }).click();

    // The kept scans go out by themselves, in the name of the person who made them.
    await page.getByText('Every scan has been sent').waitFor({ timeout: 20_000 });
    expect(await banner.count()).toBe(0);
    expect((await scan(page, 'SE-004')).tone).toBe('ok');
    const stored = await storedCheckins(stack.portal.url, admin, EVENT.id);
    expect(stored.map((checkin) => checkin.ticket_id).sort()).toEqual(['SE-001', 'SE-002', 'SE-003', 'SE-004']);
    for (const checkin of stored) expect(checkin).toMatchObject({ user_id: 'panitia1', location: 'Gerbang Sesi' });
    expect(problems).toEqual([]);
    await context.close();
  });
});

reportSkippedWithoutChromium();
