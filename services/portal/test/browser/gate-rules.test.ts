// Issue 16 in Chromium: the station on a check-in list (an area with re-entry), In and Out, who is inside, a
// supervisor's undo of the last check-in, a cancelled ticket refused offline from the device's copy, and two
// offline stations on one area whose double admission comes back as a conflict. TIXGO_DOCS_SHOTS=1 writes the
// README's docs/station-exit.png.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, login } from '../support/stack.js';
import {
  hasChromium,
  openPage,
  portalClient,
  reportSkippedWithoutChromium,
  signIn,
  toEnglish,
  useUiStack,
} from './support/browser.js';
import { scan } from './support/station-steps.js';

const DOCS = fileURLToPath(new URL('../../../../docs', import.meta.url));
const EVENT = { id: 'gate-fest', title: 'Gate Fest' };
const TICKETS = Array.from({ length: 10 }, (_, index) => ({
  ticket_id: `GR-${String(index + 1).padStart(3, '0')}`,
  holder_name: `Tamu ${index + 1}`,
  type: index < 8 ? 'VIP' : 'REG',
}));

describe.runIf(hasChromium)('gate rules at the station (Chromium)', () => {
  const stack = useUiStack();
  let admin: string;

  const api = (method: 'GET' | 'POST' | 'PATCH', url: string, json?: object) =>
    call(stack.portal.url, method, url, { token: admin, json, dispatcher: portalClient });

  beforeAll(async () => {
    admin = await login(stack.identity.url, 'admin1');
    expect((await api('POST', '/api/events', EVENT)).status).toBe(201);
    expect((await api('POST', `/api/events/${EVENT.id}/tickets`, { tickets: TICKETS })).status).toBe(201);
    const hall = await api('POST', `/api/events/${EVENT.id}/lists`, {
      id: 'hall',
      name: 'Hall',
      reentry: true,
      ticket_types: ['VIP'],
    });
    expect(hall.status).toBe(201);
    expect(
      (await api('POST', `/api/events/${EVENT.id}/tickets/GR-007/cancel`, { reason: 'dikembalikan' })).status,
    ).toBe(200);
    for (const username of ['panitia2', 'lead1']) {
      const registered = await call(stack.portal.url, 'POST', '/api/auth/register', {
        json: { username, password: 'secret' },
        dispatcher: portalClient,
      });
      expect(registered.status).toBe(200);
    }
    expect((await api('PATCH', '/api/auth/users/lead1', { role: 'supervisor' })).status).toBe(200);
  });

  /** Signs in and sets the station up for the Hall list at `gate`; resolves once the tickets are on the device. */
  async function openHall(page: Page, username: string, gate: string): Promise<void> {
    await signIn(page, stack.portal.url, username);
    await page.goto(`${stack.portal.url}/station`);
    await page.getByLabel('Acara').selectOption({ label: EVENT.title });
    await page.getByTestId('list-choice').selectOption({ label: 'Hall' });
    await page.getByLabel('Gerbang').fill(gate);
    await page.getByRole('button', { name: 'Mulai check-in' }).click();
    await page.getByLabel('Kode tiket').waitFor();
    await page.getByText(/^10 tiket tersimpan di perangkat ini/).waitFor({ timeout: 30_000 });
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
  }

  async function goOffline(context: BrowserContext, page: Page): Promise<void> {
    await context.setOffline(true);
    await page.getByTestId('offline-banner').waitFor();
  }

  async function comeBack(context: BrowserContext, page: Page): Promise<void> {
    await context.setOffline(false);
    await page.getByText('Semua pindaian sudah terkirim').waitFor({ timeout: 20_000 });
  }

  it('scans in and out of the list, shows who is inside, and lets a supervisor undo the last check-in', async () => {
    const { page, problems } = await openPage(stack, { viewport: { width: 360, height: 780 } });
    await openHall(page, 'lead1', 'Pintu A');
    expect(await page.getByTestId('station-list').textContent()).toContain('Hall');

    const entered = await scan(page, 'GR-001');
    expect(entered.tone).toBe('ok');
    await expect.poll(() => page.getByTestId('inside-count').textContent(), { timeout: 10_000 }).toContain('1');
    // The station's count is its list's admissions, not the gate's check-ins on the list main (none here).
    await expect
      .poll(() => page.getByTestId('gate-count').textContent(), { timeout: 10_000 })
      .toBe('1 check-in di daftar Hall');

    await page.getByTestId('direction-out').click();
    await page.getByTestId('exit-mode').waitFor();
    const left = await scan(page, 'GR-001');
    expect(left.tone).toBe('out');
    expect(left.text).toContain('Keluar tercatat');
    if (process.env.TIXGO_DOCS_SHOTS === '1') {
      await page.getByRole('button', { name: 'Pindai berikutnya' }).click();
      await page.screenshot({ path: path.join(DOCS, 'station-exit.png'), fullPage: true });
    }
    const notInside = await scan(page, 'GR-001');
    expect(notInside.tone).toBe('warn');
    expect(notInside.text).toContain('Tidak di dalam');
    const neverIn = await scan(page, 'GR-009');
    expect(neverIn.tone).toBe('warn');

    await page.getByRole('button', { name: 'Masuk', exact: true }).click();
    const reg = await scan(page, 'GR-009');
    expect(reg.tone).toBe('error');
    expect(reg.text).toContain('Tidak berlaku untuk area ini');
    const second = await scan(page, 'GR-002');
    expect(second.tone).toBe('ok');
    await page.getByTestId('undo').first().click();
    await page.getByTestId('undo-reason').fill('salah pindai');
    await page.getByRole('dialog').getByRole('button', { name: 'Batalkan', exact: true }).click();
    await page.getByText('Check-in GR-002 dibatalkan.').first().waitFor({ timeout: 30_000 });
    const history = await api('GET', `/api/events/${EVENT.id}/tickets/GR-002/history`);
    expect((history.body as { history: { action: string }[] }).history.map((line) => line.action)).toEqual([
      'entry',
      'annulled',
    ]);
    // GR-001 came in (and went out); GR-002's admission was undone: one admitted to the Hall.
    await toEnglish(page);
    await expect
      .poll(() => page.getByTestId('gate-count').textContent(), { timeout: 10_000 })
      .toBe('1 checked in on the list Hall');
    expect(problems).toEqual([]);
  });

  it('refuses a cancelled ticket offline, and two offline stations admitting one ticket make a conflict', async () => {
    const a = await openPage(stack);
    const b = await openPage(stack);
    await openHall(a.page, 'panitia1', 'Pintu A');
    await openHall(b.page, 'panitia2', 'Pintu B');
    await goOffline(a.context, a.page);
    await goOffline(b.context, b.page);

    const cancelled = await scan(a.page, 'GR-007');
    expect(cancelled.tone).toBe('error');
    expect(cancelled.text).toContain('Tiket dibatalkan');
    // The reason is a supervisor's; a committee member sees only that it is cancelled.
    expect(cancelled.text).not.toContain('dikembalikan');

    expect((await scan(a.page, 'GR-005')).tone).toBe('saved');
    expect((await scan(b.page, 'GR-005')).tone).toBe('saved');
    // Out and in again at A, offline: the list allows re-entry, decided on the device.
    await a.page.getByTestId('direction-out').click();
    const out = await scan(a.page, 'GR-005');
    expect(out.tone).toBe('saved');
    expect(out.text).toContain('Keluar — disimpan di perangkat ini');
    await a.page.getByRole('button', { name: 'Masuk', exact: true }).click();
    // After its exit, the same code again is a re-entry, not a double read.
    expect((await scan(a.page, 'GR-005')).tone).toBe('saved');

    await comeBack(a.context, a.page);
    await comeBack(b.context, b.page);
    // B's entry arrived while the ticket was inside: a conflict, listed on B and for the supervisor.
    await b.page
      .getByTestId('conflict-list')
      .getByText(/GR-005.*Sudah di dalam/)
      .waitFor({ timeout: 20_000 });
    const conflicts = await api('GET', `/api/events/${EVENT.id}/conflicts`);
    const listed = (conflicts.body as { conflicts: { ticket_id: string; kind: string; list_id?: string }[] }).conflicts;
    // (The other test's scans are of other tickets: on a loaded machine one may have gone the offline way too.)
    expect(listed.filter((conflict) => conflict.ticket_id === 'GR-005')).toEqual([
      expect.objectContaining({ ticket_id: 'GR-005', kind: 'already-inside', list_id: 'hall' }),
    ]);
    const lists = await api('GET', `/api/events/${EVENT.id}/lists`);
    const hall = (lists.body as { lists: { id: string; inside: number }[] }).lists.find((list) => list.id === 'hall');
    // GR-001 out, GR-002 annulled, GR-005 inside once: never counted twice.
    expect(hall?.inside).toBe(1);
    expect(a.problems).toEqual([]);
    expect(b.problems).toEqual([]);
  });

  it('knows offline who another station let into its list, after a sync, and refuses them a second time', async () => {
    const { page, context, problems } = await openPage(stack, { viewport: { width: 1280, height: 900 } });
    await openHall(page, 'panitia2', 'Pintu B');
    // Another station (online) lets GR-004 into the Hall.
    const elsewhere = await api('POST', '/api/checkins', {
      event_id: EVENT.id,
      ticket_id: 'GR-004',
      list_id: 'hall',
      location: 'Pintu C',
    });
    expect(elsewhere.status).toBe(201);
    // The station's next sync (a reload starts one) brings the Hall's passes to the device.
    const knownInside = () =>
      page.evaluate(
        (eventId) =>
          new Promise<boolean | null>((resolve) => {
            const opened = indexedDB.open('tixgo-station');
            opened.onsuccess = () => {
              const read = opened.result.transaction('passes').objectStore('passes').get([eventId, 'hall', 'GR-004']);
              read.onsuccess = () => resolve(read.result === undefined ? null : read.result.inside);
              read.onerror = () => resolve(null);
            };
          }),
        EVENT.id,
      );
    await page.reload();
    await page.getByLabel('Kode tiket').waitFor();
    await expect.poll(knownInside, { timeout: 20_000 }).toBe(true);
    await goOffline(context, page);
    const again = await scan(page, 'GR-004');
    expect(again.tone).toBe('warn');
    expect(again.text).toContain('Sudah di dalam');
    // Nobody was let in on the device's word: nothing waits to be sent.
    expect(await page.getByTestId('gate-count-saved').count()).toBe(0);
    expect(problems).toEqual([]);
    await context.close();
  });
});

