// GET /api/live/*: server-sent events through a real portal in front of real identity and attendance.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claims, validToken } from '../../../../packages/platform/test/support/forge-token.js';
import { type OpenStream, openStream } from '../support/event-stream.js';
import { call, login, type RunningService, SECRET, startPortal, useStack } from '../support/stack.js';

const stack = useStack();
let committee: string;
let admin: string;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Requests attendance received for the live stats of `eventId`. */
const statsPolls = (eventId: string) =>
  stack.attendance.received.filter((line) => line.startsWith(`GET /events/${eventId}/stats`)).length;

/** The first `stats` event from now on that passes `test` (a lanes-only change may come between). */
async function statsWhere(
  stream: OpenStream,
  test: (stats: { total_checked_in: number; inside: number }) => boolean,
): Promise<unknown> {
  for (;;) {
    const { data } = await stream.next('stats', 10_000);
    if (test(data as { total_checked_in: number; inside: number })) return data;
  }
}

const scan = (event_id: string, ticket_id: string, location = 'Gate A') =>
  call(stack.portal.url, 'POST', '/api/checkins', { token: committee, json: { event_id, ticket_id, location } });

beforeAll(async () => {
  [committee, admin] = await Promise.all([login(stack.identity.url, 'panitia1'), login(stack.identity.url, 'admin1')]);
  for (const id of ['live-ev', 'live-many', 'live-idle', 'live-exit']) {
    const created = await call(stack.portal.url, 'POST', '/api/events', { token: admin, json: { id, title: id } });
    expect(created.status).toBe(201);
  }
  const issued = await call(stack.portal.url, 'POST', '/api/events/live-ev/tickets', {
    token: admin,
    json: { tickets: [1, 2, 3, 4].map((n) => ({ ticket_id: `LIVE-${n}`, holder_name: `Holder ${n}` })) },
  });
  expect(issued.status).toBe(201);
});

