// Attention notes per ticket type and the CSV's note column (issue 17 item 9): set by an admin, carried by the device copy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/attendance-app.js';

let t: TestApp;
const EVENT = 'tn-fest';

beforeAll(async () => {
  t = await startTestApp('ticket_type_notes');
  await t.createEvent(EVENT);
  const issued = await t.app.inject({
    method: 'POST',
    url: `/events/${EVENT}/tickets`,
    headers: t.admin(),
    payload: {
      tickets: [
        { ticket_id: 'V-1', holder_name: 'Vina', type: 'VIP' },
        { ticket_id: 'V-2', holder_name: 'Vino', type: 'VIP', note: 'Periksa KTP' },
        { ticket_id: 'R-1', holder_name: 'Rudi', type: 'Reguler' },
        { ticket_id: 'P-1', holder_name: 'Polos' },
      ],
    },
  });
  expect(issued.statusCode).toBe(201);
});
afterAll(async () => {
  await t.close();
});

const setNote = (type: string, note: string | null, headers = t.admin(), eventId = EVENT) =>
  t.app.inject({ method: 'PUT', url: `/events/${eventId}/ticket-type-notes`, headers, payload: { type, note } });
const readNotes = (headers = t.admin(), eventId = EVENT) =>
  t.app.inject({ url: `/events/${eventId}/ticket-type-notes`, headers });
const deviceTickets = async () => {
  const response = await t.app.inject({ url: `/events/${EVENT}/tickets/offline`, headers: t.committee() });
  expect(response.statusCode).toBe(200);
  return new Map((response.json().tickets as unknown[][]).map((ticket) => [ticket[0], ticket]));
};

describe('notes per ticket type', () => {
  it("lists the event's types with their counts, without notes at first", async () => {
    const response = await readNotes();
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      event_id: EVENT,
      types: [
        { type: 'Reguler', tickets: 1, note: null },
        { type: 'VIP', tickets: 2, note: null },
      ],
    });
  });

  it("sets a type's note, and the device copy carries it on every ticket of the type, before the ticket's own", async () => {
    const response = await setNote('VIP', '  VIP: panggil supervisor ');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ type: 'VIP', tickets: 2, note: 'VIP: panggil supervisor' });
    const tickets = await deviceTickets();
    expect(tickets.get('V-1')).toEqual(['V-1', 'Vina', 'VIP', null, 'VIP: panggil supervisor']);
    // Both: the type's note first, then the ticket's own.
    expect(tickets.get('V-2')).toEqual(['V-2', 'Vino', 'VIP', null, 'VIP: panggil supervisor · Periksa KTP']);
    // Other tickets keep their compact shapes.
    expect(tickets.get('R-1')).toEqual(['R-1', 'Rudi', 'Reguler']);
    expect(tickets.get('P-1')).toEqual(['P-1', 'Polos']);
  });

  it('keeps a note for a type that has no tickets yet, and lists it with 0 tickets', async () => {
    expect((await setNote('Crew', 'Crew: cek gelang')).json()).toEqual({
      type: 'Crew',
      tickets: 0,
      note: 'Crew: cek gelang',
    });
    expect((await readNotes()).json().types).toEqual([
      { type: 'Crew', tickets: 0, note: 'Crew: cek gelang' },
      { type: 'Reguler', tickets: 1, note: null },
      { type: 'VIP', tickets: 2, note: 'VIP: panggil supervisor' },
    ]);
  });

  it('clears a note with null or an empty one, and the device copy is as before', async () => {
    expect((await setNote('Crew', null)).json()).toEqual({ type: 'Crew', tickets: 0, note: null });
    expect((await setNote('VIP', '   ')).json()).toEqual({ type: 'VIP', tickets: 2, note: null });
    const tickets = await deviceTickets();
    expect(tickets.get('V-1')).toEqual(['V-1', 'Vina', 'VIP']);
    expect(tickets.get('V-2')).toEqual(['V-2', 'Vino', 'VIP', null, 'Periksa KTP']);
    expect((await readNotes()).json().types.map((item: { type: string }) => item.type)).toEqual(['Reguler', 'VIP']);
  });

  it('is for admins only (403), of a registered event (404), and wants a type (422)', async () => {
    expect((await setNote('VIP', 'x', t.committee())).statusCode).toBe(403);
    expect((await readNotes(t.committee())).statusCode).toBe(403);
    const missing = await setNote('VIP', 'x', t.admin(), 'tn-none');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ detail: 'Event not found' });
    expect((await readNotes(t.admin(), 'tn-none')).statusCode).toBe(404);
    const blank = await setNote('', 'x');
    expect(blank.statusCode).toBe(422);
    expect(blank.json().detail[0].loc).toEqual(['body', 'type']);
  });
});

describe("the ticket CSV's note column", () => {
  it('imports a note per line, and the device copy carries it', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: `/events/${EVENT}/tickets`,
      headers: { ...t.admin(), 'content-type': 'text/csv' },
      payload: 'ticket_id,holder_name,type,note\nC-1,Citra,Reguler,Periksa KTP\nC-2,Cahyo,Reguler,\n',
    });
    expect(response.statusCode).toBe(201);
    expect(response.json().created).toBe(2);
    const tickets = await deviceTickets();
    expect(tickets.get('C-1')).toEqual(['C-1', 'Citra', 'Reguler', null, 'Periksa KTP']);
    expect(tickets.get('C-2')).toEqual(['C-2', 'Cahyo', 'Reguler']);
  });

  it('names a note over 200 characters by its line and column', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: `/events/${EVENT}/tickets`,
      headers: { ...t.admin(), 'content-type': 'text/csv' },
      payload: `ticket_id,note\nC-3,${'x'.repeat(201)}\n`,
    });
    expect(response.statusCode).toBe(422);
    expect(response.json().detail).toEqual([
      expect.objectContaining({ loc: ['body', 2, 'note'], type: 'too_big', ctx: { maximum: 200, origin: 'string' } }),
    ]);
  });
});
