// POST /checkins and GET /checkins: exactly once, the 409 record, the ticket rule, the caller's own list.
import { randomUUID } from 'node:crypto';
import { signAccessToken } from '@tixgo/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ISO_TIME, openApp, startTestApp, type TestApp, UUID } from '../support/attendance-app.js';

let t: TestApp;

/** The Authorization header of account `uid` named `username` (as identity signs it). */
const signed = (username: string, uid: string) => ({
  authorization: `Bearer ${signAccessToken(t.app, { username, role: 'committee', uid, sid: randomUUID(), ver: 0 })}`,
});

beforeAll(async () => {
  t = await startTestApp('checkins');
});
afterAll(async () => {
  await t.close();
});

describe('POST /checkins', () => {
  it('checks a ticket in with 201 and the compat record, checked_in_by from the token', async () => {
    const response = await t.checkIn({ event_id: 'ev-a', ticket_id: 'T-1', location: 'Gate A' });
    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(body).toEqual({
      status: 'checked_in',
      record: {
        event_id: 'ev-a',
        ticket_id: 'T-1',
        checked_in_by: 'panitia1',
        checked_in_at: expect.stringMatching(ISO_TIME),
        checkin_id: expect.stringMatching(UUID),
        location: 'Gate A',
      },
    });
    expect(Object.keys(body.record)).toEqual([
      'event_id',
      'ticket_id',
      'checked_in_by',
      'checked_in_at',
      'checkin_id',
      'location',
    ]);
    expect(Math.abs(Date.parse(body.record.checked_in_at) - Date.now())).toBeLessThan(60_000);
  });

  it('ignores a checked_in_by in the body: the scanner is always the caller', async () => {
    const response = await t.checkIn(
      { event_id: 'ev-a', ticket_id: 'T-forged', checked_in_by: 'someone-else' },
      t.committee('gate2'),
    );
    expect(response.statusCode).toBe(201);
    expect(response.json().record.checked_in_by).toBe('gate2');
  });

  it('takes an integer event_id and ticket_id as their decimal strings (compat: the original does)', async () => {
    await t.createEvent('20261', ['778']);
    const response = await t.checkIn({ event_id: 20261, ticket_id: 778, location: 'Gate A' });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toEqual({
      status: 'checked_in',
      record: expect.objectContaining({ event_id: '20261', ticket_id: '778', checked_in_by: 'panitia1' }),
    });
    // The same ticket as a string is the same ticket.
    const again = await t.checkIn({ event_id: '20261', ticket_id: '778' });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toEqual({ detail: 'Ticket already checked in', record: response.json().record });
    // And the path form of the event finds it.
    const list = await t.app.inject({ url: '/attendance/20261', headers: t.committee() });
    expect(list.statusCode).toBe(200);
    expect(list.json()).toMatchObject({ event_id: '20261', total_checked_in: 1 });
  });

  it('stores a missing location as null', async () => {
    const response = await t.checkIn({ event_id: 'ev-a', ticket_id: 'T-noloc' });
    expect(response.statusCode).toBe(201);
    expect(response.json().record.location).toBeNull();
  });

  it("rejects a second check-in of the same ticket with 409 and the first scan's time, scanner and place", async () => {
    const first = await t.checkIn({ event_id: 'ev-a', ticket_id: 'T-2', location: 'Gate A' }, t.committee('gate1'));
    expect(first.statusCode).toBe(201);
    const second = await t.checkIn({ event_id: 'ev-a', ticket_id: 'T-2', location: 'Gate B' }, t.committee('gate2'));
    expect(second.statusCode).toBe(409);
    expect(second.json()).toEqual({ detail: 'Ticket already checked in', record: first.json().record });
  });

  it('accepts the same ticket code at two different events', async () => {
    const one = await t.checkIn({ event_id: 'ev-x', ticket_id: 'SHARED' });
    const two = await t.checkIn({ event_id: 'ev-y', ticket_id: 'SHARED' });
    expect([one.statusCode, two.statusCode]).toEqual([201, 201]);
    expect(one.json().record.checkin_id).not.toBe(two.json().record.checkin_id);
  });

  it('lets an admin check tickets in too', async () => {
    const response = await t.checkIn({ event_id: 'ev-a', ticket_id: 'T-admin' }, t.admin());
    expect(response.statusCode).toBe(201);
    expect(response.json().record.checked_in_by).toBe('admin1');
  });

  it('gives exactly one 201 among 60 concurrent scans of one ticket; the others get 409 with that record', async () => {
    const responses = await Promise.all(
      Array.from({ length: 60 }, (_, gate) =>
        t.checkIn({ event_id: 'ev-race', ticket_id: 'RACE-1', location: `Gate ${gate}` }, t.committee(`gate${gate}`)),
      ),
    );
    const created = responses.filter((response) => response.statusCode === 201);
    const duplicates = responses.filter((response) => response.statusCode === 409);
    expect(created).toHaveLength(1);
    expect(duplicates).toHaveLength(59);
    const record = created[0]?.json().record;
    for (const duplicate of duplicates) {
      expect(duplicate.json()).toEqual({ detail: 'Ticket already checked in', record });
    }
    const list = await t.app.inject({ url: '/attendance/ev-race', headers: t.committee() });
    expect(list.json()).toEqual({ event_id: 'ev-race', total_checked_in: 1, records: [record] });
  });

  it('gives exactly one 201 when two replicas on one database race for the same tickets', async () => {
    const replica = await openApp(t.database);
    try {
      const scans = Array.from({ length: 30 }, (_, index) => {
        const target = index % 2 === 0 ? t : replica;
        return target.checkIn(
          { event_id: 'ev-replicas', ticket_id: `R-${index % 3}` },
          target.committee(`gate${index}`),
        );
      });
      const statuses = (await Promise.all(scans)).map((response) => response.statusCode);
      expect(statuses.filter((status) => status === 201)).toHaveLength(3);
      expect(statuses.filter((status) => status === 409)).toHaveLength(27);
    } finally {
      await replica.close();
    }
  });
});

