// GET /metrics of every service: Node's default metrics, request durations by route pattern (never the raw URL) and status, METRICS_TOKEN.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBaseApp, RevocationList, watchDatabasePool } from '../src/index.js';
import { sampleOf } from './support/prometheus-text.js';

const baseOptions = {
  service: 'platform-test',
  logLevel: 'silent',
  jwtSecret: 'platform-test-secret-with-at-least-32-bytes',
  tokenExpireMinutes: 30,
  openapi: { title: 'test', description: 'test' },
  revocations: new RevocationList(60_000),
  readiness: {},
};

async function appWith(metricsToken?: string): Promise<FastifyInstance> {
  const app = await createBaseApp({ ...baseOptions, metrics: { token: metricsToken } });
  app.get('/tickets/:id', async (request) => ({ id: (request.params as { id: string }).id }));
  watchDatabasePool(app.metricsRegistry, { totalCount: 5, idleCount: 2, waitingCount: 3 });
  await app.ready();
  return app;
}

describe('GET /metrics', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await appWith();
  });
  afterAll(async () => {
    await app.close();
  });

  it("answers Prometheus text with Node's default metrics", async () => {
    const response = await app.inject({ url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(response.body).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(response.body).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
    expect(response.body).toMatch(/^nodejs_heap_size_used_bytes \d/m);
  });

  it('labels request durations by route pattern and status, never by the raw URL', async () => {
    for (const id of ['T-1', 'T-2', 'T-3']) expect((await app.inject({ url: `/tickets/${id}` })).statusCode).toBe(200);
    const text = (await app.inject({ url: '/metrics' })).body;
    expect(sampleOf(text, 'http_request_duration_seconds_count', { route: '/tickets/:id', status_code: '200' })).toBe(
      3,
    );
    expect(text).not.toContain('T-1');
  });

  it('collapses every unknown path into one "unknown" route series, whatever the URL', async () => {
    for (const path of ['/nope/1', '/nope/2', `/x/${randomBytes(8).toString('hex')}`]) {
      expect((await app.inject({ url: path })).statusCode).toBe(404);
    }
    expect((await app.inject({ method: 'POST', url: '/tickets/T-9' })).statusCode).toBe(405);
    const text = (await app.inject({ url: '/metrics' })).body;
    expect(sampleOf(text, 'http_request_duration_seconds_count', { route: 'unknown', status_code: '404' })).toBe(3);
    expect(sampleOf(text, 'http_request_duration_seconds_count', { route: 'unknown', status_code: '405' })).toBe(1);
    expect(text).not.toContain('/nope');
  });

  it('reports the database pool: connections in use and idle, and queries waiting', async () => {
    const text = (await app.inject({ url: '/metrics' })).body;
    expect(sampleOf(text, 'tixgo_db_pool_connections', { state: 'in_use' })).toBe(3);
    expect(sampleOf(text, 'tixgo_db_pool_connections', { state: 'idle' })).toBe(2);
    expect(sampleOf(text, 'tixgo_db_pool_waiting')).toBe(3);
  });

  it('keeps each app its own series: two apps in one process do not share request counts', async () => {
    const other = await appWith();
    try {
      await other.inject({ url: '/tickets/only-here' });
      const mine = (await app.inject({ url: '/metrics' })).body;
      const theirs = (await other.inject({ url: '/metrics' })).body;
      expect(sampleOf(theirs, 'http_request_duration_seconds_count', { route: '/tickets/:id' })).toBe(1);
      expect(sampleOf(mine, 'http_request_duration_seconds_count', { route: '/tickets/:id' })).toBe(3);
    } finally {
      await other.close();
    }
  });
});

describe('GET /metrics with METRICS_TOKEN', () => {
  const token = randomBytes(24).toString('base64url');
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await appWith(token);
  });
  afterAll(async () => {
    await app.close();
  });

  it('answers 401 without the token or with another one', async () => {
    for (const authorization of [undefined, 'Bearer wrong', `Bearer ${token}x`, token]) {
      const response = await app.inject({ url: '/metrics', headers: authorization ? { authorization } : {} });
      expect(response.statusCode, String(authorization)).toBe(401);
      expect(response.json()).toEqual({ detail: 'Metrics need the METRICS_TOKEN bearer token' });
    }
  });

  it('answers the metrics with the token as a bearer', async () => {
    const response = await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${token}` } });
    expect(response.statusCode).toBe(200);
    expect(response.body).toMatch(/^process_cpu_user_seconds_total \d/m);
  });
});
