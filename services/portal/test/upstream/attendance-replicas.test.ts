// Two attendance replicas on one database behind the portal (ATTENDANCE_BASE_URL=a,b): balanced,
// routed around when one stops, used again when it is back; /ready per replica; streams over the pool.
import { createTestDatabase, type TestDatabase } from '@tixgo/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AttendanceService,
  call,
  login,
  type RunningService,
  startAttendance,
  startIdentity,
  startPortal,
} from '../support/stack.js';

let database: TestDatabase;
let identity: RunningService;
let first: AttendanceService;
let second: AttendanceService;
let portal: RunningService;
let token: string;
let admin: string;

beforeAll(async () => {
  database = await createTestDatabase('portal_replicas');
  identity = await startIdentity();
  // One after the other: the first migrates the shared database, the second finds nothing to do.
  first = await startAttendance({}, { database });
  second = await startAttendance({}, { database });
  portal = await startPortal({
    identityUrl: identity.url,
    attendanceUrl: `${first.url},${second.url}`,
    // One retry only: a request that met the stopped replica succeeds only if its retry goes elsewhere.
    env: { UPSTREAM_RETRIES: '1', UPSTREAM_RETRY_DELAY_MS: '10', UPSTREAM_TIMEOUT_MS: '3000' },
  });
  [token, admin] = await Promise.all([login(identity.url, 'panitia1'), login(identity.url, 'admin1')]);
});

afterAll(async () => {
  await portal?.close();
  await Promise.all([first?.close(), second?.close(), identity?.close()]);
  await database?.drop();
});

/** Requests of `replica` received since `from` that match `prefix` ("GET /events"). */
const receivedSince = (replica: AttendanceService, from: number, prefix: string) =>
  replica.received.slice(from).filter((line) => line.startsWith(prefix)).length;

describe('the portal over two attendance replicas', () => {
  it('spreads GETs over both replicas, which answer from the one database', async () => {
    const created = await call(portal.url, 'POST', '/api/events', {
      token: admin,
      json: { id: 'replica-fest', title: 'Replica fest' },
    });
    expect(created.status).toBe(201);
    const [fromFirst, fromSecond] = [first.received.length, second.received.length];
    for (let index = 0; index < 20; index++) {
      const answer = await call(portal.url, 'GET', '/api/events/replica-fest', { token });
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ id: 'replica-fest', title: 'Replica fest' });
    }
    expect(receivedSince(first, fromFirst, 'GET /events/replica-fest')).toBeGreaterThan(0);
    expect(receivedSince(second, fromSecond, 'GET /events/replica-fest')).toBeGreaterThan(0);
  });

  it('reports each replica in /ready', async () => {
    const ready = await call(portal.url, 'GET', '/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({
      status: 'ready',
      checks: {
        identity: 'ok',
        attendance: { status: 'ok', replicas: { [`${first.url}/`]: 'ok', [`${second.url}/`]: 'ok' } },
      },
    });
  });

  it('streams the full list and the CSV export, and forwards a CSV upload, over the balanced pool', async () => {
    const upload = await call(portal.url, 'POST', '/api/events/replica-fest/tickets', {
      token: admin,
      headers: { 'content-type': 'text/csv' },
      body: 'ticket_id\nR-1\nR-2\nR-3\n',
    });
    expect(upload.status).toBe(201);
    expect(upload.body).toMatchObject({ created: 3 });
    for (const ticket of ['R-1', 'R-2']) {
      const checkin = await call(portal.url, 'POST', '/api/checkins', {
        token,
        json: { event_id: 'replica-fest', ticket_id: ticket },
      });
      expect(checkin.status).toBe(201);
      expect(checkin.body).toMatchObject({ ticket_id: ticket, status: 'success' });
    }
    // Several times each: both replicas serve them.
    for (let round = 0; round < 4; round++) {
      const list = await call(portal.url, 'GET', '/api/attendance/replica-fest', { token });
      expect(list.status).toBe(200);
      expect(list.body).toMatchObject({ event_id: 'replica-fest', total_checked_in: 2 });
      const csv = await call(portal.url, 'GET', '/api/events/replica-fest/attendance.csv', { token: admin });
      expect(csv.status).toBe(200);
      expect(csv.text.trim().split('\n')).toHaveLength(3);
    }
  });
});

