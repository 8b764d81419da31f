// POST and GET /events/{id}/tickets: generated codes, given lists, CSV uploads, all-or-nothing, paging.
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp, startTestApp, type TestApp } from '../support/attendance-app.js';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp('tickets');
  for (const id of ['gen', 'given', 'csv', 'dups', 'paged']) await t.createEvent(id);
});
afterAll(async () => {
  await t.close();
});

const issue = (eventId: string, payload: object | string, headers: Record<string, string> = t.admin()) =>
  t.app.inject({
    method: 'POST',
    url: `/events/${eventId}/tickets`,
    headers: typeof payload === 'string' ? { ...headers, 'content-type': 'text/csv' } : headers,
    payload,
  });
const ticketCount = async (eventId: string) =>
  (await t.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM tickets WHERE event_id = $1', [eventId]))
    .rows[0]?.n;

describe('POST /events/{id}/tickets', () => {
  it('generates n unguessable, readable, distinct codes', async () => {
    const response = await issue('gen', { count: 500 });
    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(body.created).toBe(500);
    expect(body.tickets).toHaveLength(500);
    const codes = body.tickets.map((ticket: { ticket_id: string }) => ticket.ticket_id);
    expect(new Set(codes).size).toBe(500);
    for (const code of codes) expect(code).toMatch(/^[2-9A-HJ-NP-Z]{12}$/);
    expect(body.tickets[0]).toEqual({ ticket_id: codes[0], holder_name: null, holder_email: null });
    expect(await ticketCount('gen')).toBe(500);
  });

  it('issues a given list; a ticket without an id gets a generated one', async () => {
    const response = await issue('given', {
      tickets: [
        { ticket_id: 'VIP-001', holder_name: 'Budi', holder_email: 'budi@example.com' },
        { holder_name: 'Sari' },
      ],
    });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toEqual({
      created: 2,
      tickets: [
        { ticket_id: 'VIP-001', holder_name: 'Budi', holder_email: 'budi@example.com' },
        { ticket_id: expect.stringMatching(/^[2-9A-HJ-NP-Z]{12}$/), holder_name: 'Sari', holder_email: null },
      ],
    });
  });

  it('takes integer ticket ids as their decimal strings (compat)', async () => {
    const response = await issue('given', { tickets: [{ ticket_id: 9001 }, { ticket_id: 0 }] });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toEqual({
      created: 2,
      tickets: [
        { ticket_id: '9001', holder_name: null, holder_email: null },
        { ticket_id: '0', holder_name: null, holder_email: null },
      ],
    });
  });

  it('imports a CSV upload with a header row', async () => {
    const csv =
      'ticket_id,holder_name,holder_email\nC-1,Ani,ani@example.com\n"C-2","Dewi, S.",\n,Tono,tono@example.com\n';
    const response = await issue('csv', csv);
    expect(response.statusCode).toBe(201);
    expect(response.json()).toEqual({
      created: 3,
      tickets: [
        { ticket_id: 'C-1', holder_name: 'Ani', holder_email: 'ani@example.com' },
        { ticket_id: 'C-2', holder_name: 'Dewi, S.', holder_email: null },
        {
          ticket_id: expect.stringMatching(/^[2-9A-HJ-NP-Z]{12}$/),
          holder_name: 'Tono',
          holder_email: 'tono@example.com',
        },
      ],
    });
  });

  it('accepts a CSV with only some columns, in any order, with a byte-order mark', async () => {
    const response = await issue('csv', '\uFEFFholder_name,ticket_id\r\nEka,C-10\r\n');
    expect(response.statusCode).toBe(201);
    expect(response.json().tickets).toEqual([{ ticket_id: 'C-10', holder_name: 'Eka', holder_email: null }]);
  });

  it.each([
    [
      'an unclosed quote (named where it opens)',
      'ticket_id,holder_name\nC-20,ok\n"C-21,broken\nC-22,fine\n',
      {
        loc: ['body', 3],
        msg: 'line 3: a quote (") opens a field here and is never closed',
        type: 'csv_quote_not_closed',
      },
    ],
    [
      'a line with too many fields',
      'ticket_id,holder_name\nC-30,ok\nC-31,two,three\n',
      {
        loc: ['body', 3],
        msg: 'line 3: 3 fields, the header has 2',
        type: 'csv_field_count',
        ctx: { fields: 3, expected: 2 },
      },
    ],
    [
      'a line with too few fields',
      'ticket_id,holder_name,holder_email\nC-32,ok,\nC-33,short\n',
      {
        loc: ['body', 3],
        msg: 'line 3: 2 fields, the header has 3',
        type: 'csv_field_count',
        ctx: { fields: 2, expected: 3 },
      },
    ],
    [
      'text after a closing quote',
      'ticket_id,holder_name\nC-34,"Dewi" Sari\n',
      {
        loc: ['body', 2, 'holder_name'],
        msg: expect.stringMatching(/^line 2, holder_name: text after a closing quote/),
        type: 'csv_text_after_quote',
      },
    ],
    [
      'a stray quote inside a field',
      'ticket_id,holder_name\nC-35,De"wi\n',
      {
        loc: ['body', 2, 'holder_name'],
        msg: expect.stringMatching(/^line 2, holder_name: a quote \("\) inside a field/),
        type: 'csv_quote_in_field',
      },
    ],
    [
      'an unknown column',
      'ticket_id,seat\nC-40,A1\n',
      {
        loc: ['body', 1],
        msg: 'line 1: header must name distinct columns among ticket_id, holder_name, holder_email, type, note; "seat" is not one of them',
        type: 'csv_header',
        ctx: { columns: 'ticket_id, holder_name, holder_email, type, note', reason: 'unknown_column', names: 'seat' },
      },
    ],
    [
      'a header only',
      'ticket_id,holder_name\n',
      { loc: ['body', 1], msg: 'line 1: no tickets after the header', type: 'csv_no_tickets' },
    ],
    [
      'a ticket id over 100 characters',
      `ticket_id\nC-50\n${'x'.repeat(101)}\n`,
      {
        loc: ['body', 3, 'ticket_id'],
        msg: 'line 3, ticket_id: at most 100 characters',
        type: 'too_big',
        ctx: { maximum: 100, origin: 'string' },
      },
    ],
    [
      'a holder name over 200 characters',
      `ticket_id,holder_name\nC-51,${'n'.repeat(201)}\n`,
      {
        loc: ['body', 2, 'holder_name'],
        msg: 'line 2, holder_name: at most 200 characters',
        type: 'too_big',
        ctx: { maximum: 200, origin: 'string' },
      },
    ],
    [
      'a control character in a name',
      'ticket_id,holder_name\nC-60,"bad\u0007name"\n',
      {
        loc: ['body', 2, 'holder_name'],
        msg: 'line 2, holder_name: must not contain control characters',
        type: 'custom',
        ctx: { reason: 'control_characters' },
      },
    ],
  ])(
    'answers 422 naming the line (and the column) for %s in plain words, and issues nothing',
    async (_name, csv, item) => {
      const before = await ticketCount('csv');
      const response = await issue('csv', csv);
      expect(response.statusCode).toBe(422);
      expect(response.json()).toEqual({ detail: [item] });
      expect(await ticketCount('csv')).toBe(before);
    },
  );

  it('imports a semicolon-separated CSV as Excel writes it in an Indonesian locale; a comma in a name stays in the cell', async () => {
    await t.createEvent('semicolon');
    const csv =
      '\uFEFFticket_id;holder_name;holder_email\r\nS-1;Ani;ani@example.com\r\nS-2;"Dewi; S.";\r\nS-3;Sari, Budi;\r\n';
    const response = await issue('semicolon', csv);
    expect(response.statusCode).toBe(201);
    expect(response.json()).toEqual({
      created: 3,
      tickets: [
        { ticket_id: 'S-1', holder_name: 'Ani', holder_email: 'ani@example.com' },
        { ticket_id: 'S-2', holder_name: 'Dewi; S.', holder_email: null },
        { ticket_id: 'S-3', holder_name: 'Sari, Budi', holder_email: null },
      ],
    });
    expect(await ticketCount('semicolon')).toBe(3);
  });

  it('names the line of a bad row in a semicolon-separated CSV, and issues nothing', async () => {
    const response = await issue('semicolon', 'ticket_id;holder_name\nS-10;ok\nS-11;two;three\n');
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual({
      detail: [
        {
          loc: ['body', 3],
          msg: 'line 3: 3 fields, the header has 2',
          type: 'csv_field_count',
          ctx: { fields: 3, expected: 2 },
        },
      ],
    });
    expect(await ticketCount('semicolon')).toBe(3);
  });

  it('answers 409 naming ids repeated within the batch, and issues nothing', async () => {
    const response = await issue('dups', {
      tickets: [{ ticket_id: 'D-1' }, { ticket_id: 'D-2' }, { ticket_id: 'D-1' }],
    });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toEqual({
      detail: 'Duplicate ticket ids in the request',
      duplicates: ['D-1'],
      duplicate_count: 1,
    });
    expect(await ticketCount('dups')).toBe(0);
  });

  it('answers 409 naming ids already issued for the event; the whole batch is left out', async () => {
    expect((await issue('dups', { tickets: [{ ticket_id: 'D-1' }] })).statusCode).toBe(201);
    const response = await issue('dups', 'ticket_id\nD-5\nD-1\nD-6\n');
    expect(response.statusCode).toBe(409);
    expect(response.json()).toEqual({
      detail: 'Tickets already issued for this event',
      duplicates: ['D-1'],
      duplicate_count: 1,
    });
    expect(await ticketCount('dups')).toBe(1);
  });

  it('allows the same ticket id at two different events', async () => {
    const response = await issue('given', { tickets: [{ ticket_id: 'D-1' }] });
    expect(response.statusCode).toBe(201);
  });

  it.each([
    ['count and tickets together', { count: 1, tickets: [{}] }],
    ['neither count nor tickets', {}],
    ['a count of 0', { count: 0 }],
    ['a count over 100000', { count: 100_001 }],
    ['a count as a string', { count: '5' }],
    ['an empty list', { tickets: [] }],
    ['a fractional ticket id', { tickets: [{ ticket_id: 1.5 }] }],
    ['a boolean ticket id', { tickets: [{ ticket_id: false }] }],
  ])('answers 422 to %s', async (_name, payload) => {
    const response = await issue('given', payload);
    expect(response.statusCode).toBe(422);
    expect(response.json().detail[0].loc[0]).toBe('body');
  });

  it('answers 404 for an unregistered event and 403 for a committee member', async () => {
    const missing = await issue('no-such-event', { count: 1 });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ detail: 'Event not found' });
    const committee = await issue('given', { count: 1 }, t.committee());
    expect(committee.statusCode).toBe(403);
    expect(committee.json()).toEqual({ detail: 'Admin only' });
  });

  it('keeps the event ticket count exact when batches for one event run concurrently', async () => {
    await t.createEvent('conc');
    const responses = await Promise.all(Array.from({ length: 6 }, () => issue('conc', { count: 50 })));
    expect(responses.map((response) => response.statusCode)).toEqual(Array(6).fill(201));
    const summary = await t.app.inject({ url: '/events/conc/summary', headers: t.committee() });
    expect(summary.json().stats.total_registered).toBe(300);
    expect(await ticketCount('conc')).toBe(300);
  });
});

describe('POST /events/{id}/tickets with a large CSV (read as it arrives)', () => {
  /** `rows` one-column lines after the header: 9 bytes each. */
  const bigCsv = (rows: number) =>
    `ticket_id\n${Array.from({ length: rows }, (_, i) => `T${String(i).padStart(7, '0')}`).join('\n')}\n`;

  it('refuses an 8 MB upload at the first line past 100000 tickets with 422, and issues nothing', async () => {
    await t.createEvent('big-csv');
    const csv = bigCsv(900_000);
    expect(csv.length).toBeGreaterThan(8_000_000);
    const response = await issue('big-csv', csv);
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual({
      detail: [
        {
          loc: ['body', 100_002],
          msg: 'line 100002: at most 100000 tickets per request',
          type: 'csv_too_many',
          ctx: { maximum: 100_000 },
        },
      ],
    });
    // The rest of the upload was not waited for: the connection is closed after the answer.
    expect(response.headers.connection).toBe('close');
    expect(await ticketCount('big-csv')).toBe(0);
  });

  it('refuses a semicolon-separated upload at the first line past 100000 tickets too, streamed in small chunks', async () => {
    await t.createEvent('big-semicolon');
    const rows = Array.from({ length: 150_000 }, (_, i) => `T${String(i).padStart(7, '0')};Holder ${i}`).join('\n');
    const bytes = Buffer.from(`ticket_id;holder_name\n${rows}\n`);
    const chunks = Array.from({ length: Math.ceil(bytes.length / 4096) }, (_, i) =>
      bytes.subarray(i * 4096, (i + 1) * 4096),
    );
    const response = await t.app.inject({
      method: 'POST',
      url: '/events/big-semicolon/tickets',
      headers: { ...t.admin(), 'content-type': 'text/csv' },
      payload: Readable.from(chunks),
    });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual({
      detail: [
        {
          loc: ['body', 100_002],
          msg: 'line 100002: at most 100000 tickets per request',
          type: 'csv_too_many',
          ctx: { maximum: 100_000 },
        },
      ],
    });
    expect(await ticketCount('big-semicolon')).toBe(0);
  });

  it('answers 413 to a CSV over TICKET_IMPORT_MAX_MB, declared by Content-Length or streamed in without one', async () => {
    const small = await openApp(t.database, { TICKET_IMPORT_MAX_MB: '1' });
    try {
      const csv = bigCsv(200_000);
      const declared = await small.app.inject({
        method: 'POST',
        url: '/events/big-csv/tickets',
        headers: { ...small.admin(), 'content-type': 'text/csv' },
        payload: csv,
      });
      expect(declared.statusCode).toBe(413);
      expect(declared.json()).toEqual({ detail: 'Request body is too large' });
      // A stream payload goes without Content-Length: counted as it arrives.
      const streamed = await small.app.inject({
        method: 'POST',
        url: '/events/big-csv/tickets',
        headers: { ...small.admin(), 'content-type': 'text/csv' },
        payload: Readable.from([csv.slice(0, 600_000), csv.slice(600_000)]),
      });
      expect(streamed.statusCode).toBe(413);
      expect(streamed.json()).toEqual({ detail: 'Request body is too large' });
      expect(await ticketCount('big-csv')).toBe(0);
    } finally {
      await small.close();
    }
  });

  it('imports a CSV streamed in one-byte chunks (split inside quotes and UTF-8 characters too)', async () => {
    await t.createEvent('chunked-csv');
    const csv = 'ticket_id,holder_name\nK-1,"Dewi, Sari"\nK-2,Ñandú Ü\nK-3,"say ""hi"""\n';
    const bytes = Buffer.from(csv);
    const chunks = Array.from(bytes, (_, index) => bytes.subarray(index, index + 1));
    const response = await t.app.inject({
      method: 'POST',
      url: '/events/chunked-csv/tickets',
      headers: { ...t.admin(), 'content-type': 'text/csv' },
      payload: Readable.from(chunks),
    });
    expect(response.statusCode).toBe(201);
    expect(response.json().tickets).toEqual([
      { ticket_id: 'K-1', holder_name: 'Dewi, Sari', holder_email: null },
      { ticket_id: 'K-2', holder_name: 'Ñandú Ü', holder_email: null },
      { ticket_id: 'K-3', holder_name: 'say "hi"', holder_email: null },
    ]);
  });
});

describe('GET /events/{id}/tickets', () => {
  beforeAll(async () => {
    await issue('paged', {
      tickets: Array.from({ length: 12 }, (_, index) => ({ ticket_id: `P-${String(index).padStart(2, '0')}` })),
    });
    await t.checkIn({ event_id: 'paged', ticket_id: 'P-03', location: 'Gate 3' }, t.committee('gate3'));
  });

  it('pages through every ticket by cursor with its check-in state, without duplicates or gaps', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/events/paged/tickets?limit=5${cursor ? `&cursor=${cursor}` : ''}`;
      const response = await t.app.inject({ url, headers: t.admin() });
      expect(response.statusCode).toBe(200);
      const body = response.json();
      expect(body.total).toBe(12);
      seen.push(...body.tickets.map((ticket: { ticket_id: string }) => ticket.ticket_id));
      const checked = body.tickets.find((ticket: { ticket_id: string }) => ticket.ticket_id === 'P-03');
      if (checked) {
        expect(checked).toEqual({
          ticket_id: 'P-03',
          holder_name: null,
          holder_email: null,
          checked_in: true,
          checked_in_at: expect.stringMatching(/Z$/),
          checked_in_by: 'gate3',
          location: 'Gate 3',
        });
      }
      cursor = body.next_cursor;
      pages++;
    } while (cursor !== null && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 12 }, (_, index) => `P-${String(index).padStart(2, '0')}`));
  });

  it('shows an unscanned ticket as not checked in', async () => {
    const response = await t.app.inject({ url: '/events/paged/tickets?limit=1', headers: t.admin() });
    expect(response.json().tickets[0]).toEqual({
      ticket_id: 'P-00',
      holder_name: null,
      holder_email: null,
      checked_in: false,
      checked_in_at: null,
      checked_in_by: null,
      location: null,
    });
  });

  it('answers 422 to a forged cursor, 404 to an unknown event, 403 to a committee member', async () => {
    const forged = await t.app.inject({ url: '/events/paged/tickets?cursor=AA', headers: t.admin() });
    expect(forged.statusCode).toBe(422);
    expect(forged.json().detail[0].loc).toEqual(['query', 'cursor']);
    const missing = await t.app.inject({ url: '/events/none/tickets', headers: t.admin() });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ detail: 'Event not found' });
    const committee = await t.app.inject({ url: '/events/paged/tickets', headers: t.committee() });
    expect(committee.statusCode).toBe(403);
    expect(committee.json()).toEqual({ detail: 'Admin only' });
  });
});

describe('GET /events/{id}/tickets: as issued, searched; PATCH a holder', () => {
  beforeAll(async () => {
    await t.createEvent('admin-list');
    // Issued in this order (an import's lines), not in code order.
    const response = await issue('admin-list', {
      tickets: [
        { ticket_id: 'Z-1', holder_name: 'Zainal Abidin', holder_email: 'zainal@example.com' },
        { ticket_id: 'A-2', holder_name: 'Ani Lestari' },
        { ticket_id: 'M-3', holder_name: 'Made Wirawan', holder_email: 'made@kampus.ac.id' },
        { ticket_id: 'B-4', holder_name: 'Budi' },
      ],
    });
    expect(response.statusCode).toBe(201);
  });
  const list = (query: string) => t.app.inject({ url: `/events/admin-list/tickets?${query}`, headers: t.admin() });
  const codes = (response: { json(): { tickets: { ticket_id: string }[] } }) =>
    response.json().tickets.map((ticket) => ticket.ticket_id);

  it('lists the tickets as issued, page by page with the cursor', async () => {
    const first = await list('sort=import&limit=3');
    expect(first.statusCode).toBe(200);
    expect(codes(first)).toEqual(['Z-1', 'A-2', 'M-3']);
    expect(first.json().total).toBe(4);
    const second = await list(`sort=import&limit=3&cursor=${first.json().next_cursor}`);
    expect(second.statusCode).toBe(200);
    expect(codes(second)).toEqual(['B-4']);
    expect(second.json().next_cursor).toBeNull();
    // A code cursor is not a position.
    const wrong = await list(`sort=import&cursor=${Buffer.from('A-2').toString('base64url')}`);
    expect(wrong.statusCode).toBe(422);
  });

  it('finds tickets by part of the code, the holder name or the e-mail, case-insensitively', async () => {
    expect(codes(await list('q=lestari'))).toEqual(['A-2']);
    expect(codes(await list('q=kampus.ac'))).toEqual(['M-3']);
    expect(codes(await list('q=-1'))).toEqual(['Z-1']);
    const none = await list('q=nobody');
    expect(none.statusCode).toBe(200);
    expect(none.json()).toEqual({ event_id: 'admin-list', total: 4, tickets: [], next_cursor: null });
  });

  it('corrects a holder name (admin only), keeps the e-mail, and says 404 for a ticket the event did not issue', async () => {
    const patch = (ticketId: string, payload: object, headers = t.admin()) =>
      t.app.inject({ method: 'PATCH', url: `/events/admin-list/tickets/${ticketId}`, headers, payload });
    const changed = await patch('Z-1', { holder_name: 'Zainal Abidin S.' });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toEqual({
      ticket_id: 'Z-1',
      holder_name: 'Zainal Abidin S.',
      holder_email: 'zainal@example.com',
      checked_in: false,
      checked_in_at: null,
      checked_in_by: null,
      location: null,
    });
    expect(codes(await list('q=Abidin S'))).toEqual(['Z-1']);
    const refused = await patch('Z-1', { holder_name: 'x' }, t.committee());
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toEqual({ detail: 'Admin only' });
    const missing = await patch('NOPE', { holder_name: 'x' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ detail: 'Ticket not found for this event' });
    const tooLong = await patch('Z-1', { holder_name: 'n'.repeat(201) });
    expect(tooLong.statusCode).toBe(422);
    expect(tooLong.json().detail[0]).toMatchObject({ loc: ['body', 'holder_name'], type: 'too_big' });
  });
});
