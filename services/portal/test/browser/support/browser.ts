// Browser tests: Debian's Chromium driven by playwright-core against the real stack (identity, attendance, an HTTPS portal).
// Without Chromium the tests report themselves skipped ("skipped: no chromium"), never passed.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium, type Page } from 'playwright-core';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTlsCredentials } from '../../../src/tls/portal-certificate.js';
import { type RunningService, startPortal, type Upstreams, useUpstreams } from '../../support/stack.js';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM_PATH);

/** In a browser test file: without Chromium, one test skips itself at run time and says why (the file's suites are skipped). */
export function reportSkippedWithoutChromium(): void {
  if (hasChromium) return;
  describe('browser tests', () => {
    it('need Chromium', (context) => {
      context.skip(`skipped: no chromium (looked for ${CHROMIUM_PATH}; set CHROMIUM_PATH)`);
    });
  });
}

/** The flags FRONTEND.md lists for this machine: no sandbox as root, no GPU, no calls home. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  // The test portal's certificate is self-signed: without this Chromium refuses to register the
  // service worker over it (ignoreHTTPSErrors covers pages, not the worker's script).
  '--ignore-certificate-errors',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/** For the tests' own API calls to the portal: its certificate is self-signed (loopback only). */
export const portalClient = new Agent({ connect: { rejectUnauthorized: false } });

export interface UiStack extends Upstreams {
  portal: RunningService;
  browser: Browser;
  /** Stops the portal (as a crash would end it: open connections cut) and starts a new one on its port. */
  restartPortal(whileDown?: () => Promise<void>): Promise<void>;
}

/** The real services with an HTTPS portal serving the built UI, and one Chromium for the file's tests. */
export function useUiStack(options: { chromiumArgs?: string[]; portalEnv?: Record<string, string> } = {}): UiStack {
  const stack = useUpstreams() as UiStack;
  let tlsDir: string | undefined;
  beforeAll(async () => {
    tlsDir = mkdtempSync(path.join(tmpdir(), 'tixgo-ui-tls-'));
    const tls = await loadTlsCredentials({ dataDir: tlsDir });
    const portalOptions = {
      identityUrl: stack.identity.url,
      attendanceUrl: stack.attendance.url,
      tls,
      env: options.portalEnv,
    };
    [stack.portal, stack.browser] = await Promise.all([
      startPortal(portalOptions),
      launchChromium(options.chromiumArgs),
    ]);
    stack.restartPortal = async (whileDown) => {
      const { port } = stack.portal;
      stack.portal.app.server.closeAllConnections();
      await stack.portal.close();
      await whileDown?.();
      stack.portal = await startPortal({ ...portalOptions, port });
    };
  });
  afterAll(async () => {
    await stack.browser?.close();
    await stack.portal?.close();
    if (tlsDir) rmSync(tlsDir, { recursive: true, force: true });
  });
  return stack;
}

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** Content-Security-Policy violations and uncaught errors seen so far. */
  problems: string[];
}

/** A fresh context (its own cookies and storage) and page on the portal, watching for CSP violations and page errors. */
export async function openPage(stack: UiStack, options: BrowserContextOptions = {}): Promise<WatchedPage> {
  const context = await stack.browser.newContext({ ignoreHTTPSErrors: true, locale: 'id-ID', ...options });
  // Shorter than the test's own time-out, so a stuck step names the locator it waited for.
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const problems: string[] = [];
  await page.exposeFunction('__reportCspViolation', (text: string) => problems.push(`CSP: ${text}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      (window as unknown as { __reportCspViolation(text: string): void }).__reportCspViolation(
        `${event.violatedDirective} blocked ${event.blockedURI}`,
      );
    });
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  return { page, context, problems };
}

export async function signIn(page: Page, baseUrl: string, username: string, password = 'secret'): Promise<void> {
  await page.goto(`${baseUrl}/sign-in`);
  await page.getByLabel(/^(Nama pengguna|Username)$/).fill(username);
  await page.getByLabel(/^(Kata sandi|Password)$/).fill(password);
  await page.getByRole('button', { name: /^(Masuk|Sign in)$/ }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/sign-in'));
}

/** axe-core in the page: the serious and critical WCAG 2.1 A/AA violations (none allowed). */
export async function seriousAccessibilityViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) =>
        `${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target.join(' ')).join(', ')})`,
    );
}

export async function expectAccessible(page: Page): Promise<void> {
  expect(await seriousAccessibilityViolations(page)).toEqual([]);
}

/** True when the page is wider than its viewport (a horizontal scrollbar on a phone). */
export async function overflowsHorizontally(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth + 1);
}
