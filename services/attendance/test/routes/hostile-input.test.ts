// Every 401, 403 and 422 of the attendance API, and no 5xx for malformed or hostile input anywhere.
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claims, unauthorizedCases, validToken } from '../../../../packages/platform/test/support/forge-token.js';
import { startTestApp, TEST_JWT_SECRET, type TestApp } from '../support/attendance-app.js';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp('hostile');
  await t.createEvent('ev-h', ['H-1', 'H-2']);
});
afterAll(async () => {
  await t.close();
});

const checkinBody = { event_id: 'ev-auth', ticket_id: 'A-1' };

/** A route of every kind: reads, a check-in and admin writes. */
const ROUTES = [
  { method: 'POST', url: '/checkins', payload: checkinBody },
  { method: 'GET', url: '/checkins' },
  { method: 'GET', url: '/attendance/ev-h' },
  { method: 'GET', url: '/events' },
  { method: 'GET', url: '/events/ev-h' },
  { method: 'GET', url: '/events/ev-h/summary' },
  { method: 'GET', url: '/events/ev-h/attendance' },
  { method: 'POST', url: '/events/ev-h/checkins', payload: { ticket_id: 'x' } },
  { method: 'POST', url: '/events', payload: { title: 'x' } },
  { method: 'PUT', url: '/events/ev-h', payload: { title: 'x' } },
  { method: 'DELETE', url: '/events/ev-h' },
  { method: 'POST', url: '/events/ev-h/tickets', payload: { count: 1 } },
  { method: 'GET', url: '/events/ev-h/tickets' },
] as const;

const ADMIN_ROUTES = ROUTES.filter(
  (route) =>
    (route.method !== 'GET' && route.url.startsWith('/events') && !route.url.endsWith('/checkins')) ||
    route.url.endsWith('/tickets'),
);

const call = (route: (typeof ROUTES)[number], authorization?: string) =>
  t.app.inject({
    method: route.method,
    url: route.url,
    headers: authorization === undefined ? {} : { authorization },
    ...('payload' in route ? { payload: route.payload } : {}),
  });

describe('401', () => {
  it.each(unauthorizedCases(TEST_JWT_SECRET))(
    'answers 401 to $name on every route',
    async ({ authorization, detail }) => {
      for (const route of ROUTES) {
        const response = await call(route, authorization);
        expect(response.statusCode, `${route.method} ${route.url}`).toBe(401);
        expect(response.json()).toEqual({ detail });
      }
    },
  );

  it('accepts the scheme in any letter case (compat)', async () => {
    const response = await t.checkIn(
      { event_id: 'ev-case', ticket_id: 'C-1' },
      { authorization: `bearer ${t.token()}` },
    );
    expect(response.statusCode).toBe(201);
    expect(response.json().status).toBe('checked_in');
  });

  it('checks the token before the body: an anonymous invalid body is a 401, not a 422', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/checkins', payload: { event_id: 5 } });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ detail: 'Missing Authorization header' });
  });

  it('accepts a valid token signed with the shared secret by hand', async () => {
    const token = validToken(TEST_JWT_SECRET, claims('hand', 'committee'));
    const response = await t.app.inject({ url: '/checkins', headers: { authorization: `Bearer ${token}` } });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ user_id: 'hand', checkins: [], next_cursor: null });
  });
});

describe('403', () => {
  it.each(ADMIN_ROUTES.map((route) => [`${route.method} ${route.url}`, route] as const))(
    'answers 403 "Admin only" to a committee member on %s',
    async (_name, route) => {
      const response = await call(route, t.committee().authorization);
      expect(response.statusCode).toBe(403);
      expect(response.json()).toEqual({ detail: 'Admin only' });
    },
  );
});

