// What the browser tests do over and over: an event with tickets set up through the API, a station opened
// for it as a person would, a scan typed like a USB scanner types it, the event's stored check-ins.
import type { PortalAttendance } from '@tixgo/contracts';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { call } from '../../support/stack.js';
import { portalClient, signIn } from './browser.js';

export interface SeededEvent {
  id: string;
  title: string;
  location?: string;
  start_time?: string;
  end_time?: string;
}

/** Creates the event and issues `tickets` through the portal, as an admin (`token`) would. */
export async function seedEvent(
  portalUrl: string,
  token: string,
  event: SeededEvent,
  tickets: { ticket_id: string; holder_name?: string; holder_email?: string; type?: string; note?: string }[],
): Promise<void> {
  const created = await call(portalUrl, 'POST', '/api/events', { token, json: event, dispatcher: portalClient });
  expect(created.status).toBe(201);
  const issued = await call(portalUrl, 'POST', `/api/events/${encodeURIComponent(event.id)}/tickets`, {
    token,
    json: { tickets },
    dispatcher: portalClient,
  });
  expect(issued.status).toBe(201);
}

/** The event's check-ins as the portal lists them (GET /api/attendance/{id}). */
export async function storedCheckins(
  portalUrl: string,
  token: string,
  eventId: string,
): Promise<PortalAttendance['checkins']> {
  const answer = await call(portalUrl, 'GET', `/api/attendance/${encodeURIComponent(eventId)}`, {
    token,
    dispatcher: portalClient,
  });
  expect(answer.status).toBe(200);
  return (answer.body as PortalAttendance).checkins;
}

/** Signs in as `username` and sets the station up for the event titled `title` at `gate`; resolves on the scanning screen. */
export async function openStation(
  page: Page,
  baseUrl: string,
  options: { username?: string; title: string; gate: string },
) {
  await signIn(page, baseUrl, options.username ?? 'panitia1');
  await page.goto(`${baseUrl}/station`);
  await page.getByLabel('Acara').selectOption({ label: options.title });
  await page.getByLabel('Gerbang').fill(options.gate);
  await page.getByRole('button', { name: 'Mulai check-in' }).click();
  await page.getByLabel('Kode tiket').waitFor();
}

/** Types a code into whatever has the focus (as a USB scanner does) and presses Enter; resolves with the answer shown. */
export async function scan(page: Page, code: string): Promise<{ tone: string | null; text: string }> {
  await page.keyboard.type(code);
  await page.keyboard.press('Enter');
  const answer = page.locator('[data-testid="scan-answer"]:not([data-tone="pending"])').filter({ hasText: code });
  await answer.waitFor();
  return { tone: await answer.getAttribute('data-tone'), text: (await answer.innerText()).replace(/\s+/g, ' ') };
}

const lastStamp = new WeakMap<Page, number>();

/**
 * Types `text` (then Enter) into whatever has the focus with key events stamped `gapMs` apart, whatever the
 * machine's speed: the keys' timeStamp is what the station reads a scanner's rhythm from (CDP Input.dispatchKeyEvent
 * carries it into the page's events). 8 ms: a USB scanner; 150 ms: a person.
 */
export async function typeWithRhythm(page: Page, text: string, gapMs: number, enter = true): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  // Stamped in the past, ending now, and never before the page's last stamped key: the browser keeps its input
  // events in time order, so a stamp ahead of the clock would let the next sequence overtake it.
  const steps = text.length + (enter ? 1 : 0);
  let at = Math.max(Date.now() / 1000 - (steps * gapMs) / 1000, (lastStamp.get(page) ?? 0) + 0.2);
  for (const key of text) {
    await cdp.send('Input.dispatchKeyEvent', { type: 'keyDown', key, text: key, timestamp: at });
    await cdp.send('Input.dispatchKeyEvent', { type: 'keyUp', key, timestamp: at });
    at += gapMs / 1000;
  }
  if (enter) {
    const enterKey = { key: 'Enter', code: 'Enter', windowsVirtualKeyCode: 13, timestamp: at };
    await cdp.send('Input.dispatchKeyEvent', { type: 'keyDown', text: '\r', ...enterKey });
    await cdp.send('Input.dispatchKeyEvent', { type: 'keyUp', ...enterKey });
  }
  lastStamp.set(page, at);
  await cdp.detach();
}
