// Check-in rate limits through the portal (issue 10, item 7): per client address here, per user at attendance (passed on with Retry-After).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claims, validToken } from '../../../../packages/platform/test/support/forge-token.js';
import {
  type AttendanceService,
  call,
  type RunningService,
  SECRET,
  startAttendance,
  startPortal,
} from '../support/stack.js';
import { refusingUrl } from '../support/tcp-faults.js';

let attendance: AttendanceService;
let portal: RunningService;

beforeAll(async () => {
  // Attendance lets a user check in 3 times at once (then 1 a second); the portal lets an address
  // make 5 check-ins at once (then 1 a second). The portal believes X-Forwarded-For from the test.
  attendance = await startAttendance({ CHECKIN_RATE_PER_USER: '1', CHECKIN_BURST_PER_USER: '3' });
  portal = await startPortal({
    identityUrl: await refusingUrl(),
    attendanceUrl: attendance.url,
    env: { CHECKIN_RATE_PER_CLIENT: '1', CHECKIN_BURST_PER_CLIENT: '5', TRUST_PROXY: '127.0.0.1' },
  });
});
afterAll(async () => {
  await portal?.close();
  await attendance?.close();
});

const tokenOf = (user: string) => validToken(SECRET, claims(user, 'committee'));
const checkIn = (user: string, ticket: string, client: string, path = '/api/checkins') =>
  call(portal.url, 'POST', path, {
    token: tokenOf(user),
    headers: { 'x-forwarded-for': client },
    json: path === '/api/checkins' ? { event_id: 'pl-rate', ticket_id: ticket } : { ticket_id: ticket },
  });

describe('check-in rate limits through the portal', () => {
  it('answers 429 with Retry-After to a client address past its burst, without forwarding the check-in', async () => {
    const client = '198.51.100.7';
    for (let index = 0; index < 5; index++) {
      const answer = await checkIn(`nat-${index}`, `P-${index}`, client);
      expect(answer.status).toBe(201);
      expect(answer.body).toMatchObject({ ticket_id: `P-${index}`, status: 'success' });
    }
    const forwardedBefore = attendance.received.length;
    const refused = await checkIn('nat-9', 'P-5', client);
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.body).toEqual({ detail: 'Too many check-ins from this address, try again in 1 seconds' });
    expect(attendance.received.length).toBe(forwardedBefore);
    // POST /api/events/{id}/checkins shares the address's budget.
    const atEvent = await checkIn('nat-9', 'P-6', client, '/api/events/pl-rate/checkins');
    expect(atEvent.status).toBe(429);
    expect(atEvent.body).toEqual({ detail: expect.stringMatching(/^Too many check-ins from this address/) });
    const otherClient = await checkIn('nat-9', 'P-7', '198.51.100.8');
    expect(otherClient.status).toBe(201);
    expect(otherClient.body).toMatchObject({ ticket_id: 'P-7', user_id: 'nat-9' });
  });

  it('passes attendance’s per-user 429 on to the gate with its Retry-After', async () => {
    for (let index = 0; index < 3; index++) {
      const answer = await checkIn('busy-gate', `U-${index}`, `203.0.113.${index}`);
      expect(answer.status).toBe(201);
    }
    const refused = await checkIn('busy-gate', 'U-3', '203.0.113.99');
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.body).toEqual({ detail: 'Too many check-ins by this user, try again in 1 seconds' });
  });
});

describe('the per-address limit on uploaded queues (POST /api/checkins/batch)', () => {
  let roomyAttendance: AttendanceService;
  let strictPortal: RunningService;

  beforeAll(async () => {
    // Attendance's per-user limit out of the way; the portal lets an address check in 3 at once, then 1 a second.
    roomyAttendance = await startAttendance({ CHECKIN_RATE_PER_USER: '1000', CHECKIN_BURST_PER_USER: '1000' });
    strictPortal = await startPortal({
      identityUrl: await refusingUrl(),
      attendanceUrl: roomyAttendance.url,
      env: { CHECKIN_RATE_PER_CLIENT: '1', CHECKIN_BURST_PER_CLIENT: '3', TRUST_PROXY: '127.0.0.1' },
    });
  });
  afterAll(async () => {
    await strictPortal?.close();
    await roomyAttendance?.close();
  });

  const upload = (client: string, tickets: string[]) =>
    call(strictPortal.url, 'POST', '/api/checkins/batch', {
      token: tokenOf('queue-gate'),
      headers: { 'x-forwarded-for': client },
      json: {
        checkins: tickets.map((ticket_id) => ({
          event_id: 'pl-queue',
          ticket_id,
          idempotency_key: `key-${ticket_id}`,
        })),
      },
    });
  const overLimit = { detail: 'Too many check-ins from this address, try again in 1 seconds', retry_after: 1 };

  it('counts every scan of an upload against the address: those past its burst answer their own 429, unsent', async () => {
    const answer = await upload('192.0.2.10', ['Q-1', 'Q-2', 'Q-3', 'Q-4', 'Q-5']);
    expect(answer.status).toBe(200);
    const { results } = answer.body as { results: { status: number; body: Record<string, unknown> }[] };
    expect(results.slice(0, 3)).toEqual(
      ['Q-1', 'Q-2', 'Q-3'].map((ticket_id) => ({
        status: 201,
        body: expect.objectContaining({ ticket_id, user_id: 'queue-gate', status: 'success' }),
      })),
    );
    expect(results.slice(3)).toEqual([
      { status: 429, body: overLimit },
      { status: 429, body: overLimit },
    ]);
    const stored = await call(roomyAttendance.url, 'GET', '/attendance/pl-queue', { token: tokenOf('reader') });
    expect(stored.status).toBe(200);
    expect((stored.body as { records: { ticket_id: string }[] }).records.map((record) => record.ticket_id)).toEqual([
      'Q-1',
      'Q-2',
      'Q-3',
    ]);
  });

  it('shares the address’s budget with single check-ins, and refuses a whole upload once nothing is left', async () => {
    const client = '192.0.2.11';
    const single = (ticket_id: string) =>
      call(strictPortal.url, 'POST', '/api/checkins', {
        token: tokenOf('queue-gate'),
        headers: { 'x-forwarded-for': client },
        json: { event_id: 'pl-queue', ticket_id },
      });
    expect((await single('S-1')).status).toBe(201);
    expect((await single('S-2')).status).toBe(201);
    const partly = await upload(client, ['S-3', 'S-4']);
    expect(partly.status).toBe(200);
    expect((partly.body as { results: { status: number }[] }).results.map((result) => result.status)).toEqual([
      201, 429,
    ]);
    const forwardedBefore = roomyAttendance.received.length;
    const refused = await upload(client, ['S-5']);
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.body).toEqual({ detail: 'Too many check-ins from this address, try again in 1 seconds' });
    const tooSoon = await single('S-6');
    expect(tooSoon.status).toBe(429);
    expect(tooSoon.body).toEqual({ detail: 'Too many check-ins from this address, try again in 1 seconds' });
    expect(roomyAttendance.received.length).toBe(forwardedBefore);
    // Another address has its own budget.
    const elsewhere = await upload('192.0.2.12', ['S-5']);
    expect(elsewhere.status).toBe(200);
    expect((elsewhere.body as { results: { status: number }[] }).results.map((result) => result.status)).toEqual([201]);
  });
});
