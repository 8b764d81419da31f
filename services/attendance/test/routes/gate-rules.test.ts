// The gate's rules over HTTP (issue 16): lists, exits, who is inside, capacity and overrides, types and time
// windows, cancelled tickets, undo (annul), the history, offline conflicts and their resolution.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ISO_TIME, startTestApp, type TestApp, UUID } from '../support/attendance-app.js';

let t: TestApp;
const EVENT = 'gr-fest';

beforeAll(async () => {
  t = await startTestApp('gate_rules');
  await t.createEvent(EVENT);
  const issued = await t.app.inject({
    method: 'POST',
    url: `/events/${EVENT}/tickets`,
    headers: t.admin(),
    payload: {
      tickets: [
        { ticket_id: 'G-1', holder_name: 'Sari', type: 'VIP' },
        { ticket_id: 'G-2', holder_name: 'Budi', type: 'VIP' },
        { ticket_id: 'G-3', type: 'VIP' },
        { ticket_id: 'G-4', type: 'REG' },
        { ticket_id: 'G-5' },
        { ticket_id: 'G-6', type: 'VIP' },
        { ticket_id: 'G-7' },
        { ticket_id: 'G-8', type: 'VIP' },
        { ticket_id: 'G-9', type: 'VIP' },
      ],
    },
  });
  if (issued.statusCode !== 201) throw new Error(issued.body);
});
afterAll(async () => {
  await t.close();
});

const addList = (body: object, headers = t.admin()) =>
  t.app.inject({ method: 'POST', url: `/events/${EVENT}/lists`, headers, payload: body });

const scan = (body: Record<string, unknown>, headers: Record<string, string> = t.committee()) =>
  t.app.inject({ method: 'POST', url: `/events/${EVENT}/checkins`, headers, payload: body });

const lists = async () =>
  (await t.app.inject({ url: `/events/${EVENT}/lists`, headers: t.committee() })).json().lists as {
    id: string;
    checked_in: number;
    inside: number;
  }[];

const history = async (ticketId: string) =>
  (await t.app.inject({ url: `/events/${EVENT}/tickets/${ticketId}/history`, headers: t.committee() })).json();

describe('check-in lists', () => {
  it('adds a list (admin only) and lists main first with checked_in and inside', async () => {
    expect((await addList({ name: 'Lounge' }, t.committee())).statusCode).toBe(403);
    const created = await addList({ name: 'VIP Lounge', reentry: true, capacity: 2, ticket_types: ['VIP'] });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toEqual({
      id: 'vip-lounge',
      event_id: EVENT,
      name: 'VIP Lounge',
      reentry: true,
      capacity: 2,
      ticket_types: ['VIP'],
      opens_at: null,
      closes_at: null,
      checked_in: 0,
      inside: 0,
    });
    expect((await addList({ name: 'VIP Lounge' })).statusCode).toBe(409);
    expect((await addList({ id: 'main', name: 'Main again' })).statusCode).toBe(409);
    expect((await lists()).map((list) => list.id)).toEqual(['main', 'vip-lounge']);
    const unknownEvent = await t.app.inject({ url: '/events/nope/lists', headers: t.committee() });
    expect(unknownEvent.statusCode).toBe(404);
  });

  it('refuses a scan of an unknown list with 404', async () => {
    const response = await scan({ ticket_id: 'G-1', list_id: 'nowhere' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ detail: 'Check-in list not found' });
  });
});

