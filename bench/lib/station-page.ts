// The benchmarks' check-in station in Chromium: signed in as panitia1, set up for one event and gate, opened.
import type { Browser, Page } from 'playwright-core';
import { signIn } from '../../services/portal/test/browser/support/browser.js';

export async function openBenchStation(
  browser: Browser,
  portalUrl: string,
  station: { eventId: string; gate: string; title: string },
): Promise<Page> {
  // The browser trusts the portal's CA (lib/trusting-browser.ts): no certificate error to ignore.
  const context = await browser.newContext({ locale: 'id-ID' });
  const page = await context.newPage();
  await signIn(page, portalUrl, 'panitia1');
  // The device's settings as the station's set-up screen would leave them.
  await page.evaluate((settings) => localStorage.setItem('tixgo.station', JSON.stringify(settings)), station);
  await page.goto(`${portalUrl}/station`);
  return page;
}
