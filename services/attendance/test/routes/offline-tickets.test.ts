// GET /events/{id}/tickets/offline: a gate device's copy of the tickets and check-ins, page by page, then only what changed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ISO_TIME, startTestApp, type TestApp } from '../support/attendance-app.js';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp('offline_tickets');
});
afterAll(async () => {
  await t.close();
});

interface Download {
  event_id: string;
  has_tickets: boolean;
  tickets: [string, string | null][];
  checkins: [string, string, string, string | null][];
  next_cursor: string;
  complete: boolean;
}

const download = (eventId: string, query: Record<string, string> = {}, headers = t.committee('gate-phone')) =>
  t.app.inject({ url: `/events/${eventId}/tickets/offline?${new URLSearchParams(query)}`, headers });

/** Follows next_cursor until complete; returns every page. */
async function downloadAll(eventId: string, limit: number, cursor?: string): Promise<Download[]> {
  const pages: Download[] = [];
  for (;;) {
    const response = await download(eventId, { limit: String(limit), ...(cursor ? { cursor } : {}) });
    expect(response.statusCode).toBe(200);
    const page = response.json() as Download;
    pages.push(page);
    cursor = page.next_cursor;
    if (page.complete) return pages;
    if (pages.length > 50) throw new Error('download never completed');
  }
}

const issue = (eventId: string, tickets: { ticket_id: string; holder_name?: string }[]) =>
  t.app.inject({ method: 'POST', url: `/events/${eventId}/tickets`, headers: t.admin(), payload: { tickets } });

/** Makes every check-in of the event older than the settle time, as if the device asked a minute later. */
const age = (eventId: string) =>
  t.db.pool.query("UPDATE checkins SET checked_in_at = checked_in_at - interval '1 minute' WHERE event_id = $1", [
    eventId,
  ]);