describe('GET /api/live/events/{id}', () => {
  it('sends the event’s stats at once, then a new check-in within 2 s of its 201', async () => {
    const stream = await openStream(stack.portal.url, '/api/live/events/live-ev', { token: committee });
    try {
      expect(stream.status).toBe(200);
      expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);
      const first = await stream.next('stats');
      expect(first.data).toMatchObject({ event_id: 'live-ev', total_checked_in: 0, gates: [], latest: [] });

      const answer = await scan('live-ev', 'LIVE-1', 'Gate B');
      expect(answer.status).toBe(201);
      const acknowledged = Date.now();
      const update = await stream.next('stats', 2500);
      expect(update.at - acknowledged).toBeLessThanOrEqual(2000);
      expect(update.data).toMatchObject({
        event_id: 'live-ev',
        total_registered: 4,
        total_checked_in: 1,
        checkin_percentage: 25,
        gates: [{ location: 'Gate B', count: 1, inside: 1 }],
        latest: [{ ticket_id: 'LIVE-1', holder_name: 'Holder 1', location: 'Gate B' }],
      });
    } finally {
      stream.close();
    }
  });

  it('sends who is inside per gate again when a person goes out', async () => {
    const stream = await openStream(stack.portal.url, '/api/live/events/live-exit', { token: committee });
    try {
      expect(stream.status).toBe(200);
      expect((await stream.next('stats')).data).toMatchObject({ event_id: 'live-exit', inside: 0, gates: [] });
      expect((await scan('live-exit', 'EXIT-1', 'Gate A')).status).toBe(201);
      expect(await statsWhere(stream, (stats) => stats.total_checked_in === 1)).toMatchObject({
        inside: 1,
        gates: [{ location: 'Gate A', count: 1, inside: 1 }],
      });
      const out = await call(stack.portal.url, 'POST', '/api/checkins', {
        token: committee,
        json: { event_id: 'live-exit', ticket_id: 'EXIT-1', location: 'Gate B', direction: 'exit' },
      });
      expect(out.status).toBe(201);
      expect(await statsWhere(stream, (stats) => stats.inside === 0)).toMatchObject({
        total_checked_in: 1,
        gates: [{ location: 'Gate A', count: 1, inside: 0 }],
      });
    } finally {
      stream.close();
    }
  });

  it('sends nothing but the first event while nothing changes', async () => {
    const stream = await openStream(stack.portal.url, '/api/live/events/live-idle', { token: committee });
    try {
      expect(stream.status).toBe(200);
      const first = (await stream.next('stats')).data as Record<string, unknown>;
      expect(first).toMatchObject({ event_id: 'live-idle', total_checked_in: 0 });
      await sleep(2500);
      // Nothing else, unless the wall clock crossed a minute: the lanes' window moved (nothing more).
      // (The `ping`s are the heartbeat: one at once, then every LIVE_HEARTBEAT_MS.)
      const sent = stream.events.filter((event) => event.event !== 'ping');
      const later = sent.slice(1).map((event) => ({ ...(event.data as object), lanes: undefined }));
      expect(later).toEqual(later.map(() => ({ ...first, lanes: undefined })));
      expect(sent.length).toBeLessThanOrEqual(2);
    } finally {
      stream.close();
    }
  });

  it('asks attendance at most twice a second for 20 streams of one event, and stops when they close', async () => {
    const streams: OpenStream[] = await Promise.all(
      Array.from({ length: 20 }, () =>
        openStream(stack.portal.url, '/api/live/events/live-many', { token: committee }),
      ),
    );
    try {
      await Promise.all(streams.map((stream) => stream.next('stats')));
      const before = statsPolls('live-many');
      await sleep(3000);
      const polls = statsPolls('live-many') - before;
      expect(polls).toBeGreaterThanOrEqual(1);
      expect(polls).toBeLessThanOrEqual(6);
      expect(streams.every((stream) => stream.status === 200)).toBe(true);
    } finally {
      for (const stream of streams) stream.close();
    }
    await sleep(300);
    const afterClose = statsPolls('live-many');
    await sleep(2200);
    expect(statsPolls('live-many')).toBe(afterClose);
  });

  it('sends `expired` and ends the stream when the subscriber’s own token expires', async () => {
    const now = Math.floor(Date.now() / 1000);
    const shortLived = validToken(SECRET, { ...claims('panitia1', 'committee'), iat: now, exp: now + 2 });
    const stream = await openStream(stack.portal.url, '/api/live/events/live-ev', { token: shortLived });
    expect(stream.status).toBe(200);
    await stream.next('stats');
    const expired = await stream.next('expired', 4000);
    expect(expired.data).toEqual({ detail: 'Token expired' });
    await stream.ended;
    expect(stream.events.at(-1)?.event).toBe('expired');
  });

  it('is opened by the session cookie alone', async () => {
    const loggedIn = await call(stack.portal.url, 'POST', '/api/auth/login', {
      json: { username: 'panitia1', password: 'secret' },
    });
    const cookie = loggedIn.cookies.find((value) => value.startsWith('tixgo_session='))?.split(';', 1)[0];
    const stream = await openStream(stack.portal.url, '/api/live/events/live-ev', { cookie: cookie as string });
    try {
      expect(stream.status).toBe(200);
      expect((await stream.next('stats')).data).toMatchObject({ event_id: 'live-ev' });
    } finally {
      stream.close();
    }
  });

  it('answers 404 as JSON for an event that was never registered, and 401 without a token', async () => {
    const unknown = await openStream(stack.portal.url, '/api/live/events/never-made', { token: committee });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ detail: 'Event not found' });
    const anonymous = await openStream(stack.portal.url, '/api/live/events/live-ev');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toEqual({ detail: 'Missing Authorization header' });
  });

  it('sends `not_found` and ends the stream when the event is deleted', async () => {
    const created = await call(stack.portal.url, 'POST', '/api/events', {
      token: admin,
      json: { id: 'live-doomed', title: 'Doomed' },
    });
    expect(created.status).toBe(201);
    const stream = await openStream(stack.portal.url, '/api/live/events/live-doomed', { token: committee });
    expect(stream.status).toBe(200);
    await stream.next('stats');
    const deleted = await call(stack.portal.url, 'DELETE', '/api/events/live-doomed', { token: admin });
    expect(deleted.status).toBe(200);
    const gone = await stream.next('not_found', 3000);
    expect(gone.data).toEqual({ detail: 'Event not found' });
    await stream.ended;
  });
});

