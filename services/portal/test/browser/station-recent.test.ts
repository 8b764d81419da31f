// The station's recent-scans list after a reload (issue 17 item 17), in Chromium at 360 and 1280 px: the answers of the
// last scans on this device come back from the device's storage with their colours and times, in the page's language.
import { beforeAll, describe, expect, it } from 'vitest';
import { call, login } from '../support/stack.js';
import {
  hasChromium,
  openPage,
  overflowsHorizontally,
  portalClient,
  reportSkippedWithoutChromium,
  toEnglish,
  useUiStack,
} from './support/browser.js';
import { openStation, scan, seedEvent } from './support/station-steps.js';

const TIME = '\\d{2}[.:]\\d{2}';

describe.runIf(hasChromium)('the recent scans after a reload (Chromium)', () => {
  const stack = useUiStack();
  let admin: string;

  beforeAll(async () => {
    admin = await login(stack.identity.url, 'admin1');
  });

  it.each([
    ['a 360-px phone', { width: 360, height: 740 }, 'p'],
    ['a 1280-px laptop', { width: 1280, height: 800 }, 'l'],
  ] as const)('lists the three answers again with their colours and times (%s)', async (_name, viewport, suffix) => {
    const event = { id: `recent-${suffix}`, title: `Recent Fest ${suffix}` };
    const code = (name: string) => `RC${suffix.toUpperCase()}-${name}`;
    await seedEvent(stack.portal.url, admin, event, [
      { ticket_id: code('1'), holder_name: 'Ayu Lestari' },
      { ticket_id: code('2'), holder_name: 'Bima Sakti' },
    ]);
    // Already in through another gate: the station's answer is amber.
    const earlier = await call(stack.portal.url, 'POST', '/api/checkins', {
      token: admin,
      json: { event_id: event.id, ticket_id: code('2'), location: 'Gerbang Lain' },
      dispatcher: portalClient,
    });
    expect(earlier.status).toBe(201);
    const { page, context, problems } = await openPage(stack, { viewport, isMobile: viewport.width < 400 });
    await openStation(page, stack.portal.url, { title: event.title, gate: 'Gerbang Ingat' });

    expect((await scan(page, code('1'))).tone).toBe('ok');
    expect((await scan(page, code('2'))).tone).toBe('warn');
    expect((await scan(page, code('X'))).tone).toBe('error');
    const items = page.locator('.recent li');
    await expect.poll(() => items.count(), { timeout: 15_000 }).toBe(3);
    const before = await items.allInnerTexts();

    await page.reload();
    await page.getByLabel('Kode tiket').waitFor();
    await expect.poll(() => items.count(), { timeout: 15_000 }).toBe(3);
    const after = await items.allInnerTexts();
    // The same three lines, newest first, each with its time.
    expect(after).toEqual(before);
    expect(after).toEqual([
      expect.stringMatching(new RegExp(`^Tiket tidak dikenal — .*${code('X')}.* · ${TIME}$`)),
      expect.stringMatching(new RegExp(`^Sudah check-in — ${code('2')}: .*Gerbang Lain.* · ${TIME}$`)),
      expect.stringMatching(new RegExp(`^Berhasil check-in — ${code('1')}.* · ${TIME}$`)),
    ]);
    expect(await items.evaluateAll((lines) => lines.map((line) => line.className))).toEqual([
      'recent-item recent-error',
      'recent-item recent-warn',
      'recent-item recent-ok',
    ]);
    expect(await overflowsHorizontally(page)).toBe(false);

    // Worded again in the page's language.
    await toEnglish(page);
    await expect
      .poll(() => items.allInnerTexts(), { timeout: 15_000 })
      .toEqual([
        expect.stringMatching(new RegExp(`^Unknown ticket — .*${code('X')}.* · ${TIME}$`)),
        expect.stringMatching(new RegExp(`^Already checked in — ${code('2')}: .* · ${TIME}$`)),
        expect.stringMatching(new RegExp(`^Checked in — ${code('1')}.* · ${TIME}$`)),
      ]);
    expect(problems).toEqual([]);
    await context.close();
  });
});

reportSkippedWithoutChromium();
