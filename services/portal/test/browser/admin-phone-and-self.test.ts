// The admin pages on a 360-px phone (every role and action within the screen) and an admin acting on their own account:
// demoting or deleting yourself is confirmed first, then lands somewhere that says what happened.
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
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

const PHONE = { width: 360, height: 740 };

/** The element's box lies inside the viewport's width (not cut off, not behind a sideways scroll). */
async function expectWithinWidth(element: Locator, width = PHONE.width): Promise<void> {
  await element.scrollIntoViewIfNeeded();
  expect(await element.isVisible()).toBe(true);
  const box = await element.boundingBox();
  expect(box).not.toBeNull();
  expect(box?.x ?? -1).toBeGreaterThanOrEqual(0);
  expect((box?.x ?? 0) + (box?.width ?? Number.POSITIVE_INFINITY)).toBeLessThanOrEqual(width);
}

/** No horizontal scrollbar on the page, and none inside any table's scroll region either. */
async function expectNoSidewaysScroll(page: Page): Promise<void> {
  expect(await overflowsHorizontally(page)).toBe(false);
  const hidden = await page
    .locator('.table-scroll')
    .evaluateAll((regions) => regions.filter((region) => region.scrollWidth > region.clientWidth + 1).length);
  expect(hidden).toBe(0);
}

/** The chosen option's text fits inside the select, beside its arrow (not a bare arrow of 47 px). */
async function selectShowsItsValue(select: Locator): Promise<{ text: string; fits: boolean }> {
  return select.evaluate((element: HTMLSelectElement) => {
    const text = element.options[element.selectedIndex]?.text ?? '';
    const style = getComputedStyle(element);
    const context = document.createElement('canvas').getContext('2d');
    if (!context) return { text, fits: false };
    context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const room =
      element.clientWidth - Number.parseFloat(style.paddingLeft) - Number.parseFloat(style.paddingRight) - 20;
    return { text, fits: context.measureText(text).width <= room };
  });
}

