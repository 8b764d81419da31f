// The web UI's reads through the portal against real identity and attendance: overview, stats, check-in list, ticket search.
import { beforeAll, describe, expect, it } from 'vitest';
import { call, login, useStack } from '../support/stack.js';

const stack = useStack();
let committee: string;
let admin: string;

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

beforeAll(async () => {
  [committee, admin] = await Promise.all([login(stack.identity.url, 'panitia1'), login(stack.identity.url, 'admin1')]);
  const created = await call(stack.portal.url, 'POST', '/api/events', {
    token: admin,
    json: { id: 'dash-ev', title: 'Dashboard event', location: 'Aula' },
  });
  expect(created.status).toBe(201);
  const issued = await call(stack.portal.url, 'POST', '/api/events/dash-ev/tickets', {
    token: admin,
    json: {
      tickets: [
        { ticket_id: 'DASH-1', holder_name: 'Budi Santoso' },
        { ticket_id: 'DASH-2', holder_name: 'Siti Rahma' },
        { ticket_id: 'DASH-3', holder_name: 'Dewi Budiarti' },
        { ticket_id: 'DASH-4', holder_name: 'Agus' },
      ],
    },
  });
  expect(issued.status).toBe(201);
  for (const [ticket_id, location] of [
    ['DASH-1', 'Gate A'],
    ['DASH-2', 'Gate B'],
    ['DASH-3', 'Gate A'],
  ]) {
    const scanned = await call(stack.portal.url, 'POST', '/api/checkins', {
      token: committee,
      json: { event_id: 'dash-ev', ticket_id, location },
    });
    expect(scanned.status).toBe(201);
  }
});

describe('GET /api/overview', () => {
  it('answers every event with checked-in / registered in one request to attendance', async () => {
    const before = stack.attendance.received.length;
    const answer = await call(stack.portal.url, 'GET', '/api/overview', { token: committee });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      events: [
        {
          id: 'dash-ev',
          title: 'Dashboard event',
          start_time: null,
          end_time: null,
          location: 'Aula',
          total_registered: 4,
          total_checked_in: 3,
          checkin_percentage: 75,
          // Not on now (no start time): the dashboard reads no lanes for it.
          lanes: null,
        },
      ],
    });
    expect(stack.attendance.received.slice(before)).toEqual(['GET /overview']);
  });

  it('answers 401 without a token, before any upstream call', async () => {
    const before = stack.attendance.received.length;
    const answer = await call(stack.portal.url, 'GET', '/api/overview');
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({ detail: 'Missing Authorization header' });
    expect(stack.attendance.received.length).toBe(before);
  });
});

