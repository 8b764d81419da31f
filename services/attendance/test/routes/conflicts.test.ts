// Scans admitted offline that did not count: recorded once as conflicts, flagged in the 409/404, listed for a supervisor.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ISO_TIME, startTestApp, type TestApp, UUID } from '../support/attendance-app.js';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp('conflicts');
  await t.app.inject({
    method: 'POST',
    url: '/events',
    headers: t.admin(),
    payload: { id: 'cf-fest', title: 'Festival' },
  });
  const issued = await t.app.inject({
    method: 'POST',
    url: '/events/cf-fest/tickets',
    headers: t.admin(),
    payload: {
      tickets: [
        { ticket_id: 'F-1', holder_name: 'Sari Wulandari' },
        { ticket_id: 'F-2', holder_name: 'Budi Santoso' },
        { ticket_id: 'F-3' },
        { ticket_id: 'F-4' },
        { ticket_id: 'F-5' },
      ],
    },
  });
  if (issued.statusCode !== 201) throw new Error(issued.body);
});
afterAll(async () => {
  await t.close();
});

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

/** A scan uploaded by `user` with its own key, as a station sends one. */
const upload = (user: string, key: string, body: Record<string, unknown>) =>
  t.app.inject({
    method: 'POST',
    url: '/checkins',
    headers: { ...t.committee(user), 'idempotency-key': key },
    payload: { event_id: 'cf-fest', ...body },
  });

// Listed by an admin, who sees every scan's key (a committee member sees only their own: below).
const conflicts = (eventId = 'cf-fest', query = '', headers = t.admin('supervisor')) =>
  t.app.inject({ url: `/events/${eventId}/conflicts${query}`, headers });

