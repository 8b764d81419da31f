// /openapi.json and /docs describe every attendance route from the same schemas that validate them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp, UUID } from '../support/attendance-app.js';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp('docs');
});
afterAll(async () => {
  await t.close();
});

describe('API docs', () => {
  it('serves an OpenAPI document listing every attendance route', async () => {
    const response = await t.app.inject({ url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    const document = response.json();
    expect(document.info.title).toBe('TixGo attendance');
    expect(Object.keys(document.paths).sort()).toEqual([
      '/attendance/{event_id}',
      '/changes',
      '/checkins',
      '/checkins/batch',
      '/checkins/delivered',
      '/events',
      '/events/{id}',
      '/events/{id}/attendance',
      '/events/{id}/attendance.csv',
      '/events/{id}/checkins',
      '/events/{id}/checkins/{checkin_id}/annul',
      '/events/{id}/conflicts',
      '/events/{id}/conflicts/{conflict_id}/handled',
      '/events/{id}/conflicts/{conflict_id}/resolve',
      '/events/{id}/export',
      '/events/{id}/lists',
      '/events/{id}/lists/{list_id}/passes',
      '/events/{id}/mailings',
      '/events/{id}/mailings/{mailing_id}',
      '/events/{id}/stats',
      '/events/{id}/summary',
      '/events/{id}/ticket-type-notes',
      '/events/{id}/tickets',
      '/events/{id}/tickets/offline',
      '/events/{id}/tickets/search',
      '/events/{id}/tickets/{ticket_id}',
      '/events/{id}/tickets/{ticket_id}/cancel',
      '/events/{id}/tickets/{ticket_id}/history',
      '/overview',
    ]);
    // The NDJSON form of the full list is documented where the list is.
    expect(document.paths['/attendance/{event_id}'].get.description).toContain('application/x-ndjson');
    const checkin = document.paths['/checkins'].post;
    expect(checkin.requestBody.content['application/json'].schema.required).toEqual(['event_id', 'ticket_id']);
    expect(checkin.parameters.map((parameter: { name: string }) => parameter.name)).toContain('idempotency-key');
    expect(Object.keys(checkin.responses)).toEqual(expect.arrayContaining(['201', '404', '409', '422']));
    const batch = document.paths['/checkins/batch'].post;
    const item = batch.requestBody.content['application/json'].schema.properties.checkins.items;
    expect(item.required).toEqual(['event_id', 'ticket_id', 'token', 'idempotency_key']);
    expect(Object.keys(batch.responses)).toEqual(expect.arrayContaining(['200', '422', '503']));
  });

  it('serves the Swagger UI at /docs and the compat health check', async () => {
    const docs = await t.app.inject({ url: '/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.headers['content-type']).toMatch(/text\/html/);
    const health = await t.app.inject({ url: '/health' });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toEqual({ status: 'ok', service: 'attendance' });
    const ready = await t.app.inject({ url: '/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().status).toBe('ready');
  });

  it('stays ready without identity, saying that it has no revocation list', async () => {
    const ready = await t.app.inject({ url: '/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({
      status: 'ready',
      service: 'attendance',
      checks: { database: 'ok' },
      revocations: { state: 'unavailable', age_seconds: null },
      // Which database (migration 021): the same for every replica on it, so portals can compare.
      database_id: expect.stringMatching(UUID),
    });
    const { rows } = await t.db.pool.query<{ id: string }>('SELECT id FROM database_identity');
    expect(ready.json().database_id).toBe(rows[0]?.id);
  });
});