describe('entries and exits on a re-entry list with a capacity', () => {
  it('admits, lets out, admits again, and counts who is inside', async () => {
    const first = await scan({ ticket_id: 'G-1', list_id: 'vip-lounge', location: 'Lounge door' });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toEqual({
      status: 'checked_in',
      record: {
        event_id: EVENT,
        ticket_id: 'G-1',
        checked_in_by: 'panitia1',
        checked_in_at: expect.stringMatching(ISO_TIME),
        checkin_id: expect.stringMatching(UUID),
        location: 'Lounge door',
        list_id: 'vip-lounge',
      },
    });
    const again = await scan({ ticket_id: 'G-1', list_id: 'vip-lounge' });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ detail: 'Ticket is already inside', refusal: 'already-inside' });

    const out = await scan({ ticket_id: 'G-1', list_id: 'vip-lounge', direction: 'exit' });
    expect(out.statusCode).toBe(201);
    expect(out.json()).toMatchObject({ status: 'checked_out', record: { direction: 'exit', list_id: 'vip-lounge' } });
    const outAgain = await scan({ ticket_id: 'G-1', list_id: 'vip-lounge', direction: 'exit' });
    expect(outAgain.statusCode).toBe(409);
    expect(outAgain.json()).toMatchObject({ refusal: 'not-inside', detail: 'Ticket is not inside' });
    expect((await lists()).find((list) => list.id === 'vip-lounge')).toMatchObject({ checked_in: 1, inside: 0 });

    expect((await scan({ ticket_id: 'G-1', list_id: 'vip-lounge' })).statusCode).toBe(201);
    expect((await lists()).find((list) => list.id === 'vip-lounge')).toMatchObject({ checked_in: 1, inside: 1 });
  });

  it('refuses entry to the full list (409, the detail says so) unless a supervisor overrides', async () => {
    expect((await scan({ ticket_id: 'G-2', list_id: 'vip-lounge' })).statusCode).toBe(201);
    const full = await scan({ ticket_id: 'G-3', list_id: 'vip-lounge' });
    expect(full.statusCode).toBe(409);
    expect(full.json()).toEqual({ detail: 'The area is full (2 inside)', refusal: 'full', ticket_type: 'VIP' });
    // A committee member's override is not one.
    expect((await scan({ ticket_id: 'G-3', list_id: 'vip-lounge', override: true })).statusCode).toBe(409);
    const overridden = await scan({ ticket_id: 'G-3', list_id: 'vip-lounge', override: true }, t.supervisor());
    expect(overridden.statusCode).toBe(201);
    expect(overridden.json().record).toMatchObject({ overridden: true, checked_in_by: 'lead1' });
    expect((await lists()).find((list) => list.id === 'vip-lounge')).toMatchObject({ checked_in: 3, inside: 3 });
    const lines = (await history('G-3')).history;
    expect(lines.map((line: { action: string }) => line.action)).toEqual(['refused', 'refused', 'entry']);
    expect(lines[2]).toMatchObject({ overridden: true, by: 'lead1', list_id: 'vip-lounge' });
  });

  it('refuses a ticket of another type, and a ticket without one, naming the type', async () => {
    const response = await scan({ ticket_id: 'G-4', list_id: 'vip-lounge' });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toEqual({
      detail: 'Ticket type REG may not enter this list',
      refusal: 'wrong-type',
      ticket_type: 'REG',
    });
    expect((await scan({ ticket_id: 'G-5', list_id: 'vip-lounge' })).json()).toMatchObject({ refusal: 'wrong-type' });
  });

  it('refuses scans outside the time window of a list', async () => {
    const hour = 3_600_000;
    const created = await addList({
      id: 'day-2',
      name: 'Day 2',
      opens_at: new Date(Date.now() + 24 * hour).toISOString(),
      closes_at: new Date(Date.now() + 36 * hour).toISOString(),
    });
    expect(created.statusCode).toBe(201);
    const early = await scan({ ticket_id: 'G-5', list_id: 'day-2' });
    expect(early.statusCode).toBe(409);
    expect(early.json()).toMatchObject({ refusal: 'not-open', detail: 'This list is not open yet' });
    const reversed = await addList({
      name: 'Bad',
      opens_at: '2026-01-02T00:00:00Z',
      closes_at: '2026-01-01T00:00:00Z',
    });
    expect(reversed.statusCode).toBe(422);
  });
});

