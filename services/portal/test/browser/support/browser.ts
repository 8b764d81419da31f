// Browser tests: Debian's Chromium driven by playwright-core against the real stack (identity, attendance, an HTTPS portal).
// Chromium trusts the portal the way a gate phone does: the CA the portal serves on its plain-HTTP companion is
// installed in an NSS database under a HOME of the test file's own ($HOME/.pki/nssdb, certutil from Debian's
// libnss3-tools), and Chromium is launched with that HOME. Never --ignore-certificate-errors: with it the service
// worker registers where no phone's would. Without Chromium or certutil the tests report themselves skipped, never passed.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import {
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  chromium,
  type Page,
  type Route,
} from 'playwright-core';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PortalNames } from '../../../src/tls/portal-names.js';
import {
  localTlsCredentials,
  type RunningPortal,
  startPortal,
  type Upstreams,
  useUpstreams,
} from '../../support/stack.js';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CERTUTIL_PATH = process.env.CERTUTIL_PATH ?? '/usr/bin/certutil';
/** Chromium, and certutil to make it trust the portal's CA: the browser tests need both. */
export const hasChromium = existsSync(CHROMIUM_PATH) && existsSync(CERTUTIL_PATH);

/** In a browser test file: without Chromium, one test skips itself at run time and says why (the file's suites are skipped). */
export function reportSkippedWithoutChromium(): void {
  if (hasChromium) return;
  describe('browser tests', () => {
    it('need Chromium and certutil', (context) => {
      context.skip(
        `skipped: no chromium or no certutil (looked for ${CHROMIUM_PATH} and ${CERTUTIL_PATH}; set CHROMIUM_PATH, CERTUTIL_PATH; Debian: apt-get install chromium libnss3-tools)`,
      );
    });
  });
}

/** The flags FRONTEND.md lists for this machine: no sandbox as root, no GPU, no calls home. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * A fresh HOME for Chromium whose NSS database ($HOME/.pki/nssdb, which Chromium on Linux reads for
 * its trusted roots, also headless with a fresh --user-data-dir: measured) trusts `caCert` for
 * servers — what installing the CA does on a phone. Without `caCert`: a HOME that trusts nothing of ours.
 */
export function browserHome(caCert?: string): string {
  const home = mkdtempSync(path.join(tmpdir(), 'tixgo-chromium-home-'));
  if (caCert === undefined) return home;
  const database = `sql:${path.join(home, '.pki', 'nssdb')}`;
  mkdirSync(path.join(home, '.pki', 'nssdb'), { recursive: true });
  execFileSync(CERTUTIL_PATH, ['-d', database, '-N', '--empty-password']);
  const file = path.join(home, 'tixgo-ca.crt');
  writeFileSync(file, caCert);
  execFileSync(CERTUTIL_PATH, ['-d', database, '-A', '-n', 'tixgo', '-t', 'C,,', '-i', file]);
  return home;
}

/** Chromium with `home` as its HOME (see browserHome): it trusts what that HOME's NSS database trusts. */
export function launchChromium(home: string, extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS, ...extraArgs],
    env: { ...process.env, HOME: home },
  });
}

/** GET /ca.crt over plain HTTP, as a phone fetches it before it trusts anything. */
export async function fetchCaCertificate(companionUrl: string): Promise<string> {
  const answer = await request(`${companionUrl}/ca.crt`);
  const text = await answer.body.text();
  if (answer.statusCode !== 200 || answer.headers['content-type'] !== 'application/x-x509-ca-cert') {
    throw new Error(`GET ${companionUrl}/ca.crt answered ${answer.statusCode} ${answer.headers['content-type']}`);
  }
  return text;
}

/** For the tests' own API calls to the portal (set up by useUiStack: it trusts the file's CA). */
export let portalClient = new Agent();

