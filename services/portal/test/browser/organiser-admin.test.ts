// Issue 17, items 13 and 15 in Chromium at 360 and 1280 px, both languages: the admin ticket list (100 a page,
// searched, a holder's name corrected), every ticket printed in one job by name or import order, one ticket
// reprinted, and an admin resetting a member's password.
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
import { seedEvent } from './support/station-steps.js';

const EVENT = { id: 'wisuda-besar', title: 'Wisuda Besar' };
// Issued in this order: codes run backwards against it, names in no order.
const NAMES = ['Wulan', 'Agus', 'Made Wirawan', 'Citra', 'Bayu'];
const TICKETS = Array.from({ length: 230 }, (_, i) => ({
  ticket_id: `WB-${String(999 - i).padStart(3, '0')}`,
  holder_name: `${NAMES[i % NAMES.length]} ${i}`,
}));

describe.runIf(hasChromium)('the organiser’s admin pages (Chromium)', () => {
  const stack = useUiStack();

  beforeAll(async () => {
    const admin = await login(stack.identity.url, 'admin1');
    await seedEvent(stack.portal.url, admin, EVENT, TICKETS);
  });

  for (const [size, viewport] of [
    ['360 px', { width: 360, height: 800 }],
    ['1280 px', { width: 1280, height: 900 }],
  ] as const) {
    it(`pages the tickets 100 at a time, finds one by name and corrects its holder (${size})`, async () => {
      const { page, context, problems } = await openPage(stack, { viewport, isMobile: viewport.width < 400 });
      await signIn(page, stack.portal.url, 'admin1');
      await page.goto(`${stack.portal.url}/admin/events/${EVENT.id}/tickets`);
      const table = page.getByTestId('ticket-table');
      await table.getByRole('row').nth(100).waitFor();
      expect(await table.getByRole('row').count()).toBe(101);
      expect(await page.getByTestId('ticket-page').textContent()).toBe('Halaman 1');
      await page.getByRole('button', { name: '100 berikutnya' }).click();
      await page.getByTestId('ticket-page').getByText('Halaman 2').waitFor();
      await page.getByRole('button', { name: '100 berikutnya' }).click();
      await page.getByTestId('ticket-page').getByText('Halaman 3').waitFor();
      expect(await table.getByRole('row').count()).toBe(31);
      expect(await page.getByRole('button', { name: '100 berikutnya' }).isDisabled()).toBe(true);
      await page.getByRole('button', { name: '100 sebelumnya' }).click();
      await page.getByTestId('ticket-page').getByText('Halaman 2').waitFor();

      const who = viewport.width < 400 ? 'Made Wirawan 102' : 'Made Wirawan 107';
      await page.getByLabel('Cari kode, nama, atau e-mail').fill(who);
      await expect.poll(() => table.getByRole('row').count()).toBe(2);
      const code = (await table.getByRole('rowheader').first().textContent()) as string;
      await page.getByRole('button', { name: `Ubah nama pemegang ${code}` }).click();
      const field = page.getByLabel(`Nama pemegang ${code}`);
      await field.fill(`${who} Putra`);
      await page.getByRole('button', { name: 'Simpan' }).click();
      await table.getByText(`${who} Putra`).waitFor();
      expect(await overflowsHorizontally(page)).toBe(false);
      await expectAccessible(page);
      // Stored: a new search finds the new name.
      await page.getByLabel('Cari kode, nama, atau e-mail').fill(`${who} Putra`);
      await expect.poll(() => table.getByRole('row').count()).toBe(2);

      await toEnglish(page);
      await page.getByLabel('Search by code, name or e-mail').waitFor();
      await page.getByRole('link', { name: `Print ticket ${code} again` }).click();
      await page.waitForURL(`**/print?ticket=${code}`);
      const sheet = page.getByTestId('qr-sheet');
      await page.getByTestId('sheet-count').getByText('1 ticket, one print job').waitFor();
      expect(await sheet.locator('li').count()).toBe(1);
      expect(await sheet.locator('.sheet-name').textContent()).toBe(`${who} Putra`);
      expect(await sheet.locator('.sheet-code').textContent()).toBe(code);
      expect(problems).toEqual([]);
      await context.close();
    });
  }

  it('prints every ticket in one job, by holder name or in import order', async () => {
    const { page, context, problems } = await openPage(stack, { viewport: { width: 1280, height: 900 } });
    await signIn(page, stack.portal.url, 'admin1');
    await page.goto(`${stack.portal.url}/admin/events/${EVENT.id}/tickets`);
    await page.getByRole('link', { name: 'Lembar QR siap cetak (A4)' }).click();
    await page.getByTestId('sheet-count').getByText('230 tiket, satu kali cetak').waitFor({ timeout: 30_000 });
    const sheet = page.getByTestId('qr-sheet');
    expect(await sheet.locator('li').count()).toBe(230);
    expect(await sheet.locator('li svg').count()).toBe(230);
    expect(await page.getByLabel('Urutan').inputValue()).toBe('name');
    const names = await sheet.locator('.sheet-name').allTextContents();
    expect(names[0]).toMatch(/^Agus /);
    expect(names.at(-1)).toMatch(/^Wulan /);
    expect(names).toEqual([...names].sort(new Intl.Collator('id-ID', { sensitivity: 'base' }).compare));
    // No ranges: one page of 230, one print.
    expect(await page.locator('.sheet-ranges').count()).toBe(0);

    await page.getByLabel('Urutan').selectOption('import');
    await expect.poll(() => sheet.locator('.sheet-code').first().textContent()).toBe('WB-999');
    await page.getByTestId('sheet-count').getByText('230 tiket, satu kali cetak').waitFor({ timeout: 30_000 });
    const codes = await sheet.locator('.sheet-code').allTextContents();
    expect(codes).toEqual(TICKETS.map((ticket) => ticket.ticket_id));
    expect(problems).toEqual([]);
    await context.close();
  });

  it('lets an admin reset a member’s password: the member signs in with the new one only', async () => {
    const admin = await login(stack.identity.url, 'admin1');
    const created = await call(stack.portal.url, 'POST', '/api/auth/register', {
      token: admin,
      json: { username: 'lupa-sandi', password: 'lama-1234' },
      dispatcher: portalClient,
    });
    expect(created.status).toBe(200);
    const { page, context, problems } = await openPage(stack, {
      viewport: { width: 360, height: 800 },
      isMobile: true,
    });
    await signIn(page, stack.portal.url, 'admin1');
    await page.goto(`${stack.portal.url}/admin/users`);
    await page.getByRole('button', { name: 'Atur ulang kata sandi lupa-sandi' }).click();
    const dialog = page.getByRole('dialog', { name: 'Kata sandi baru untuk lupa-sandi' });
    await dialog.waitFor();
    const confirm = dialog.getByRole('button', { name: 'Setel kata sandi' });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel('Kata sandi baru (minimal 4 karakter)').fill('baru-2026');
    await expectAccessible(page);
    await confirm.click();
    await page.getByText('Kata sandi lupa-sandi sudah diganti; ia dikeluarkan dari semua perangkat.').waitFor();
    const old = await call(stack.identity.url, 'POST', '/auth/login', {
      json: { username: 'lupa-sandi', password: 'lama-1234' },
    });
    expect(old.status).toBe(401);
    const fresh = await call(stack.identity.url, 'POST', '/auth/login', {
      json: { username: 'lupa-sandi', password: 'baru-2026' },
    });
    expect(fresh.status).toBe(200);
    expect(problems).toEqual([]);
    await context.close();
  });
});

reportSkippedWithoutChromium();
