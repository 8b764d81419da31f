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
}

/** Creates the event and issues `tickets` through the portal, as an admin (`token`) would. */
export async function seedEvent(
  portalUrl: string,
  token: string,
  event: SeededEvent,
  tickets: { ticket_id: string; holder_name?: string }[],
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
