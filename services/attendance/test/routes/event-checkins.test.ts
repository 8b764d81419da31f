// GET /events/{id}/checkins and GET /events/{id}/tickets/search: the event page's list and the gate's manual lookup.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEventCheckins } from '../../src/checkins/checkin-stats-repository.js';
import { ISO_TIME, startTestApp, type TestApp, UUID } from '../support/attendance-app.js';

let t: TestApp;

const HOLDERS: [string, string | null][] = [
  ['AB-100', 'Budi Santoso'],
  ['AB-101', 'Siti Rahma'],
  ['AB-102', 'budiman Putra'],
  ['CD-200', 'Dewi Lestari'],
  ['CD-201', null],
  ['CD-202', 'Agus 100% Hadir'],
  ['EF_300', 'Rina Wijaya'],
];

beforeAll(async () => {
  t = await startTestApp('event_checkins');
  await t.createEvent('list-ev');
  const issued = await t.app.inject({
    method: 'POST',
    url: '/events/list-ev/tickets',
    headers: t.admin(),
    payload: { tickets: HOLDERS.map(([ticket_id, holder_name]) => ({ ticket_id, holder_name })) },
  });
  expect(issued.statusCode).toBe(201);
  // Scanned in this order (oldest first); EF_300 stays unscanned.
  const gates = ['Gate A', 'Gate B', 'Gate A', undefined, 'Gate B', 'Gate A'];
  for (const [index, location] of gates.entries()) {
    const ticket_id = HOLDERS[index]?.[0] as string;
    const answer = await t.checkIn({ event_id: 'list-ev', ticket_id, ...(location ? { location } : {}) });
    expect(answer.statusCode).toBe(201);
  }
});
afterAll(async () => {
  await t.close();
});

interface ListBody {
  event_id: string;
  records: { ticket_id: string; holder_name: string | null; location: string | null }[];
  next_cursor: string | null;
}

const get = (url: string, headers: Record<string, string> = t.committee()) => t.app.inject({ url, headers });
const ticketsOf = (body: ListBody) => body.records.map((record) => record.ticket_id);