describe('GET /events/{id}/tickets/offline', () => {
  it('downloads every ticket (with holder) in issue order, then the check-ins, in pages, for a committee member', async () => {
    await t.app.inject({ method: 'POST', url: '/events', headers: t.admin(), payload: { id: 'ot-gig', title: 'Gig' } });
    const names = ['Ayu', null, 'Citra', 'Dewi', null];
    const issued = await issue(
      'ot-gig',
      names.map((name, index) => ({ ticket_id: `Z-${5 - index}`, ...(name ? { holder_name: name } : {}) })),
    );
    expect(issued.statusCode).toBe(201);
    const scanned = new Date(Date.now() - 30 * 60_000).toISOString();
    await t.checkIn({ event_id: 'ot-gig', ticket_id: 'Z-4', location: 'Gate A' }, t.committee('gate-a'));
    await t.checkIn({ event_id: 'ot-gig', ticket_id: 'Z-2', scanned_at: scanned }, t.committee('gate-b'));
    await age('ot-gig');

    const pages = await downloadAll('ot-gig', 3);
    expect(pages.map((page) => [page.tickets.length, page.checkins.length, page.complete])).toEqual([
      [3, 0, false],
      [2, 1, false],
      [0, 1, true],
    ]);
    expect(pages.flatMap((page) => page.tickets)).toEqual([
      ['Z-5', 'Ayu'],
      ['Z-4', null],
      ['Z-3', 'Citra'],
      ['Z-2', 'Dewi'],
      ['Z-1', null],
    ]);
    const checkins = pages.flatMap((page) => page.checkins);
    expect(checkins).toEqual([
      ['Z-4', expect.stringMatching(ISO_TIME), 'gate-a', 'Gate A'],
      // The device's scan time where it gave one.
      ['Z-2', scanned, 'gate-b', null],
    ]);
    expect(pages[0]).toMatchObject({ event_id: 'ot-gig', has_tickets: true });
  });

  it('answers a delta with only the tickets issued and the check-ins made since, and nothing when nothing changed', async () => {
    const first = await downloadAll('ot-gig', 20_000);
    const cursor = first.at(-1)?.next_cursor as string;
    const unchanged = await download('ot-gig', { cursor });
    expect(unchanged.statusCode).toBe(200);
    expect(unchanged.json()).toEqual({
      event_id: 'ot-gig',
      has_tickets: true,
      tickets: [],
      checkins: [],
      next_cursor: cursor,
      complete: true,
    });

    expect((await issue('ot-gig', [{ ticket_id: 'Z-6', holder_name: 'Eka' }])).statusCode).toBe(201);
    await t.checkIn({ event_id: 'ot-gig', ticket_id: 'Z-5', location: 'Gate C' }, t.committee('gate-c'));
    await t.checkIn({ event_id: 'ot-gig', ticket_id: 'Z-6' }, t.committee('gate-c'));
    await age('ot-gig');
    const delta = await download('ot-gig', { cursor });
    expect(delta.statusCode).toBe(200);
    expect(delta.json()).toEqual({
      event_id: 'ot-gig',
      has_tickets: true,
      tickets: [['Z-6', 'Eka']],
      checkins: [
        ['Z-5', expect.stringMatching(ISO_TIME), 'gate-c', 'Gate C'],
        ['Z-6', expect.stringMatching(ISO_TIME), 'gate-c', null],
      ],
      next_cursor: expect.any(String),
      complete: true,
    });
    const after = await download('ot-gig', { cursor: delta.json().next_cursor });
    expect(after.json()).toMatchObject({ tickets: [], checkins: [], complete: true });
  });

  it('sends check-ins of the last few seconds again in the next delta, since an earlier one may still commit', async () => {
    await t.createEvent('ot-fresh', ['R-1', 'R-2']);
    const settled = await downloadAll('ot-fresh', 100);
    await t.checkIn({ event_id: 'ot-fresh', ticket_id: 'R-1' }, t.committee('gate-a'));
    const delta = await download('ot-fresh', { cursor: settled.at(-1)?.next_cursor as string });
    expect(delta.json().checkins.map((checkin: string[]) => checkin[0])).toEqual(['R-1']);
    const again = await download('ot-fresh', { cursor: delta.json().next_cursor });
    expect(again.statusCode).toBe(200);
    expect(again.json().checkins.map((checkin: string[]) => checkin[0])).toEqual(['R-1']);
    await age('ot-fresh');
    const settledDelta = await download('ot-fresh', { cursor: again.json().next_cursor });
    expect(settledDelta.json().checkins.map((checkin: string[]) => checkin[0])).toEqual(['R-1']);
    const done = await download('ot-fresh', { cursor: settledDelta.json().next_cursor });
    expect(done.json()).toMatchObject({ tickets: [], checkins: [], complete: true });
  });

  it('sends every check-in again when one committed late behind the position the device already has', async () => {
    await t.createEvent('ot-late', ['L-1', 'L-2', 'L-3']);
    await t.checkIn({ event_id: 'ot-late', ticket_id: 'L-2' }, t.committee('gate-a'));
    await t.checkIn({ event_id: 'ot-late', ticket_id: 'L-3' }, t.committee('gate-a'));
    await age('ot-late');
    const copy = await downloadAll('ot-late', 100);
    // A check-in whose statement drew an earlier position but committed only now (as concurrent
    // statements may): written here with that position, and counted as the check-in statement does.
    await t.db.pool.query(
      `INSERT INTO checkins (event_id, ticket_id, seq, checkin_id, checked_in_by, checked_in_at)
       OVERRIDING SYSTEM VALUE
       SELECT 'ot-late', 'L-1', min(seq) - 1, gen_random_uuid(), 'slow-gate', now() - interval '1 minute'
       FROM checkins WHERE event_id = 'ot-late'`,
    );
    await t.db.pool.query(
      `INSERT INTO event_checkin_counts AS k (event_id, shard, n) VALUES ('ot-late', 63, 1)
       ON CONFLICT (event_id, shard) DO UPDATE SET n = k.n + 1`,
    );
    const delta = await download('ot-late', { cursor: copy.at(-1)?.next_cursor as string });
    expect(delta.statusCode).toBe(200);
    expect(delta.json().checkins.map((checkin: string[]) => [checkin[0], checkin[2]])).toEqual([
      ['L-1', 'slow-gate'],
      ['L-2', 'gate-a'],
      ['L-3', 'gate-a'],
    ]);
    const after = await download('ot-late', { cursor: delta.json().next_cursor });
    expect(after.json()).toMatchObject({ tickets: [], checkins: [], complete: true });
  });

  it('downloads the check-ins of an event without issued tickets (any code accepted), has_tickets false', async () => {
    await t.createEvent('ot-open');
    await t.checkIn({ event_id: 'ot-open', ticket_id: 'ANY-CODE' }, t.committee('gate-a'));
    const response = await download('ot-open');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      event_id: 'ot-open',
      has_tickets: false,
      tickets: [],
      checkins: [['ANY-CODE', expect.stringMatching(ISO_TIME), 'gate-a', null]],
      next_cursor: expect.any(String),
      complete: true,
    });
  });

  it('answers 404 for an unregistered or deleted event, and 410 for a cursor of an event deleted and registered again', async () => {
    const unknown = await download('ot-never');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({ detail: 'Event not found' });

    await t.createEvent('ot-again', ['A-1']);
    const cursor = (await downloadAll('ot-again', 100)).at(-1)?.next_cursor as string;
    await t.app.inject({ method: 'DELETE', url: '/events/ot-again', headers: t.admin() });
    const deleted = await download('ot-again', { cursor });
    expect(deleted.statusCode).toBe(404);
    expect(deleted.json()).toEqual({ detail: 'Event not found' });

    await t.createEvent('ot-again', ['B-1']);
    const recreated = await download('ot-again', { cursor });
    expect(recreated.statusCode).toBe(410);
    expect(recreated.json()).toEqual({
      detail: 'The event was deleted and registered again: download it again from the start',
    });
    const fresh = await download('ot-again');
    expect(fresh.json()).toMatchObject({ tickets: [['B-1', null]], complete: true });
  });

  it('needs a token, and refuses a cursor it did not issue or a page beyond 20,000 with 422', async () => {
    const anonymous = await t.app.inject({ url: '/events/ot-gig/tickets/offline' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json()).toEqual({ detail: 'Missing Authorization header' });
    const badCursor = await download('ot-gig', { cursor: '12-abc' });
    expect(badCursor.statusCode).toBe(422);
    expect(badCursor.json()).toEqual({
      detail: [{ loc: ['query', 'cursor'], msg: 'not a cursor returned by this API', type: 'value_error' }],
    });
    const tooMany = await download('ot-gig', { limit: '20001' });
    expect(tooMany.statusCode).toBe(422);
    expect(tooMany.json().detail[0].loc).toEqual(['query', 'limit']);
  });
});

