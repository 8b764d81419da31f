// The portal's own GET /metrics (never attendance's, never under /api): upstream requests, retries,
// time-outs and failures per upstream, check-in batch sizes; faults made by real stopped or stalled servers.
import { beforeAll, describe, expect, it } from 'vitest';
import { sampleOf } from '../../../packages/platform/test/support/prometheus-text.js';
import { call, FAULT_ENV, login, type RunningService, startPortal, useStack } from './support/stack.js';
import { refusingUrl, startStalledServer } from './support/tcp-faults.js';

const stack = useStack();
let token: string;

beforeAll(async () => {
  token = await login(stack.identity.url, 'panitia1');
});

async function metricsOf(portal: RunningService): Promise<string> {
  const answer = await call(portal.url, 'GET', '/metrics');
  expect(answer.status).toBe(200);
  return answer.text;
}

const upstream = (text: string, name: string, service: string) =>
  sampleOf(text, `tixgo_upstream_${name}_total`, { upstream: service }) ?? 0;

describe("the portal's /metrics", () => {
  it('counts the calls to each upstream and the size of each check-in batch', async () => {
    const before = await metricsOf(stack.portal);
    const checkin = await call(stack.portal.url, 'POST', '/api/checkins', {
      token,
      json: { event_id: 'metrics-fest', ticket_id: 'M-1' },
    });
    expect(checkin.status).toBe(201);
    const me = await call(stack.portal.url, 'GET', '/api/auth/me', { token });
    expect(me.status).toBe(200);
    const after = await metricsOf(stack.portal);
    expect(upstream(after, 'requests', 'attendance') - upstream(before, 'requests', 'attendance')).toBe(1);
    expect(upstream(after, 'requests', 'identity') - upstream(before, 'requests', 'identity')).toBe(1);
    const batches = (text: string) => sampleOf(text, 'tixgo_portal_checkin_batch_size_count') ?? 0;
    expect(batches(after) - batches(before)).toBe(1);
    expect(
      sampleOf(after, 'http_request_duration_seconds_count', { route: '/api/checkins', status_code: '201' }),
    ).toBeGreaterThanOrEqual(1);
  });

  it("is the portal's own: attendance's series are not in it, and /api/metrics is not forwarded", async () => {
    const text = await metricsOf(stack.portal);
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(text).not.toContain('tixgo_checkins_total');
    expect(text).not.toContain('tixgo_checkin_group_commit_size');
    const received = stack.attendance.received.length;
    const forwarded = await call(stack.portal.url, 'GET', '/api/metrics', { token });
    expect(forwarded.status).toBe(404);
    expect(forwarded.body).toEqual({ detail: 'Not Found' });
    expect(stack.attendance.received.length).toBe(received);
  });

  it('counts the retries and the failure of a check-in to a stopped attendance (502)', async () => {
    const portal = await startPortal({
      identityUrl: stack.identity.url,
      attendanceUrl: await refusingUrl(),
      env: FAULT_ENV,
    });
    try {
      const answer = await call(portal.url, 'POST', '/api/checkins', {
        token,
        json: { event_id: 'metrics-down', ticket_id: 'D-1' },
      });
      expect(answer.status).toBe(502);
      expect(answer.body).toEqual({ detail: 'Attendance service unavailable' });
      const text = await metricsOf(portal);
      expect(upstream(text, 'requests', 'attendance')).toBe(1);
      // FAULT_ENV: UPSTREAM_RETRIES=2; the batch is retry-safe (every item has its key).
      expect(upstream(text, 'retries', 'attendance')).toBe(2);
      expect(upstream(text, 'failures', 'attendance')).toBe(1);
      expect(upstream(text, 'timeouts', 'attendance')).toBe(0);
    } finally {
      await portal.close();
    }
  });

  it('counts a check-in that a stalled attendance never answered as a time-out (504), not retried', async () => {
    const stalled = await startStalledServer();
    const portal = await startPortal({ identityUrl: stack.identity.url, attendanceUrl: stalled.url, env: FAULT_ENV });
    try {
      const answer = await call(portal.url, 'POST', '/api/checkins', {
        token,
        json: { event_id: 'metrics-slow', ticket_id: 'S-1' },
      });
      expect(answer.status).toBe(504);
      expect(answer.body).toEqual({ detail: 'Attendance service timed out' });
      const text = await metricsOf(portal);
      expect(upstream(text, 'timeouts', 'attendance')).toBe(1);
      expect(upstream(text, 'retries', 'attendance')).toBe(0);
      expect(upstream(text, 'failures', 'attendance')).toBe(0);
    } finally {
      await portal.close();
      await stalled.close();
    }
  });
});

describe("the production portal's /metrics (issue 15, item 13)", () => {
  it('refuses every scrape without METRICS_TOKEN: its port is the public one', async () => {
    const portal = await startPortal({
      identityUrl: stack.identity.url,
      attendanceUrl: stack.attendance.url,
      env: { NODE_ENV: 'production' },
    });
    try {
      const answer = await call(portal.url, 'GET', '/metrics');
      expect(answer.status).toBe(401);
      expect(answer.body).toEqual({
        detail: 'Metrics need METRICS_TOKEN: set it to scrape this service in production',
      });
    } finally {
      await portal.close();
    }
  });

  it('answers the scrape that brings METRICS_TOKEN, and only that one', async () => {
    const portal = await startPortal({
      identityUrl: stack.identity.url,
      attendanceUrl: stack.attendance.url,
      env: { NODE_ENV: 'production', METRICS_TOKEN: 'scrape-token-for-the-test' },
    });
    try {
      const refused = await call(portal.url, 'GET', '/metrics');
      expect(refused.status).toBe(401);
      expect(refused.body).toEqual({ detail: 'Metrics need the METRICS_TOKEN bearer token' });
      const answer = await call(portal.url, 'GET', '/metrics', { token: 'scrape-token-for-the-test' });
      expect(answer.status).toBe(200);
      expect(answer.text).toContain('http_request_duration_seconds');
    } finally {
      await portal.close();
    }
  });
});