export interface UiStack extends Upstreams {
  portal: RunningPortal;
  /** Chromium trusting the portal's CA, for the file's tests. */
  browser: Browser;
  /** The CA the portal served (PEM). */
  caCert: string;
  /** The HOME whose NSS database trusts it: launchChromium(stack.trustingHome, …) for a browser with other flags. */
  trustingHome: string;
  /** Stops the portal (as a crash would end it: open connections cut) and starts a new one on its port. */
  restartPortal(whileDown?: () => Promise<void>): Promise<void>;
}

/**
 * The real services with an HTTPS portal serving the built UI (its certificate from its own CA, for
 * 127.0.0.1 and localhost), and one Chromium for the file's tests that trusts the CA the portal served.
 */
export function useUiStack(
  options: {
    chromiumArgs?: string[];
    portalEnv?: Record<string, string>;
    identityEnv?: Record<string, string>;
    /** Attendance's variables, asked for when it starts. */
    attendanceEnv?: () => Record<string, string>;
    /** The names and addresses the portal says it is reached by (default: this machine's). */
    names?: () => PortalNames;
  } = {},
): UiStack {
  const stack = useUpstreams(options.identityEnv, options.attendanceEnv) as UiStack;
  let dataDir: string | undefined;
  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'tixgo-ui-tls-'));
    const tls = await localTlsCredentials(dataDir);
    const portalOptions = {
      identityUrl: stack.identity.url,
      attendanceUrl: stack.attendance.url,
      tls,
      env: options.portalEnv,
      names: options.names,
      caCompanion: true,
    };
    stack.portal = await startPortal(portalOptions);
    stack.caCert = await fetchCaCertificate(stack.portal.companionUrl as string);
    stack.trustingHome = browserHome(stack.caCert);
    portalClient = new Agent({ connect: { ca: stack.caCert } });
    stack.browser = await launchChromium(stack.trustingHome, options.chromiumArgs);
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
    await portalClient.close();
    for (const dir of [dataDir, stack.trustingHome]) if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return stack;
}

/**
 * Sends a request the page made (caught with page.route) to the portal from the test, over a client
 * that trusts the portal's CA as the page does, and answers its status: the request takes effect, and
 * the caller decides what the page sees (route.abort: the answer was lost). (route.fetch() would go
 * through Playwright's own client, which knows nothing of the CA in the browser's NSS database.)
 */
export async function deliverBehindThePage(route: Route): Promise<number> {
  const sent = route.request();
  const headers = Object.fromEntries(
    Object.entries(await sent.allHeaders()).filter(
      ([name]) => !name.startsWith(':') && !['host', 'connection', 'content-length'].includes(name),
    ),
  );
  const answer = await request(sent.url(), {
    method: sent.method() as 'POST',
    headers,
    body: sent.postDataBuffer() ?? undefined,
    dispatcher: portalClient,
  });
  await answer.body.dump();
  return answer.statusCode;
}

export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** Content-Security-Policy violations and uncaught errors seen so far. */
  problems: string[];
}

/**
 * A fresh context (its own cookies and storage) and page on the portal, watching for CSP violations and
 * page errors; in the file's Chromium unless another `browser` is given.
 */
export async function openPage(
  stack: UiStack,
  contextOptions: BrowserContextOptions = {},
  browser?: Browser,
): Promise<WatchedPage> {
  const context = await (browser ?? stack.browser).newContext({ locale: 'id-ID', ...contextOptions });
  // Shorter than the test's own time-out (90 s for the browser files), so a stuck step names the
  // locator it waited for; long enough for a step while the machine is busy (the suite ran beside
  // `pnpm bench checkins`, which keeps both cores full: a sign-in page or the service worker's
  // takeover then took more than 15 s).
  context.setDefaultTimeout(25_000);
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

/** Switches the page to English the way a person does: on a phone the switch is behind Menu. */
export async function toEnglish(page: Page): Promise<void> {
  const menu = page.getByRole('button', { name: 'Menu' });
  if (await menu.isVisible()) await menu.click();
  await page.getByRole('button', { name: 'Switch the language to English' }).click();
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