describe('the ticket rule', () => {
  beforeAll(async () => {
    await t.createEvent('ev-tix', ['GOOD-1', 'GOOD-2']);
    await t.createEvent('ev-open');
  });

  it('accepts an issued ticket of an event with tickets', async () => {
    const response = await t.checkIn({ event_id: 'ev-tix', ticket_id: 'GOOD-1' });
    expect(response.statusCode).toBe(201);
    expect(response.json().record.ticket_id).toBe('GOOD-1');
  });

  it('refuses a code that the event did not issue with 404 "Ticket not found for this event"', async () => {
    const response = await t.checkIn({ event_id: 'ev-tix', ticket_id: 'FORGED-9' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ detail: 'Ticket not found for this event' });
    const list = await t.app.inject({ url: '/attendance/ev-tix', headers: t.committee() });
    expect(list.json().records.map((record: { ticket_id: string }) => record.ticket_id)).toEqual(['GOOD-1']);
  });

  it('names the other registered event that issued a refused code, keeping the 404 and its detail', async () => {
    const create = (id: string, title: string) =>
      t.app.inject({ method: 'POST', url: '/events', headers: t.admin(), payload: { id, title } });
    expect((await create('ev-day-2', 'Malam Puncak (day 2)')).statusCode).toBe(201);
    await t.issueTickets('ev-day-2', ['DAY2-1', 'BOTH-1']);
    expect((await create('ev-day-3', 'Penutupan (day 3)')).statusCode).toBe(201);
    await t.issueTickets('ev-day-3', ['BOTH-1']);

    const wrongDay = await t.checkIn({ event_id: 'ev-tix', ticket_id: 'DAY2-1' });
    expect(wrongDay.statusCode).toBe(404);
    expect(wrongDay.json()).toEqual({
      detail: 'Ticket not found for this event',
      other_event: { id: 'ev-day-2', title: 'Malam Puncak (day 2)' },
    });
    // Issued by two other events: the most recently created one is named.
    const both = await t.checkIn({ event_id: 'ev-tix', ticket_id: 'BOTH-1' });
    expect(both.statusCode).toBe(404);
    expect(both.json()).toEqual({
      detail: 'Ticket not found for this event',
      other_event: { id: 'ev-day-3', title: 'Penutupan (day 3)' },
    });
    // Through POST /events/{id}/checkins too; nothing was checked in anywhere.
    const atEvent = await t.app.inject({
      method: 'POST',
      url: '/events/ev-tix/checkins',
      headers: t.committee(),
      payload: { ticket_id: 'DAY2-1' },
    });
    expect(atEvent.statusCode).toBe(404);
    expect(atEvent.json()).toEqual({
      detail: 'Ticket not found for this event',
      other_event: { id: 'ev-day-2', title: 'Malam Puncak (day 2)' },
    });
    const day2 = await t.app.inject({ url: '/attendance/ev-day-2', headers: t.committee() });
    expect(day2.json()).toEqual({ event_id: 'ev-day-2', total_checked_in: 0, records: [] });
  });

  it('names no other event once the event that issued the code is deleted', async () => {
    await t.app.inject({
      method: 'POST',
      url: '/events',
      headers: t.admin(),
      payload: { id: 'ev-gone', title: 'Gone' },
    });
    await t.issueTickets('ev-gone', ['GONE-1']);
    const deleted = await t.app.inject({ method: 'DELETE', url: '/events/ev-gone', headers: t.admin() });
    expect(deleted.statusCode).toBe(200);
    const response = await t.checkIn({ event_id: 'ev-tix', ticket_id: 'GONE-1' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ detail: 'Ticket not found for this event' });
  });

  it('accepts any code once at a registered event without tickets', async () => {
    const first = await t.checkIn({ event_id: 'ev-open', ticket_id: 'ANYTHING-1' });
    const again = await t.checkIn({ event_id: 'ev-open', ticket_id: 'ANYTHING-1' });
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(409);
    expect(again.json().record).toEqual(first.json().record);
  });

  it('accepts an event id that was never registered ad hoc (compat)', async () => {
    const response = await t.checkIn({ event_id: 'never-registered', ticket_id: 'X-1' });
    expect(response.statusCode).toBe(201);
    expect(response.json().record.event_id).toBe('never-registered');
  });

  it('refuses an unregistered event with 404 "Event not found" when REQUIRE_REGISTERED_EVENTS=true', async () => {
    const strict = await openApp(t.database, { REQUIRE_REGISTERED_EVENTS: 'true' });
    try {
      const refused = await strict.checkIn({ event_id: 'not-registered-strict', ticket_id: 'X-1' });
      expect(refused.statusCode).toBe(404);
      expect(refused.json()).toEqual({ detail: 'Event not found' });
      const registered = await strict.checkIn({ event_id: 'ev-open', ticket_id: 'STRICT-OK' });
      expect(registered.statusCode).toBe(201);
      const unissued = await strict.checkIn({ event_id: 'ev-tix', ticket_id: 'FORGED-1' });
      expect(unissued.statusCode).toBe(404);
      expect(unissued.json()).toEqual({ detail: 'Ticket not found for this event' });
      // An unregistered event is "Event not found" even for a code another event issued.
      const elsewhere = await strict.checkIn({ event_id: 'not-registered-strict', ticket_id: 'GOOD-2' });
      expect(elsewhere.statusCode).toBe(404);
      expect(elsewhere.json()).toEqual({ detail: 'Event not found' });
    } finally {
      await strict.close();
    }
  });

  it('refuses an unregistered event on POST /events/{id}/checkins whatever the setting', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/events/never-registered-2/checkins',
      headers: t.committee(),
      payload: { ticket_id: 'X-1' },
    });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ detail: 'Event not found' });
  });

  it('checks in through POST /events/{id}/checkins like POST /checkins', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/events/ev-tix/checkins',
      headers: t.committee('gate7'),
      payload: { ticket_id: 'GOOD-2', location: 'Side door' },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json().record).toMatchObject({
      event_id: 'ev-tix',
      ticket_id: 'GOOD-2',
      checked_in_by: 'gate7',
      location: 'Side door',
    });
    const duplicate = await t.checkIn({ event_id: 'ev-tix', ticket_id: 'GOOD-2' });
    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.json().record).toEqual(created.json().record);
  });
});