describe('GET /events/{id}/checkins', () => {
  it('lists check-ins newest first with the compat record fields and the ticket holder', async () => {
    const response = await get('/events/list-ev/checkins?limit=2');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      event_id: 'list-ev',
      records: [
        {
          event_id: 'list-ev',
          ticket_id: 'CD-202',
          checked_in_by: 'panitia1',
          checked_in_at: expect.stringMatching(ISO_TIME),
          checkin_id: expect.stringMatching(UUID),
          location: 'Gate A',
          holder_name: 'Agus 100% Hadir',
        },
        {
          event_id: 'list-ev',
          ticket_id: 'CD-201',
          checked_in_by: 'panitia1',
          checked_in_at: expect.stringMatching(ISO_TIME),
          checkin_id: expect.stringMatching(UUID),
          location: 'Gate B',
          holder_name: null,
        },
      ],
      next_cursor: expect.stringMatching(/^\d+$/),
    });
  });

  it('pages back through every check-in by cursor without duplicates or gaps, null cursor at the end', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor === null ? '?limit=4' : `?limit=4&cursor=${cursor}`;
      const response = await get(`/events/list-ev/checkins${query}`);
      expect(response.statusCode).toBe(200);
      const body = response.json() as ListBody;
      seen.push(...ticketsOf(body));
      cursor = body.next_cursor;
      pages++;
    } while (cursor !== null);
    expect(pages).toBe(2);
    expect(seen).toEqual(['CD-202', 'CD-201', 'CD-200', 'AB-102', 'AB-101', 'AB-100']);
  });

  it('keeps a later page stable when a check-in arrives meanwhile', async () => {
    await t.createEvent('list-moving', ['M-1', 'M-2', 'M-3', 'M-4']);
    for (const ticket_id of ['M-1', 'M-2', 'M-3']) await t.checkIn({ event_id: 'list-moving', ticket_id });
    const first = (await get('/events/list-moving/checkins?limit=2')).json() as ListBody;
    expect(ticketsOf(first)).toEqual(['M-3', 'M-2']);
    await t.checkIn({ event_id: 'list-moving', ticket_id: 'M-4' });
    const second = await get(`/events/list-moving/checkins?limit=2&cursor=${first.next_cursor}`);
    expect(second.statusCode).toBe(200);
    expect(second.json()).toMatchObject({ records: [{ ticket_id: 'M-1' }], next_cursor: null });
  });

  it('finds check-ins by part of the holder name or ticket code, ignoring case', async () => {
    const byName = await get('/events/list-ev/checkins?q=BUDI');
    expect(byName.statusCode).toBe(200);
    expect(ticketsOf(byName.json())).toEqual(['AB-102', 'AB-100']);
    const byCode = await get('/events/list-ev/checkins?q=d-20');
    expect(ticketsOf(byCode.json())).toEqual(['CD-202', 'CD-201', 'CD-200']);
  });

  it('matches %, _ and \\ in the search literally, not as wildcards', async () => {
    const percent = await get(`/events/list-ev/checkins?q=${encodeURIComponent('100%')}`);
    expect(percent.statusCode).toBe(200);
    expect(ticketsOf(percent.json())).toEqual(['CD-202']);
    // "B_1" as a LIKE pattern would match AB-100; literally it matches nothing.
    const underscore = await get('/events/list-ev/checkins?q=B_1');
    expect(underscore.json()).toEqual({ event_id: 'list-ev', records: [], next_cursor: null });
  });

  it('filters by exact gate, alone and with a search, and pages within the filter', async () => {
    const gateA = await get(`/events/list-ev/checkins?gate=${encodeURIComponent('Gate A')}&limit=2`);
    expect(gateA.statusCode).toBe(200);
    const first = gateA.json() as ListBody;
    expect(ticketsOf(first)).toEqual(['CD-202', 'AB-102']);
    expect(first.records.every((record) => record.location === 'Gate A')).toBe(true);
    const rest = await get(`/events/list-ev/checkins?gate=${encodeURIComponent('Gate A')}&cursor=${first.next_cursor}`);
    expect(rest.json()).toMatchObject({ records: [{ ticket_id: 'AB-100' }], next_cursor: null });
    const both = await get(`/events/list-ev/checkins?gate=${encodeURIComponent('Gate A')}&q=budi`);
    expect(ticketsOf(both.json())).toEqual(['AB-102', 'AB-100']);
    const partial = await get('/events/list-ev/checkins?gate=Gate');
    expect(partial.json()).toEqual({ event_id: 'list-ev', records: [], next_cursor: null });
  });

  it('searches the codes of an event that issued no tickets (no holder names there)', async () => {
    await t.createEvent('list-open');
    for (const ticket_id of ['walk-in-001', 'walk-in-002', 'guest-777']) {
      expect((await t.checkIn({ event_id: 'list-open', ticket_id })).statusCode).toBe(201);
    }
    const response = await get('/events/list-open/checkins?q=WALK-IN');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      records: [
        { ticket_id: 'walk-in-002', holder_name: null },
        { ticket_id: 'walk-in-001', holder_name: null },
      ],
      next_cursor: null,
    });
  });

  it.each([
    ['a search of 2 characters', '?q=ab', ['query', 'q']],
    ['a search of spaces around 2 characters', '?q=%20ab%20', ['query', 'q']],
    ['a cursor this API did not issue', '?cursor=abc', ['query', 'cursor']],
    ['a page of 501', '?limit=501', ['query', 'limit']],
  ])('answers 422 to %s', async (_name, query, loc) => {
    const response = await get(`/events/list-ev/checkins${query}`);
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual({ detail: [expect.objectContaining({ loc })] });
  });

  it('answers 404 for an unregistered event and 401 without a token', async () => {
    const unknown = await get('/events/never-made/checkins');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({ detail: 'Event not found' });
    const anonymous = await t.app.inject({ url: '/events/list-ev/checkins' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json()).toEqual({ detail: 'Missing Authorization header' });
  });
});

