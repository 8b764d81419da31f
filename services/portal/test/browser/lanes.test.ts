// Issue 17, item 11 in Chromium: the live lanes on the event page and the dashboard, at 360 and 1280 px, in both
// languages — each gate's pace, who is still to come, the time to clear, "open another lane" before the start,
// and a new gate appearing without a reload. TIXGO_DOCS_SHOTS=1 writes the README's docs/lanes.png.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
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
  useUiStack,
} from './support/browser.js';
import { seedEvent } from './support/station-steps.js';

const DOCS = fileURLToPath(new URL('../../../../docs', import.meta.url));
const EVENT = { id: 'lanes-fest', title: 'Lanes Fest', location: 'GOR Saparua' };
const TICKETS = Array.from({ length: 200 }, (_, i) => ({
  ticket_id: `LN-${String(i).padStart(3, '0')}`,
  holder_name: `Tamu ${i}`,
}));

describe.runIf(hasChromium)('live lanes (Chromium)', () => {
  const stack = useUiStack();
  let gate: string;

  async function checkIn(ticketId: string, location: string): Promise<void> {
    const answer = await call(stack.portal.url, 'POST', '/api/checkins', {
      token: gate,
      json: { event_id: EVENT.id, ticket_id: ticketId, location },
      dispatcher: portalClient,
    });
    expect(answer.status).toBe(201);
  }

  beforeAll(async () => {
    const admin = await login(stack.identity.url, 'admin1');
    gate = await login(stack.identity.url, 'panitia1');
    // Starts in 10 minutes: 180 still to come at a few a minute is far past the start.
    const start = new Date(Date.now() + 10 * 60_000).toISOString();
    await seedEvent(stack.portal.url, admin, { ...EVENT, start_time: start } as typeof EVENT, TICKETS);
    for (const ticket of TICKETS.slice(0, 14)) await checkIn(ticket.ticket_id, 'Gerbang Utara');
    for (const ticket of TICKETS.slice(14, 20)) await checkIn(ticket.ticket_id, 'Gerbang Selatan');
  });

  const panelText = async (page: Page) => (await page.getByTestId('lane-panel').textContent())?.replace(/\s+/g, ' ');

  for (const [size, viewport] of [
    ['360 px', { width: 360, height: 800 }],
    ['1280 px', { width: 1280, height: 900 }],
  ] as const) {
    it(`shows each gate's pace, who is still to come and "open another lane" on the event page, live (${size})`, async () => {
      const { page, context, problems } = await openPage(stack, { viewport, isMobile: viewport.width < 400 });
      await signIn(page, stack.portal.url, 'panitia1');
      await page.goto(`${stack.portal.url}/events/${EVENT.id}`);
      const panel = page.getByTestId('lane-panel');
      await panel.getByRole('heading', { name: 'Jalur masuk sekarang (5 menit terakhir)' }).waitFor();
      expect(await page.getByTestId('lanes-remaining').textContent()).toMatch(/^1(80|79)$/);
      expect(await page.getByTestId('lanes-rate').textContent()).toMatch(/^[\d,]+\/menit$/);
      expect(await page.getByTestId('lanes-clear').textContent()).toMatch(/^sekitar \d+ menit$/);
      const lanes = page.getByTestId('lane-list').getByRole('listitem');
      // Busiest first.
      expect(await lanes.nth(0).textContent()).toMatch(/^Gerbang Utara[\d,]+\/menit↑ makin cepat$/);
      expect(await lanes.nth(1).textContent()).toMatch(/^Gerbang Selatan[\d,]+\/menit↑ makin cepat$/);
      expect(await page.getByTestId('lanes-hint').textContent()).toMatch(
        /^Buka \d+ jalur lagi: pada laju ini antrean baru selesai sekitar|^Buka \d+ jalur lagi: pada laju ini antrean baru selesai \d+ menit setelah acara mulai\.$/,
      );
      // A third gate opens: it is on the screen without a reload.
      const newGate = viewport.width < 400 ? 'Gerbang Timur' : 'Gerbang Barat';
      await checkIn(TICKETS[20 + (viewport.width > 400 ? 1 : 0)]?.ticket_id as string, newGate);
      await lanes.filter({ hasText: newGate }).waitFor({ timeout: 5000 });
      expect(await overflowsHorizontally(page)).toBe(false);
      await expectAccessible(page);
      if (process.env.TIXGO_DOCS_SHOTS === '1' && viewport.width < 400) {
        await panel.screenshot({ path: path.join(DOCS, 'lanes.png') });
      }

      const menu = page.getByRole('button', { name: 'Menu' });
      if (await menu.isVisible()) await menu.click();
      await page.getByRole('button', { name: 'Switch the language to English' }).click();
      await panel.getByRole('heading', { name: 'Lanes now (last 5 minutes)' }).waitFor();
      expect(await panelText(page)).toMatch(/Not yet arrived/);
      expect(await page.getByTestId('lanes-rate').textContent()).toMatch(/^[\d.]+\/min$/);
      expect(await page.getByTestId('lanes-clear').textContent()).toMatch(/^about \d+ minutes$/);
      expect(await lanes.filter({ hasText: 'Gerbang Utara' }).textContent()).toMatch(
        /^Gerbang Utara[\d.]+\/min↑ faster$/,
      );
      expect(await page.getByTestId('lanes-hint').textContent()).toMatch(
        /^Open (another lane|\d+ more lanes): at this pace the queue clears \d+ minutes? after the start\.$/,
      );
      expect(problems).toEqual([]);
      await context.close();
    });
  }

  it('shows the queue and the hint on the dashboard card of an event on now, in both languages', async () => {
    const { page, context, problems } = await openPage(stack, {
      viewport: { width: 360, height: 800 },
      isMobile: true,
    });
    await signIn(page, stack.portal.url, 'panitia1');
    const card = page.getByRole('listitem').filter({ hasText: EVENT.title });
    const summary = card.getByTestId('lane-summary');
    await summary.waitFor();
    expect(await summary.getByTestId('lanes-remaining').textContent()).toMatch(/^17\d$/);
    expect(await summary.textContent()).toMatch(/\d+ jalur memindai/);
    await summary.getByTestId('lanes-hint').waitFor();
    expect(await overflowsHorizontally(page)).toBe(false);
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('button', { name: 'Switch the language to English' }).click();
    expect(await summary.textContent()).toMatch(/\d+ lanes scanning/);
    expect(await summary.getByTestId('lanes-hint').textContent()).toMatch(/^Open (another lane|\d+ more lanes)/);
    expect(problems).toEqual([]);
    await context.close();
  });
});

reportSkippedWithoutChromium();
