// Issue 16 in Chromium: the station's name/code search shows a found ticket's admission (when, by whom, on which
// list, at which gate) and gives a supervisor or an admin "Undo check-in" (with a reason); a committee member
// sees the state but no undo. At 360 and 1280 px, in Indonesian and English.
import type { Page } from 'playwright-core';
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

const EVENT = { id: 'search-fest', title: 'Search Fest' };

describe.runIf(hasChromium)('undo from the station’s search (Chromium)', () => {
  const stack = useUiStack();
  let admin: string;

  const api = (method: 'GET' | 'POST' | 'PATCH', url: string, json?: object) =>
    call(stack.portal.url, method, url, { token: admin, json, dispatcher: portalClient });

  beforeAll(async () => {
    admin = await login(stack.identity.url, 'admin1');
    expect((await api('POST', '/api/events', EVENT)).status).toBe(201);
    const tickets = ['SF-360', 'SF-1280'].map((ticket_id) => ({ ticket_id, holder_name: `Tamu ${ticket_id}` }));
    expect((await api('POST', `/api/events/${EVENT.id}/tickets`, { tickets })).status).toBe(201);
    for (const username of ['panitia2', 'lead1']) {
      const registered = await call(stack.portal.url, 'POST', '/api/auth/register', {
        json: { username, password: 'secret' },
        dispatcher: portalClient,
      });
      expect(registered.status).toBe(200);
    }
    expect((await api('PATCH', '/api/auth/users/lead1', { role: 'supervisor' })).status).toBe(200);
    for (const ticket_id of ['SF-360', 'SF-1280']) {
      const scanned = await api('POST', '/api/checkins', { event_id: EVENT.id, ticket_id, location: 'Pintu Z' });
      expect(scanned.status).toBe(201);
    }
  });

  /** Signs in, sets the station up on the list main and opens its search for `ticketId`. */
  async function searchAtStation(page: Page, username: string, ticketId: string): Promise<void> {
    await signIn(page, stack.portal.url, username);
    await page.goto(`${stack.portal.url}/station`);
    await page.getByLabel('Acara').selectOption({ label: EVENT.title });
    await page.getByLabel('Gerbang').fill('Pintu Z');
    await page.getByRole('button', { name: 'Mulai check-in' }).click();
    await page.getByLabel('Kode tiket').waitFor();
    await page.getByRole('button', { name: 'Cari nama atau kode' }).click();
    await page.getByLabel('Nama pemegang atau sebagian kode (minimal 3 karakter)').fill(ticketId);
  }

  const result = (page: Page, ticketId: string) =>
    page.locator('.search-results li').filter({ has: page.locator('code', { hasText: ticketId }) });

  for (const [size, viewport, ticketId] of [
    ['360 px', { width: 360, height: 800 }, 'SF-360'],
    ['1280 px', { width: 1280, height: 900 }, 'SF-1280'],
  ] as const) {
    it(`shows a committee member the found check-in with no undo, in both languages (${size})`, async () => {
      const { page, context, problems } = await openPage(stack, { viewport });
      await searchAtStation(page, 'panitia2', ticketId);
      const found = result(page, ticketId);
      await found.getByTestId('search-state').waitFor({ timeout: 20_000 });
      expect(await found.textContent()).toMatch(/sudah check-in \d\d[.:]\d\d/);
      expect(await found.getByTestId('search-state').textContent()).toBe(' oleh admin1 · daftar Utama · Pintu Z');
      expect(await found.getByRole('button', { name: 'Batalkan check-in' }).count()).toBe(0);
      expect(await found.getByRole('button', { name: 'Check-in' }).count()).toBe(1);
      expect(await overflowsHorizontally(page)).toBe(false);
      await toEnglish(page);
      await found.getByText('by admin1 · list Main · Pintu Z').waitFor();
      expect(await found.getByRole('button', { name: 'Undo check-in' }).count()).toBe(0);
      expect(problems).toEqual([]);
      await context.close();
    });

    it(`lets a supervisor undo the found check-in with a reason (${size})`, async () => {
      const { page, context, problems } = await openPage(stack, { viewport });
      await searchAtStation(page, 'lead1', ticketId);
      const found = result(page, ticketId);
      await found.getByTestId('search-state').waitFor({ timeout: 20_000 });
      expect(await found.getByTestId('search-state').textContent()).toBe(' oleh admin1 · daftar Utama · Pintu Z');
      expect(await overflowsHorizontally(page)).toBe(false);
      await expectAccessible(page);
      // Indonesian at 360 px, English at 1280 px: the same undo in the words of the page.
      const english = viewport.width > 400;
      if (english) {
        await toEnglish(page);
        await found.getByText('by admin1 · list Main · Pintu Z').waitFor();
      }
      await found.getByRole('button', { name: english ? 'Undo check-in' : 'Batalkan check-in' }).click();
      const dialog = page.getByRole('dialog');
      await dialog
        .getByText(english ? `Undo the check-in of ${ticketId}?` : `Batalkan check-in ${ticketId}?`)
        .waitFor();
      await page.getByTestId('undo-reason').fill('salah orang');
      await dialog.getByRole('button', { name: english ? 'Undo' : 'Batalkan', exact: true }).click();
      // The search asks again: the ticket is no longer checked in, and there is nothing to undo.
      await found.getByTestId('search-state').waitFor({ state: 'detached', timeout: 20_000 });
      expect(await found.getByRole('button', { name: english ? 'Undo check-in' : 'Batalkan check-in' }).count()).toBe(
        0,
      );
      const history = await api('GET', `/api/events/${EVENT.id}/tickets/${ticketId}/history`);
      const lines = (history.body as { history: { action: string; reason: string | null; by: string }[] }).history;
      expect(lines.map((line) => line.action)).toEqual(['entry', 'annulled']);
      expect(lines.find((line) => line.action === 'annulled')).toMatchObject({ reason: 'salah orang', by: 'lead1' });
      expect(problems).toEqual([]);
      await context.close();
    });
  }
});

describe.skipIf(hasChromium)('undo from the station’s search (Chromium)', () => {
  it('is skipped: no Chromium on this machine', () => reportSkippedWithoutChromium());
});