describe('GET /api/live/overview', () => {
  it('sends the overview, then the dashboard count moving after a check-in', async () => {
    const stream = await openStream(stack.portal.url, '/api/live/overview', { token: committee });
    try {
      expect(stream.status).toBe(200);
      const first = (await stream.next('overview')).data as { events: { id: string; total_checked_in: number }[] };
      const before = first.events.find((event) => event.id === 'live-ev')?.total_checked_in ?? -1;
      expect((await scan('live-ev', 'LIVE-2')).status).toBe(201);
      const acknowledged = Date.now();
      const update = await stream.next('overview', 2500);
      expect(update.at - acknowledged).toBeLessThanOrEqual(2000);
      const after = (update.data as typeof first).events.find((event) => event.id === 'live-ev');
      expect(after).toMatchObject({ id: 'live-ev', total_checked_in: before + 1, total_registered: 4 });
    } finally {
      stream.close();
    }
  });
});

describe('live streams of a portal configured otherwise', () => {
  let portal: RunningService;

  beforeAll(async () => {
    portal = await startPortal({
      identityUrl: stack.identity.url,
      attendanceUrl: stack.attendance.url,
      env: { LIVE_MAX_STREAMS: '2', LIVE_HEARTBEAT_MS: '200', LIVE_INTERVAL_MS: '300' },
    });
  });
  afterAll(async () => {
    await portal?.close();
  });

  it('refuses a stream beyond LIVE_MAX_STREAMS with 503 and Retry-After, and sends heartbeats meanwhile', async () => {
    const open = await Promise.all([
      openStream(portal.url, '/api/live/overview', { token: committee }),
      openStream(portal.url, '/api/live/events/live-ev', { token: committee }),
    ]);
    try {
      const refused = await openStream(portal.url, '/api/live/overview', { token: committee });
      expect(refused.status).toBe(503);
      expect(refused.headers['retry-after']).toBe('10');
      expect(refused.body).toEqual({ detail: 'Too many live streams open; try again later' });
      expect((await open[0]?.next('ping', 5000))?.data).toEqual({ every_ms: 200 });
    } finally {
      for (const stream of open) stream.close();
    }
    await sleep(200);
    const again = await openStream(portal.url, '/api/live/overview', { token: committee });
    expect(again.status).toBe(200);
    expect((await again.next('overview')).data).toMatchObject({ events: expect.any(Array) });
    again.close();
  });
});

describe('live streams when attendance fails, and on shutdown', () => {
  it('sends `unavailable` while attendance is down and the data again once it is back', async () => {
    const portal = await startPortal({
      identityUrl: stack.identity.url,
      attendanceUrl: stack.attendance.url,
      env: {
        LIVE_INTERVAL_MS: '200',
        UPSTREAM_TIMEOUT_MS: '1000',
        UPSTREAM_RETRIES: '1',
        UPSTREAM_RETRY_DELAY_MS: '20',
      },
    });
    const stream = await openStream(portal.url, '/api/live/events/live-ev', { token: committee });
    let down = false;
    try {
      expect(stream.status).toBe(200);
      await stream.next('stats');
      await stack.attendance.stop();
      down = true;
      const unavailable = await stream.next('unavailable', 4000);
      expect(unavailable.data).toEqual({ detail: 'Attendance service unavailable' });
      await stack.attendance.restart();
      down = false;
      const back = await stream.next('stats', 4000);
      expect(back.data).toMatchObject({ event_id: 'live-ev' });
    } finally {
      stream.close();
      if (down) await stack.attendance.restart();
      await portal.close();
    }
  });

  it('ends open streams when the portal closes, without waiting for their clients', async () => {
    const portal = await startPortal({ identityUrl: stack.identity.url, attendanceUrl: stack.attendance.url });
    const streams = await Promise.all([
      openStream(portal.url, '/api/live/overview', { token: committee }),
      openStream(portal.url, '/api/live/events/live-ev', { token: committee }),
    ]);
    await Promise.all([streams[0]?.next('overview'), streams[1]?.next('stats')]);
    const started = Date.now();
    await portal.close();
    // Not held open by its streams (which would wait for ever); generous for a busy machine.
    expect(Date.now() - started).toBeLessThan(10_000);
    await Promise.all(streams.map((stream) => stream.ended));
    expect(streams.map((stream) => stream.status)).toEqual([200, 200]);
  });
});