describe('GET /events/{id}/tickets/search', () => {
  it("gives a committee member no holder's e-mail, an admin the e-mail (issue 15, item 9)", async () => {
    await t.createEvent('mail-ev');
    const issued = await t.app.inject({
      method: 'POST',
      url: '/events/mail-ev/tickets',
      headers: t.admin(),
      payload: { tickets: [{ ticket_id: 'MAIL-1', holder_name: 'Wulan Sari', holder_email: 'wulan@example.org' }] },
    });
    expect(issued.statusCode).toBe(201);
    const byCommittee = await get('/events/mail-ev/tickets/search?q=wulan');
    expect(byCommittee.statusCode).toBe(200);
    expect(byCommittee.json().tickets).toEqual([expect.objectContaining({ ticket_id: 'MAIL-1', holder_email: null })]);
    // Nor may a committee member find a ticket by its e-mail.
    const byMail = await get('/events/mail-ev/tickets/search?q=example.org');
    expect(byMail.json().tickets).toEqual([]);
    const byAdmin = await get('/events/mail-ev/tickets/search?q=wulan', t.admin());
    expect(byAdmin.json().tickets).toEqual([
      expect.objectContaining({ ticket_id: 'MAIL-1', holder_email: 'wulan@example.org' }),
    ]);
  });

  it('finds tickets by part of the holder name, with their check-in state, for a committee member', async () => {
    const response = await get('/events/list-ev/tickets/search?q=budi');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      event_id: 'list-ev',
      tickets: [
        {
          ticket_id: 'AB-100',
          holder_name: 'Budi Santoso',
          holder_email: null,
          checked_in: true,
          checked_in_at: expect.stringMatching(ISO_TIME),
          checked_in_by: 'panitia1',
          location: 'Gate A',
          checkin_id: expect.stringMatching(UUID),
          exited: false,
        },
        {
          ticket_id: 'AB-102',
          holder_name: 'budiman Putra',
          holder_email: null,
          checked_in: true,
          checked_in_at: expect.stringMatching(ISO_TIME),
          checked_in_by: 'panitia1',
          location: 'Gate A',
          checkin_id: expect.stringMatching(UUID),
          exited: false,
        },
      ],
      more: false,
    });
  });

  it('puts the ticket whose code is exactly the search first, and shows an unscanned ticket as such', async () => {
    const exact = await get('/events/list-ev/tickets/search?q=ab-101');
    expect(exact.statusCode).toBe(200);
    expect(exact.json().tickets[0]).toMatchObject({ ticket_id: 'AB-101', checked_in: true });
    const unscanned = await get('/events/list-ev/tickets/search?q=ef_3');
    expect(unscanned.json()).toEqual({
      event_id: 'list-ev',
      tickets: [
        {
          ticket_id: 'EF_300',
          holder_name: 'Rina Wijaya',
          holder_email: null,
          checked_in: false,
          checked_in_at: null,
          checked_in_by: null,
          location: null,
          checkin_id: null,
          exited: false,
        },
      ],
      more: false,
    });
  });

  it('gives a found admission its checkin_id, which undoes it, and says when the holder went out', async () => {
    const found = (await get('/events/list-ev/tickets/search?q=ab-101')).json().tickets[0];
    expect(found).toMatchObject({ ticket_id: 'AB-101', checked_in: true, checkin_id: expect.stringMatching(UUID) });
    const out = await t.app.inject({
      method: 'POST',
      url: '/events/list-ev/checkins',
      headers: t.committee(),
      payload: { ticket_id: 'AB-101', direction: 'exit' },
    });
    expect(out.statusCode).toBe(201);
    expect((await get('/events/list-ev/tickets/search?q=ab-101')).json().tickets[0]).toMatchObject({ exited: true });
    const undone = await t.app.inject({
      method: 'POST',
      url: `/events/list-ev/checkins/${found.checkin_id}/annul`,
      headers: t.supervisor(),
      payload: { reason: 'salah orang' },
    });
    expect(undone.statusCode).toBe(200);
    expect((await get('/events/list-ev/tickets/search?q=ab-101')).json().tickets[0]).toMatchObject({
      ticket_id: 'AB-101',
      checked_in: false,
      checkin_id: null,
      exited: false,
    });
  });

  it('answers at most 20 tickets and says when more match', async () => {
    await t.createEvent('search-many');
    const tickets = Array.from({ length: 25 }, (_, index) => ({
      ticket_id: `MANY-${String(index).padStart(2, '0')}`,
      holder_name: `Same Name ${index}`,
    }));
    await t.app.inject({
      method: 'POST',
      url: '/events/search-many/tickets',
      headers: t.admin(),
      payload: { tickets },
    });
    const response = await get('/events/search-many/tickets/search?q=same');
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.tickets).toHaveLength(20);
    expect(body.more).toBe(true);
    const exact = await get('/events/search-many/tickets/search?q=many-24');
    expect(exact.json()).toMatchObject({ tickets: [{ ticket_id: 'MANY-24' }], more: false });
  });

  it('answers 422 to a search shorter than 3 characters, 404 to an unknown event, 401 without a token', async () => {
    const short = await get('/events/list-ev/tickets/search?q=bu');
    expect(short.statusCode).toBe(422);
    expect(short.json()).toEqual({ detail: [expect.objectContaining({ loc: ['query', 'q'] })] });
    const missing = await get('/events/list-ev/tickets/search');
    expect(missing.statusCode).toBe(422);
    expect(missing.json()).toEqual({ detail: [expect.objectContaining({ loc: ['query', 'q'] })] });
    const unknown = await get('/events/never-made/tickets/search?q=budi');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({ detail: 'Event not found' });
    const anonymous = await t.app.inject({ url: '/events/list-ev/tickets/search?q=budi' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json()).toEqual({ detail: 'Missing Authorization header' });
  });
});

describe('the check-in search when many tickets match (the event walked newest first)', () => {
  it('finds the same pages as when every match is joined to its check-in', async () => {
    const cases: [string, string | undefined][] = [
      ['budi', undefined],
      ['d-20', undefined],
      ['d-20', 'Gate B'],
      ['ab-1', 'Gate A'],
    ];
    for (const [search, gate] of cases) {
      const first = { search, gate, beforeSeq: '9223372036854775807', limit: 2 };
      // A threshold of 1: two or more matching tickets take the walk.
      const walked = await readEventCheckins(t.db.pool, 'list-ev', first, 1);
      const joined = await readEventCheckins(t.db.pool, 'list-ev', first, 1000);
      expect(walked.length).toBeGreaterThan(0);
      expect(walked).toEqual(joined);
      const next = { ...first, beforeSeq: walked.at(-1)?.seq as string };
      expect(await readEventCheckins(t.db.pool, 'list-ev', next, 1)).toEqual(
        await readEventCheckins(t.db.pool, 'list-ev', next, 1000),
      );
    }
  });
});