describe('GET /api/events/{id}/stats', () => {
  it('answers the totals, the timeline and the per-gate counts from attendance', async () => {
    const answer = await call(stack.portal.url, 'GET', '/api/events/dash-ev/stats?bucket=60&latest=1', {
      token: committee,
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      event_id: 'dash-ev',
      total_registered: 4,
      total_checked_in: 3,
      checkin_percentage: 75,
      bucket_minutes: 60,
      timeline: [{ start: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:00:00\.000Z$/), count: 3 }],
      gates: [
        { location: 'Gate A', count: 2, inside: 2 },
        { location: 'Gate B', count: 1, inside: 1 },
      ],
      other_gates: null,
      latest: [
        {
          event_id: 'dash-ev',
          ticket_id: 'DASH-3',
          checked_in_by: 'panitia1',
          checked_in_at: expect.stringMatching(ISO),
          checkin_id: expect.any(String),
          location: 'Gate A',
          holder_name: 'Dewi Budiarti',
        },
      ],
      conflicts: 0,
      // The three check-ins were just now, at two gates.
      lanes: expect.objectContaining({
        window_minutes: 5,
        lanes: [
          expect.objectContaining({ location: 'Gate A', idle: false }),
          expect.objectContaining({ location: 'Gate B', idle: false }),
        ],
        remaining: 1,
        active_lanes: 2,
      }),
      inside: 3,
      lists: [{ id: 'main', name: 'Main', capacity: null, checked_in: 3, inside: 3 }],
    });
  });

  it('carries who is inside per gate: an exit at another gate counts against the gate of entry', async () => {
    const created = await call(stack.portal.url, 'POST', '/api/events', {
      token: admin,
      json: { id: 'dash-gates', title: 'Gates' },
    });
    expect(created.status).toBe(201);
    const scan = (ticket_id: string, location: string, direction?: 'exit') =>
      call(stack.portal.url, 'POST', '/api/checkins', {
        token: committee,
        json: { event_id: 'dash-gates', ticket_id, location, ...(direction && { direction }) },
      });
    for (const [code, gate] of [
      ['DG-1', 'Gate A'],
      ['DG-2', 'Gate A'],
      ['DG-3', 'Gate B'],
    ]) {
      expect((await scan(code as string, gate as string)).status).toBe(201);
    }
    expect((await scan('DG-1', 'Gate B', 'exit')).status).toBe(201);
    const answer = await call(stack.portal.url, 'GET', '/api/events/dash-gates/stats', { token: committee });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      inside: 2,
      gates: [
        { location: 'Gate A', count: 2, inside: 1 },
        { location: 'Gate B', count: 1, inside: 1 },
      ],
    });
  });

  it('passes attendance’s 404 for an unknown event through', async () => {
    const answer = await call(stack.portal.url, 'GET', '/api/events/no-such-event/stats', { token: committee });
    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({ detail: 'Event not found' });
  });

  it('answers 422 for a bucket attendance does not offer, without asking it', async () => {
    const before = stack.attendance.received.length;
    const answer = await call(stack.portal.url, 'GET', '/api/events/dash-ev/stats?bucket=7', { token: committee });
    expect(answer.status).toBe(422);
    expect(answer.body).toEqual({ detail: [expect.objectContaining({ loc: ['query', 'bucket'] })] });
    expect(stack.attendance.received.length).toBe(before);
  });
});

describe('GET /api/events/{id}/checkins', () => {
  it('answers the list newest first, searched by holder name and filtered by gate', async () => {
    const answer = await call(stack.portal.url, 'GET', '/api/events/dash-ev/checkins?q=budi&gate=Gate%20A&limit=1', {
      token: committee,
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      event_id: 'dash-ev',
      records: [expect.objectContaining({ ticket_id: 'DASH-3', holder_name: 'Dewi Budiarti', location: 'Gate A' })],
      next_cursor: expect.stringMatching(/^\d+$/),
    });
    const { next_cursor } = answer.body as { next_cursor: string };
    const older = await call(
      stack.portal.url,
      'GET',
      `/api/events/dash-ev/checkins?q=budi&gate=Gate%20A&limit=1&cursor=${next_cursor}`,
      { token: committee },
    );
    expect(older.status).toBe(200);
    expect(older.body).toEqual({
      event_id: 'dash-ev',
      records: [expect.objectContaining({ ticket_id: 'DASH-1', holder_name: 'Budi Santoso' })],
      next_cursor: null,
    });
  });
});

describe('GET /api/events/{id}/tickets/search', () => {
  it('finds tickets by part of the code with their check-in state, for a committee member', async () => {
    const answer = await call(stack.portal.url, 'GET', '/api/events/dash-ev/tickets/search?q=dash-4', {
      token: committee,
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      event_id: 'dash-ev',
      tickets: [
        {
          ticket_id: 'DASH-4',
          holder_name: 'Agus',
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

  it('answers 422 for fewer than 3 characters without asking attendance', async () => {
    const before = stack.attendance.received.length;
    const answer = await call(stack.portal.url, 'GET', '/api/events/dash-ev/tickets/search?q=da', {
      token: committee,
    });
    expect(answer.status).toBe(422);
    expect(answer.body).toEqual({ detail: [expect.objectContaining({ loc: ['query', 'q'] })] });
    expect(stack.attendance.received.length).toBe(before);
  });
});
