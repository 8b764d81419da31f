// GET /metrics of attendance: check-ins by outcome (through every way in), group-commit sizes, the database pool.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleOf } from '../../../../packages/platform/test/support/prometheus-text.js';
import { startTestApp, type TestApp } from '../support/attendance-app.js';

let t: TestApp;

// A burst of 6 check-ins per user, so a test can spend it and see the 429s counted.
beforeAll(async () => {
  t = await startTestApp('metrics', { CHECKIN_BURST_PER_USER: '6', CHECKIN_RATE_PER_USER: '1' });
  await t.createEvent('m-gala', ['G-1', 'G-2', 'G-3']);
});
afterAll(async () => {
  await t.close();
});

async function metrics(): Promise<string> {
  const response = await t.app.inject({ url: '/metrics' });
  expect(response.statusCode).toBe(200);
  return response.body;
}

const checkins = (text: string, outcome: string) => sampleOf(text, 'tixgo_checkins_total', { outcome }) ?? 0;

describe('GET /metrics (attendance)', () => {
  it('counts check-ins by outcome: created, duplicate, refused, replayed, key reused and rate-limited', async () => {
    const before = await metrics();
    const gate = t.committee('m-gate-1');
    const key = { 'idempotency-key': randomUUID() };
    const answers = [
      await t.checkIn({ event_id: 'm-gala', ticket_id: 'G-1' }, { ...gate, ...key }),
      await t.checkIn({ event_id: 'm-gala', ticket_id: 'G-1' }, { ...gate, ...key }),
      await t.checkIn({ event_id: 'm-gala', ticket_id: 'G-2' }, { ...gate, ...key }),
      await t.checkIn({ event_id: 'm-gala', ticket_id: 'G-1' }, gate),
      await t.checkIn({ event_id: 'm-gala', ticket_id: 'FORGED' }, gate),
      await t.checkIn({ event_id: 'm-gala', ticket_id: 'G-3' }, gate),
      await t.checkIn({ event_id: 'm-gala', ticket_id: 'G-2' }, gate),
    ];
    expect(answers.map((answer) => answer.statusCode)).toEqual([201, 201, 422, 409, 404, 201, 429]);
    expect(answers[6]?.json()).toEqual({ detail: expect.stringMatching(/^Too many check-ins by this user/) });
    const after = await metrics();
    const added = (outcome: string) => checkins(after, outcome) - checkins(before, outcome);
    expect({
      created: added('created'),
      replayed: added('replayed'),
      key_reused: added('key_reused'),
      duplicate: added('duplicate'),
      refused: added('refused'),
      rate_limited: added('rate_limited'),
    }).toEqual({ created: 2, replayed: 1, key_reused: 1, duplicate: 1, refused: 1, rate_limited: 1 });
  });

  it('counts the items of a batch like single check-ins, and the group-commit statement that wrote them', async () => {
    const before = await metrics();
    const token = t.token('m-gate-batch');
    const item = (ticket_id: string) => ({ token, idempotency_key: randomUUID(), event_id: 'm-open', ticket_id });
    const response = await t.app.inject({
      method: 'POST',
      url: '/checkins/batch',
      payload: { checkins: [item('B-1'), item('B-2'), item('B-3'), item('B-1')] },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().results.map((result: { status: number }) => result.status)).toEqual([201, 201, 201, 409]);
    const after = await metrics();
    expect(checkins(after, 'created') - checkins(before, 'created')).toBe(3);
    expect(checkins(after, 'duplicate') - checkins(before, 'duplicate')).toBe(1);
    // The four items were queued in one turn: one statement carried all of them.
    const statements = (text: string) => sampleOf(text, 'tixgo_checkin_group_commit_size_count') ?? 0;
    const rows = (text: string) => sampleOf(text, 'tixgo_checkin_group_commit_size_sum') ?? 0;
    expect(statements(after) - statements(before)).toBe(1);
    expect(rows(after) - rows(before)).toBe(4);
  });

  it('labels check-in durations by route pattern, and shows the database pool', async () => {
    const text = await metrics();
    expect(
      sampleOf(text, 'http_request_duration_seconds_count', { method: 'POST', route: '/checkins', status_code: '201' }),
    ).toBeGreaterThanOrEqual(2);
    expect(sampleOf(text, 'http_request_duration_seconds_count', { route: '/checkins/batch' })).toBe(1);
    expect(sampleOf(text, 'tixgo_db_pool_connections', { state: 'idle' })).toBeGreaterThanOrEqual(1);
    expect(sampleOf(text, 'tixgo_db_pool_waiting')).toBe(0);
  });
});
