// /events CRUD, deletion rules, /events/{id}/attendance and /events/{id}/summary.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/attendance-app.js';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp('events');
});
afterAll(async () => {
  await t.close();
});

const create = (payload: object, headers = t.admin()) =>
  t.app.inject({ method: 'POST', url: '/events', headers, payload });
const update = (id: string, payload: object, headers = t.admin()) =>
  t.app.inject({ method: 'PUT', url: `/events/${id}`, headers, payload });
const remove = (url: string, headers = t.admin()) => t.app.inject({ method: 'DELETE', url, headers });
const get = (url: string) => t.app.inject({ url, headers: t.committee() });
const scan = (eventId: string, ticketId: string) => t.checkIn({ event_id: eventId, ticket_id: ticketId });

describe('POST /events', () => {
  it('takes an integer id as its decimal string (compat)', async () => {
    const response = await create({ id: 4242, title: 'Numbered' });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({ id: '4242', title: 'Numbered' });
    const found = await t.app.inject({ url: '/events/4242', headers: t.committee() });
    expect(found.statusCode).toBe(200);
    expect(found.json()).toMatchObject({ id: '4242', title: 'Numbered' });
  });

  it('creates an event with the given id (201) and reports who created it', async () => {
    const response = await create({
      id: 'seminar-1',
      title: 'Seminar Nasional',
      description: 'Line one\nLine two',
      location: 'Aula',
      start_time: '2025-05-01T09:00:00+07:00',
      end_time: '2025-05-01T12:00:00Z',
      capacity: 300,
    });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toEqual({
      id: 'seminar-1',
      title: 'Seminar Nasional',
      description: 'Line one\nLine two',
      location: 'Aula',
      start_time: '2025-05-01T02:00:00.000Z',
      end_time: '2025-05-01T12:00:00.000Z',
      created_by: 'admin1',
      created_at: expect.stringMatching(/Z$/),
      capacity: 300,
    });
  });

  it('generates an id when none is given and takes a time without offset as UTC', async () => {
    const response = await create({ title: 'No id', start_time: '2025-06-01T08:30:00' });
    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.start_time).toBe('2025-06-01T08:30:00.000Z');
    expect(body).toMatchObject({ description: null, location: null, end_time: null, capacity: null });
  });

  it('refuses a taken id with 409', async () => {
    await create({ id: 'taken', title: 'First' });
    const response = await create({ id: 'taken', title: 'Second' });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toEqual({ detail: 'Event already exists', event_id: 'taken' });
  });

  it('refuses a committee member with 403 "Admin only"', async () => {
    const response = await create({ id: 'nope', title: 'Nope' }, t.committee());
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual({ detail: 'Admin only' });
  });

  it.each([
    ['a missing title', { id: 'e-v1' }, ['body', 'title']],
    ['a blank title', { title: '   ' }, ['body', 'title']],
    ['a null title', { title: null }, ['body', 'title']],
    ['a title over 200 characters', { title: 'x'.repeat(201) }, ['body', 'title']],
    ['a description over 5000 characters', { title: 'x', description: 'd'.repeat(5001) }, ['body', 'description']],
    ['a negative capacity', { title: 'x', capacity: -1 }, ['body', 'capacity']],
    ['a capacity as a string', { title: 'x', capacity: '10' }, ['body', 'capacity']],
    ['a start time that is not a time', { title: 'x', start_time: 'tomorrow' }, ['body', 'start_time']],
    ['an impossible date', { title: 'x', start_time: '2025-02-30T10:00:00Z' }, ['body', 'start_time']],
  ])('answers 422 to %s', async (_name, payload, loc) => {
    const response = await create(payload);
    expect(response.statusCode).toBe(422);
    expect(response.json().detail[0].loc).toEqual(loc);
  });

  it('answers 422 to an end before the start and to a year PostgreSQL cannot store', async () => {
    const backwards = await create({
      title: 'x',
      start_time: '2025-05-02T00:00:00Z',
      end_time: '2025-05-01T00:00:00Z',
    });
    expect(backwards.statusCode).toBe(422);
    expect(backwards.json()).toEqual({ detail: 'end_time must not be before start_time' });
    const yearZero = await create({ title: 'x', start_time: '0000-01-01T00:00:00Z' });
    expect(yearZero.statusCode).toBe(422);
    expect(yearZero.json().detail).toMatch(/^Invalid value/);
  });
});