describe('the list main', () => {
  it('answers a compat scan exactly as before, lets the ticket out (inside drops) and not in again', async () => {
    const first = await t.checkIn({ event_id: EVENT, ticket_id: 'G-7' });
    expect(first.statusCode).toBe(201);
    expect(Object.keys(first.json().record)).toEqual([
      'event_id',
      'ticket_id',
      'checked_in_by',
      'checked_in_at',
      'checkin_id',
      'location',
    ]);
    let stats = (await t.app.inject({ url: `/events/${EVENT}/stats`, headers: t.committee() })).json();
    const insideBefore = stats.inside;
    const out = await scan({ ticket_id: 'G-7', direction: 'exit' });
    expect(out.statusCode).toBe(201);
    expect(out.json()).toMatchObject({ status: 'checked_out', record: { ticket_id: 'G-7', direction: 'exit' } });
    expect(out.json().record.list_id).toBeUndefined();
    stats = (await t.app.inject({ url: `/events/${EVENT}/stats`, headers: t.committee() })).json();
    expect(stats.inside).toBe(insideBefore - 1);
    expect(stats.lists[0]).toMatchObject({ id: 'main', inside: insideBefore - 1 });
    expect(stats.lists.map((list: { id: string }) => list.id)).toContain('vip-lounge');
    const back = await t.checkIn({ event_id: EVENT, ticket_id: 'G-7' });
    expect(back.statusCode).toBe(409);
    expect(back.json()).toEqual({ detail: 'Ticket already checked in', record: first.json().record });
  });
});

describe('who is inside per gate', () => {
  it('counts per entry gate those not gone out since, whichever gate they left by', async () => {
    await t.createEvent('gr-gates');
    const at = (ticketId: string, location: string, direction: 'entry' | 'exit' = 'entry') =>
      t.app.inject({
        method: 'POST',
        url: '/events/gr-gates/checkins',
        headers: t.committee(),
        payload: { ticket_id: ticketId, location, direction },
      });
    for (const [ticketId, gate] of [
      ['A-1', 'Gate A'],
      ['A-2', 'Gate A'],
      ['A-3', 'Gate A'],
      ['B-1', 'Gate B'],
      ['B-2', 'Gate B'],
    ] as const) {
      expect((await at(ticketId, gate)).statusCode).toBe(201);
    }
    // A-1 came in at A and leaves by B; B-1 leaves by B; A-2 leaves by A.
    expect((await at('A-1', 'Gate B', 'exit')).json()).toMatchObject({ status: 'checked_out' });
    expect((await at('B-1', 'Gate B', 'exit')).json()).toMatchObject({ status: 'checked_out' });
    expect((await at('A-2', 'Gate A', 'exit')).json()).toMatchObject({ status: 'checked_out' });
    const stats = await t.app.inject({ url: '/events/gr-gates/stats', headers: t.committee() });
    expect(stats.statusCode).toBe(200);
    expect(stats.json()).toMatchObject({
      inside: 2,
      gates: [
        { location: 'Gate A', count: 3, inside: 1 },
        { location: 'Gate B', count: 2, inside: 1 },
      ],
      other_gates: null,
      lists: [{ id: 'main', checked_in: 5, inside: 2 }],
    });
  });
});

describe("a list's passes for an offline station", () => {
  it('gives each admitted ticket its entries and whether it is inside, paged by code; 404 for an unknown list', async () => {
    expect((await addList({ name: 'Passes', reentry: true })).statusCode).toBe(201);
    expect((await scan({ ticket_id: 'G-1', list_id: 'passes' })).statusCode).toBe(201);
    expect((await scan({ ticket_id: 'G-2', list_id: 'passes' })).statusCode).toBe(201);
    expect((await scan({ ticket_id: 'G-2', list_id: 'passes', direction: 'exit' })).statusCode).toBe(201);
    // A refused scan leaves no pass to send.
    expect((await scan({ ticket_id: 'G-3', list_id: 'passes', direction: 'exit' })).statusCode).toBe(409);
    const url = `/events/${EVENT}/lists/passes/passes`;
    const all = await t.app.inject({ url, headers: t.committee() });
    expect(all.statusCode).toBe(200);
    expect(all.json()).toEqual({
      event_id: EVENT,
      list_id: 'passes',
      passes: [
        ['G-1', 1, true],
        ['G-2', 1, false],
      ],
      next_after: null,
    });
    const first = await t.app.inject({ url: `${url}?limit=1`, headers: t.committee() });
    expect(first.json()).toMatchObject({ passes: [['G-1', 1, true]], next_after: 'G-1' });
    const second = await t.app.inject({ url: `${url}?limit=1&after=G-1`, headers: t.committee() });
    expect(second.json()).toMatchObject({ passes: [['G-2', 1, false]], next_after: 'G-2' });
    const unknown = await t.app.inject({ url: `/events/${EVENT}/lists/nowhere/passes`, headers: t.committee() });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({ detail: 'Check-in list not found' });
  });
});