describe('attention tickets (issue 17 item 9)', () => {
  it('keeps a ticket’s note for the gate, answers it in the list, and brings a changed note to the devices', async () => {
    await t.app.inject({
      method: 'POST',
      url: '/events',
      headers: t.admin(),
      payload: { id: 'note-fest', title: 'Notes' },
    });
    const issued = await t.app.inject({
      method: 'POST',
      url: '/events/note-fest/tickets',
      headers: t.admin(),
      payload: {
        tickets: [
          { ticket_id: 'N-1', holder_name: 'Andi', note: 'Periksa KTP' },
          { ticket_id: 'N-2', holder_name: 'Bela' },
        ],
      },
    });
    expect(issued.statusCode).toBe(201);
    expect(issued.json().tickets).toEqual([
      { ticket_id: 'N-1', holder_name: 'Andi', holder_email: null, note: 'Periksa KTP' },
      { ticket_id: 'N-2', holder_name: 'Bela', holder_email: null },
    ]);
    const [first] = await downloadAll('note-fest', 100);
    // A plain ticket stays a pair; the attention ticket carries its note fifth.
    expect(first?.tickets).toEqual([
      ['N-1', 'Andi', null, null, 'Periksa KTP'],
      ['N-2', 'Bela'],
    ]);

    const flagged = await t.app.inject({
      method: 'PATCH',
      url: '/events/note-fest/tickets/N-2',
      headers: t.admin(),
      payload: { note: 'VIP: panggil supervisor' },
    });
    expect(flagged.statusCode).toBe(200);
    expect(flagged.json()).toMatchObject({ ticket_id: 'N-2', note: 'VIP: panggil supervisor' });
    // The device that downloaded before gets the changed ticket in its next "what changed since".
    const [delta] = await downloadAll('note-fest', 100, first?.next_cursor);
    expect(delta?.tickets).toEqual([['N-2', 'Bela', null, null, 'VIP: panggil supervisor']]);

    const cleared = await t.app.inject({
      method: 'PATCH',
      url: '/events/note-fest/tickets/N-1',
      headers: t.admin(),
      payload: { note: null },
    });
    expect(cleared.json().note).toBeUndefined();
    const list = await t.app.inject({ url: '/events/note-fest/tickets', headers: t.admin() });
    expect(list.json().tickets.map((ticket: { note?: string }) => ticket.note ?? null)).toEqual([
      null,
      'VIP: panggil supervisor',
    ]);
  });
});
