// In Chromium, as a person would: sign in (and its clear failures), register, the language switch, a 360-px phone, axe;
// where the cursor is, and a first visit that asks the portal nothing it would refuse.
import type { Locator } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  expectAccessible,
  hasChromium,
  openPage,
  overflowsHorizontally,
  reportSkippedWithoutChromium,
  signIn,
  useUiStack,
} from './support/browser.js';

/** True when `field` has the keyboard focus. */
const isFocused = (field: Locator) => field.evaluate((element) => element === document.activeElement);

describe.runIf(hasChromium)('signing in, registering and the language (Chromium)', () => {
  const stack = useUiStack();

  it('puts the cursor in the username field, so a person signs in by typing alone', async () => {
    const { page, context } = await openPage(stack);
    await page.goto(`${stack.portal.url}/sign-in`);
    const username = page.getByLabel('Nama pengguna');
    await username.waitFor();
    await expect.poll(() => isFocused(username)).toBe(true);
    await page.keyboard.type('panitia1');
    await page.keyboard.press('Tab');
    await page.keyboard.type('secret');
    await page.keyboard.press('Enter');
    await page.waitForURL('**/dashboard');
    await context.close();
  });

  it('logs no error on a first visit: nobody signed in on this device, so no session is asked for', async () => {
    const { page, context, problems } = await openPage(stack);
    const consoleErrors: string[] = [];
    const sessionCalls: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('request', (request) => {
      if (new URL(request.url()).pathname.startsWith('/api/session')) sessionCalls.push(request.method());
    });
    await page.goto(`${stack.portal.url}/dashboard`);
    await page.waitForURL('**/sign-in?next=%2Fdashboard');
    await page.getByRole('heading', { name: 'Masuk' }).waitFor();
    expect(sessionCalls).toEqual([]);
    expect(consoleErrors).toEqual([]);
    // Signed in, a reload still finds the session (the device remembers who is signed in).
    await signIn(page, stack.portal.url, 'panitia1');
    await page.reload();
    await page.getByText('Masuk sebagai panitia1 (panitia)').waitFor();
    expect(new URL(page.url()).pathname).toBe('/dashboard');
    expect(consoleErrors).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('signs in from the start page and lands on the dashboard, with no CSP violation', async () => {
    const { page, context, problems } = await openPage(stack);
    await page.goto(stack.portal.url);
    await page.waitForURL('**/sign-in');
    await page.getByRole('heading', { name: 'Masuk' }).waitFor();
    await signIn(page, stack.portal.url, 'panitia1');
    expect(new URL(page.url()).pathname).toBe('/dashboard');
    await page.getByRole('heading', { name: 'Dasbor' }).waitFor();
    expect(await page.getByText('Masuk sebagai panitia1 (panitia)').isVisible()).toBe(true);
    expect(problems).toEqual([]);
    await context.close();
  });

  it('says a wrong password is wrong, in words, and stays on the sign-in page', async () => {
    const { page, context } = await openPage(stack);
    await page.goto(`${stack.portal.url}/sign-in`);
    await page.getByLabel('Nama pengguna').fill('panitia1');
    await page.getByLabel('Kata sandi').fill('not-the-password');
    await page.getByRole('button', { name: 'Masuk' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toBe('Nama pengguna atau kata sandi salah.');
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    // The wrong password is gone and the cursor waits for the right one; the username stays.
    const password = page.getByLabel('Kata sandi');
    expect(await password.inputValue()).toBe('');
    await expect.poll(() => isFocused(password)).toBe(true);
    expect(await page.getByLabel('Nama pengguna').inputValue()).toBe('panitia1');
    await page.keyboard.type('secret');
    await page.keyboard.press('Enter');
    await page.waitForURL('**/dashboard');
    await context.close();
  });

  it('says the server cannot be reached when the network is down', async () => {
    const { page, context } = await openPage(stack);
    await page.goto(`${stack.portal.url}/sign-in`);
    await page.route('**/api/session', (route) => route.abort('connectionrefused'));
    await page.getByLabel('Nama pengguna').fill('panitia1');
    await page.getByLabel('Kata sandi').fill('secret');
    await page.getByRole('button', { name: 'Masuk' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toBe('Server tidak dapat dihubungi. Periksa jaringan lalu coba lagi.');
    await context.close();
  });

  it('registers a new committee member, who then signs in', async () => {
    const { page, context } = await openPage(stack);
    await page.goto(`${stack.portal.url}/sign-in`);
    // Offered: identity lets anyone register here (its default outside production).
    expect(await page.getByTestId('register-offer').textContent()).toBe('Belum punya akun? Buat akun');
    await page.getByRole('link', { name: 'Buat akun' }).click();
    // The register page loads on demand and the sign-in page stays on screen until it has: wait for it,
    // or the sign-in page's own username field (same label) takes the typing and is then replaced.
    await page.getByRole('heading', { name: 'Buat akun' }).waitFor();
    await page.getByLabel(/^Nama pengguna/).fill('gate-volunteer');
    await page.getByLabel(/^Kata sandi \(minimal/).fill('pass1234');
    await page.getByLabel('Ulangi kata sandi').fill('pass1234');
    await page.getByRole('button', { name: 'Buat akun' }).click();
    await page.waitForURL('**/sign-in?**');
    expect(await page.getByRole('status').first().textContent()).toBe('Akun gate-volunteer dibuat. Silakan masuk.');
    expect(await page.getByLabel('Nama pengguna').inputValue()).toBe('gate-volunteer');
    // The username is filled in: the cursor is in the password field.
    await expect.poll(() => isFocused(page.getByLabel('Kata sandi'))).toBe(true);
    await page.keyboard.type('pass1234');
    await page.keyboard.press('Enter');
    await page.waitForURL('**/dashboard');
    expect(await page.getByText('Masuk sebagai gate-volunteer (panitia)').isVisible()).toBe(true);
    await context.close();
  });

  it('switches to English and remembers it after a reload', async () => {
    const { page, context } = await openPage(stack);
    await page.goto(`${stack.portal.url}/sign-in`);
    expect(await page.locator('html').getAttribute('lang')).toBe('id');
    await page.getByRole('button', { name: 'Switch the language to English' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.getByLabel('Username').isVisible()).toBe(true);
    await page.getByRole('button', { name: 'Ganti bahasa ke Bahasa Indonesia' }).click();
    await page.getByRole('heading', { name: 'Masuk' }).waitFor();
    await context.close();
  });

  it('fits a 360-px phone without sideways scrolling and passes axe, signed out and in', async () => {
    const { page, context } = await openPage(stack, { viewport: { width: 360, height: 740 }, isMobile: true });
    await page.goto(`${stack.portal.url}/sign-in`);
    await page.getByRole('heading', { name: 'Masuk' }).waitFor();
    expect(await overflowsHorizontally(page)).toBe(false);
    await expectAccessible(page);
    await page.goto(`${stack.portal.url}/register`);
    await page.getByRole('heading', { name: 'Buat akun' }).waitFor();
    await expectAccessible(page);
    await signIn(page, stack.portal.url, 'admin1');
    await page.getByRole('heading', { name: 'Dasbor' }).waitFor();
    expect(await overflowsHorizontally(page)).toBe(false);
    await expectAccessible(page);
    await context.close();
  });

  it('signs out: the session ends and the pages ask to sign in again', async () => {
    const { page, context } = await openPage(stack);
    await signIn(page, stack.portal.url, 'panitia1');
    await page.getByRole('button', { name: 'Keluar' }).click();
    await page.waitForURL('**/sign-in');
    await page.goto(`${stack.portal.url}/dashboard`);
    await page.waitForURL('**/sign-in?next=%2Fdashboard');
    const cookies = await context.cookies();
    expect(cookies.map((cookie) => cookie.name)).not.toContain('tixgo_session');
    await context.close();
  });
});

reportSkippedWithoutChromium();

describe.runIf(hasChromium)('where registration is closed (Chromium)', () => {
  // As a venue stack or production: only an admin creates accounts.
  const stack = useUiStack({ identityEnv: { OPEN_REGISTRATION: 'false' } });

  it('offers no "Buat akun" on the sign-in page but says who creates accounts; the register page says it at once', async () => {
    const { page, context, problems } = await openPage(stack);
    await page.goto(`${stack.portal.url}/sign-in`);
    const offer = page.getByTestId('register-offer');
    await offer.waitFor();
    expect(await offer.textContent()).toBe(
      'Belum punya akun? Di sini akun dibuat oleh admin: mintalah kepada admin acara.',
    );
    expect(await page.getByRole('link', { name: 'Buat akun' }).count()).toBe(0);

    await page.goto(`${stack.portal.url}/register`);
    const closed = page.getByRole('alert');
    await closed.waitFor();
    expect(await closed.textContent()).toBe('Di sini akun dibuat oleh admin. Mintalah akun kepada admin acara.');
    expect(await page.getByRole('button', { name: 'Buat akun' }).count()).toBe(0);
    expect(problems).toEqual([]);
    await context.close();
  });
});