describe('422', () => {
  const post = (payload: unknown) => t.checkIn(payload as object);

  it.each([
    ['an empty event_id', { event_id: '', ticket_id: 'x' }, 'event_id'],
    ['an empty ticket_id', { event_id: 'e', ticket_id: '' }, 'ticket_id'],
    ['an event_id over 100 characters', { event_id: 'e'.repeat(101), ticket_id: 'x' }, 'event_id'],
    ['a ticket_id over 100 characters', { event_id: 'e', ticket_id: 't'.repeat(101) }, 'ticket_id'],
    // compat: an integer id is its decimal string (routes/checkins.test.ts); other non-strings stay 422.
    ['a fraction as event_id', { event_id: 1.5, ticket_id: 'x' }, 'event_id'],
    ['a boolean as ticket_id', { event_id: 'e', ticket_id: true }, 'ticket_id'],
    ['an array as ticket_id', { event_id: 'e', ticket_id: [42] }, 'ticket_id'],
    ['an object as event_id', { event_id: { id: 1 }, ticket_id: 'x' }, 'event_id'],
    ['an integer past 2^53 as ticket_id', { event_id: 'e', ticket_id: 2 ** 53 }, 'ticket_id'],
    ['a control character in ticket_id', { event_id: 'e', ticket_id: 'a\u0000b' }, 'ticket_id'],
    ['a newline in event_id', { event_id: 'e\n1', ticket_id: 'x' }, 'event_id'],
    ['a missing ticket_id', { event_id: 'e' }, 'ticket_id'],
    ['a location over 200 characters', { event_id: 'e', ticket_id: 'x', location: 'l'.repeat(201) }, 'location'],
    ['an object as location', { event_id: 'e', ticket_id: 'x', location: { a: 1 } }, 'location'],
  ])('answers 422 to %s with the FastAPI-shaped detail', async (_name, payload, field) => {
    const response = await post(payload);
    expect(response.statusCode).toBe(422);
    const detail = response.json().detail;
    expect(detail[0]).toEqual({ loc: ['body', field], msg: expect.any(String), type: expect.any(String) });
  });

  it('accepts ids of exactly 100 characters', async () => {
    const response = await post({ event_id: 'e'.repeat(100), ticket_id: 't'.repeat(100) });
    expect(response.statusCode).toBe(201);
    expect(response.json().record.ticket_id).toHaveLength(100);
  });

  it.each([
    ['over 100 characters', `/attendance/${'e'.repeat(101)}`],
    ['with a control character', '/attendance/bad%07id'],
    ['with a NUL', '/events/bad%00id/summary'],
  ])('answers 422 to a path id %s', async (_name, url) => {
    const response = await t.app.inject({ url, headers: t.committee() });
    expect(response.statusCode).toBe(422);
    expect(response.json().detail[0].loc[0]).toBe('path');
  });

  it('answers 422 to a non-string in an array of tickets and to over-long holder fields', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/events/ev-h/tickets',
      headers: t.admin(),
      payload: { tickets: [{ ticket_id: 'ok' }, { holder_name: 'n'.repeat(201) }] },
    });
    expect(response.statusCode).toBe(422);
    expect(response.json().detail[0].loc).toEqual(['body', 'tickets', 1, 'holder_name']);
  });
});

describe('malformed requests', () => {
  it('answers 400 to malformed JSON', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/checkins',
      headers: { ...t.committee(), 'content-type': 'application/json' },
      payload: '{"event_id": "e", ',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ detail: expect.any(String) });
  });

  it('answers 413 to a check-in body over 1 MiB', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/checkins',
      headers: { ...t.committee(), 'content-type': 'application/json' },
      payload: JSON.stringify({ event_id: 'e', ticket_id: 'x', pad: 'p'.repeat(1024 * 1024) }),
    });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toEqual({ detail: expect.any(String) });
  });

  it('answers 415 to a CSV body anywhere but the ticket import', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/checkins',
      headers: { ...t.committee(), 'content-type': 'text/csv' },
      payload: 'event_id,ticket_id\ne,x\n',
    });
    expect(response.statusCode).toBe(415);
    expect(response.json()).toEqual({ detail: expect.any(String) });
  });

  it('answers 404 with a detail to an unknown route', async () => {
    const response = await t.app.inject({ url: '/nope', headers: t.committee() });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ detail: 'Not Found' });
  });

  it('answers a known path with the wrong method with 405 and Allow (compat: the original does)', async () => {
    for (const [method, url, allow] of [
      ['DELETE', '/checkins', 'GET, HEAD, POST'],
      ['GET', '/checkins/batch', 'POST'],
      ['PATCH', '/events/ev-h', 'DELETE, GET, HEAD, PUT'],
      ['PUT', '/events/ev-h/checkins', 'GET, HEAD, POST'],
      ['POST', '/attendance/ev-h', 'GET, HEAD'],
    ] as const) {
      const response = await t.app.inject({ method, url, headers: t.committee() });
      expect(response.statusCode, `${method} ${url}`).toBe(405);
      expect(response.headers.allow, `${method} ${url}`).toBe(allow);
      expect(response.json()).toEqual({ detail: 'Method Not Allowed' });
    }
  });
});

