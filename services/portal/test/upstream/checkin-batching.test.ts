// Check-ins through the portal travel in POST /checkins/batch calls: grouped under load, each gate still answered for its own scan.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  FAULT_DEADLINE_MS,
  FAULT_ENV,
  type HttpAnswer,
  login,
  startPortal,
  useUpstreams,
} from '../support/stack.js';
import { refusingUrl, startHoldingProxy, startStalledServer } from '../support/tcp-faults.js';

const stack = useUpstreams();
let committee: string;
let admin: string;
// Enough connections for every concurrent gate of these tests.
const gates = new Agent({ connections: 64, keepAliveTimeout: 1000 });

beforeAll(async () => {
  [committee, admin] = await Promise.all([login(stack.identity.url, 'panitia1'), login(stack.identity.url, 'admin1')]);
});

afterAll(async () => {
  await gates.close();
});

/** Resolves once `server` has received `count` more requests (their bodies may still be arriving). */
function requestsArrived(server: Server, count: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const onRequest = () => {
      if (++seen < count) return;
      server.off('request', onRequest);
      resolve();
    };
    server.on('request', onRequest);
  });
}

interface PortalCheckinBody {
  checkin_id: string;
  ticket_id: string;
  user_id: string;
  checkin_time: string;
  location: string | null;
}

