// Dev helper (not a test): signs in and screenshots pages of a running stack, printing console errors and CSP violations.
// Usage: node scripts/ui-shot.mjs https://localhost:18443 /tmp/shots [width]
// The portal's CA (TIXGO_CA, default .data/portal/tls/ca-cert.pem) is trusted as a person installs it:
// in Chromium's NSS store under a HOME of this run's own (certutil from libnss3-tools), never by
// ignoring certificate errors, so the service worker registers as on a phone.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const [base = 'https://localhost:18443', out = '/tmp/shots', width = '1280'] = process.argv.slice(2);
const home = mkdtempSync(path.join(tmpdir(), 'tixgo-shot-home-'));
const nssdb = path.join(home, '.pki', 'nssdb');
mkdirSync(nssdb, { recursive: true });
execFileSync('certutil', ['-d', `sql:${nssdb}`, '-N', '--empty-password']);
const ca = process.env.TIXGO_CA ?? path.resolve('.data/portal/tls/ca-cert.pem');
execFileSync('certutil', ['-d', `sql:${nssdb}`, '-A', '-n', 'TixGo portal CA', '-t', 'C,,', '-i', ca]);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  env: { ...process.env, HOME: home },
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    ...(process.env.EXTRA_ARGS ? process.env.EXTRA_ARGS.split(' ') : []),
  ],
});
const context = await browser.newContext({ viewport: { width: Number(width), height: 900 } });
const page = await context.newPage();
page.on('console', (message) => {
  if (message.type() === 'error' || message.type() === 'warning')
    console.log(`[console.${message.type()}] ${message.text()}`);
});
page.on('pageerror', (error) => console.log(`[pageerror] ${error.message}`));
// SHOT_LANGUAGE=en: the page in English, as after the person's switch.
if (process.env.SHOT_LANGUAGE) {
  await page.addInitScript((language) => localStorage.setItem('tixgo.language', language), process.env.SHOT_LANGUAGE);
}
await page.addInitScript(() => {
  document.addEventListener('securitypolicyviolation', (event) =>
    console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`),
  );
});
const shot = async (name) => {
  await page.waitForTimeout(600);
  await page.screenshot({ path: `${out}/${name}-${width}.png`, fullPage: true });
  console.log(`shot ${name}`);
};
await page.goto(base);
await shot('sign-in');
await page.getByLabel(/Nama pengguna|Username/).fill('admin1');
await page.getByLabel(/Kata sandi|Password/).fill('secret');
await page.getByRole('button', { name: /Masuk|Sign in/ }).click();
await page.waitForURL('**/dashboard');
await shot('dashboard');
for (const path of (process.env.PATHS ?? '/admin/events,/admin/users,/station').split(',')) {
  await page.goto(base + path);
  await shot(path.replace(/\W+/g, '_'));
}
await browser.close();
