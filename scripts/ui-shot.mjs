// Dev helper (not a test): signs in and screenshots pages of a running stack, printing console errors and CSP violations.
// Usage: node scripts/ui-shot.mjs https://localhost:18443 /tmp/shots [width]
import { chromium } from 'playwright-core';

const [base = 'https://localhost:18443', out = '/tmp/shots', width = '1280'] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
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
const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: Number(width), height: 900 } });
const page = await context.newPage();
page.on('console', (message) => {
  if (message.type() === 'error' || message.type() === 'warning')
    console.log(`[console.${message.type()}] ${message.text()}`);
});
page.on('pageerror', (error) => console.log(`[pageerror] ${error.message}`));
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