describe('check-in batching', () => {
  it('groups 60 concurrent check-ins into at most 1 + ceil(59 / max) upstream calls, each gate answered for its own scan', async () => {
    const proxy = await startHoldingProxy(stack.attendance.port);
    const portal = await startPortal({
      identityUrl: stack.identity.url,
      attendanceUrl: proxy.url,
      env: { ...FAULT_ENV, UPSTREAM_CHECKIN_BATCH_CONCURRENCY: '1', UPSTREAM_CHECKIN_BATCH_MAX: '16' },
    });
    const before = stack.attendance.received.length;
    try {
      // 48 tickets, 12 of them scanned twice, by two people.
      const scans = Array.from({ length: 60 }, (_, index) => ({
        token: index % 2 === 0 ? committee : admin,
        user: index % 2 === 0 ? 'panitia1' : 'admin1',
        ticket: `BATCH-${index % 48}`,
        location: `Gate ${index}`,
      }));
      const arrived = requestsArrived(portal.app.server, scans.length);
      const answers = scans.map((scan) =>
        call(portal.url, 'POST', '/api/checkins', {
          token: scan.token,
          json: { event_id: 'batch-fest', ticket_id: scan.ticket, location: scan.location },
          dispatcher: gates,
        }),
      );
      // The first check-in's call is held; the others queue behind it in the portal.
      await arrived;
      await new Promise((resolve) => setTimeout(resolve, 300));
      proxy.release();
      const settled: HttpAnswer[] = await Promise.all(answers);

      const winners = new Map<string, PortalCheckinBody>();
      settled.forEach((answer, index) => {
        const scan = scans[index] as (typeof scans)[number];
        if (answer.status !== 201) return;
        const body = answer.body as PortalCheckinBody;
        expect(body).toMatchObject({ event_id: 'batch-fest', ticket_id: scan.ticket, user_id: scan.user });
        expect(body.location).toBe(scan.location);
        expect(winners.has(scan.ticket)).toBe(false);
        winners.set(scan.ticket, body);
      });
      expect(winners.size).toBe(48);
      const duplicates = settled.filter((answer) => answer.status === 409);
      expect(duplicates).toHaveLength(12);
      for (const answer of duplicates) {
        const { record } = answer.body as { record: { ticket_id: string } };
        const first = winners.get(record.ticket_id) as PortalCheckinBody;
        expect(answer.body).toEqual({
          detail: 'Ticket already checked in',
          record: {
            event_id: 'batch-fest',
            ticket_id: first.ticket_id,
            checked_in_by: first.user_id,
            checked_in_at: first.checkin_time,
            checkin_id: first.checkin_id,
            location: first.location,
          },
        });
      }

      const upstreamCalls = stack.attendance.received.slice(before);
      expect(upstreamCalls.length).toBeGreaterThanOrEqual(Math.ceil(60 / 16));
      expect(upstreamCalls.length).toBeLessThanOrEqual(1 + Math.ceil(59 / 16));
      const list = await call(stack.attendance.url, 'GET', '/attendance/batch-fest', { token: committee });
      expect((list.body as { total_checked_in: number }).total_checked_in).toBe(48);
    } finally {
      await portal.close();
      await proxy.close();
    }
  });

  it('answers POST /api/events/{id}/checkins exactly as attendance answers POST /events/{id}/checkins', async () => {
    const portal = await startPortal({ identityUrl: stack.identity.url, attendanceUrl: stack.attendance.url });
    try {
      const created = await call(portal.url, 'POST', '/api/events', {
        token: admin,
        json: { id: 'door-night', title: 'Door night' },
      });
      expect(created.status).toBe(201);
      const viaPortal = await call(portal.url, 'POST', '/api/events/never-registered/checkins', {
        token: committee,
        json: { ticket_id: 'N-1' },
      });
      const direct = await call(stack.attendance.url, 'POST', '/events/never-registered/checkins', {
        token: committee,
        json: { ticket_id: 'N-1' },
      });
      expect(viaPortal.status).toBe(404);
      expect(viaPortal.body).toEqual({ detail: 'Event not found' });
      expect(viaPortal.text).toBe(direct.text);
      expect(viaPortal.headers['content-type']).toBe(direct.headers['content-type']);

      const first = await call(portal.url, 'POST', '/api/events/door-night/checkins', {
        token: committee,
        json: { ticket_id: 'D-1' },
      });
      expect(first.status).toBe(201);
      expect(first.body).toEqual({
        status: 'checked_in',
        record: expect.objectContaining({ event_id: 'door-night', ticket_id: 'D-1', location: null }),
      });
      const again = await call(stack.attendance.url, 'POST', '/events/door-night/checkins', {
        token: admin,
        json: { ticket_id: 'D-1' },
      });
      const againViaPortal = await call(portal.url, 'POST', '/api/events/door-night/checkins', {
        token: admin,
        json: { ticket_id: 'D-1' },
      });
      expect(againViaPortal.status).toBe(409);
      expect(againViaPortal.text).toBe(again.text);
      expect(againViaPortal.body).toEqual({
        detail: 'Ticket already checked in',
        record: (first.body as { record: unknown }).record,
      });
    } finally {
      await portal.close();
    }
  });

  it('answers every concurrent check-in 502 "Attendance service unavailable" when attendance is down', async () => {
    const down = await refusingUrl();
    const portal = await startPortal({
      identityUrl: stack.identity.url,
      attendanceUrl: down,
      env: { ...FAULT_ENV, UPSTREAM_CHECKIN_BATCH_CONCURRENCY: '1' },
    });
    try {
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, index) =>
          call(portal.url, 'POST', '/api/checkins', {
            token: committee,
            json: { event_id: 'down-fest', ticket_id: `D-${index}` },
            dispatcher: gates,
          }),
        ),
      );
      for (const answer of answers) {
        expect(answer.status).toBe(502);
        expect(answer.body).toEqual({ detail: 'Attendance service unavailable' });
      }
    } finally {
      await portal.close();
    }
  });

  it('answers every queued check-in 504 at its own deadline when attendance stalls, not after the call ahead of it', async () => {
    const stalled = await startStalledServer();
    const portal = await startPortal({
      identityUrl: stack.identity.url,
      attendanceUrl: stalled.url,
      env: { ...FAULT_ENV, UPSTREAM_CHECKIN_BATCH_CONCURRENCY: '1', UPSTREAM_CHECKIN_BATCH_MAX: '4' },
    });
    try {
      const started = performance.now();
      const answers = await Promise.all(
        Array.from({ length: 6 }, async (_, index) => {
          const answer = await call(portal.url, 'POST', '/api/checkins', {
            token: committee,
            json: { event_id: 'slow-fest', ticket_id: `S-${index}` },
            dispatcher: gates,
          });
          return { answer, elapsed: performance.now() - started };
        }),
      );
      for (const { answer, elapsed } of answers) {
        expect(answer.status).toBe(504);
        expect(answer.body).toEqual({ detail: 'Attendance service timed out' });
        expect(elapsed).toBeGreaterThanOrEqual(FAULT_DEADLINE_MS - 50);
        // A queued check-in that got a deadline of its own only after the stalled call ahead of
        // it gave up would answer near 2 × FAULT_DEADLINE_MS (the margin leaves a busy machine room).
        expect(elapsed).toBeLessThan(FAULT_DEADLINE_MS * 1.8);
      }
    } finally {
      await portal.close();
      await stalled.close();
    }
  });

  it('answers 502 when attendance refuses the batch itself (an attendance without POST /checkins/batch)', async () => {
    const older: Server = createServer((_request, response) => {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"detail":"Not Found"}');
    });
    await new Promise<void>((resolve) => older.listen(0, '127.0.0.1', resolve));
    const { port } = older.address() as AddressInfo;
    const portal = await startPortal({ identityUrl: stack.identity.url, attendanceUrl: `http://127.0.0.1:${port}` });
    try {
      const answer = await call(portal.url, 'POST', '/api/checkins', {
        token: committee,
        json: { event_id: 'old-fest', ticket_id: 'O-1' },
      });
      expect(answer.status).toBe(502);
      expect(answer.body).toEqual({ detail: 'Attendance service unavailable' });
    } finally {
      await portal.close();
      await new Promise((resolve) => older.close(resolve));
    }
  });
});
