// A gate phone's path in Chromium, as a person takes it (issue 14): open the install page over plain HTTP, compare the
// fingerprint, download the CA and install it (an NSS database under the browser's HOME), then open the portal over
// HTTPS, sign in, open the station, go offline, reload, scan, come back and see the scan sent. And the same phone
// without the CA, the certificate warning clicked through: the service worker cannot register there, and the
// station says offline mode is not installed, with a link to the install page.
import { X509Certificate } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portalNames } from '../../src/tls/portal-names.js';
import { login } from '../support/stack.js';
import {
  browserHome,
  expectAccessible,
  hasChromium,
  launchChromium,
  openPage,
  reportSkippedWithoutChromium,
  signIn,
  toEnglish,
  useUiStack,
} from './support/browser.js';
import { openStation, scan, seedEvent, storedCheckins } from './support/station-steps.js';

const EVENT = { id: 'gate-phone-fest', title: 'Gate Phone Fest' };
const TICKETS = ['GP-001', 'GP-002', 'GP-003'].map((ticket_id) => ({ ticket_id, holder_name: `Tamu ${ticket_id}` }));
const PHONE = { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true };
/** The box on the event Wi-Fi, as the portal reports it (it listens on loopback here: tests connect to loopback only). */
const BOX_NAMES = portalNames({
  hostname: 'stb',
  interfaces: {
    wlan0: [{ address: '192.168.1.20', family: 'IPv4', internal: false, netmask: '', mac: '', cidr: null }],
  },
  publicHosts: [],
});

