// The admin pages in Chromium: create an event, generate tickets, a CSV import whose bad line is named (in the page's
// language), the ticket list with each state, the printable QR sheet, users with the last-admin rule shown, a delete
// confirmed by typing.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
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

function csvFile(name: string, text: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'tixgo-csv-')), name);
  writeFileSync(file, text);
  return file;
}

describe.runIf(hasChromium)('the admin pages (Chromium)', () => {
  const stack = useUiStack();

  it('creates an event, generates tickets, names the bad line of a CSV import, imports a good one (then clears the file), and lists each ticket’s state', async () => {
    const { page, context, problems } = await openPage(stack);
    await signIn(page, stack.portal.url, 'admin1');
    await page.getByRole('link', { name: 'Acara', exact: true }).click();
    await page.getByRole('link', { name: 'Acara baru' }).click();
    await page.getByLabel(/^ID acara/).fill('wisuda-2026');
    await page.getByLabel('Judul').fill('Wisuda Desember 2026');
    await page.getByLabel('Lokasi').fill('Sabuga');
    await page.getByLabel('Mulai').fill('2026-12-12T08:00');
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Buat acara' }).click();
    await page.waitForURL('**/admin/events/wisuda-2026/tickets');
    await page.getByRole('heading', { name: 'Tiket Wisuda Desember 2026' }).waitFor();

    await page.getByLabel('Jumlah tiket baru').fill('5');
    await page.getByRole('button', { name: 'Buat', exact: true }).click();
    await page.getByText('5 tiket dibuat.').waitFor();
    await page.getByRole('heading', { name: 'Tiket yang diterbitkan (5)' }).waitFor();

    const bad = csvFile(
      'bad.csv',
      'ticket_id,holder_name,holder_email\nW-1,Ani,ani@example.com\nW-2,Bad\u0007Name,b@example.com\n',
    );
    await page.getByLabel('Berkas CSV', { exact: true }).setInputFiles(bad);
    await page.getByRole('button', { name: 'Impor' }).click();
    const errors = page.getByTestId('import-errors');
    await errors.waitFor();
    // The server's problem (its type), worded in the page's language with the line and the column.
    expect(await errors.getByRole('listitem').allInnerTexts()).toEqual([
      'Baris 3, kolom holder_name: tidak boleh berisi karakter kontrol (tab, baris baru, atau karakter tak terlihat)',
    ]);
    expect(await page.getByRole('heading', { name: 'Tiket yang diterbitkan (5)' }).isVisible()).toBe(true);
    await page.getByRole('button', { name: 'English' }).click();
    expect(await errors.getByRole('listitem').allInnerTexts()).toEqual([
      'Line 3, column holder_name: must not contain control characters (tabs, line breaks or invisible characters)',
    ]);
    await page.getByRole('button', { name: 'Bahasa Indonesia' }).click();

    const tooMany = csvFile('too-many.csv', 'ticket_id,holder_name\nW-1,Ani\nW-2,Budi,extra\n');
    await page.getByLabel('Berkas CSV', { exact: true }).setInputFiles(tooMany);
    await page.getByRole('button', { name: 'Impor' }).click();
    await errors.getByText('Baris 3: 3 kolom, padahal baris judul punya 2').waitFor();

    // As Excel writes CSV on an Indonesian-locale machine: separated by semicolons.
    const good = csvFile(
      'good.csv',
      'ticket_id;holder_name;holder_email\r\nW-1;Ani;ani@example.com\r\nW-2;Budi;b@example.com\r\n',
    );
    const fileInput = page.getByLabel('Berkas CSV', { exact: true });
    await fileInput.setInputFiles(good);
    await page.getByRole('button', { name: 'Impor' }).click();
    await page.getByText('2 tiket diimpor.').waitFor();
    await page.getByRole('heading', { name: 'Tiket yang diterbitkan (7)' }).waitFor();
    // The file is no longer chosen: a second click cannot send it again (and be refused as duplicates).
    expect(await fileInput.evaluate((input: HTMLInputElement) => input.files?.length ?? 0)).toBe(0);
    expect(await page.getByRole('button', { name: 'Impor' }).isDisabled()).toBe(true);

    const gate = await login(stack.identity.url, 'panitia1');
    const checkin = await call(stack.portal.url, 'POST', '/api/checkins', {
      token: gate,
      json: { event_id: 'wisuda-2026', ticket_id: 'W-1', location: 'Pintu 1' },
      dispatcher: portalClient,
    });
    expect(checkin.status).toBe(201);
    await page.reload();
    const row = page.getByTestId('ticket-table').getByRole('row').filter({ hasText: 'W-1' });
    await row.waitFor();
    expect(await row.innerText()).toMatch(/Ani.*check-in \d{2}[.:]\d{2} \(Pintu 1\)/s);
    const other = page.getByTestId('ticket-table').getByRole('row').filter({ hasText: 'W-2' });
    expect(await other.innerText()).toContain('belum');
    await expectAccessible(page);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('prints an A4 sheet of QR codes with the event’s title, each holder’s name and code', async () => {
    const { page, context } = await openPage(stack);
    await signIn(page, stack.portal.url, 'admin1');
    await page.goto(`${stack.portal.url}/admin/events/wisuda-2026/tickets`);
    await page.getByRole('link', { name: 'Lembar QR siap cetak (A4)' }).click();
    const sheet = page.getByTestId('qr-sheet');
    await page.getByRole('button', { name: 'Cetak' }).and(page.locator(':enabled')).waitFor();
    expect(await sheet.locator('li').count()).toBe(7);
    expect(await sheet.locator('li svg').count()).toBe(7);
    const ani = sheet.locator('li').filter({ hasText: 'W-1' });
    expect((await ani.innerText()).replace(/\s+/g, ' ')).toBe('Wisuda Desember 2026 Ani W-1');
    // Every cell is cut out and handed on alone: each names its event.
    expect(await sheet.locator('li').filter({ hasText: 'Wisuda Desember 2026' }).count()).toBe(7);
    expect(await sheet.getByRole('img', { name: 'W-2' }).count()).toBe(1);
    await expectAccessible(page);
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    await context.close();
  });

  it('shows the last-admin rule, changes a role, and deletes an account after a confirmation', async () => {
    const { page, context } = await openPage(stack);
    await signIn(page, stack.portal.url, 'admin1');
    await page.getByRole('link', { name: 'Pengguna' }).click();
    await page
      .getByText(/Admin terakhir tidak dapat diturunkan atau dihapus/)
      .first()
      .waitFor();
    expect(await page.getByLabel('Peran admin1').isDisabled()).toBe(true);
    await expectAccessible(page);

    // An admin account, then the next one: the form is back on committee, not still on admin.
    const createForm = page.getByRole('region', { name: 'Buat akun' });
    await createForm.getByLabel('Nama pengguna', { exact: true }).fill('ketua-dua');
    await createForm.getByLabel('Kata sandi', { exact: true }).fill('pass1234');
    await createForm.getByRole('combobox').selectOption('admin');
    await createForm.getByRole('button', { name: 'Buat', exact: true }).click();
    await page.getByText('Akun ketua-dua dibuat.').waitFor();
    expect(await page.getByLabel('Peran ketua-dua').inputValue()).toBe('admin');
    expect(await createForm.getByRole('combobox').inputValue()).toBe('committee');
    expect(await createForm.getByLabel('Nama pengguna', { exact: true }).inputValue()).toBe('');

    await createForm.getByLabel('Nama pengguna', { exact: true }).fill('gate-lead');
    await createForm.getByLabel('Kata sandi', { exact: true }).fill('pass1234');
    await createForm.getByRole('button', { name: 'Buat', exact: true }).click();
    await page.getByText('Akun gate-lead dibuat.').waitFor();
    expect(await page.getByLabel('Peran gate-lead').inputValue()).toBe('committee');
    await page.getByLabel('Peran gate-lead').selectOption('admin');
    await page.getByText('Peran gate-lead diubah menjadi admin.').waitFor();
    // Two admins now: neither is the last one.
    await page.getByLabel('Peran admin1').and(page.locator(':enabled')).waitFor();

    await page.getByRole('button', { name: 'Hapus: gate-lead' }).click();
    const dialog = page.getByRole('dialog', { name: 'Hapus akun gate-lead?' });
    await dialog.waitFor();
    await expectAccessible(page);
    await dialog.getByRole('button', { name: 'Hapus akun' }).click();
    await page.getByText('Akun gate-lead dihapus.').waitFor();
    await page.getByRole('row').filter({ hasText: 'gate-lead' }).waitFor({ state: 'detached' });
    const names = await page.locator('tbody th[scope="row"]').allInnerTexts();
    expect(names.map((name) => name.split(' ')[0])).toEqual(['admin1', 'ketua-dua', 'panitia1']);
    await context.close();
  });

  it('asks to type the title before deleting an event that has check-ins, then deletes it with them', async () => {
    const { page, context } = await openPage(stack);
    await signIn(page, stack.portal.url, 'admin1');
    await page.goto(`${stack.portal.url}/admin/events`);
    await page.getByRole('button', { name: 'Hapus: Wisuda Desember 2026' }).click();
    const dialog = page.getByRole('dialog', { name: 'Hapus “Wisuda Desember 2026”?' });
    await dialog.waitFor();
    expect(await dialog.innerText()).toContain('Acara ini memiliki 1 check-in');
    const confirm = dialog.getByRole('button', { name: 'Hapus permanen' });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel('Ketik judul acara untuk memastikan').fill('Wisuda Desember 2026');
    expect(await confirm.isEnabled()).toBe(true);
    await confirm.click();
    await page.getByText('Acara “Wisuda Desember 2026” dihapus.').waitFor();
    const admin = await login(stack.identity.url, 'admin1');
    const gone = await call(stack.portal.url, 'GET', '/api/events/wisuda-2026', {
      token: admin,
      dispatcher: portalClient,
    });
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual({ detail: 'Event not found' });
    await context.close();
  });
});

reportSkippedWithoutChromium();