describe.runIf(hasChromium)('the admin pages on a phone, and an admin’s own account (Chromium)', () => {
  const stack = useUiStack();
  const longTitle = 'Festival Musik Nusantara 2026 — Hari Pertama di Lapangan Banteng Jakarta Pusat';

  async function asAdmin<T>(work: (token: string) => Promise<T>): Promise<T> {
    return work(await login(stack.identity.url, 'admin1'));
  }

  it('shows every event’s Edit, Tickets and Delete within a 360-px screen, without a sideways scroll', async () => {
    await asAdmin(async (token) => {
      for (const event of [
        { id: 'festival', title: longTitle, start_time: '2026-12-01T03:00:00Z' },
        { id: 'seminar', title: 'Seminar Teknologi', start_time: '2026-12-02T02:00:00Z' },
      ]) {
        const created = await call(stack.portal.url, 'POST', '/api/events', {
          token,
          json: event,
          dispatcher: portalClient,
        });
        expect(created.status).toBe(201);
      }
      const issued = await call(stack.portal.url, 'POST', '/api/events/seminar/tickets', {
        token,
        json: {
          tickets: [
            {
              ticket_id: 'SEM-PANJANG-0001',
              holder_name: 'Raden Ayu Kusumawardhani Prameswari',
              holder_email: 'raden.ayu.kusumawardhani.prameswari@universitas-nusantara.example',
            },
          ],
        },
        dispatcher: portalClient,
      });
      expect(issued.status).toBe(201);
    });
    const { page, context, problems } = await openPage(stack, { viewport: PHONE, hasTouch: true });
    await signIn(page, stack.portal.url, 'admin1');
    await page.goto(`${stack.portal.url}/admin/events`);
    await page.getByRole('link', { name: longTitle, exact: true }).waitFor();
    await expectNoSidewaysScroll(page);
    for (const title of [longTitle, 'Seminar Teknologi']) {
      await expectWithinWidth(page.getByRole('link', { name: `Ubah: ${title}` }));
      await expectWithinWidth(page.getByRole('link', { name: `Tiket: ${title}` }));
      await expectWithinWidth(page.getByRole('button', { name: `Hapus: ${title}` }));
    }
    // Each value still says what it is.
    const card = page.getByRole('row').filter({ hasText: 'Seminar Teknologi' });
    await card.getByRole('cell', { name: /2 Des 2026/ }).waitFor();
    await page.getByRole('link', { name: 'Tiket: Seminar Teknologi' }).click();
    await page.waitForURL('**/admin/events/seminar/tickets');
    // The ticket list, too: one card per ticket, a long e-mail address wrapped, not behind a sideways scroll.
    const ticket = page.getByTestId('ticket-table').getByRole('row').filter({ hasText: 'SEM-PANJANG-0001' });
    await ticket.waitFor();
    await expectNoSidewaysScroll(page);
    await expectWithinWidth(ticket.getByRole('cell', { name: /belum/ }));
    await expectAccessible(page);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('shows each user’s role in a readable select and the Delete within a 360-px screen', async () => {
    await asAdmin(async (token) => {
      for (const username of ['kepala-gerbang', 'wakil-ketua']) {
        const created = await call(stack.portal.url, 'POST', '/api/auth/register', {
          token,
          json: { username, password: 'pass1234', role: 'admin' },
          dispatcher: portalClient,
        });
        expect(created.status).toBe(200);
      }
    });
    const { page, context, problems } = await openPage(stack, { viewport: PHONE, hasTouch: true });
    await signIn(page, stack.portal.url, 'admin1');
    await page.goto(`${stack.portal.url}/admin/users`);
    await page.getByLabel('Peran panitia1').waitFor();
    await expectNoSidewaysScroll(page);
    for (const [username, shown] of [
      ['admin1', 'admin'],
      ['kepala-gerbang', 'admin'],
      ['panitia1', 'panitia'],
      ['wakil-ketua', 'admin'],
    ] as const) {
      const select = page.getByLabel(`Peran ${username}`);
      await expectWithinWidth(select);
      expect(await selectShowsItsValue(select)).toEqual({ text: shown, fits: true });
      await expectWithinWidth(page.getByRole('button', { name: `Hapus: ${username}` }));
    }
    await expectAccessible(page);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('asks before you delete your own account, then signs you out and says so on the sign-in page', async () => {
    const { page, context, problems } = await openPage(stack);
    await signIn(page, stack.portal.url, 'kepala-gerbang', 'pass1234');
    await page.goto(`${stack.portal.url}/admin/users`);
    await page.getByRole('button', { name: 'Hapus: kepala-gerbang' }).click();
    const dialog = page.getByRole('dialog', { name: 'Hapus akun Anda sendiri (kepala-gerbang)?' });
    await dialog.waitFor();
    await dialog.getByText(/^Anda akan langsung dikeluarkan/).waitFor();
    await expectAccessible(page);
    await dialog.getByRole('button', { name: 'Hapus akun saya' }).click();

    await page.waitForURL((url) => url.pathname === '/sign-in');
    await page.getByText('Akun Anda kepala-gerbang telah dihapus dan Anda sudah keluar.').waitFor();
    await page.getByRole('heading', { name: 'Masuk' }).waitFor();
    await page.getByRole('button', { name: 'Keluar' }).waitFor({ state: 'detached' });
    await expectAccessible(page);
    const again = await call(stack.identity.url, 'POST', '/auth/login', {
      json: { username: 'kepala-gerbang', password: 'pass1234' },
    });
    expect(again.status).toBe(401);
    expect(again.body).toEqual({ detail: 'Invalid username/password' });

    // The message was for that moment: signing in as someone else does not carry it along.
    await page.getByLabel('Nama pengguna').fill('panitia1');
    await page.getByLabel('Kata sandi').fill('secret');
    await page.getByRole('button', { name: 'Masuk' }).click();
    await page.waitForURL('**/dashboard');
    await page.getByRole('heading', { name: 'Dasbor' }).waitFor();
    expect(await page.getByText('telah dihapus').count()).toBe(0);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('asks before you give up your own admin role (cancel keeps it), then takes you to the dashboard as committee', async () => {
    const { page, context, problems } = await openPage(stack);
    await signIn(page, stack.portal.url, 'admin1');
    await page.goto(`${stack.portal.url}/admin/users`);
    const mine = page.getByLabel('Peran admin1');
    await mine.and(page.locator(':enabled')).waitFor();

    await mine.selectOption('committee');
    const dialog = page.getByRole('dialog', { name: 'Jadikan diri Anda panitia?' });
    await dialog.waitFor();
    await dialog.getByText(/^Anda akan kehilangan hak admin/).waitFor();
    await expectAccessible(page);
    await dialog.getByRole('button', { name: 'Batal' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await mine.inputValue()).toBe('admin');
    const admin = await login(stack.identity.url, 'wakil-ketua', 'pass1234');
    const users = await call(stack.identity.url, 'GET', '/auth/users', { token: admin });
    expect(users.status).toBe(200);
    expect((users.body as { users: { username: string; role: string }[] }).users).toContainEqual(
      expect.objectContaining({ username: 'admin1', role: 'admin' }),
    );

    await mine.selectOption('committee');
    await dialog.getByRole('button', { name: 'Lepaskan hak admin saya' }).click();
    await page.waitForURL('**/dashboard');
    await page.getByText('Anda sekarang panitia: halaman admin tidak lagi tersedia untuk Anda.').waitFor();
    await page.getByText('Masuk sebagai admin1 (panitia)').waitFor();
    await page.getByRole('heading', { name: 'Dasbor' }).waitFor();
    expect(await page.getByText('Hanya admin yang boleh melakukan ini.').count()).toBe(0);
    expect(await page.getByRole('link', { name: 'Pengguna' }).count()).toBe(0);
    await expectAccessible(page);
    expect(problems).toEqual([]);
    await context.close();
  });
});

reportSkippedWithoutChromium();
