// Issue 17, items 10 and 17 in Chromium, at 360 and 1280 px and in both languages: the server's problems in
// the page's words (a form, CSV lines, a Windows-1252 file), "service down" is not "network down" and is said
// once, English plurals, the wording list, the UI's own not-found page, a one-row header on a phone, the
// event form's technical id last.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { login } from '../support/stack.js';
import {
  expectAccessible,
  hasChromium,
  openPage,
  overflowsHorizontally,
  reportSkippedWithoutChromium,
  signIn,
  toEnglish,
  useUiStack,
} from './support/browser.js';
import { seedEvent } from './support/station-steps.js';

const PHONE = { width: 360, height: 740 };
const LAPTOP = { width: 1280, height: 800 };
const SIZES = [
  ['360 px', PHONE],
  ['1280 px', LAPTOP],
] as const;

function csvFile(name: string, content: string | Buffer): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'tixgo-csv-')), name);
  writeFileSync(file, content);
  return file;
}

/** Switches the UI to English (on a phone the switch is behind the menu). */

describe.runIf(hasChromium)('the organiser’s words (Chromium)', () => {
  const stack = useUiStack();
  let admin: string;

  beforeAll(async () => {
    admin = await login(stack.identity.url, 'admin1');
    await seedEvent(stack.portal.url, admin, { id: 'words-fest', title: 'Words Fest' }, [{ ticket_id: 'WF-1' }]);
  });

  for (const [size, viewport] of SIZES) {
    it(`words a form's problems in the page's language, with the field's label (${size})`, async () => {
      const { page, context, problems } = await openPage(stack, { viewport });
      await signIn(page, stack.portal.url, 'admin1');
      await page.goto(`${stack.portal.url}/admin/events/new`);
      // The title first; the technical id is the last field.
      await page.getByLabel('Judul').waitFor();
      const labels = await page.locator('form label > span').allInnerTexts();
      expect(labels[0]).toBe('Judul');
      expect(labels.at(-1)).toMatch(/^ID acara/);
      await page.getByLabel('Judul').fill('   ');
      await page.getByRole('button', { name: 'Buat acara' }).click();
      await page.getByText('Periksa isian: Judul: tidak boleh kosong').waitFor();
      await toEnglish(page);
      await page.getByText('Check the form: Title: must not be empty').waitFor();
      expect(await page.getByText(/must not be blank/).count()).toBe(0);
      expect(await overflowsHorizontally(page)).toBe(false);
      expect(problems).toEqual([]);
      await context.close();
    });
  }

  it('words CSV line problems (line 1501, not 1.501), reads a Windows-1252 file, and counts in English plurals', async () => {
    const { page, context, problems } = await openPage(stack, { viewport: PHONE });
    await signIn(page, stack.portal.url, 'admin1');
    await page.goto(`${stack.portal.url}/admin/events/words-fest/tickets`);
    // The generate field is filled in with 50.
    expect(await page.getByLabel('Jumlah tiket baru').inputValue()).toBe('50');
    const lines = Array.from({ length: 1499 }, (_, i) => `L-${i},Peserta ${i},`).join('\n');
    await page
      .getByLabel('Berkas CSV', { exact: true })
      .setInputFiles(csvFile('long.csv', `ticket_id,holder_name,holder_email\n${lines}\nL-x,short\n`));
    await page.getByRole('button', { name: 'Impor' }).click();
    const errors = page.getByTestId('import-errors');
    await errors.waitFor();
    expect(await errors.getByRole('listitem').allInnerTexts()).toEqual([
      'Baris 1501: 2 kolom, padahal baris judul punya 3',
    ]);
    await toEnglish(page);
    expect(await errors.getByRole('listitem').allInnerTexts()).toEqual(['Line 1501: 2 fields, but the header has 3']);

    // Excel's "CSV" on a Western Windows: é is one byte (0xE9), no UTF-8.
    const cp1252 = Buffer.concat([
      Buffer.from('ticket_id;holder_name\r\nWF-2;Andr'),
      Buffer.from([0xe9]),
      Buffer.from(' Sihombing\r\n'),
    ]);
    await page.getByLabel('CSV file', { exact: true }).setInputFiles(csvFile('excel.csv', cp1252));
    await page.getByRole('button', { name: 'Import' }).click();
    await page.getByText('1 ticket imported.', { exact: true }).waitFor();
    await page.getByTestId('ticket-table').getByText('André Sihombing').waitFor();
    expect(await page.getByText('Andr\uFFFD').count()).toBe(0);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('says once that the check-in service is down — not the network — on the event page', async () => {
    const { page, context, problems } = await openPage(stack, { viewport: LAPTOP });
    await signIn(page, stack.portal.url, 'admin1');
    await page.goto(`${stack.portal.url}/events/words-fest`);
    await page.getByRole('heading', { name: 'Words Fest' }).waitFor();
    await stack.attendance.stop();
    try {
      await page.reload();
      const down = page.getByText(
        'Jaringan tersambung, tetapi layanan check-in di belakang portal sedang tidak berjalan. Coba lagi sebentar lagi, atau beri tahu operator.',
      );
      await down.first().waitFor();
      // The event, its numbers and its list all failed the same way: one banner says so.
      await expect.poll(() => down.count()).toBe(1);
      expect(await page.getByText(/Periksa jaringan/).count()).toBe(0);
      expect(await page.getByRole('alert').count()).toBe(1);
    } finally {
      await stack.attendance.restart();
    }
    // "Try again" brings every part back once the service is up.
    await page.getByRole('button', { name: 'Coba lagi' }).click();
    await page.getByRole('heading', { name: 'Words Fest' }).waitFor();
    await expect.poll(() => page.getByRole('alert').count()).toBe(0);
    expect(problems).toEqual([]);
    await context.close();
  });

  for (const [size, viewport] of SIZES) {
    it(`answers an unknown page with its own not-found page in both languages, /login signs in (${size})`, async () => {
      const { page, context, problems } = await openPage(stack, { viewport });
      const answer = await page.goto(`${stack.portal.url}/no-such-page`);
      expect(answer?.status()).toBe(404);
      await page.getByRole('heading', { name: 'Halaman tidak ditemukan' }).waitFor();
      await page.getByRole('link', { name: 'Ke halaman masuk' }).waitFor();
      expect(await page.getByText('"detail"').count()).toBe(0);
      await expectAccessible(page);
      await page.getByRole('button', { name: 'Switch the language to English' }).click();
      await page.getByRole('heading', { name: 'Page not found' }).waitFor();
      await page.goto(`${stack.portal.url}/login`);
      await page.waitForURL('**/sign-in');
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      expect(problems).toEqual([]);
      await context.close();
    });
  }

  it('keeps the header to one row on a phone (links behind Menu), with the new words; all in one row on a laptop', async () => {
    const { page, context, problems } = await openPage(stack, { viewport: PHONE, isMobile: true });
    await signIn(page, stack.portal.url, 'admin1');
    await page.getByRole('heading', { name: 'Dasbor' }).waitFor();
    await page.getByText('Live', { exact: true }).waitFor();
    const header = page.locator('header.site-header');
    const brand = await page.locator('.brand').boundingBox();
    const menu = page.getByRole('button', { name: 'Menu' });
    const button = await menu.boundingBox();
    // One row: the brand and the menu button side by side, a header no taller than one of them with its padding.
    expect(Math.abs((brand?.y ?? 0) - (button?.y ?? 100))).toBeLessThan(12);
    await expect.poll(async () => (await header.boundingBox())?.height ?? 999, { timeout: 15_000 }).toBeLessThan(60);
    expect(await page.getByRole('link', { name: 'Pos check-in', exact: true }).isVisible()).toBe(false);
    await menu.click();
    expect(await menu.getAttribute('aria-expanded')).toBe('true');
    await page.getByRole('link', { name: 'Pos check-in', exact: true }).click();
    await page.waitForURL('**/station');
    // The menu closes on the next page.
    expect(await page.getByRole('link', { name: 'Pos check-in', exact: true }).isVisible()).toBe(false);
    await expectAccessible(page);
    expect(await overflowsHorizontally(page)).toBe(false);

    const laptop = await openPage(stack, { viewport: LAPTOP });
    await signIn(laptop.page, stack.portal.url, 'admin1');
    await laptop.page.getByRole('link', { name: 'Pos check-in', exact: true }).waitFor();
    expect(await laptop.page.getByRole('button', { name: 'Menu' }).isVisible()).toBe(false);
    // Polled: while the app settles after signing in the header may be re-rendered (no box for a moment).
    await expect
      .poll(async () => (await laptop.page.locator('header.site-header').boundingBox())?.height ?? 999, {
        timeout: 15_000,
      })
      .toBeLessThan(70);
    expect(problems).toEqual([]);
    await laptop.context.close();
    await context.close();
  });
});

reportSkippedWithoutChromium();
