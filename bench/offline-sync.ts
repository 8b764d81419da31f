// The offline station in real Chromium: 1,000 scans made with no network, then the time from the network coming
// back until every one is on the server (target <= 10 s), and a check that each was counted exactly once.
// Run: pnpm bench offline-sync   (BENCH_SCANS=1000)
//
// Built services as real processes (portal over HTTPS). The station is set up online (its service worker and the
// event's tickets come to the device), then the browser context goes offline and a scanner types the codes; the
// station answers each from the device and queues it. Back online, the station sends its queue by itself.
import { hasChromium } from '../services/portal/test/browser/support/browser.js';
import { gateTokens, seeder } from './lib/seed.js';
import { benchToken, freshDatabase, type RunningService, startService, storageLabel } from './lib/services.js';
import { openBenchStation } from './lib/station-page.js';
import { launchTrustingChromium } from './lib/trusting-browser.js';

const scans = Number(process.env.BENCH_SCANS ?? 1000);
const EVENT = 'offline-sync-bench';
const code = (index: number) => `OS-${String(index).padStart(5, '0')}`;

async function main(): Promise<void> {
  if (!hasChromium) {
    console.log('offline-sync: skipped: no chromium');
    return;
  }
  console.log(`offline sync: ${scans} scans queued without network, then synced through the portal; ${storageLabel()}`);
  const services: RunningService[] = [];
  const identity = await startService('identity', {
    // The demo users the station signs in as: production refuses them, so identity runs in development mode.
    env: {
      DATABASE_URL: await freshDatabase('sync_identity'),
      NODE_ENV: 'development',
      SEED_DEMO_USERS: 'true',
      BCRYPT_COST: '10',
    },
  });
  services.push(identity);
  const attendance = await startService('attendance', {
    env: { DATABASE_URL: await freshDatabase('sync'), IDENTITY_BASE_URL: identity.url },
  });
  services.push(attendance);
  const portal = await startService('portal', {
    env: { IDENTITY_BASE_URL: identity.url, ATTENDANCE_BASE_URL: attendance.url, PORTAL_LOGIN_MAX_PER_IP: '0' },
  });
  services.push(portal);
  const trusting = await launchTrustingChromium(portal);
  const { browser } = trusting;
  try {
    const admin = benchToken('admin1', 'admin');
    const seed = seeder(
      attendance.url,
      admin,
      gateTokens(1, (name) => benchToken(name, 'committee')),
    );
    await seed.createEvent(EVENT, { title: 'Offline sync benchmark' });
    await seed.issueTickets(
      EVENT,
      Array.from({ length: scans }, (_, index) => code(index)),
    );

    const page = await openBenchStation(browser, portal.url, {
      eventId: EVENT,
      gate: 'Gerbang Offline',
      title: 'Bench',
    });
    const context = page.context();
    await page.getByText(new RegExp(`^${scans.toLocaleString('id-ID')} tiket tersimpan di perangkat ini`)).waitFor({
      timeout: 60_000,
    });
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);

    await context.setOffline(true);
    await page.getByTestId('offline-banner').waitFor();
    const typing = Date.now();
    for (let index = 0; index < scans; index++) {
      await page.keyboard.insertText(code(index));
      await page.keyboard.press('Enter');
      await page
        .locator('[data-testid="scan-answer"][data-tone="saved"]')
        .filter({ hasText: code(index) })
        .waitFor({ timeout: 10_000 });
    }
    const typed = (Date.now() - typing) / 1000;
    await page.getByText(`${scans.toLocaleString('id-ID')} pindaian menunggu dikirim`).waitFor();
    console.log(
      `queued ${scans} scans offline in ${typed.toFixed(1)} s (${((typed * 1000) / scans).toFixed(0)} ms a scan, answered by the device)`,
    );

    const back = Date.now();
    await context.setOffline(false);
    await page.getByText('Semua pindaian sudah terkirim').waitFor({ timeout: 120_000 });
    const synced = (Date.now() - back) / 1000;
    const stats = (await seed.stats(EVENT)) as { total_checked_in: number };
    console.log(`synced ${scans} queued scans in ${synced.toFixed(2)} s after the network came back`);
    console.log(`the server counts ${stats.total_checked_in} check-ins (expected ${scans}: each exactly once)`);
    console.log(
      `target <= 10 s and every scan once: ${synced <= 10 && stats.total_checked_in === scans ? 'MET' : 'NOT MET'}`,
    );
    await seed.close();
    await context.close();
  } finally {
    await trusting.close();
    for (const service of services.reverse()) await service.stop();
  }
}

await main();
