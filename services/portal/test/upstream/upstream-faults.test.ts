// Upstream failures seen through the portal: stopped → 502, stalled → 504 at the deadline,
// a lost answer → the retried check-in counts once, a 503 → the GET is retried.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  FAULT_DEADLINE_MS,
  FAULT_ENV,
  login,
  startAttendance,
  startPortal,
  useUpstreams,
} from '../support/stack.js';
import { refusingUrl, startAnswerLosingProxy, startFlakyGateway, startStalledServer } from '../support/tcp-faults.js';

// Generous: the machine is shared and busy; what matters is "about the deadline", not "300 s".
const MARGIN_MS = 5000;

const stack = useUpstreams();
let token: string;

beforeAll(async () => {
  token = await login(stack.identity.url, 'panitia1');
});

async function timed<T>(work: () => Promise<T>): Promise<{ result: T; elapsed: number }> {
  const started = performance.now();
  const result = await work();
  return { result, elapsed: performance.now() - started };
}

/** Check-ins of `eventId` as attendance itself records them. */
async function recordedCheckins(eventId: string): Promise<{ ticket_id: string }[]> {
  const answer = await call(stack.attendance.url, 'GET', `/attendance/${eventId}`, { token });
  expect(answer.status).toBe(200);
  return (answer.body as { records: { ticket_id: string }[] }).records;
}

describe('attendance stopped', () => {
  it('answers a check-in with 502 "Attendance service unavailable" well within the deadline', async () => {
    const down = await refusingUrl();
    const portal = await startPortal({ identityUrl: stack.identity.url, attendanceUrl: down, env: FAULT_ENV });
    try {
      const { result, elapsed } = await timed(() =>
        call(portal.url, 'POST', '/api/checkins', { token, json: { event_id: 'down-fest', ticket_id: 'D-1' } }),
      );
      expect(result.status).toBe(502);
      expect(result.body).toEqual({ detail: 'Attendance service unavailable' });
      expect(elapsed).toBeLessThan(FAULT_DEADLINE_MS + MARGIN_MS);
    } finally {
      await portal.close();
    }
  });

  it('answers 502 after the real attendance stops, and recovers when it comes back on the same port', async () => {
    const own = await startAttendance();
    const portal = await startPortal({ identityUrl: stack.identity.url, attendanceUrl: own.url, env: FAULT_ENV });
    try {
      const before = await call(portal.url, 'GET', '/api/checkins', { token });
      expect(before.status).toBe(200);
      expect(before.body).toEqual({ user_id: 'panitia1', checkins: [], next_cursor: null });

      await own.stop();
      const { result, elapsed } = await timed(() => call(portal.url, 'GET', '/api/attendance/any-event', { token }));
      expect(result.status).toBe(502);
      expect(result.body).toEqual({ detail: 'Attendance service unavailable' });
      expect(elapsed).toBeLessThan(FAULT_DEADLINE_MS + MARGIN_MS);
      const ready = await call(portal.url, 'GET', '/ready');
      expect(ready.status).toBe(503);
      expect(ready.body).toMatchObject({ detail: 'Service not ready', checks: { identity: 'ok' } });
      expect((ready.body as { checks: { attendance: string } }).checks.attendance).not.toBe('ok');

      await own.restart();
      const after = await call(portal.url, 'POST', '/api/checkins', {
        token,
        json: { event_id: 'back-fest', ticket_id: 'B-1' },
      });
      expect(after.status).toBe(201);
      expect(after.body).toMatchObject({ event_id: 'back-fest', ticket_id: 'B-1', status: 'success' });
    } finally {
      await portal.close();
      await own.close();
    }
  });

  it('answers 502 "Identity service unavailable" when identity is down', async () => {
    const down = await refusingUrl();
    const portal = await startPortal({ identityUrl: down, attendanceUrl: stack.attendance.url, env: FAULT_ENV });
    try {
      const answer = await call(portal.url, 'POST', '/api/auth/login', {
        json: { username: 'panitia1', password: 'secret' },
      });
      expect(answer.status).toBe(502);
      expect(answer.body).toEqual({ detail: 'Identity service unavailable' });
      expect(answer.cookies).toEqual([]);
    } finally {
      await portal.close();
    }
  });
});

