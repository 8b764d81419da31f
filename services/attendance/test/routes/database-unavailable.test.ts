// A database outage is answered 503 "Database unavailable" (retryable), and the service recovers by itself.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from '../../src/routes/database-unavailable.js';
import { startTestApp, type TestApp } from '../support/attendance-app.js';

let t: TestApp;
let admin: pg.Client;

beforeAll(async () => {
  t = await startTestApp('outage');
  const serverUrl = new URL(t.database.url);
  serverUrl.pathname = '/postgres';
  admin = new pg.Client({ connectionString: serverUrl.toString() });
  await admin.connect();
});
afterAll(async () => {
  await bringDatabaseBack();
  await admin.end();
  await t.close();
});

/** Closes the database to new connections and cuts the pool's existing ones. */
async function takeDatabaseDown(): Promise<void> {
  await admin.query(`ALTER DATABASE ${t.database.name} ALLOW_CONNECTIONS false`);
  await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [t.database.name]);
  // Let the pool notice its idle connections were cut.
  await new Promise((resolve) => setTimeout(resolve, 200));
}

async function bringDatabaseBack(): Promise<void> {
  await admin.query(`ALTER DATABASE ${t.database.name} ALLOW_CONNECTIONS true`);
}

describe('database outage', () => {
  it('answers 503 "Database unavailable" to check-ins and reads, then recovers when the database is back', async () => {
    const before = await t.checkIn({ event_id: 'ev-down', ticket_id: 'D-0' });
    expect(before.statusCode).toBe(201);

    await takeDatabaseDown();
    const scan = await t.checkIn({ event_id: 'ev-down', ticket_id: 'D-1' });
    expect(scan.statusCode).toBe(503);
    expect(scan.json()).toEqual({ detail: 'Database unavailable' });
    const list = await t.app.inject({ url: '/attendance/ev-down?limit=5', headers: t.committee() });
    expect(list.statusCode).toBe(503);
    expect(list.json()).toEqual({ detail: 'Database unavailable' });
    const ready = await t.app.inject({ url: '/ready' });
    expect(ready.statusCode).toBe(503);

    await bringDatabaseBack();
    const after = await t.checkIn({ event_id: 'ev-down', ticket_id: 'D-1' });
    expect(after.statusCode).toBe(201);
    expect(after.json().record.ticket_id).toBe('D-1');
  });

  it('answers a whole batch 503 while the database is down; the same batch sent again checks each item in once', async () => {
    const item = (ticket: string) => ({
      token: t.token(),
      idempotency_key: `outage-${ticket}`,
      event_id: 'ev-down-batch',
      ticket_id: ticket,
    });
    const batch = { checkins: [item('DB-1'), item('DB-2')] };
    await takeDatabaseDown();
    const down = await t.app.inject({ method: 'POST', url: '/checkins/batch', payload: batch });
    expect(down.statusCode).toBe(503);
    expect(down.json()).toEqual({ detail: 'Database unavailable' });

    await bringDatabaseBack();
    const again = await t.app.inject({ method: 'POST', url: '/checkins/batch', payload: batch });
    expect(again.statusCode).toBe(200);
    expect(again.json().results.map((result: { status: number }) => result.status)).toEqual([201, 201]);
    const list = await t.app.inject({ url: '/attendance/ev-down-batch', headers: t.committee() });
    expect(list.json().total_checked_in).toBe(2);
  });

  it('tells outages apart from the request’s own database errors', () => {
    expect(isDatabaseUnavailable({ code: 'ECONNREFUSED' })).toBe(true);
    expect(isDatabaseUnavailable({ code: '57P01' })).toBe(true);
    expect(isDatabaseUnavailable({ code: '08006' })).toBe(true);
    expect(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isDatabaseUnavailable({ code: '23505' })).toBe(false);
    expect(isDatabaseUnavailable({ code: '22P02' })).toBe(false);
    expect(isDatabaseUnavailable(new Error('boom'))).toBe(false);
  });
});
