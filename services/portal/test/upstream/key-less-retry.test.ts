// A key-less check-in whose portal died with the answer (issue 18, item 5): the caller's retry
// through another portal is its own scan, 201 as the first answer was, never a false 409.
import { randomUUID } from 'node:crypto';
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

let identity: RunningService;
let attendance: AttendanceService;
let first: RunningService;
let second: RunningService;
let committee: string;

beforeAll(async () => {
  identity = await startIdentity();
  // The portals run on 127.0.0.1: attendance believes their client addresses and delivery marks.
  attendance = await startAttendance({ TRUST_PROXY: '127.0.0.1' });
  [first, second] = await Promise.all([
    startPortal({ identityUrl: identity.url, attendanceUrl: attendance.url }),
    startPortal({ identityUrl: identity.url, attendanceUrl: attendance.url }),
  ]);
  const admin = await login(identity.url, 'admin1');
  committee = await login(identity.url, 'panitia1');
  const created = await call(first.url, 'POST', '/api/events', { token: admin, json: { id: 'kl-fest', title: 'KL' } });
  expect(created.status).toBe(201);
  const issued = await call(first.url, 'POST', '/api/events/kl-fest/tickets', {
    token: admin,
    json: { tickets: [{ ticket_id: 'KL-1' }, { ticket_id: 'KL-2' }] },
  });
  expect(issued.status).toBe(201);
});

afterAll(async () => {
  await Promise.all([first?.close(), second?.close()]);
  await Promise.all([attendance?.close(), identity?.close()]);
});

const scan = (portal: RunningService, ticket: string) =>
  call(portal.url, 'POST', '/api/checkins', { token: committee, json: { event_id: 'kl-fest', ticket_id: ticket } });

/** Waits until attendance keeps no undelivered gateway key for `ticket` (the portal marked it delivered). */
async function untilDelivered(ticket: string): Promise<void> {
  for (let tries = 0; tries < 300; tries++) {
    const { rows } = await attendance.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM idempotency_keys WHERE key LIKE 'gw:%' AND ticket_id = $1",
      [ticket],
    );
    if (rows[0]?.n === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the portal never marked the answer delivered');
}

describe('a key-less check-in through two portals', () => {
  it('answers a retry 201 with the first record when the first portal died before its caller had the answer', async () => {
    // What the first portal sent before it died: the scan under a key of its making, never marked delivered.
    const token = committee;
    const lost = await call(attendance.url, 'POST', '/checkins/batch', {
      json: { checkins: [{ token, idempotency_key: `gw:${randomUUID()}`, event_id: 'kl-fest', ticket_id: 'KL-1' }] },
    });
    const firstRecord = (lost.body as { results: { status: number; body: { record: { checkin_id: string } } }[] })
      .results[0];
    expect(firstRecord?.status).toBe(201);
    // The caller, with no answer, tries again through the other portal.
    const retry = await scan(second, 'KL-1');
    expect(retry.status).toBe(201);
    expect(retry.body).toMatchObject({ ticket_id: 'KL-1', event_id: 'kl-fest' });
    // A scan after that is the duplicate it is.
    expect((await scan(first, 'KL-1')).status).toBe(409);
  });

  it('marks a delivered answer, so that a later key-less scan of the ticket through any portal is 409', async () => {
    expect((await scan(first, 'KL-2')).status).toBe(201);
    await untilDelivered('KL-2');
    // Gone because the portal said so (nothing else deletes a key within its day).
    expect(attendance.deliveredMarks.count).toBeGreaterThanOrEqual(1);
    const again = await scan(second, 'KL-2');
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ detail: expect.any(String) });
  });
});