describe('hostile input', () => {
  const values: unknown[] = [
    null,
    true,
    0,
    -1,
    1e308,
    '',
    ' ',
    'x'.repeat(5000),
    "'; DROP TABLE checkins; --",
    '\u0000',
    '\ud800',
    '😀'.repeat(30),
    '%00',
    '../../etc/passwd',
    [],
    ['a'],
    {},
    { $gt: '' },
  ];
  const bodies: unknown[] = [
    null,
    [],
    'string',
    42,
    { __proto__: { admin: true } },
    { constructor: { prototype: {} } },
  ];
  for (const value of values) {
    bodies.push({ event_id: value, ticket_id: 'x' });
    bodies.push({ event_id: 'e', ticket_id: value, location: value });
    bodies.push({ ticket_id: value });
    bodies.push({ id: value, title: value, description: value, start_time: value, capacity: value });
    bodies.push({ count: value });
    bodies.push({ tickets: [{ ticket_id: value, holder_name: value, holder_email: value }] });
  }
  const targets = [
    { method: 'POST', url: '/checkins' },
    { method: 'POST', url: '/events/ev-h/checkins' },
    { method: 'POST', url: '/events' },
    { method: 'PUT', url: '/events/ev-h' },
    { method: 'POST', url: '/events/ev-h/tickets' },
  ] as const;

  it('never answers 5xx to hostile bodies on any write route', { timeout: 120_000 }, async () => {
    const failures: string[] = [];
    const admin = t.admin();
    for (const target of targets) {
      for (const body of bodies) {
        const response = await t.app.inject({
          method: target.method,
          url: target.url,
          headers: { ...admin, 'content-type': 'application/json' },
          payload: JSON.stringify(body),
        });
        if (response.statusCode >= 500) failures.push(`${target.method} ${target.url} ${JSON.stringify(body)}`);
        if (response.statusCode >= 400) expect(response.json()).toHaveProperty('detail');
      }
    }
    expect(failures).toEqual([]);
  });

  it('never answers 5xx to hostile check-in batches, as envelopes or as items', { timeout: 120_000 }, async () => {
    const failures: string[] = [];
    const token = t.token();
    const send = async (payload: unknown) => {
      const response = await t.app.inject({
        method: 'POST',
        url: '/checkins/batch',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify(payload),
      });
      if (response.statusCode >= 500) failures.push(JSON.stringify(payload).slice(0, 200));
      if (response.statusCode >= 400) expect(response.json()).toHaveProperty('detail');
      return response;
    };
    for (const value of [...values, ...bodies]) {
      await send(value);
      await send({ checkins: value });
      await send({ checkins: [value] });
    }
    // Hostile fields next to a valid token and key, all in one batch: each item answered on its own.
    // (Prototype-poisoning keys are refused with 400 by the JSON parser, for the whole request.)
    const parseable = bodies.filter((body) => !/__proto__|constructor/.test(JSON.stringify(body) ?? ''));
    const items = parseable.map((body, index) =>
      typeof body === 'object' && body !== null && !Array.isArray(body)
        ? { ...body, token, idempotency_key: `hostile-${index}` }
        : body,
    );
    for (let start = 0; start < items.length; start += 200) {
      const response = await send({ checkins: items.slice(start, start + 200) });
      expect(response.statusCode).toBe(200);
    }
    for (const value of values) await send({ checkins: [{ token: value, idempotency_key: value }] });
    expect(failures).toEqual([]);
  });

  it('never answers 5xx to hostile paths, queries, cursors and keys', async () => {
    const urls = [
      '/attendance/%27%3B%20DROP%20TABLE%20checkins%3B--',
      '/attendance/%F0%9F%98%80',
      '/attendance/%ED%A0%80',
      '/attendance/x?limit=1e9',
      '/attendance/x?limit=1&limit=2',
      '/attendance/x?cursor=99999999999999999999999',
      '/attendance/x?cursor=999999999999999999',
      '/attendance/x?cursor=-1',
      '/attendance/x?limit=%00',
      '/checkins?event_id=',
      '/checkins?event_id[]=a',
      '/events/ev-h/tickets?cursor=%00',
      '/events/ev-h/tickets?cursor=AAAA',
      '/events/ev-h/tickets?cursor=_w',
      '/events/ev-h/tickets?limit=abc',
      '/events/ev-h/summary?limit=-5',
      '/events/%2e%2e',
      '/events/ev-h?force=true',
    ];
    const failures: string[] = [];
    for (const url of urls) {
      const response = await t.app.inject({ url, headers: t.admin() });
      if (response.statusCode >= 500) failures.push(`${url} -> ${response.statusCode} ${response.body}`);
    }
    for (const key of ['', ' ', 'k'.repeat(10_000), 'ключ', 'a\tb']) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/checkins',
        headers: { ...t.committee(), 'idempotency-key': key },
        payload: { event_id: 'e', ticket_id: 'k' },
      });
      if (response.statusCode >= 500) failures.push(`key ${JSON.stringify(key)} -> ${response.statusCode}`);
    }
    expect(failures).toEqual([]);
  });
});

/** A GET whose path goes on the wire exactly as given (node:http does not resolve dot segments). */
function rawGet(port: number, path: string, authorization: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const sent = request({ host: '127.0.0.1', port, path, headers: { authorization } }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    sent.on('error', reject);
    sent.end();
  });
}