describe.runIf(hasChromium)('an undo reaches the offline station (Chromium)', () => {
  const stack = useUiStack();
  let admin: string;

  it('forgets an annulled check-in at its next download, so the holder is let in offline', async () => {
    admin = await login(stack.identity.url, 'admin1');
    const api = (method: 'GET' | 'POST', url: string, json?: object) =>
      call(stack.portal.url, method, url, { token: admin, json, dispatcher: portalClient });
    expect((await api('POST', '/api/events', EVENT)).status).toBe(201);
    expect((await api('POST', `/api/events/${EVENT.id}/tickets`, { tickets: TICKETS })).status).toBe(201);
    const { page, context, problems } = await openPage(stack);
    await signIn(page, stack.portal.url, 'admin1');
    await page.goto(`${stack.portal.url}/station`);
    await page.getByLabel('Acara').selectOption({ label: EVENT.title });
    await page.getByLabel('Gerbang').fill('Pintu Utama');
    await page.getByRole('button', { name: 'Mulai check-in' }).click();
    await page.getByText(/^10 tiket tersimpan di perangkat ini/).waitFor({ timeout: 30_000 });
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    expect((await scan(page, 'GR-010')).tone).toBe('ok');
    // The station's copy learns of the check-in (downloaded once it is past the server's settle time).
    const known = () =>
      page.evaluate(
        (eventId) =>
          new Promise<boolean>((resolve) => {
            const opened = indexedDB.open('tixgo-station');
            opened.onsuccess = () => {
              const read = opened.result.transaction('checkins').objectStore('checkins').get([eventId, 'GR-010']);
              read.onsuccess = () => resolve(read.result !== undefined);
            };
          }),
        EVENT.id,
      );
    const history = await api('GET', `/api/events/${EVENT.id}/tickets/GR-010/history`);
    const entry = (history.body as { history: { action: string; checkin_id: string }[] }).history[0];
    // Make the check-in old enough to be in the device's download, as a while later at the gate.
    await stack.attendance.pool.query(
      "UPDATE checkins SET checked_in_at = checked_in_at - interval '1 minute' WHERE event_id = $1",
      [EVENT.id],
    );
    await page.reload();
    await expect.poll(known, { timeout: 20_000 }).toBe(true);

    const annulled = await api('POST', `/api/events/${EVENT.id}/checkins/${entry?.checkin_id}/annul`, {
      reason: 'salah orang',
    });
    expect(annulled.status).toBe(200);
    await page.reload();
    await expect.poll(known, { timeout: 20_000 }).toBe(false);
    await context.setOffline(true);
    await page.getByTestId('offline-banner').waitFor();
    const inAgain = await scan(page, 'GR-010');
    expect(inAgain.tone).toBe('saved');
    expect(problems).toEqual([]);
  });
});

describe.skipIf(hasChromium)('gate rules at the station (Chromium)', () => {
  it('is skipped: no Chromium on this machine', () => reportSkippedWithoutChromium());
});
