// GET /attendance/{event_id}: the compat full list, keyset paging, and a list that is never stale.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp, startTestApp, type TestApp } from '../support/attendance-app.js';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp('attendance');
  // 25 check-ins, one at a time so their order is known.
  for (let index = 0; index < 25; index++) {
    await t.checkIn({ event_id: 'ev-list', ticket_id: `L-${String(index).padStart(2, '0')}` });
  }
});
afterAll(async () => {
  await t.close();
});

const get = (url: string) => t.app.inject({ url, headers: t.committee() });
const ids = (records: { ticket_id: string }[]) => records.map((record) => record.ticket_id);
const expected = Array.from({ length: 25 }, (_, index) => `L-${String(index).padStart(2, '0')}`);

describe('GET /attendance/{event_id}', () => {
  it('lists every check-in oldest first in the compat shape', async () => {
    const response = await get('/attendance/ev-list');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const body = response.json();
    expect(Object.keys(body)).toEqual(['event_id', 'total_checked_in', 'records']);
    expect(body.event_id).toBe('ev-list');
    expect(body.total_checked_in).toBe(25);
    expect(ids(body.records)).toEqual(expected);
    expect(body.records[0]).toEqual({
      event_id: 'ev-list',
      ticket_id: 'L-00',
      checked_in_by: 'panitia1',
      checked_in_at: expect.any(String),
      checkin_id: expect.any(String),
      location: null,
    });
  });

  it('answers an empty list for an unknown event (compat)', async () => {
    const response = await get('/attendance/no-such-event');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ event_id: 'no-such-event', total_checked_in: 0, records: [] });
  });

  it('shows a check-in in the very next full list (the cached list is never stale)', async () => {
    await get('/attendance/ev-fresh');
    for (let index = 0; index < 3; index++) {
      const scan = await t.checkIn({ event_id: 'ev-fresh', ticket_id: `F-${index}` });
      expect(scan.statusCode).toBe(201);
      const list = (await get('/attendance/ev-fresh')).json();
      expect(list.total_checked_in).toBe(index + 1);
      expect(ids(list.records)).toEqual(Array.from({ length: index + 1 }, (_, seen) => `F-${seen}`));
    }
  });

  it('shows check-ins made through another replica', async () => {
    const replica = await openApp(t.database);
    try {
      await get('/attendance/ev-replica');
      await replica.checkIn({ event_id: 'ev-replica', ticket_id: 'R-1' });
      const list = (await get('/attendance/ev-replica')).json();
      expect(list.total_checked_in).toBe(1);
      expect(ids(list.records)).toEqual(['R-1']);
    } finally {
      await replica.close();
    }
  });

  it('serves concurrent full-list reads with the same complete list', async () => {
    const responses = await Promise.all(Array.from({ length: 20 }, () => get('/attendance/ev-list')));
    for (const response of responses) {
      expect(response.statusCode).toBe(200);
      expect(ids(response.json().records)).toEqual(expected);
    }
  });
});

describe('paging', () => {
  it('walks every check-in across pages with next_cursor, without duplicates or gaps', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/attendance/ev-list?limit=7${cursor ? `&cursor=${cursor}` : ''}`;
      const response = await get(url);
      expect(response.statusCode).toBe(200);
      const body = response.json();
      expect(body.total_checked_in).toBe(25);
      expect(body.records.length).toBeLessThanOrEqual(7);
      seen.push(...ids(body.records));
      cursor = body.next_cursor;
      pages++;
    } while (cursor !== null && pages < 10);
    expect(pages).toBe(4);
    expect(seen).toEqual(expected);
  });

  it('ends with next_cursor null when the last page is exactly full', async () => {
    const first = (await get('/attendance/ev-list?limit=25')).json();
    expect(first.records).toHaveLength(25);
    expect(first.next_cursor).toBeNull();
  });

  it('pages from the start when only a cursor-less limit is given, and by 100 when only a cursor', async () => {
    const limited = (await get('/attendance/ev-list?limit=2')).json();
    expect(ids(limited.records)).toEqual(['L-00', 'L-01']);
    const fromCursor = (await get(`/attendance/ev-list?cursor=${limited.next_cursor}`)).json();
    expect(ids(fromCursor.records)).toEqual(expected.slice(2));
    expect(fromCursor.next_cursor).toBeNull();
  });

  it('keeps pages stable while new check-ins arrive: new ones appear at the end', async () => {
    const first = (await get('/attendance/ev-list?limit=20')).json();
    await t.checkIn({ event_id: 'ev-list', ticket_id: 'L-late' });
    const rest = (await get(`/attendance/ev-list?limit=20&cursor=${first.next_cursor}`)).json();
    expect([...ids(first.records), ...ids(rest.records)]).toEqual([...expected, 'L-late']);
    expect(rest.total_checked_in).toBe(26);
  });

  it.each([
    ['a cursor that is not one', 'cursor=abc', ['query', 'cursor']],
    ['a negative limit', 'limit=-1', ['query', 'limit']],
    ['a zero limit', 'limit=0', ['query', 'limit']],
    ['a limit above 10000', 'limit=10001', ['query', 'limit']],
    ['a limit that is not a number', 'limit=ten', ['query', 'limit']],
  ])('answers 422 to %s', async (_name, query, loc) => {
    const response = await get(`/attendance/ev-list?${query}`);
    expect(response.statusCode).toBe(422);
    expect(response.json().detail[0].loc).toEqual(loc);
  });
});
