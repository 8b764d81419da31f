// The benchmarks' Chromium, trusting the benchmarked portal's own CA as a set-up gate phone does (no certificate errors ignored).
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { browserHome, launchChromium } from '../../services/portal/test/browser/support/browser.js';
import type { RunningService } from './services.js';

export async function launchTrustingChromium(
  portal: RunningService,
): Promise<{ browser: Browser; close(): Promise<void> }> {
  const home = browserHome(readFileSync(path.join(portal.dataDir, 'tls', 'ca-cert.pem'), 'utf8'));
  const browser = await launchChromium(home);
  return {
    browser,
    async close() {
      await browser.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