describe.runIf(hasChromium)('a gate phone (Chromium)', () => {
  const stack = useUiStack({ names: () => BOX_NAMES, portalEnv: { HOST: '0.0.0.0', PORTAL_CA_HTTP_PORT: '18080' } });
  let admin: string;
  const homes: string[] = [];
  const browsers: Browser[] = [];

  beforeAll(async () => {
    admin = await login(stack.identity.url, 'admin1');
    await seedEvent(stack.portal.url, admin, EVENT, TICKETS);
  });

  afterAll(async () => {
    for (const browser of browsers) await browser.close();
    for (const home of homes) rmSync(home, { recursive: true, force: true });
  });

  /** A phone's browser: its own HOME, trusting the CA in `caCert` if given (installed), else nothing of ours. */
  async function phoneBrowser(caCert?: string): Promise<Browser> {
    const home = browserHome(caCert);
    homes.push(home);
    const browser = await launchChromium(home);
    browsers.push(browser);
    return browser;
  }

  it('fetches the CA over plain HTTP, installs it, and then runs the station offline across a reload', async () => {
    // 1. Before it trusts anything: the install page on the companion, in a browser that trusts nothing of ours.
    const fresh = await phoneBrowser();
    const setup = await openPage(stack, { ...PHONE, acceptDownloads: true }, fresh);
    await setup.page.goto(`${stack.portal.companionUrl}/`);
    await setup.page.getByRole('heading', { name: 'Pasang sertifikat TixGo di ponsel gerbang' }).waitFor();
    const shown = await setup.page.getByTestId('ca-fingerprint').first().textContent();
    const download = setup.page.waitForEvent('download');
    await setup.page.getByRole('link', { name: 'Unduh sertifikat' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe('tixgo-ca.crt');
    const downloaded = readFileSync(await file.path(), 'utf8');
    // What the person compares: the fingerprint on the page is the downloaded certificate's.
    expect(new X509Certificate(downloaded).fingerprint256).toBe(shown);
    expect(downloaded).toBe(stack.caCert);
    expect(setup.problems).toEqual([]);
    await setup.context.close();

    // 2. Installed: the phone's browser trusts the portal over HTTPS, with no certificate error to click through.
    const phone = await phoneBrowser(downloaded);
    const { page, context, problems } = await openPage(stack, PHONE, phone);
    await openStation(page, stack.portal.url, { title: EVENT.title, gate: 'Gerbang Ponsel' });
    await page.getByText(/^3 tiket tersimpan di perangkat ini/).waitFor();
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    expect(await page.getByTestId('offline-mode-missing').count()).toBe(0);

    // 3. The network goes; the station is reloaded (or the phone restarted): it opens from the device.
    await context.setOffline(true);
    await page.reload();
    await page.getByLabel('Kode tiket').waitFor();
    await page.getByTestId('offline-banner').waitFor();
    const saved = await scan(page, 'GP-001');
    expect(saved.tone).toBe('saved');
    expect(saved.text).toContain('Disimpan di perangkat ini');
    expect(await page.getByTestId('waiting-count').textContent()).toBe('1 pindaian menunggu dikirim');

    // 4. Back online: the scan is sent by itself, once.
    await context.setOffline(false);
    await page.getByText('Semua pindaian sudah terkirim').waitFor({ timeout: 20_000 });
    const stored = (await storedCheckins(stack.portal.url, admin, EVENT.id)).filter((c) => c.ticket_id === 'GP-001');
    expect(stored).toEqual([expect.objectContaining({ user_id: 'panitia1', location: 'Gerbang Ponsel' })]);
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);

  it("shows an admin, on the dashboard, a QR code of the install page at the box's address, and the CA's fingerprint", async () => {
    const { page, context, problems } = await openPage(stack);
    await signIn(page, stack.portal.url, 'admin1');
    await page.getByText('Ponsel gerbang').click();
    const qr = page.getByRole('img', { name: 'Kode QR: http://192.168.1.20:18080/ca' });
    await qr.waitFor();
    expect(await qr.locator('svg path').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('phone-setup-url').textContent()).toBe('http://192.168.1.20:18080/ca');
    expect(await page.getByTestId('phone-setup-fingerprint').textContent()).toBe(
      new X509Certificate(stack.caCert).fingerprint256,
    );
    // The box's other names are a choice away.
    await page.getByLabel('Alamat').selectOption({ label: 'stb.local:18080' });
    await page.getByRole('img', { name: 'Kode QR: http://stb.local:18080/ca' }).waitFor();
    await expectAccessible(page);
    expect(problems).toEqual([]);
    await context.close();

    // Not for a committee member.
    const committee = await openPage(stack);
    await signIn(committee.page, stack.portal.url, 'panitia1');
    await committee.page.getByRole('heading', { name: 'Dasbor' }).waitFor();
    expect(await committee.page.getByTestId('phone-setup').count()).toBe(0);
    await committee.context.close();
  });

  it('without the CA (the warning clicked through), says offline mode is not installed and links to the install page', async () => {
    const untrusting = await phoneBrowser();
    // A person who tapped "proceed anyway": pages load, but Chromium refuses the service worker's script.
    const { page, context } = await openPage(stack, { ...PHONE, ignoreHTTPSErrors: true }, untrusting);
    await openStation(page, stack.portal.url, { title: EVENT.title, gate: 'Gerbang Tanpa Sertifikat' });
    const warning = page.getByTestId('offline-mode-missing');
    await warning.waitFor();
    expect((await warning.textContent())?.replace(/\s+/g, ' ')).toBe(
      'Mode offline belum terpasang di perangkat ini. Tanpa jaringan stasiun tidak akan terbuka lagi di sini. ' +
        'Pasang sertifikat portal di perangkat ini, lalu buka portal lewat https://. Cara memasangnya',
    );
    expect(await page.evaluate(() => navigator.serviceWorker.controller)).toBeNull();
    // The station works online meanwhile.
    expect((await scan(page, 'GP-002')).tone).toBe('ok');

    // In English too.
    await toEnglish(page);
    await page.getByText('Offline mode is not installed on this device.').waitFor();

    // The link is a real navigation to the portal's install page (not a route of the app).
    await page.getByRole('link', { name: 'How to install it' }).click();
    await page.waitForURL('**/ca');
    await page.getByRole('heading', { name: "Install TixGo's certificate on a gate phone" }).waitFor();
    expect(await page.getByTestId('ca-fingerprint').first().textContent()).toBe(
      new X509Certificate(stack.caCert).fingerprint256,
    );
    await context.close();
  });
});

reportSkippedWithoutChromium();