describe('undo (annul)', () => {
  it('lets only a supervisor or an admin annul; the ticket may enter again and the history keeps both', async () => {
    const first = await t.checkIn({ event_id: EVENT, ticket_id: 'G-6', location: 'Gate A' });
    const checkinId = first.json().record.checkin_id;
    const url = `/events/${EVENT}/checkins/${checkinId}/annul`;
    const byCommittee = await t.app.inject({
      method: 'POST',
      url,
      headers: t.committee(),
      payload: { reason: 'mis-tap' },
    });
    expect(byCommittee.statusCode).toBe(403);
    const before = (await lists())[0] as { checked_in: number };
    const annulled = await t.app.inject({
      method: 'POST',
      url,
      headers: t.supervisor(),
      payload: { reason: 'mis-tap' },
    });
    expect(annulled.statusCode).toBe(200);
    expect(annulled.json()).toEqual({
      status: 'annulled',
      checkin_id: checkinId,
      ticket_id: 'G-6',
      list_id: 'main',
      annulled_by: 'lead1',
      annulled_at: expect.stringMatching(ISO_TIME),
      reason: 'mis-tap',
    });
    expect(((await lists())[0] as { checked_in: number }).checked_in).toBe(before.checked_in - 1);
    const twice = await t.app.inject({ method: 'POST', url, headers: t.supervisor(), payload: { reason: 'again' } });
    expect(twice.statusCode).toBe(404);
    const attendance = (await t.app.inject({ url: `/attendance/${EVENT}`, headers: t.committee() })).json();
    expect(attendance.records.map((record: { ticket_id: string }) => record.ticket_id)).not.toContain('G-6');

    const again = await t.checkIn({ event_id: EVENT, ticket_id: 'G-6' });
    expect(again.statusCode).toBe(201);
    const lines = (await history('G-6')).history;
    expect(lines.map((line: { action: string; annulled: boolean }) => [line.action, line.annulled])).toEqual([
      ['entry', true],
      ['annulled', false],
      ['entry', false],
    ]);
    expect(lines[1]).toMatchObject({ by: 'lead1', reason: 'mis-tap', checkin_id: checkinId });
  });

  it('annuls an admission to a list: it stops counting inside', async () => {
    const entered = await scan({ ticket_id: 'G-8', list_id: 'day-2-never' });
    expect(entered.statusCode).toBe(404);
    const inList = (await lists()).find((list) => list.id === 'vip-lounge') as { inside: number; checked_in: number };
    // Three inside of two: two go out, so there is room again.
    for (const ticketId of ['G-2', 'G-3']) {
      const out = await scan({ ticket_id: ticketId, list_id: 'vip-lounge', direction: 'exit' });
      expect(out.statusCode).toBe(201);
    }
    const admitted = await scan({ ticket_id: 'G-8', list_id: 'vip-lounge' });
    expect(admitted.statusCode).toBe(201);
    const annulled = await t.app.inject({
      method: 'POST',
      url: `/events/${EVENT}/checkins/${admitted.json().record.checkin_id}/annul`,
      headers: t.admin(),
      payload: { reason: 'wrong person' },
    });
    expect(annulled.statusCode).toBe(200);
    expect(annulled.json()).toMatchObject({ list_id: 'vip-lounge', ticket_id: 'G-8' });
    expect((await lists()).find((list) => list.id === 'vip-lounge')).toMatchObject({
      inside: inList.inside - 2,
      checked_in: inList.checked_in,
    });
  });
});

