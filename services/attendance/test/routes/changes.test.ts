// GET /changes (issue 18, item 2): writes committed on one replica are announced on every replica's
// stream, through PostgreSQL LISTEN/NOTIFY on the database they share.
import type { AddressInfo } from 'node:net';
import { createTestDatabase, type TestDatabase } from '@tixgo/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenStream, openStream } from '../../../portal/test/support/event-stream.js';
import { changeOf, payloadsOf } from '../../src/changes/change-feed.js';
import { openApp, type TestApp } from '../support/attendance-app.js';

type Replica = Omit<TestApp, 'database'>;

let database: TestDatabase;
let a: Replica;
let b: Replica;
let bUrl: string;

beforeAll(async () => {
  database = await createTestDatabase('changes');
  a = await openApp(database);
  // B is the replica a portal on 127.0.0.1 follows.
  b = await openApp(database, { TRUST_PROXY: '127.0.0.1' });
  await b.app.listen({ port: 0, host: '127.0.0.1' });
  bUrl = `http://127.0.0.1:${(b.app.server.address() as AddressInfo).port}`;
  await a.createEvent('ch-ev', ['CH-1', 'CH-2', 'CH-3']);
  await a.createEvent('ch-other', ['CO-1']);
  for (const marker of MARKERS) await a.createEvent(marker);
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await database?.drop();
});

const MARKERS = Array.from({ length: 20 }, (_, n) => `ch-mark-${n}`);
let marks = 0;

/** A write to a marker event of its own: its announcement is told apart from every other. */
async function mark(): Promise<string> {
  const marker = MARKERS[marks++] as string;
  await a.issueTickets(marker, ['MARK']);
  return marker;
}

/**
 * B's change stream, once it is open (its headers came: every later commit is announced on it) and
 * what was announced before has gone by: a marker write is announced last, and read up to.
 */
async function follow(): Promise<OpenStream> {
  const stream = await openStream(bUrl, '/changes');
  expect(stream.status).toBe(200);
  expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);
  let marker = await mark();
  for (;;) {
    const change = (await stream.next('change')).data as { events?: string[]; all?: true };
    if (change.events?.includes(marker)) return stream;
    // Perhaps folded into an {"all":true} pending before it: another marker, named this time.
    if (change.all) marker = await mark();
  }
}

describe('GET /changes', () => {
  it('announces a check-in made through replica A on replica B’s stream', async () => {
    const stream = await follow();
    try {
      const answer = await a.checkIn({ event_id: 'ch-ev', ticket_id: 'CH-1' });
      expect(answer.statusCode).toBe(201);
      expect((await stream.next('change')).data).toEqual({ events: ['ch-ev'] });
    } finally {
      stream.close();
    }
  });

  it('announces refused scans (a conflict is counted), batches, annulments and imports by event', async () => {
    const stream = await follow();
    try {
      expect((await a.checkIn({ event_id: 'ch-ev', ticket_id: 'CH-1' })).statusCode).toBe(409);
      expect((await stream.next('change')).data).toEqual({ events: ['ch-ev'] });

      const batch = await a.app.inject({
        method: 'POST',
        url: '/checkins/batch',
        payload: {
          checkins: [
            { token: a.token(), idempotency_key: 'ch-b1', event_id: 'ch-other', ticket_id: 'CO-1' },
            { token: a.token(), idempotency_key: 'ch-b2', event_id: 'ch-ev', ticket_id: 'CH-2' },
          ],
        },
      });
      expect(batch.statusCode).toBe(200);
      const announced = (await stream.next('change')).data as { events: string[] };
      expect(announced.events.sort()).toEqual(['ch-ev', 'ch-other']);

      const record = batch.json().results[1].body.record as { checkin_id: string };
      const annulled = await a.app.inject({
        method: 'POST',
        url: `/events/ch-ev/checkins/${record.checkin_id}/annul`,
        headers: a.admin(),
        payload: { reason: 'test' },
      });
      expect(annulled.statusCode).toBeLessThan(300);
      expect((await stream.next('change')).data).toEqual({ events: ['ch-ev'] });

      await a.issueTickets('ch-other', ['CO-2']);
      expect((await stream.next('change')).data).toEqual({ events: ['ch-other'] });
    } finally {
      stream.close();
    }
  });

  it('announces nothing for reads and refused writes, {"all":true} for a new event', async () => {
    const stream = await follow();
    try {
      expect(
        (await a.app.inject({ method: 'GET', url: '/events/ch-ev/stats', headers: a.committee() })).statusCode,
      ).toBe(200);
      // No token: refused before any work.
      expect((await a.checkIn({ event_id: 'ch-ev', ticket_id: 'CH-3' }, {})).statusCode).toBe(401);
      expect(
        (
          await a.app.inject({
            method: 'POST',
            url: '/events',
            headers: a.admin(),
            payload: { id: 'ch-new', title: 'New' },
          })
        ).statusCode,
      ).toBe(201);
      // The first thing announced is the new event: the read and the refusal before it were not.
      expect((await stream.next('change')).data).toEqual({ all: true });
    } finally {
      stream.close();
    }
  });

  it('is only for gateways named in TRUST_PROXY (403)', async () => {
    const refused = await b.app.inject({ method: 'GET', url: '/changes', remoteAddress: '192.0.2.50' });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toEqual({ detail: 'Only a gateway named in TRUST_PROXY may follow changes' });
    // A has no TRUST_PROXY at all: nobody follows it.
    expect((await a.app.inject({ method: 'GET', url: '/changes', remoteAddress: '127.0.0.1' })).statusCode).toBe(403);
  });

  it('ends its streams when the listening connection is lost, then listens again by itself', async () => {
    const stream = await follow();
    const killed = await b.db.pool.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE application_name = 'tixgo-attendance-changes' AND datname = current_database()`,
    );
    // Both replicas listen: both connections were cut.
    expect(killed.rowCount).toBe(2);
    // Changes may have been missed meanwhile: the follower is told by the end of its stream.
    await stream.ended;

    // Until B listens again it answers 503; then a new stream hears the changes again.
    let again: OpenStream | undefined;
    for (let attempt = 0; attempt < 200 && again === undefined; attempt++) {
      const candidate = await openStream(bUrl, '/changes');
      if (candidate.status === 200) again = candidate;
      else {
        expect(candidate.status).toBe(503);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    if (again === undefined) throw new Error('B never listened again');
    try {
      expect((await a.checkIn({ event_id: 'ch-ev', ticket_id: 'CH-3' })).statusCode).toBe(201);
      expect((await again.next('change', 10_000)).data).toEqual({ events: ['ch-ev'] });
    } finally {
      again.close();
    }
  });
});

describe('payloads', () => {
  it('splits many ids under the NOTIFY limit, and reads back only what it wrote', () => {
    const ids = Array.from({ length: 2000 }, (_, n) => `event-${n}`);
    const payloads = payloadsOf(ids);
    expect(payloads.length).toBeGreaterThan(1);
    expect(payloads.every((payload) => Buffer.byteLength(payload) < 8000)).toBe(true);
    expect(payloads.flatMap((payload) => (changeOf(payload) as { events: string[] }).events)).toEqual(ids);
    expect(changeOf('not json')).toBeUndefined();
    expect(changeOf('{"events":[1]}')).toBeUndefined();
    expect(payloadsOf(['x'.repeat(9000)])).toEqual(['{"all":true}']);
  });
});