describe('a ticket admitted offline at two gates', () => {
  it('lets the first upload check it in and answers the second 409 with "conflict": true, listed once even after retries', async () => {
    const firstScan = minutesAgo(12);
    const secondScan = minutesAgo(10);
    const first = await upload('panitia1', 'gate-a-scan-1', {
      ticket_id: 'F-1',
      location: 'Gate A',
      scanned_at: firstScan,
      admitted_offline: true,
    });
    expect(first.statusCode).toBe(201);
    const secondBody = { ticket_id: 'F-1', location: 'Gate B', scanned_at: secondScan, admitted_offline: true };
    const second = await upload('panitia2', 'gate-b-scan-7', secondBody);
    expect(second.statusCode).toBe(409);
    expect(second.json()).toEqual({
      detail: 'Ticket already checked in',
      record: first.json().record,
      conflict: true,
    });
    // The station retries its whole queue: same answer, no second conflict.
    const retried = await upload('panitia2', 'gate-b-scan-7', secondBody);
    expect(retried.statusCode).toBe(409);
    expect(retried.json()).toEqual(second.json());
    // The first gate's own upload retried: its replay, no conflict with itself.
    const replay = await upload('panitia1', 'gate-a-scan-1', {
      ticket_id: 'F-1',
      location: 'Gate A',
      scanned_at: firstScan,
      admitted_offline: true,
    });
    expect(replay.statusCode).toBe(201);
    expect(replay.json()).toEqual(first.json());

    const list = await conflicts();
    expect(list.statusCode).toBe(200);
    expect(list.json()).toEqual({
      event_id: 'cf-fest',
      total: 1,
      conflicts: [
        {
          conflict_id: expect.stringMatching(/^\d+$/),
          kind: 'duplicate',
          event_id: 'cf-fest',
          ticket_id: 'F-1',
          holder_name: 'Sari Wulandari',
          first: {
            checkin_id: first.json().record.checkin_id,
            checked_in_by: 'panitia1',
            location: 'Gate A',
            checked_in_at: first.json().record.checked_in_at,
            scanned_at: firstScan,
          },
          second: {
            checked_in_by: 'panitia2',
            location: 'Gate B',
            scanned_at: secondScan,
            received_at: expect.stringMatching(ISO_TIME),
            idempotency_key: 'gate-b-scan-7',
          },
        },
      ],
      next_cursor: null,
    });
  });

  it('records a conflict when the offline admission meets an online check-in, even one without scan times or keys', async () => {
    const online = await t.checkIn(
      { event_id: 'cf-fest', ticket_id: 'F-2', location: 'Main door' },
      t.committee('door'),
    );
    expect(online.statusCode).toBe(201);
    const late = await t.app.inject({
      method: 'POST',
      url: '/checkins',
      headers: t.committee('field-gate'),
      payload: { event_id: 'cf-fest', ticket_id: 'F-2', admitted_offline: true },
    });
    expect(late.statusCode).toBe(409);
    expect(late.json()).toEqual({ detail: 'Ticket already checked in', record: online.json().record, conflict: true });
    const [listed] = (await conflicts()).json().conflicts;
    expect(listed).toMatchObject({
      ticket_id: 'F-2',
      holder_name: 'Budi Santoso',
      first: { checked_in_by: 'door', location: 'Main door', scanned_at: null },
      second: { checked_in_by: 'field-gate', location: null, scanned_at: null, idempotency_key: null },
    });
  });

  it('keeps the compat 409 without "conflict" for a duplicate that was not admitted offline, and records nothing', async () => {
    await t.checkIn({ event_id: 'cf-fest', ticket_id: 'F-3' }, t.committee('gate1'));
    const before = (await conflicts()).json().total;
    for (const admitted_offline of [undefined, false]) {
      const again = await t.checkIn({ event_id: 'cf-fest', ticket_id: 'F-3', admitted_offline }, t.committee('gate2'));
      expect(again.statusCode).toBe(409);
      expect(Object.keys(again.json())).toEqual(['detail', 'record']);
    }
    expect((await conflicts()).json().total).toBe(before);
  });

  it('does not count a ticket admitted offline that checks in first as a conflict', async () => {
    const before = (await conflicts()).json().total;
    const response = await upload('panitia1', randomUUID(), { ticket_id: 'F-4', admitted_offline: true });
    expect(response.statusCode).toBe(201);
    expect(response.json().record).toMatchObject({ ticket_id: 'F-4', checkin_id: expect.stringMatching(UUID) });
    expect((await conflicts()).json().total).toBe(before);
  });

  it('records a code the event never issued, admitted offline, as a not-issued conflict with its 404 flagged', async () => {
    const scanned = minutesAgo(4);
    const body = { ticket_id: 'FAKE-99', location: 'Gate C', scanned_at: scanned, admitted_offline: true };
    const response = await upload('panitia3', 'gate-c-scan-2', body);
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ detail: 'Ticket not found for this event', conflict: true });
    expect((await upload('panitia3', 'gate-c-scan-2', body)).json()).toEqual(response.json());
    const list = (await conflicts()).json();
    expect(list.conflicts.filter((conflict: { ticket_id: string }) => conflict.ticket_id === 'FAKE-99')).toEqual([
      {
        conflict_id: expect.stringMatching(/^\d+$/),
        kind: 'not-issued',
        event_id: 'cf-fest',
        ticket_id: 'FAKE-99',
        holder_name: null,
        first: null,
        second: {
          checked_in_by: 'panitia3',
          location: 'Gate C',
          scanned_at: scanned,
          received_at: expect.stringMatching(ISO_TIME),
          idempotency_key: 'gate-c-scan-2',
        },
      },
    ]);
    // Not admitted offline: the plain compat 404, nothing recorded.
    const plain = await t.checkIn({ event_id: 'cf-fest', ticket_id: 'FAKE-100' });
    expect(plain.statusCode).toBe(404);
    expect(plain.json()).toEqual({ detail: 'Ticket not found for this event' });
  });

  it('records conflicts of batch items too', async () => {
    await t.checkIn({ event_id: 'cf-fest', ticket_id: 'F-5', location: 'Gate A' }, t.committee('gate-a'));
    const response = await t.app.inject({
      method: 'POST',
      url: '/checkins/batch',
      payload: {
        checkins: [
          {
            token: t.token('gate-d'),
            idempotency_key: 'gate-d-1',
            event_id: 'cf-fest',
            ticket_id: 'F-5',
            admitted_offline: true,
          },
        ],
      },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().results[0]).toEqual({
      status: 409,
      body: {
        detail: 'Ticket already checked in',
        record: expect.objectContaining({ ticket_id: 'F-5' }),
        conflict: true,
      },
    });
    expect((await conflicts()).json().conflicts[0]).toMatchObject({
      ticket_id: 'F-5',
      second: { checked_in_by: 'gate-d', idempotency_key: 'gate-d-1' },
    });
  });
});