describe('ids and text that are not what they look like', () => {
  const refusal = (loc: (string | number)[], msg: string) => ({
    detail: [{ loc, msg, type: 'custom' }],
  });

  it.each(['.', '..'])('refuses the id %j with 422 in a body, and stores nothing', async (id) => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/events',
      headers: t.admin(),
      payload: { id, title: 'Dots' },
    });
    expect(created.statusCode).toBe(422);
    expect(created.json()).toEqual(refusal(['body', 'id'], 'must not be "." or ".."'));
    const scan = await t.checkIn({ event_id: id, ticket_id: 'T-dot' });
    expect(scan.statusCode).toBe(422);
    expect(scan.json()).toEqual(refusal(['body', 'event_id'], 'must not be "." or ".."'));
    const ticket = await t.checkIn({ event_id: 'ev-dots', ticket_id: id });
    expect(ticket.statusCode).toBe(422);
    expect(ticket.json()).toEqual(refusal(['body', 'ticket_id'], 'must not be "." or ".."'));
    const stored = await t.db.pool.query(
      "SELECT 1 FROM checkins WHERE event_id IN ('.', '..') OR ticket_id IN ('.', '..')",
    );
    expect(stored.rowCount).toBe(0);
  });

  it.each(['.', '..', '%2E', '%2e%2E'])(
    'refuses the path id %j with 422 when it reaches the service as sent (a real socket, no URL resolution)',
    async (segment) => {
      // inject() resolves dot segments like a browser would; a hostile client sends them raw.
      if (!t.app.server.listening) await t.app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = t.app.server.address() as AddressInfo;
      for (const [path, name] of [
        [`/events/${segment}`, 'id'],
        [`/events/${segment}/summary`, 'id'],
        [`/attendance/${segment}`, 'event_id'],
      ] as const) {
        const answer = await rawGet(port, path, t.admin().authorization);
        expect(answer.status, path).toBe(422);
        expect(JSON.parse(answer.body), path).toEqual(refusal(['path', name], 'must not be "." or ".."'));
      }
    },
  );

  it('refuses lone surrogates in ids and in free text with 422, and stores nothing', async () => {
    const lone = 'Gate \ud800 A';
    const cases: { url: string; method: 'POST' | 'PUT'; payload: object; loc: (string | number)[] }[] = [
      {
        method: 'POST',
        url: '/checkins',
        payload: { event_id: 'ev-s\udc00', ticket_id: 'S-1' },
        loc: ['body', 'event_id'],
      },
      {
        method: 'POST',
        url: '/checkins',
        payload: { event_id: 'ev-s', ticket_id: 'S-\ud83d' },
        loc: ['body', 'ticket_id'],
      },
      {
        method: 'POST',
        url: '/checkins',
        payload: { event_id: 'ev-s', ticket_id: 'S-2', location: lone },
        loc: ['body', 'location'],
      },
      { method: 'POST', url: '/events', payload: { id: 'ev-s2', title: lone }, loc: ['body', 'title'] },
      { method: 'PUT', url: '/events/ev-h', payload: { description: `line 1\n${lone}` }, loc: ['body', 'description'] },
      {
        method: 'POST',
        url: '/events/ev-h/tickets',
        payload: { tickets: [{ ticket_id: 'S-3', holder_name: lone }] },
        loc: ['body', 'tickets', 0, 'holder_name'],
      },
    ];
    for (const { method, url, payload, loc } of cases) {
      // JSON.stringify writes a lone surrogate as its \ud800 escape, as a hostile client would send it.
      const response = await t.app.inject({
        method,
        url,
        headers: { ...t.admin(), 'content-type': 'application/json' },
        payload: JSON.stringify(payload),
      });
      expect(response.statusCode, `${method} ${url}`).toBe(422);
      expect(response.json(), `${method} ${url}`).toEqual(
        refusal(loc, 'must be valid Unicode text (no lone surrogates)'),
      );
    }
    const stored = await t.db.pool.query("SELECT 1 FROM checkins WHERE event_id LIKE 'ev-s%'");
    expect(stored.rowCount).toBe(0);
    const event = await t.app.inject({ url: '/events/ev-h', headers: t.admin() });
    expect(event.json().description).toBeNull();
  });

  it('still accepts real astral characters (a surrogate pair) in ids and text', async () => {
    const scan = await t.checkIn({ event_id: 'ev-emoji-😀', ticket_id: 'T-🎟', location: 'Gerbang 🚪' });
    expect(scan.statusCode).toBe(201);
    expect(scan.json().record).toMatchObject({ event_id: 'ev-emoji-😀', ticket_id: 'T-🎟', location: 'Gerbang 🚪' });
  });
});
