// Issue 18, item 2, through real services: a portal that attendance trusts follows its GET /changes, so
// its live topics read attendance when something changed, not every second; when attendance goes
// away the topics poll, and once it is back the portal follows it again by itself.
import { createTestDatabase } from '@tixgo/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenStream, openStream } from '../support/event-stream.js';
import { call, login, type RunningService, startAttendance, startPortal, useUpstreams } from '../support/stack.js';

// Attendance trusts the portal on 127.0.0.1 (as compose's does the portal's address).
const upstreams = useUpstreams({}, () => ({ TRUST_PROXY: '127.0.0.1' }));
let portal: RunningService;
let committee: string;
let admin: string;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const received = (prefix: string) => upstreams.attendance.received.filter((line) => line.startsWith(prefix)).length;
const statsReads = (eventId: string) => received(`GET /events/${eventId}/stats`);

/** Waits (polling, up to 20 s) until `condition` holds. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !condition(); waited += 50) {
    if (waited > 20_000) throw new Error(`never: ${what}`);
    await sleep(50);
  }
}

beforeAll(async () => {
  portal = await startPortal({ identityUrl: upstreams.identity.url, attendanceUrl: upstreams.attendance.url });
  [committee, admin] = await Promise.all([
    login(upstreams.identity.url, 'panitia1'),
    login(upstreams.identity.url, 'admin1'),
  ]);
  const created = await call(portal.url, 'POST', '/api/events', {
    token: admin,
    json: { id: 'push-ev', title: 'Push' },
  });
  expect(created.status).toBe(201);
  const issued = await call(portal.url, 'POST', '/api/events/push-ev/tickets', {
    token: admin,
    json: { tickets: [1, 2, 3].map((n) => ({ ticket_id: `PUSH-${n}` })) },
  });
  expect(issued.status).toBe(201);
});
afterAll(async () => {
  await portal?.close();
});

/** Reads the stream's stats events until one counts `total` check-ins (each within 5 s of the last). */
async function checkedIn(stream: OpenStream, total: number): Promise<void> {
  for (;;) {
    const update = (await stream.next('stats', 5000)).data as { event_id: string; total_checked_in: number };
    expect(update.event_id).toBe('push-ev');
    if (update.total_checked_in === total) return;
  }
}

const scan = (ticket_id: string) =>
  call(portal.url, 'POST', '/api/checkins', { token: committee, json: { event_id: 'push-ev', ticket_id } });

describe('live streams of a portal following attendance’s changes', () => {
  it('reads nothing while nothing changes, and brings a check-in to all 20 screens', async () => {
    const streams = await Promise.all(
      Array.from({ length: 20 }, () => openStream(portal.url, '/api/live/events/push-ev', { token: committee })),
    );
    try {
      await Promise.all(streams.map((stream) => stream.next('stats')));
      await until(() => received('GET /changes') >= 1, 'the portal follows attendance’s changes');
      // Once following, the topic is read once more (changes before were not announced), then not again.
      await until(() => statsReads('push-ev') >= 2, 'the read after following');
      await sleep(200);
      const quiet = statsReads('push-ev');
      await sleep(2500);
      // Polling would have read twice or more by now.
      expect(statsReads('push-ev')).toBe(quiet);

      expect((await scan('PUSH-1')).status).toBe(201);
      // (A stats event before it may only be the lanes' clock moving on.)
      for (const stream of streams) await checkedIn(stream, 1);
      // One read (or two, had the announcement been split) for the 20 screens.
      expect(statsReads('push-ev') - quiet).toBeGreaterThanOrEqual(1);
      expect(statsReads('push-ev') - quiet).toBeLessThanOrEqual(2);
    } finally {
      for (const stream of streams) stream.close();
    }
  });

  it('polls while attendance is away, and follows it again once it is back', async () => {
    const stream = await openStream(portal.url, '/api/live/events/push-ev', { token: committee });
    try {
      await stream.next('stats');
      const follows = received('GET /changes');
      await upstreams.attendance.stop();
      // The topic polls (and fails): the screen is told attendance is unavailable.
      await stream.next('unavailable', 15_000);
      await upstreams.attendance.restart();
      await until(() => received('GET /changes') > follows, 'the portal follows again');
      await stream.next('stats', 15_000);
      expect((await scan('PUSH-2')).status).toBe(201);
      await checkedIn(stream, 2);
    } finally {
      stream.close();
    }
  });
});

describe('a portal following one of two attendance replicas', () => {
  it('follows the other one by itself when the one it follows stops', async () => {
    const database = await createTestDatabase('portal_changes_replicas');
    const env = { TRUST_PROXY: '127.0.0.1' };
    const replicas = [await startAttendance(env, { database }), await startAttendance(env, { database })];
    const other = await startPortal({
      identityUrl: upstreams.identity.url,
      attendanceUrl: replicas.map((replica) => replica.url).join(','),
    });
    const follows = () => replicas.map((replica) => replica.received.filter((line) => line === 'GET /changes').length);
    const reads = () =>
      replicas.reduce(
        (sum, replica) => sum + replica.received.filter((line) => line.startsWith('GET /events/')).length,
        0,
      );
    try {
      const post = (path: string, json: unknown) => call(other.url, 'POST', path, { token: admin, json });
      expect((await post('/api/events', { id: 'rep-ev', title: 'Replicas' })).status).toBe(201);
      expect((await post('/api/events/rep-ev/tickets', { tickets: [{ ticket_id: 'REP-1' }] })).status).toBe(201);
      const stream = await openStream(other.url, '/api/live/events/rep-ev', { token: committee });
      try {
        await stream.next('stats');
        await until(() => follows().some((n) => n > 0), 'the portal follows a replica');
        const followed = follows().findIndex((n) => n > 0);
        await replicas[followed]?.stop();
        await until(() => (follows()[1 - followed] ?? 0) > 0, 'the portal follows the other replica');
        // Following again: the reads settle (one after following, none after it), then stay quiet.
        for (let settled = -1; settled !== reads(); ) {
          settled = reads();
          await sleep(1200);
        }
        const quiet = reads();
        await sleep(2500);
        expect(reads()).toBe(quiet);
        // A check-in committed through the surviving replica reaches the screen.
        const answer = await call(other.url, 'POST', '/api/checkins', {
          token: committee,
          json: { event_id: 'rep-ev', ticket_id: 'REP-1' },
        });
        expect(answer.status).toBe(201);
        for (;;) {
          const update = (await stream.next('stats', 5000)).data as { total_checked_in: number };
          if (update.total_checked_in === 1) break;
        }
      } finally {
        stream.close();
      }
    } finally {
      await other.close();
      for (const replica of replicas) await replica.close();
      await database.drop();
    }
  });
});