describe('GET /checkins', () => {
  it("lists only the caller's own check-ins, oldest first, optionally at one event", async () => {
    for (const ticket of ['M-1', 'M-2'])
      await t.checkIn({ event_id: 'ev-mine', ticket_id: ticket }, t.committee('mine'));
    await t.checkIn({ event_id: 'ev-mine-2', ticket_id: 'M-3' }, t.committee('mine'));
    await t.checkIn({ event_id: 'ev-mine', ticket_id: 'OTHER' }, t.committee('other'));

    const atEvent = await t.app.inject({ url: '/checkins?event_id=ev-mine', headers: t.committee('mine') });
    expect(atEvent.statusCode).toBe(200);
    const body = atEvent.json();
    expect(body.user_id).toBe('mine');
    expect(body.checkins.map((record: { ticket_id: string }) => record.ticket_id)).toEqual(['M-1', 'M-2']);
    expect(body.checkins.every((record: { checked_in_by: string }) => record.checked_in_by === 'mine')).toBe(true);

    const everywhere = await t.app.inject({ url: '/checkins', headers: t.committee('mine') });
    expect(everywhere.statusCode).toBe(200);
    expect(everywhere.json().checkins.map((record: { ticket_id: string }) => record.ticket_id)).toEqual([
      'M-1',
      'M-2',
      'M-3',
    ]);
  });

  it('pages the caller’s check-ins with limit and next_cursor', async () => {
    const first = await t.app.inject({ url: '/checkins?limit=2', headers: t.committee('mine') });
    expect(first.statusCode).toBe(200);
    expect(first.json().checkins).toHaveLength(2);
    const cursor = first.json().next_cursor;
    expect(typeof cursor).toBe('string');
    const second = await t.app.inject({ url: `/checkins?limit=2&cursor=${cursor}`, headers: t.committee('mine') });
    expect(second.json().checkins.map((record: { ticket_id: string }) => record.ticket_id)).toEqual(['M-3']);
    expect(second.json().next_cursor).toBeNull();
  });

  it("does not show a deleted account's check-ins to a new account of the same username (another uid)", async () => {
    const oldAccount = signed('reused-name', '0a0a0a0a-1111-4222-8333-444444444444');
    const newAccount = signed('reused-name', '0b0b0b0b-1111-4222-8333-444444444444');
    const scan = await t.checkIn({ event_id: 'ev-reused', ticket_id: 'OLD-1' }, oldAccount);
    expect(scan.statusCode).toBe(201);
    const batch = await t.app.inject({
      method: 'POST',
      url: '/checkins/batch',
      payload: {
        checkins: [
          {
            token: oldAccount.authorization.slice('Bearer '.length),
            idempotency_key: randomUUID(),
            event_id: 'ev-reused',
            ticket_id: 'OLD-2',
          },
        ],
      },
    });
    expect(batch.json().results[0].status).toBe(201);

    const stranger = await t.app.inject({ url: '/checkins', headers: newAccount });
    expect(stranger.statusCode).toBe(200);
    expect(stranger.json()).toEqual({ user_id: 'reused-name', checkins: [], next_cursor: null });
    const owner = await t.app.inject({ url: '/checkins?event_id=ev-reused', headers: oldAccount });
    expect(owner.statusCode).toBe(200);
    expect(owner.json().checkins.map((record: { ticket_id: string }) => record.ticket_id)).toEqual(['OLD-1', 'OLD-2']);
    // The compat record still names the scanner by username.
    expect(owner.json().checkins[0].checked_in_by).toBe('reused-name');
  });

  it('shows no account the check-ins written before accounts were recorded (no uid)', async () => {
    await t.checkIn({ event_id: 'ev-legacy', ticket_id: 'L-1' }, t.committee('legacy-gate'));
    await t.db.pool.query("UPDATE checkins SET checked_in_by_uid = NULL WHERE event_id = 'ev-legacy'");
    const response = await t.app.inject({ url: '/checkins', headers: t.committee('legacy-gate') });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ user_id: 'legacy-gate', checkins: [], next_cursor: null });
    const list = await t.app.inject({ url: '/attendance/ev-legacy', headers: t.committee() });
    expect(list.json().records.map((record: { ticket_id: string }) => record.ticket_id)).toEqual(['L-1']);
  });

  it('answers an empty list to a caller without check-ins', async () => {
    const response = await t.app.inject({ url: '/checkins?event_id=ev-a', headers: t.committee('nobody') });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ user_id: 'nobody', checkins: [], next_cursor: null });
  });
});
