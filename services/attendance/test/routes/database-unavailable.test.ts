// A database outage is answered 503 "Database unavailable" (retryable), and the service recovers by itself.
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { type AddressInfo, connect } from 'node:net';
import { createTestDatabase } from '@tixgo/db/testing';
import { signAccessToken } from '@tixgo/platform';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { openAttendanceDatabase } from '../../src/attendance-database.js';
import { loadConfig } from '../../src/config.js';
import { isDatabaseUnavailable } from '../../src/routes/database-unavailable.js';
import { startTestApp, type TestApp, testEnv } from '../support/attendance-app.js';

const quietLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

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
    const postgres = (code: string) => Object.assign(new pg.DatabaseError('refused', 0, 'error'), { code });
    const socket = (code: string, syscall: string) => Object.assign(new Error(`${syscall} ${code}`), { code, syscall });
    expect(isDatabaseUnavailable(socket('ECONNREFUSED', 'connect'))).toBe(true);
    expect(isDatabaseUnavailable(socket('ECONNRESET', 'read'))).toBe(true);
    expect(isDatabaseUnavailable(postgres('57P01'))).toBe(true);
    expect(isDatabaseUnavailable(postgres('08006'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnavailable(postgres('23505'))).toBe(false);
    expect(isDatabaseUnavailable(postgres('22P02'))).toBe(false);
    expect(isDatabaseUnavailable(new Error('boom'))).toBe(false);
  });

  it('does not take errors that only look like outages for one: a bare code, or a request stream that was reset', () => {
    // Node's error for a client that went away mid-body: ECONNRESET, no system call; Fastify makes it a 400.
    const aborted = Object.assign(new Error('aborted'), { code: 'ECONNRESET', statusCode: 400 });
    expect(isDatabaseUnavailable(aborted)).toBe(false);
    expect(isDatabaseUnavailable(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }))).toBe(false);
    expect(isDatabaseUnavailable({ code: 'ECONNREFUSED' })).toBe(false);
    expect(isDatabaseUnavailable({ code: '57P01' })).toBe(false);
  });
});

describe('a client that aborts its body', () => {
  it('is answered as a 400-class client error, never 503 "Database unavailable" (real socket, cut mid-body)', async () => {
    const database = await createTestDatabase('aborts');
    const config = loadConfig(testEnv(database.url));
    const db = await openAttendanceDatabase(config, quietLog);
    const app = await buildApp(config, { db });
    // What the service decided to answer, seen before it is written to the (gone) socket.
    const answers: { url: string; status: number; body: string }[] = [];
    app.addHook('onSend', async (request, reply, payload) => {
      answers.push({ url: request.url, status: reply.statusCode, body: String(payload) });
      return payload;
    });
    try {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = app.server.address() as AddressInfo;
      const token = signAccessToken(app, {
        username: 'admin1',
        role: 'admin',
        uid: randomUUID(),
        sid: randomUUID(),
        ver: 0,
      });
      await app.inject({
        method: 'POST',
        url: '/events',
        headers: { authorization: `Bearer ${token}` },
        payload: { id: 'ev-abort', title: 'Aborted uploads' },
      });
      answers.length = 0;
      const uploads = [
        { url: '/checkins', type: 'application/json', start: '{"event_id":"ev-abort","ticket_id":' },
        { url: '/events/ev-abort/tickets', type: 'application/json', start: '{"tickets":[{"ticket_id":"A-1"},' },
        { url: '/events/ev-abort/tickets', type: 'text/csv', start: 'ticket_id,holder_name\nA-1,Ani\nA-2,' },
      ];
      for (const upload of uploads) {
        const socket = connect(port, '127.0.0.1');
        socket.on('error', () => undefined);
        await once(socket, 'connect');
        socket.write(
          `POST ${upload.url} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n` +
            `Content-Type: ${upload.type}\r\nContent-Length: 100000\r\n\r\n${upload.start}`,
        );
        await new Promise((resolve) => setTimeout(resolve, 150));
        socket.resetAndDestroy();
        await once(socket, 'close');
      }
      await expect.poll(() => answers.length).toBe(uploads.length);
      for (const [index, answer] of answers.entries()) {
        expect(answer.url).toBe(uploads[index]?.url);
        expect(answer.status, answer.url).toBeGreaterThanOrEqual(400);
        expect(answer.status, answer.url).toBeLessThan(500);
        expect(JSON.parse(answer.body), answer.url).toEqual({ detail: expect.any(String) });
        expect(answer.body).not.toContain('Database unavailable');
      }
      // Nothing of the aborted uploads was written, and the service still answers.
      const tickets = await db.pool.query("SELECT 1 FROM tickets WHERE event_id = 'ev-abort'");
      expect(tickets.rowCount).toBe(0);
      const health = await app.inject({ url: '/health' });
      expect(health.statusCode).toBe(200);
    } finally {
      await app.close();
      await db.close();
      await database.drop();
    }
  });
});