describe('a cancelled ticket', () => {
  it('is refused on every list with the reason; cancelling is an admin’s, once', async () => {
    const url = `/events/${EVENT}/tickets/G-9/cancel`;
    const byCommittee = await t.app.inject({ method: 'POST', url, headers: t.supervisor(), payload: { reason: 'x' } });
    expect(byCommittee.statusCode).toBe(403);
    const cancelled = await t.app.inject({ method: 'POST', url, headers: t.admin(), payload: { reason: 'refunded' } });
    expect(cancelled.statusCode).toBe(200);
    expect(cancelled.json()).toMatchObject({ status: 'cancelled', ticket_id: 'G-9', reason: 'refunded' });
    const twice = await t.app.inject({ method: 'POST', url, headers: t.admin(), payload: { reason: 'again' } });
    expect(twice.statusCode).toBe(409);
    const missing = await t.app.inject({
      method: 'POST',
      url: `/events/${EVENT}/tickets/NOPE/cancel`,
      headers: t.admin(),
      payload: { reason: 'x' },
    });
    expect(missing.statusCode).toBe(404);

    const main = await t.checkIn({ event_id: EVENT, ticket_id: 'G-9' });
    expect(main.statusCode).toBe(409);
    expect(main.json()).toEqual({ detail: 'Ticket cancelled', refusal: 'cancelled', cancel_reason: 'refunded' });
    const lounge = await scan({ ticket_id: 'G-9', list_id: 'vip-lounge' });
    expect(lounge.statusCode).toBe(409);
    expect(lounge.json()).toMatchObject({ refusal: 'cancelled', cancel_reason: 'refunded' });

    const ticket = (await history('G-9')) as { cancel_reason: string; history: { action: string; refusal: string }[] };
    expect(ticket.cancel_reason).toBe('refunded');
    expect(ticket.history.map((line) => [line.action, line.refusal])).toEqual([
      ['cancelled', null],
      ['refused', 'cancelled'],
      ['refused', 'cancelled'],
    ]);
    const page = (await t.app.inject({ url: `/events/${EVENT}/tickets?q=G-9`, headers: t.admin() })).json();
    expect(page.tickets[0]).toMatchObject({ ticket_id: 'G-9', type: 'VIP', cancel_reason: 'refunded' });
  });
});

describe('idempotency of a list scan', () => {
  it('replays the first answer for the same key and refuses the key for another direction', async () => {
    await addList({ id: 'stage', name: 'Stage', reentry: true });
    const headers = { ...t.committee(), 'idempotency-key': 'stage-scan-1' };
    const first = await scan({ ticket_id: 'G-5', list_id: 'stage' }, headers);
    expect(first.statusCode).toBe(201);
    const replay = await scan({ ticket_id: 'G-5', list_id: 'stage' }, headers);
    expect(replay.statusCode).toBe(201);
    expect(replay.json()).toEqual(first.json());
    const other = await scan({ ticket_id: 'G-5', list_id: 'stage', direction: 'exit' }, headers);
    expect(other.statusCode).toBe(422);
  });
});