describe('attendance stalled', () => {
  it('answers a check-in with 504 at the deadline, without retrying a request that was sent', async () => {
    const stalled = await startStalledServer();
    const portal = await startPortal({ identityUrl: stack.identity.url, attendanceUrl: stalled.url, env: FAULT_ENV });
    try {
      const { result, elapsed } = await timed(() =>
        call(portal.url, 'POST', '/api/checkins', { token, json: { event_id: 'slow-fest', ticket_id: 'S-1' } }),
      );
      expect(result.status).toBe(504);
      expect(result.body).toEqual({ detail: 'Attendance service timed out' });
      expect(elapsed).toBeGreaterThanOrEqual(FAULT_DEADLINE_MS - 50);
      expect(elapsed).toBeLessThan(FAULT_DEADLINE_MS + MARGIN_MS);
      expect(stalled.connections()).toBe(1);
    } finally {
      await portal.close();
      await stalled.close();
    }
  });

  it('answers a GET with 504 at the deadline', async () => {
    const stalled = await startStalledServer();
    const portal = await startPortal({ identityUrl: stack.identity.url, attendanceUrl: stalled.url, env: FAULT_ENV });
    try {
      const { result, elapsed } = await timed(() => call(portal.url, 'GET', '/api/events', { token }));
      expect(result.status).toBe(504);
      expect(result.body).toEqual({ detail: 'Attendance service timed out' });
      expect(elapsed).toBeGreaterThanOrEqual(FAULT_DEADLINE_MS - 50);
      expect(elapsed).toBeLessThan(FAULT_DEADLINE_MS + MARGIN_MS);
    } finally {
      await portal.close();
      await stalled.close();
    }
  });
});

describe('retries', () => {
  it('retries a check-in whose answer was lost with the same Idempotency-Key: one check-in, answered 201', async () => {
    const proxy = await startAnswerLosingProxy(stack.attendance.port, 1);
    const portal = await startPortal({ identityUrl: stack.identity.url, attendanceUrl: proxy.url, env: FAULT_ENV });
    const before = stack.attendance.received.length;
    try {
      const answer = await call(portal.url, 'POST', '/api/checkins', {
        token,
        json: { event_id: 'lossy-fest', ticket_id: 'L-1', location: 'Gate C' },
      });
      expect(answer.status).toBe(201);
      expect(answer.body).toMatchObject({
        event_id: 'lossy-fest',
        ticket_id: 'L-1',
        user_id: 'panitia1',
        status: 'success',
      });
      // Attendance received the check-in twice (first answer lost, then the retry)...
      expect(stack.attendance.received.slice(before)).toHaveLength(2);
      expect(new Set(stack.attendance.received.slice(before)).size).toBe(1);
      expect(proxy.connections()).toBe(2);
      // ...and recorded it once.
      expect(await recordedCheckins('lossy-fest')).toEqual([expect.objectContaining({ ticket_id: 'L-1' })]);
    } finally {
      await portal.close();
      await proxy.close();
    }
  });

  it('never retries a POST without an Idempotency-Key (an event created once, answered 502 when the answer is lost)', async () => {
    const admin = await login(stack.identity.url, 'admin1');
    const proxy = await startAnswerLosingProxy(stack.attendance.port, 1);
    const portal = await startPortal({ identityUrl: stack.identity.url, attendanceUrl: proxy.url, env: FAULT_ENV });
    const before = stack.attendance.received.length;
    try {
      const answer = await call(portal.url, 'POST', '/api/events', {
        token: admin,
        json: { id: 'once-only', title: 'Once' },
      });
      expect(answer.status).toBe(502);
      expect(answer.body).toEqual({ detail: 'Attendance service unavailable' });
      expect(stack.attendance.received.slice(before)).toEqual(['POST /events']);
    } finally {
      await portal.close();
      await proxy.close();
    }
  });

  it('retries a GET answered 503 by a gateway in front of attendance, and answers 200', async () => {
    const gateway = await startFlakyGateway(stack.attendance.port, 1);
    const portal = await startPortal({ identityUrl: stack.identity.url, attendanceUrl: gateway.url, env: FAULT_ENV });
    try {
      const answer = await call(portal.url, 'GET', '/api/events', { token });
      expect(answer.status).toBe(200);
      expect(Array.isArray(answer.body)).toBe(true);
      expect(gateway.connections()).toBe(2);
    } finally {
      await portal.close();
      await gateway.close();
    }
  });

  it('gives up after UPSTREAM_RETRIES and answers 502 when every attempt is answered 503', async () => {
    const gateway = await startFlakyGateway(stack.attendance.port, 100);
    const portal = await startPortal({ identityUrl: stack.identity.url, attendanceUrl: gateway.url, env: FAULT_ENV });
    try {
      const answer = await call(portal.url, 'GET', '/api/events', { token });
      expect(answer.status).toBe(502);
      expect(answer.body).toEqual({ detail: 'Attendance service unavailable' });
      expect(gateway.connections()).toBe(3);
    } finally {
      await portal.close();
      await gateway.close();
    }
  });
});
