// Full lists through the portal, streamed (issue 10, item 6): the same bytes as before, for odd characters and long lists; the CSV export.
import { randomUUID } from 'node:crypto';
import { type AttendanceList, type EventFacts, type EventSummary, toPortalAttendance } from '@tixgo/contracts';
import { beforeAll, describe, expect, it } from 'vitest';
import { claims, validToken } from '../../../../packages/platform/test/support/forge-token.js';
import { call, login, SECRET, useStack } from '../support/stack.js';

const stack = useStack();
let admin: string;

/** Ticket codes and places with every character JSON has to get right. */
const ODD = [
  { ticket_id: 'Q"uote', location: 'Gate "A", left' },
  { ticket_id: 'back\\slash', location: 'C:\\gates\\1' },
  { ticket_id: 'ünïcødé-😀', location: 'Gerbang 🚪' },
  { ticket_id: 'line\u2028separator', location: null },
  { ticket_id: '</script><script>alert(1)</script>', location: '<b>' },
];

let gates = 0;

/** Checks in `tickets` at attendance directly, 200 per gate user (each user's burst is 1,000). */
async function checkInAll(eventId: string, tickets: { ticket_id: string; location: string | null }[]): Promise<void> {
  for (let start = 0; start < tickets.length; start += 200) {
    const gate = validToken(SECRET, claims(`gate-${++gates}`, 'committee'));
    const items = tickets.slice(start, start + 200).map((ticket) => ({
      token: gate,
      idempotency_key: randomUUID(),
      event_id: eventId,
      ...ticket,
    }));
    const answer = await call(stack.attendance.url, 'POST', '/checkins/batch', { json: { checkins: items } });
    const statuses = (answer.body as { results: { status: number }[] }).results.map((result) => result.status);
    if (statuses.some((status) => status !== 201)) throw new Error(`seeding ${eventId}: ${answer.text.slice(0, 300)}`);
  }
}

/** GET /api/attendance/{id} as the portal answered before it streamed: JSON.stringify of the mapped whole list. */
async function expectedPortalBytes(eventId: string, registered: boolean): Promise<string> {
  const list = (
    await call(stack.attendance.url, 'GET', `/attendance/${encodeURIComponent(eventId)}?limit=10000`, {
      token: admin,
    })
  ).body as AttendanceList;
  let facts: EventFacts = { name: null, totalRegistered: null, checkinPercentage: null };
  if (registered) {
    const summary = (
      await call(stack.attendance.url, 'GET', `/events/${encodeURIComponent(eventId)}/summary`, {
        token: admin,
      })
    ).body as EventSummary;
    facts = {
      name: summary.event.title,
      totalRegistered: summary.stats.total_registered,
      checkinPercentage: summary.stats.checkin_percentage,
    };
  }
  const { next_cursor: _paged, ...full } = list;
  return JSON.stringify(toPortalAttendance(full, facts));
}

beforeAll(async () => {
  admin = await login(stack.identity.url, 'admin1');
  const created = await call(stack.portal.url, 'POST', '/api/events', {
    token: admin,
    json: { id: 'odd-fest', title: 'Fest "ünïcødé" \\ 😀', capacity: 40 },
  });
  if (created.status !== 201) throw new Error(created.text);
  await checkInAll('odd-fest', ODD);
  await checkInAll('adhoc-odd', ODD);
  // Longer than one chunk of attendance's stream and one cursor batch.
  await call(stack.portal.url, 'POST', '/api/events', { token: admin, json: { id: 'long-list', title: 'Long list' } });
  await checkInAll(
    'long-list',
    Array.from({ length: 2400 }, (_, index) => ({ ticket_id: `L-${index}`, location: index % 2 ? 'Gate B' : null })),
  );
});

describe('GET /api/attendance/{event_id}, full list', () => {
  it.each([
    ['a registered event with odd characters', 'odd-fest', true],
    ['an unregistered event with check-ins (nulls for what only a registered one knows)', 'adhoc-odd', false],
    ['a list longer than one chunk', 'long-list', true],
  ])('answers %s with the same bytes as before, streamed', async (_name, eventId, registered) => {
    const expected = await expectedPortalBytes(eventId, registered);
    const answer = await call(stack.portal.url, 'GET', `/api/attendance/${encodeURIComponent(eventId)}`, {
      token: admin,
    });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(answer.headers['transfer-encoding']).toBe('chunked');
    expect(answer.text).toBe(expected);
    const body = JSON.parse(expected) as { total_checked_in: number; checkins: unknown[] };
    expect(body.checkins).toHaveLength(body.total_checked_in);
  });

  it('still answers 404 "Event not found" when attendance knows nothing of the event', async () => {
    const answer = await call(stack.portal.url, 'GET', '/api/attendance/nothing-at-all', { token: admin });
    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({ detail: 'Event not found' });
  });
});

describe('/api/events/{id}/attendance and its CSV export, streamed through', () => {
  it('passes attendance’s full list through byte for byte', async () => {
    const direct = await call(stack.attendance.url, 'GET', '/events/long-list/attendance', { token: admin });
    const through = await call(stack.portal.url, 'GET', '/api/events/long-list/attendance', { token: admin });
    expect(through.status).toBe(200);
    expect(through.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(through.text).toBe(direct.text);
    expect((through.body as AttendanceList).records).toHaveLength(2400);
  });

  it('passes the CSV export through as an attachment, and attendance’s 404', async () => {
    const direct = await call(stack.attendance.url, 'GET', '/events/odd-fest/attendance.csv', { token: admin });
    const through = await call(stack.portal.url, 'GET', '/api/events/odd-fest/attendance.csv', { token: admin });
    expect(through.status).toBe(200);
    expect(through.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(through.headers['content-disposition']).toBe('attachment; filename="attendance-odd-fest.csv"');
    expect(through.text).toBe(direct.text);
    expect(through.text.split('\n')).toHaveLength(ODD.length + 2);
    const missing = await call(stack.portal.url, 'GET', '/api/events/no-such/attendance.csv', { token: admin });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ detail: 'Event not found' });
  });
});