describe('two offline stations on one re-entry area', () => {
  it('turns a double admission into a conflict a supervisor keeps or annuls; nothing is counted twice', async () => {
    await addList({ id: 'hall', name: 'Hall', reentry: true });
    const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
    const upload = (user: string, key: string, body: Record<string, unknown>) =>
      scan({ list_id: 'hall', admitted_offline: true, ...body }, { ...t.committee(user), 'idempotency-key': key });
    // Station A: in at 10, out at 20, in at 30. Station B (never heard of A): in at 25.
    expect((await upload('gate-a', 'a-1', { ticket_id: 'G-1', scanned_at: minutesAgo(40) })).statusCode).toBe(201);
    expect(
      (await upload('gate-a', 'a-2', { ticket_id: 'G-1', scanned_at: minutesAgo(30), direction: 'exit' })).statusCode,
    ).toBe(201);
    expect((await upload('gate-b', 'b-1', { ticket_id: 'G-1', scanned_at: minutesAgo(15) })).statusCode).toBe(201);
    const lastScan = minutesAgo(10);
    const doubled = await upload('gate-a', 'a-3', { ticket_id: 'G-1', scanned_at: lastScan });
    expect(doubled.statusCode).toBe(409);
    expect(doubled.json()).toMatchObject({ refusal: 'already-inside', conflict: true });
    // Retried upload: the same answer, one conflict.
    expect((await upload('gate-a', 'a-3', { ticket_id: 'G-1', scanned_at: lastScan })).json()).toEqual(doubled.json());
    expect((await lists()).find((list) => list.id === 'hall')).toMatchObject({ checked_in: 1, inside: 1 });

    const listed = (await t.app.inject({ url: `/events/${EVENT}/conflicts`, headers: t.supervisor() })).json();
    const conflict = listed.conflicts.find((item: { list_id?: string }) => item.list_id === 'hall');
    expect(conflict).toMatchObject({ kind: 'already-inside', ticket_id: 'G-1', second: { checked_in_by: 'gate-a' } });
    expect(conflict.first).toMatchObject({ checked_in_by: 'gate-b' });

    const resolveUrl = `/events/${EVENT}/conflicts/${conflict.conflict_id}/resolve`;
    const byCommittee = await t.app.inject({
      method: 'POST',
      url: resolveUrl,
      headers: t.committee(),
      payload: { action: 'annul' },
    });
    expect(byCommittee.statusCode).toBe(403);
    const resolved = await t.app.inject({
      method: 'POST',
      url: resolveUrl,
      headers: t.supervisor(),
      payload: { action: 'annul', reason: 'one ticket, two people' },
    });
    expect(resolved.statusCode).toBe(200);
    expect(resolved.json()).toMatchObject({ resolution: 'annulled', handled: { by: 'lead1' } });
    expect((await lists()).find((list) => list.id === 'hall')).toMatchObject({ checked_in: 1, inside: 0 });
  });

  it('keeps the admission when the supervisor says keep', async () => {
    const body = { ticket_id: 'G-4', list_id: 'stage', admitted_offline: true };
    expect((await scan(body, { ...t.committee('gate-a'), 'idempotency-key': 'k-1' })).statusCode).toBe(201);
    const second = await scan(body, { ...t.committee('gate-b'), 'idempotency-key': 'k-2' });
    expect(second.json()).toMatchObject({ conflict: true });
    const listed = (await t.app.inject({ url: `/events/${EVENT}/conflicts`, headers: t.supervisor() })).json();
    const conflict = listed.conflicts.find((item: { ticket_id: string }) => item.ticket_id === 'G-4');
    const inside = (await lists()).find((list) => list.id === 'stage') as { inside: number };
    const kept = await t.app.inject({
      method: 'POST',
      url: `/events/${EVENT}/conflicts/${conflict.conflict_id}/resolve`,
      headers: t.admin(),
      payload: { action: 'keep' },
    });
    expect(kept.json()).toMatchObject({ resolution: 'kept' });
    expect((await lists()).find((list) => list.id === 'stage')).toMatchObject({ inside: inside.inside });
  });
});

describe('ticket types on issue', () => {
  it('generates N tickets of a type and answers type only where there is one (compat)', async () => {
    const typed = await t.app.inject({
      method: 'POST',
      url: `/events/${EVENT}/tickets`,
      headers: t.admin(),
      payload: { count: 2, type: 'Crew' },
    });
    expect(typed.statusCode).toBe(201);
    expect(typed.json().tickets[0]).toMatchObject({ type: 'Crew' });
    const plain = await t.app.inject({
      method: 'POST',
      url: `/events/${EVENT}/tickets`,
      headers: t.admin(),
      payload: { count: 1 },
    });
    expect(Object.keys(plain.json().tickets[0])).toEqual(['ticket_id', 'holder_name', 'holder_email']);
    const csv = await t.app.inject({
      method: 'POST',
      url: `/events/${EVENT}/tickets`,
      headers: { ...t.admin(), 'content-type': 'text/csv' },
      payload: 'ticket_id,holder_name,type\nCSV-1,Ani,VIP\n',
    });
    expect(csv.statusCode).toBe(201);
    expect(csv.json().tickets).toEqual([{ ticket_id: 'CSV-1', holder_name: 'Ani', holder_email: null, type: 'VIP' }]);
  });
});

