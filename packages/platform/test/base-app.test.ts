// What every service gets from createBaseApp: {"detail"} errors, the FastAPI 422 shape, limits, health, docs.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  BODY_LIMIT_BYTES,
  createBaseApp,
  httpError,
  httpErrors,
  RevocationList,
  validationError,
} from '../src/index.js';

let app: FastifyInstance;
let databaseAnswers = true;

beforeAll(async () => {
  app = await createBaseApp({
    service: 'platform-test',
    logLevel: 'silent',
    jwtSecret: 'platform-test-secret-with-at-least-32-bytes',
    tokenExpireMinutes: 120,
    openapi: { title: 'Platform test', description: 'A base app with a few routes' },
    revocations: new RevocationList(60_000),
    readiness: {
      database: async () => {
        if (!databaseAnswers) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
      },
    },
  });
  app.post(
    '/items',
    {
      schema: {
        summary: 'Create an item',
        body: z.object({ name: z.string().min(3).max(10), tags: z.array(z.string()).optional() }),
      },
    },
    async (request) => ({ created: request.body }),
  );
  app
    .withTypeProvider<ZodTypeProvider>()
    .get('/items/:id', { schema: { params: z.object({ id: z.string().max(5) }) } }, async (request) => ({
      id: request.params.id,
    }));
  app.get('/request-id', async (request) => ({ id: request.id }));
  app.get('/boom', async () => {
    throw new Error('secret internal detail: password=hunter2');
  });
  app.get('/conflict', async () => {
    throw httpErrors.conflict('Ticket already checked in', { record: { ticket_id: 'T1' } });
  });
  app.get('/upstream-down', async () => {
    throw httpError(502, 'Attendance service unavailable');
  });
  app.get('/missing-file', async (_request, reply) => reply.callNotFound());
  app.get('/bad-line', async () => {
    throw validationError([{ loc: ['body', 3], msg: 'duplicate ticket', type: 'value_error' }]);
  });
  await app.ready();
});

afterAll(async () => {
  await app.close();
});

describe('error bodies', () => {
  it('answers a schema violation with 422 in the FastAPI shape', async () => {
    const response = await app.inject({ method: 'POST', url: '/items', payload: { name: 'ab' } });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual({
      detail: [{ loc: ['body', 'name'], msg: 'Too small: expected string to have >=3 characters', type: 'too_small' }],
    });
  });

  it('names nested positions in loc, with array indexes as numbers', async () => {
    const response = await app.inject({ method: 'POST', url: '/items', payload: { name: 'abcd', tags: ['ok', 5] } });
    expect(response.statusCode).toBe(422);
    expect(response.json().detail).toEqual([
      { loc: ['body', 'tags', 1], msg: expect.any(String), type: expect.any(String) },
    ]);
  });

  it('reports a missing body field with its name', async () => {
    const response = await app.inject({ method: 'POST', url: '/items', payload: {} });
    expect(response.statusCode).toBe(422);
    expect(response.json().detail).toEqual([
      { loc: ['body', 'name'], msg: expect.any(String), type: expect.any(String) },
    ]);
  });

  it('calls path parameters "path" like FastAPI', async () => {
    const response = await app.inject({ url: '/items/toolongid' });
    expect(response.statusCode).toBe(422);
    expect(response.json().detail).toEqual([
      { loc: ['path', 'id'], msg: expect.any(String), type: expect.any(String) },
    ]);
  });

  it('answers malformed JSON with 400 and a detail', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/items',
      headers: { 'content-type': 'application/json' },
      payload: '{"name": "abc",',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ detail: expect.any(String) });
  });

  it('answers a body over 1 MiB with 413 and a detail', async () => {
    const payload = JSON.stringify({ name: 'x'.repeat(BODY_LIMIT_BYTES) });
    const response = await app.inject({
      method: 'POST',
      url: '/items',
      headers: { 'content-type': 'application/json' },
      payload,
    });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toEqual({ detail: expect.any(String) });
  });

  it('answers an unknown route with 404 {"detail":"Not Found"}', async () => {
    const response = await app.inject({ url: '/no/such/route' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ detail: 'Not Found' });
  });

  it('answers a known path asked with another method with 405 and an Allow header listing its methods', async () => {
    for (const [method, url, allow] of [
      ['DELETE', '/items', 'POST'],
      ['GET', '/items', 'POST'],
      ['POST', '/items/abc', 'GET, HEAD'],
      ['PUT', '/items/abc?x=1', 'GET, HEAD'],
      ['POST', '/health', 'GET, HEAD'],
    ] as const) {
      const response = await app.inject({ method, url });
      expect(response.statusCode, `${method} ${url}`).toBe(405);
      expect(response.headers.allow, `${method} ${url}`).toBe(allow);
      expect(response.json()).toEqual({ detail: 'Method Not Allowed' });
    }
  });

  it('keeps 404 for unknown paths under any method, and for a route that finds nothing itself', async () => {
    for (const [method, url] of [
      ['POST', '/no/such/route'],
      ['DELETE', '/items/abc/more'],
      ['GET', '/missing-file'],
    ] as const) {
      const response = await app.inject({ method, url });
      expect(response.statusCode, `${method} ${url}`).toBe(404);
      expect(response.headers.allow).toBeUndefined();
      expect(response.json()).toEqual({ detail: 'Not Found' });
    }
  });

  it('hides the message of an unexpected error behind 500 "Internal Server Error"', async () => {
    const response = await app.inject({ url: '/boom' });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({ detail: 'Internal Server Error' });
  });

  it('sends extra fields next to detail', async () => {
    const response = await app.inject({ url: '/conflict' });
    expect(response.statusCode).toBe(409);
    expect(response.json()).toEqual({ detail: 'Ticket already checked in', record: { ticket_id: 'T1' } });
  });

  it('shows the message of a deliberate 5xx answer', async () => {
    const response = await app.inject({ url: '/upstream-down' });
    expect(response.statusCode).toBe(502);
    expect(response.json()).toEqual({ detail: 'Attendance service unavailable' });
  });

  it('answers validationError() with a 422 list', async () => {
    const response = await app.inject({ url: '/bad-line' });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual({ detail: [{ loc: ['body', 3], msg: 'duplicate ticket', type: 'value_error' }] });
  });
});