describe('one replica stopped', () => {
  it('answers every GET and check-in from the other one: each retry goes to the other replica', async () => {
    await second.stop();
    const fromFirst = first.received.length;
    for (let index = 0; index < 30; index++) {
      const read = await call(portal.url, 'GET', '/api/events/replica-fest', { token });
      expect(read.status, read.text).toBe(200);
      expect(read.body).toMatchObject({ id: 'replica-fest' });
      const checkin = await call(portal.url, 'POST', '/api/checkins', {
        token,
        json: { event_id: 'stopped-fest', ticket_id: `S-${index}` },
      });
      expect(checkin.status, checkin.text).toBe(201);
      expect(checkin.body).toMatchObject({ ticket_id: `S-${index}`, status: 'success' });
    }
    expect(receivedSince(first, fromFirst, 'GET /events/replica-fest')).toBe(30);
    const list = await call(first.url, 'GET', '/attendance/stopped-fest', { token });
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ total_checked_in: 30 });
  });

  it('streams the full list and the CSV export from the other one too', async () => {
    for (let round = 0; round < 10; round++) {
      const list = await call(portal.url, 'GET', '/api/attendance/stopped-fest', { token });
      expect(list.status, list.text).toBe(200);
      expect(list.body).toMatchObject({ event_id: 'stopped-fest', total_checked_in: 30 });
      const csv = await call(portal.url, 'GET', '/api/events/replica-fest/attendance.csv', { token: admin });
      expect(csv.status, csv.text).toBe(200);
      expect(csv.text.trim().split('\n')).toHaveLength(3);
    }
  });

  it('stays ready while one replica answers, and shows which one does not', async () => {
    const ready = await call(portal.url, 'GET', '/ready');
    expect(ready.status).toBe(200);
    const checks = (ready.body as { checks: { attendance: { status: string; replicas: Record<string, string> } } })
      .checks;
    expect(checks.attendance.status).toBe('ok');
    expect(checks.attendance.replicas[`${first.url}/`]).toBe('ok');
    expect(checks.attendance.replicas[`${second.url}/`]).not.toBe('ok');
  });

  it('uses the replica again once it is back on its port', async () => {
    await second.restart();
    const fromSecond = second.received.length;
    let sent = 0;
    // Its weight was lowered by each refused connection; it is picked again at the lowest weight
    // at first (about 1 request in 100), more as it accepts connections.
    while (receivedSince(second, fromSecond, 'GET /events/replica-fest') < 3 && sent < 1000) {
      const read = await call(portal.url, 'GET', '/api/events/replica-fest', { token });
      expect(read.status).toBe(200);
      sent++;
    }
    expect(receivedSince(second, fromSecond, 'GET /events/replica-fest')).toBeGreaterThanOrEqual(3);
    const ready = await call(portal.url, 'GET', '/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ checks: { attendance: { replicas: { [`${second.url}/`]: 'ok' } } } });
  });

  it('is not ready, naming each replica, when neither answers', async () => {
    await Promise.all([first.stop(), second.stop()]);
    try {
      const ready = await call(portal.url, 'GET', '/ready');
      expect(ready.status).toBe(503);
      const { attendance } = (ready.body as { checks: { attendance: { status: string; replicas: object } } }).checks;
      expect(attendance.status).toBe('no replica answers');
      expect(Object.keys(attendance.replicas).sort()).toEqual([`${first.url}/`, `${second.url}/`].sort());
      const read = await call(portal.url, 'GET', '/api/events/replica-fest', { token });
      expect(read.status).toBe(502);
      expect(read.body).toEqual({ detail: 'Attendance service unavailable' });
    } finally {
      await Promise.all([first.restart(), second.restart()]);
    }
  });

  it('is not ready, and logs why, when two replicas use different databases; one database is fine', async () => {
    const ready = await call(portal.url, 'GET', '/ready');
    expect(ready.body).toMatchObject({ checks: { attendance_database: 'ok' } });
    // A replica on a database of its own (as two replicas on their own embedded PostgreSQL would be).
    const elsewhere = await startAttendance();
    const lines: { level: number; msg: string }[] = [];
    const split = await startPortal({
      identityUrl: identity.url,
      attendanceUrl: `${first.url},${elsewhere.url}`,
      logStream: { write: (line: string) => void lines.push(JSON.parse(line)) },
      env: { LOG_LEVEL: 'error' },
    });
    try {
      const refused = await call(split.url, 'GET', '/ready');
      expect(refused.status).toBe(503);
      const { attendance_database: problem } = (refused.body as { checks: { attendance_database: string } }).checks;
      expect(problem).toMatch(
        /^attendance replicas use different databases \(.+\): give every replica the same DATABASE_URL$/,
      );
      expect(problem).toContain(`${first.url}: `);
      expect(problem).toContain(`${elsewhere.url}: `);
      await call(split.url, 'GET', '/ready');
      // Said once in the log (level 50: error), not at every probe.
      expect(lines.filter((line) => line.level === 50 && line.msg === problem)).toHaveLength(1);
    } finally {
      await split.close();
      await elsewhere.close();
    }
  });
});
