// Attention notes per ticket type in Chromium (issue 17 item 9): an admin sets one on the event's tickets page, and a
// ticket of that type stops the station with the note until the gate taps to confirm; a ticket with its own note too
// shows both.
import { beforeAll, describe, expect, it } from 'vitest';
import { call, login } from '../support/stack.js';
import {
  expectAccessible,
  hasChromium,
  openPage,
  portalClient,
  reportSkippedWithoutChromium,
  signIn,
  toEnglish,
  useUiStack,
} from './support/browser.js';
import { openStation, scan, seedEvent, storedCheckins } from './support/station-steps.js';

describe.runIf(hasChromium)('notes per ticket type (Chromium)', () => {
  const stack = useUiStack();
  let admin: string;
  const event = { id: 'type-note-fest', title: 'Type Note Fest' };

  beforeAll(async () => {
    admin = await login(stack.identity.url, 'admin1');
    await seedEvent(stack.portal.url, admin, event, [
      { ticket_id: 'TN-VIP-1', holder_name: 'Vina Putri', type: 'VIP' },
      { ticket_id: 'TN-VIP-2', holder_name: 'Vino Saputra', type: 'VIP', note: 'Periksa KTP' },
      { ticket_id: 'TN-REG-1', holder_name: 'Rudi Hartono', type: 'Reguler' },
    ]);
  });

  it("sets a type's note on the tickets page (id, then en)", async () => {
    const { page, context, problems } = await openPage(stack);
    await signIn(page, stack.portal.url, 'admin1');
    await page.goto(`${stack.portal.url}/admin/events/${event.id}/tickets`);
    const card = page.getByTestId('type-notes-card');
    await card.getByRole('heading', { name: 'Catatan per jenis tiket' }).waitFor();
    await card.getByTestId('type-notes').getByRole('listitem').first().waitFor();
    await expect
      .poll(() => card.getByTestId('type-notes').getByRole('listitem').allInnerTexts(), { timeout: 15_000 })
      .toEqual([
        expect.stringMatching(/^Reguler · 1 tiket · tanpa catatan/),
        expect.stringMatching(/^VIP · 2 tiket · tanpa catatan/),
      ]);
    await card.getByRole('button', { name: 'Ubah catatan VIP' }).click();
    expect(await card.getByLabel('Jenis tiket', { exact: true }).inputValue()).toBe('VIP');
    await card.getByLabel('Catatan gerbang untuk semua tiket jenis ini').fill('VIP: panggil supervisor');
    await card.getByRole('button', { name: 'Tetapkan catatan jenis' }).click();
    await card.getByText('Catatan untuk jenis VIP disimpan.').waitFor();
    await expect
      .poll(() => card.getByTestId('type-notes').getByRole('listitem').nth(1).innerText(), { timeout: 15_000 })
      .toMatch(/^VIP · 2 tiket · ⚠ VIP: panggil supervisor/);
    await expectAccessible(page);
    await toEnglish(page);
    await card.getByRole('heading', { name: 'Notes per ticket type' }).waitFor();
    expect(await card.getByTestId('type-notes').getByRole('listitem').nth(0).innerText()).toMatch(
      /^Reguler · 1 ticket · no note/,
    );
    expect(problems).toEqual([]);
    await context.close();
  });

  it('stops the station at a ticket of the noted type until the gate confirms, and shows a ticket note beside it', async () => {
    // Set here too (the same note the page sets above), so this test stands on its own.
    const set = await call(stack.portal.url, 'PUT', `/api/events/${event.id}/ticket-type-notes`, {
      token: admin,
      json: { type: 'VIP', note: 'VIP: panggil supervisor' },
      dispatcher: portalClient,
    });
    expect(set.status).toBe(200);
    const { page, context, problems } = await openPage(stack, {
      viewport: { width: 360, height: 740 },
      isMobile: true,
    });
    await openStation(page, stack.portal.url, { title: event.title, gate: 'Gerbang Jenis' });
    await page.getByTestId('ticket-copy').filter({ hasText: /^3 / }).waitFor();
    const panel = page.locator('[data-testid="scan-answer"][data-attention="true"]');

    const vip = await scan(page, 'TN-VIP-1');
    expect(vip.tone).toBe('ok');
    expect(await page.getByTestId('answer-note').textContent()).toContain('Perhatian: VIP: panggil supervisor');
    // Held: a scan meanwhile is not taken.
    await page.keyboard.type('TN-REG-1');
    await page.keyboard.press('Enter');
    await page.getByTestId('answer-held').filter({ hasText: '1 pindaian tertahan' }).waitFor();
    expect(await panel.count()).toBe(1);
    expect((await storedCheckins(stack.portal.url, admin, event.id)).map((checkin) => checkin.ticket_id)).toEqual([
      'TN-VIP-1',
    ]);
    await panel.getByRole('button', { name: 'Selesai: lanjutkan' }).click();
    expect(await panel.count()).toBe(0);

    // A ticket of the type with a note of its own: both, the type's first.
    expect((await scan(page, 'TN-VIP-2')).tone).toBe('ok');
    expect(await page.getByTestId('answer-note').textContent()).toContain('VIP: panggil supervisor · Periksa KTP');
    await panel.getByRole('button', { name: 'Selesai: lanjutkan' }).click();
    // A ticket of another type goes through as before.
    expect((await scan(page, 'TN-REG-1')).tone).toBe('ok');
    expect(await page.locator('[data-attention="true"]').count()).toBe(0);
    expect(problems).toEqual([]);
    await context.close();
  });
});

reportSkippedWithoutChromium();