describe('request ids', () => {
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
  const idFor = async (header?: string) => {
    const response = await app.inject({
      url: '/request-id',
      headers: header === undefined ? {} : { 'x-request-id': header },
    });
    expect(response.statusCode).toBe(200);
    return (response.json() as { id: string }).id;
  };

  it('keeps a client X-Request-Id of 1-128 printable ASCII characters', async () => {
    expect(await idFor('portal-7f3a')).toBe('portal-7f3a');
    expect(await idFor('x'.repeat(128))).toBe('x'.repeat(128));
    expect(await idFor('~!#$%&*+/=?^_`{|}-')).toBe('~!#$%&*+/=?^_`{|}-');
  });

  it.each([
    ['longer than 128 characters', 'x'.repeat(129)],
    ['a megabyte long', 'x'.repeat(1024 * 1024)],
    ['with a space', 'two words'],
    ['with a tab', 'a\tb'],
    ['with non-ASCII bytes', Buffer.from('idé', 'utf8').toString('latin1')],
    ['empty', ''],
  ])('replaces an X-Request-Id %s with a fresh UUID', async (_name, header) => {
    expect(await idFor(header)).toMatch(UUID);
  });

  it('makes a fresh UUID per request without a header', async () => {
    const [first, second] = [await idFor(), await idFor()];
    expect(first).toMatch(UUID);
    expect(second).toMatch(UUID);
    expect(first).not.toBe(second);
  });
});

describe('health and readiness', () => {
  it('answers /health with the compat body', async () => {
    const response = await app.inject({ url: '/health' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.json()).toEqual({ status: 'ok', service: 'platform-test' });
  });

  it('answers /ready with 200 while every check passes', async () => {
    databaseAnswers = true;
    const response = await app.inject({ url: '/ready' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      status: 'ready',
      service: 'platform-test',
      checks: { database: 'ok' },
      revocations: { state: 'unavailable', age_seconds: null },
    });
  });

  it('answers /ready with 503 and the failing check while a dependency is down, /health stays 200', async () => {
    databaseAnswers = false;
    try {
      const ready = await app.inject({ url: '/ready' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toEqual({
        detail: 'Service not ready',
        service: 'platform-test',
        checks: { database: 'connect ECONNREFUSED 127.0.0.1:5432' },
        revocations: { state: 'unavailable', age_seconds: null },
      });
      const health = await app.inject({ url: '/health' });
      expect(health.statusCode).toBe(200);
    } finally {
      databaseAnswers = true;
    }
  });

  it('counts a check that hangs as down after its timeout', async () => {
    const hanging = await createBaseApp({
      service: 'hanging',
      logLevel: 'silent',
      jwtSecret: 'platform-test-secret-with-at-least-32-bytes',
      tokenExpireMinutes: 120,
      openapi: { title: 't', description: 't' },
      revocations: new RevocationList(60_000),
      readiness: { upstream: () => new Promise(() => undefined) },
    });
    try {
      const response = await hanging.inject({ url: '/ready' });
      expect(response.statusCode).toBe(503);
      expect(response.json()).toEqual({
        detail: 'Service not ready',
        service: 'hanging',
        checks: { upstream: 'timeout' },
        revocations: { state: 'unavailable', age_seconds: null },
      });
    } finally {
      await hanging.close();
    }
  });
});

describe('API docs', () => {
  it('serves /openapi.json generated from the route schemas', async () => {
    const response = await app.inject({ url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    const document = response.json();
    expect(document.openapi).toMatch(/^3\./);
    expect(document.info.title).toBe('Platform test');
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/items', '/items/{id}']));
    expect(document.paths['/items'].post.requestBody.content['application/json'].schema.required).toEqual(['name']);
    // Health, readiness and the document itself are not API operations.
    expect(document.paths['/health']).toBeUndefined();
  });

  it('serves the Swagger UI at /docs', async () => {
    const first = await app.inject({ url: '/docs' });
    const page = first.statusCode === 302 ? await app.inject({ url: first.headers.location as string }) : first;
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('swagger');
  });
});