describe('the export marks', () => {
  it('says who arrived and left, whose ticket was cancelled, and whose check-in was annulled', async () => {
    const mistaken = await t.checkIn({ event_id: EVENT, ticket_id: 'G-5' });
    const undone = await t.app.inject({
      method: 'POST',
      url: `/events/${EVENT}/checkins/${mistaken.json().record.checkin_id}/annul`,
      headers: t.admin(),
      payload: { reason: 'wrong name picked' },
    });
    expect(undone.statusCode).toBe(200);
    const arrived = await t.app.inject({
      url: `/events/${EVENT}/export?list=arrived&format=csv&lang=en`,
      headers: t.admin(),
    });
    expect(arrived.statusCode).toBe(200);
    const arrivedLines = arrived.body.split(/\r?\n/);
    // G-7 went out through main; G-6 was annulled, then checked in again.
    expect(arrivedLines.find((line) => line.startsWith('G-7,'))).toContain('Arrived, has left');
    expect(arrivedLines.find((line) => line.startsWith('G-6,'))).toMatch(/,Arrived,/);
    const absent = await t.app.inject({
      url: `/events/${EVENT}/export?list=absent&format=csv&lang=en`,
      headers: t.admin(),
    });
    const absentLines = absent.body.split(/\r?\n/);
    expect(absentLines.find((line) => line.startsWith('G-9,'))).toContain('Ticket cancelled');
    expect(absentLines.find((line) => line.startsWith('G-5,'))).toContain('Check-in annulled');
    expect(absentLines.find((line) => line.startsWith('G-8,'))).toContain('Not yet arrived');
  });
});

describe('the offline download after an undo', () => {
  it('sends the check-ins again from the start, saying so, without the annulled one', async () => {
    const offline = (cursor?: string) =>
      t.app.inject({
        url: `/events/${EVENT}/tickets/offline${cursor ? `?cursor=${cursor}` : ''}`,
        headers: t.committee(),
      });
    // Past the download's settle time of the latest check-ins, as a device that downloaded a while ago.
    await t.db.pool.query(
      `UPDATE checkins SET checked_in_at = checked_in_at - interval '1 minute' WHERE event_id = $1`,
      [EVENT],
    );
    let page = (await offline()).json();
    while (!page.complete) page = (await offline(page.next_cursor)).json();
    expect(page.checkins_restarted).toBeUndefined();
    const kept = page.next_cursor;
    const again = await t.checkIn({ event_id: EVENT, ticket_id: 'G-8' });
    const undone = await t.app.inject({
      method: 'POST',
      url: `/events/${EVENT}/checkins/${again.json().record.checkin_id}/annul`,
      headers: t.supervisor(),
      payload: { reason: 'test' },
    });
    expect(undone.statusCode).toBe(200);
    // Another check-in annulled: the device's count of check-ins no longer matches.
    const g7 = (await history('G-7')).history.find((line: { action: string }) => line.action === 'entry');
    const annulG7 = await t.app.inject({
      method: 'POST',
      url: `/events/${EVENT}/checkins/${g7.checkin_id}/annul`,
      headers: t.supervisor(),
      payload: { reason: 'test' },
    });
    expect(annulG7.statusCode).toBe(200);
    const delta = (await offline(kept)).json();
    expect(delta.checkins_restarted).toBe(true);
    const codes = delta.checkins.map((checkin: string[]) => checkin[0]);
    expect(codes).not.toContain('G-7');
    expect(codes).not.toContain('G-8');
    expect(codes).toContain('G-6');
    // The cancelled ticket comes with its reason; a typed one with its type.
    const first = (await offline()).json();
    expect(first.tickets).toContainEqual(['G-9', null, 'VIP', 'refunded']);
    expect(first.tickets).toContainEqual(['G-1', 'Sari', 'VIP']);
  });
});

describe('an offline queue uploaded in one batch', () => {
  it('applies an entry, an exit and a re-entry of one ticket in their order', async () => {
    await addList({ id: 'garden', name: 'Garden', reentry: true });
    const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
    const token = t.token('gate-q');
    const item = (key: string, minutes: number, direction: 'entry' | 'exit') => ({
      token,
      idempotency_key: key,
      event_id: EVENT,
      ticket_id: 'G-2',
      list_id: 'garden',
      direction,
      scanned_at: minutesAgo(minutes),
      admitted_offline: true,
    });
    const response = await t.app.inject({
      method: 'POST',
      url: '/checkins/batch',
      payload: { checkins: [item('q-1', 30, 'entry'), item('q-2', 20, 'exit'), item('q-3', 10, 'entry')] },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().results.map((result: { status: number }) => result.status)).toEqual([201, 201, 201]);
    expect(response.json().results[1].body.status).toBe('checked_out');
    expect((await lists()).find((list) => list.id === 'garden')).toMatchObject({ checked_in: 1, inside: 1 });
  });
});