describe('GET /events/{id}/conflicts', () => {
  it('pages newest first with next_cursor, total counting all', async () => {
    const all = (await conflicts()).json();
    expect(all.total).toBeGreaterThanOrEqual(4);
    const ids = all.conflicts.map((conflict: { conflict_id: string }) => Number(conflict.conflict_id));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    const first = await conflicts('cf-fest', '?limit=2');
    expect(first.statusCode).toBe(200);
    expect(first.json().conflicts).toEqual(all.conflicts.slice(0, 2));
    expect(first.json().next_cursor).toBe(all.conflicts[1].conflict_id);
    const rest = await conflicts('cf-fest', `?limit=100&cursor=${first.json().next_cursor}`);
    expect(rest.json()).toEqual({ ...all, conflicts: all.conflicts.slice(2) });
  });

  it('answers 404 for an event that was never registered, and 422 for a cursor it did not issue', async () => {
    const unknown = await conflicts('cf-nowhere');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({ detail: 'Event not found' });
    const bad = await conflicts('cf-fest', '?cursor=abc');
    expect(bad.statusCode).toBe(422);
    expect(bad.json().detail[0].loc).toEqual(['query', 'cursor']);
  });

  it('needs a token, and forgets the conflicts of a deleted event', async () => {
    const anonymous = await t.app.inject({ url: '/events/cf-fest/conflicts' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json()).toEqual({ detail: 'Missing Authorization header' });

    await t.createEvent('cf-gone', ['G-1']);
    await t.checkIn({ event_id: 'cf-gone', ticket_id: 'G-1' }, t.committee('gate1'));
    await t.checkIn({ event_id: 'cf-gone', ticket_id: 'G-1', admitted_offline: true }, t.committee('gate2'));
    expect((await conflicts('cf-gone')).json().total).toBe(1);
    const deleted = await t.app.inject({ method: 'DELETE', url: '/events/cf-gone?force=true', headers: t.admin() });
    expect(deleted.statusCode).toBe(200);
    await t.createEvent('cf-gone');
    const list = await conflicts('cf-gone');
    expect(list.statusCode).toBe(200);
    expect(list.json()).toEqual({ event_id: 'cf-gone', total: 0, conflicts: [], next_cursor: null });
  });
});

describe('POST /events/{id}/conflicts/{conflict_id}/handled', () => {
  it('marks a conflict handled with who and when, keeps the first mark, and answers 404 for another event’s', async () => {
    const list = await t.app.inject({ url: '/events/cf-fest/conflicts', headers: t.committee() });
    const [newest] = list.json().conflicts as { conflict_id: string; handled?: unknown }[];
    expect(newest?.handled).toBeUndefined();
    const id = newest?.conflict_id as string;
    const url = `/events/cf-fest/conflicts/${id}/handled`;
    const marked = await t.app.inject({ method: 'POST', url, headers: t.committee('kepala-gerbang') });
    expect(marked.statusCode).toBe(200);
    expect(marked.json()).toMatchObject({
      conflict_id: id,
      handled: { by: 'kepala-gerbang', at: expect.stringMatching(/Z$/) },
    });
    const again = await t.app.inject({ method: 'POST', url, headers: t.committee('someone-else') });
    expect(again.statusCode).toBe(200);
    expect(again.json().handled).toEqual(marked.json().handled);
    const listed = await t.app.inject({ url: '/events/cf-fest/conflicts', headers: t.committee() });
    expect(listed.json().conflicts[0]).toMatchObject({ conflict_id: id, handled: marked.json().handled });
    const elsewhere = await t.app.inject({
      method: 'POST',
      url: `/events/cf-gone/conflicts/${id}/handled`,
      headers: t.committee(),
    });
    expect(elsewhere.statusCode).toBe(404);
    const unknown = await t.app.inject({
      method: 'POST',
      url: '/events/cf-fest/conflicts/999999/handled',
      headers: t.committee(),
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({ detail: 'Conflict not found' });
  });
});

describe("who sees a conflicting scan's key", () => {
  it("shows a scan's idempotency key to its sender and admins only, not to other committee members (issue 15, item 15)", async () => {
    const body = { event_id: 'cf-fest', ticket_id: 'FAKE-KEY', location: 'Gate K', admitted_offline: true };
    expect((await upload('keyholder', 'keyholder-scan-1', body)).statusCode).toBe(404);
    const mine = (headers: { authorization: string }) =>
      conflicts('cf-fest', '', headers).then(
        (answer) =>
          answer.json().conflicts.find((conflict: { ticket_id: string }) => conflict.ticket_id === 'FAKE-KEY').second
            .idempotency_key,
      );
    expect(await mine(t.committee('keyholder'))).toBe('keyholder-scan-1');
    expect(await mine(t.admin('boss'))).toBe('keyholder-scan-1');
    expect(await mine(t.committee('another-gate'))).toBeNull();
  });
});