describe('GET /events', () => {
  it('lists events for any role and shows one by id', async () => {
    await create({ id: 'listed', title: 'Listed' });
    const list = await get('/events');
    expect(list.statusCode).toBe(200);
    expect(list.json().map((event: { id: string }) => event.id)).toContain('listed');
    const one = await get('/events/listed');
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({ id: 'listed', title: 'Listed', capacity: null });
  });

  it('answers 404 "Event not found" for an unknown id', async () => {
    const response = await get('/events/unknown');
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ detail: 'Event not found' });
  });
});

describe('PUT /events/{id}', () => {
  it('changes only the fields given and clears a field set to null', async () => {
    await create({ id: 'editable', title: 'Old', description: 'Keep me', location: 'Hall', capacity: 10 });
    const response = await update('editable', { title: 'New', location: null });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      id: 'editable',
      title: 'New',
      description: 'Keep me',
      location: null,
      capacity: 10,
    });
  });

  it('answers 422 to a null title and keeps every later list working (the original broke with 500s)', async () => {
    await create({ id: 'null-title', title: 'Has a title' });
    const response = await update('null-title', { title: null });
    expect(response.statusCode).toBe(422);
    expect(response.json().detail[0].loc).toEqual(['body', 'title']);
    const list = await get('/events');
    expect(list.statusCode).toBe(200);
    const one = await get('/events/null-title');
    expect(one.json().title).toBe('Has a title');
  });

  it('answers 422 when the change would put the end before the start', async () => {
    await create({ id: 'timed', title: 'T', start_time: '2025-05-01T10:00:00Z' });
    const response = await update('timed', { end_time: '2025-05-01T09:00:00Z' });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual({ detail: 'end_time must not be before start_time' });
  });

  it('answers 404 for an unknown event and 403 for a committee member', async () => {
    const missing = await update('missing', { title: 'x' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ detail: 'Event not found' });
    const committee = await update('editable', { title: 'x' }, t.committee());
    expect(committee.statusCode).toBe(403);
    expect(committee.json()).toEqual({ detail: 'Admin only' });
  });
});

describe('DELETE /events/{id}', () => {
  it('deletes an event without check-ins, and its tickets', async () => {
    await create({ id: 'doomed', title: 'Doomed' });
    await t.app.inject({ method: 'POST', url: '/events/doomed/tickets', headers: t.admin(), payload: { count: 3 } });
    const response = await remove('/events/doomed');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'deleted', event_id: 'doomed' });
    const gone = await get('/events/doomed');
    expect(gone.statusCode).toBe(404);
    const { rows } = await t.db.pool.query("SELECT count(*)::int AS n FROM tickets WHERE event_id = 'doomed'");
    expect(rows[0].n).toBe(0);
  });

  it('refuses to delete an event with check-ins (409) unless force=true, which deletes them too', async () => {
    await create({ id: 'busy', title: 'Busy' });
    await scan('busy', 'B-1');
    await get('/attendance/busy');
    const refused = await remove('/events/busy');
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toEqual({
      detail: 'Event has check-ins; add ?force=true to delete it with them',
      total_checked_in: 1,
    });
    const forced = await remove('/events/busy?force=true');
    expect(forced.statusCode).toBe(200);
    expect(forced.json()).toEqual({ status: 'deleted', event_id: 'busy' });
    const list = await get('/attendance/busy');
    expect(list.json()).toEqual({ event_id: 'busy', total_checked_in: 0, records: [] });
    const again = await scan('busy', 'B-1');
    expect(again.statusCode).toBe(201);
  });

  it('answers 404 for an unknown event, 403 for a committee member, 422 for a bad force value', async () => {
    const missing = await remove('/events/missing');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ detail: 'Event not found' });
    const committee = await remove('/events/listed', t.committee());
    expect(committee.statusCode).toBe(403);
    expect(committee.json()).toEqual({ detail: 'Admin only' });
    const bad = await remove('/events/listed?force=maybe');
    expect(bad.statusCode).toBe(422);
    expect(bad.json().detail[0].loc).toEqual(['query', 'force']);
  });
});

describe('GET /events/{id}/attendance and /summary', () => {
  beforeAll(async () => {
    await create({ id: 'summit', title: 'Summit', capacity: 50 });
    const tickets = Array.from({ length: 8 }, (_, index) => `S-${index}`);
    await t.issueTickets('summit', tickets);
    for (const ticket of ['S-0', 'S-1', 'S-2']) await scan('summit', ticket);
    await create({ id: 'capped', title: 'Capped', capacity: 4 });
    await scan('capped', 'ANY-1');
    await create({ id: 'bare', title: 'Bare' });
    await scan('bare', 'ANY-1');
  });

  it('lists a registered event’s attendance like /attendance, and 404 for an unregistered one', async () => {
    const response = await get('/events/summit/attendance');
    expect(response.statusCode).toBe(200);
    expect(response.json().records.map((record: { ticket_id: string }) => record.ticket_id)).toEqual([
      'S-0',
      'S-1',
      'S-2',
    ]);
    const paged = await get('/events/summit/attendance?limit=2');
    expect(paged.json().records).toHaveLength(2);
    expect(paged.json().next_cursor).toEqual(expect.any(String));
    await scan('ad-hoc-only', 'X');
    const unknown = await get('/events/ad-hoc-only/attendance');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({ detail: 'Event not found' });
  });

  it('summarises with issued tickets as total_registered', async () => {
    const response = await get('/events/summit/summary');
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.event).toMatchObject({ id: 'summit', title: 'Summit', capacity: 50 });
    expect(body.event).not.toHaveProperty('ticket_count');
    expect(body.stats).toEqual({ total_registered: 8, total_checked_in: 3, checkin_percentage: 37.5 });
    expect(body.attendance).toMatchObject({ event_id: 'summit', total_checked_in: 3, next_cursor: null });
    expect(body.attendance.records).toHaveLength(3);
  });

  it('uses the capacity when no tickets were issued, and 0 with neither', async () => {
    const capped = (await get('/events/capped/summary')).json();
    expect(capped.stats).toEqual({ total_registered: 4, total_checked_in: 1, checkin_percentage: 25 });
    const bare = (await get('/events/bare/summary')).json();
    expect(bare.stats).toEqual({ total_registered: 0, total_checked_in: 1, checkin_percentage: 0 });
  });

  it('embeds only a bounded first page of check-ins, with next_cursor to read on', async () => {
    const response = await get('/events/summit/summary?limit=1');
    const body = response.json();
    expect(body.attendance.records.map((record: { ticket_id: string }) => record.ticket_id)).toEqual(['S-0']);
    expect(body.attendance.total_checked_in).toBe(3);
    const rest = await get(`/events/summit/attendance?cursor=${body.attendance.next_cursor}`);
    expect(rest.json().records.map((record: { ticket_id: string }) => record.ticket_id)).toEqual(['S-1', 'S-2']);
    const none = (await get('/events/summit/summary?limit=0')).json();
    expect(none.attendance.records).toEqual([]);
    expect(none.attendance.next_cursor).toBe('0');
  });

  it('answers 404 for the summary of an unregistered event', async () => {
    const response = await get('/events/nothing-here/summary');
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ detail: 'Event not found' });
  });
});

describe("an event's gates (issue 17 item 8)", () => {
  it('keeps the gates an admin defines, trimmed, answers them with the event, and clears them with [] or null', async () => {
    const created = await create({ id: 'gated', title: 'Gated', gates: [' Gerbang Utara ', 'Gerbang Selatan'] });
    expect(created.statusCode).toBe(201);
    expect(created.json().gates).toEqual(['Gerbang Utara', 'Gerbang Selatan']);
    expect((await get('/events/gated')).json().gates).toEqual(['Gerbang Utara', 'Gerbang Selatan']);
    const listed = (await get('/events')).json().find((event: { id: string }) => event.id === 'gated');
    expect(listed.gates).toEqual(['Gerbang Utara', 'Gerbang Selatan']);

    // Another field changed: the gates stay.
    expect((await update('gated', { location: 'Sabuga' })).json().gates).toEqual(['Gerbang Utara', 'Gerbang Selatan']);
    const cleared = await update('gated', { gates: [] });
    expect(cleared.statusCode).toBe(200);
    expect(cleared.json().gates).toBeUndefined();
    expect((await update('gated', { gates: ['Gerbang Barat'] })).json().gates).toEqual(['Gerbang Barat']);
    expect((await update('gated', { gates: null })).json().gates).toBeUndefined();
  });

  it('refuses a gate named twice in any case, and a blank one, with 422 and the reason', async () => {
    const twice = await create({ id: 'twice', title: 'Twice', gates: ['Gerbang Utara', 'gerbang utara'] });
    expect(twice.statusCode).toBe(422);
    expect(twice.json().detail[0]).toMatchObject({
      loc: ['body', 'gates'],
      msg: 'must not name a gate twice',
    });
    const blank = await create({ id: 'blank-gate', title: 'Blank', gates: ['  '] });
    expect(blank.statusCode).toBe(422);
    expect(blank.json().detail[0]).toMatchObject({ loc: ['body', 'gates', 0], msg: 'must not be blank' });
    expect((await get('/events/twice')).statusCode).toBe(404);
  });
});
