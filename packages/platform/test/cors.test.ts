// CORS_ORIGINS (issue 14, compat): the listed browser origins get CORS answers from @fastify/cors;
// every other origin, and a service with none listed, keeps the 405 a preflight always had.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBaseApp, env, RevocationList } from '../src/index.js';

const LISTED = 'https://tixgo-fe.github.io';
const DEV_SERVER = 'http://localhost:5173';

async function appWith(corsOrigins?: string[]): Promise<FastifyInstance> {
  const app = await createBaseApp({
    service: 'cors-test',
    logLevel: 'silent',
    // Made at run time: production refuses every secret written in the repository (published-secrets.test.ts).
    jwtSecret: randomBytes(32).toString('base64url'),
    tokenExpireMinutes: 120,
    openapi: { title: 'CORS test', description: 'routes for CORS' },
    revocations: new RevocationList(60_000),
    readiness: {},
    ...(corsOrigins && { corsOrigins }),
  });
  app.post('/auth/login', async () => ({ access_token: 'x', token_type: 'bearer' }));
  app.get('/items', async (_request, reply) => reply.header('retry-after', '1').send({ items: [] }));
  await app.ready();
  return app;
}

function preflight(app: FastifyInstance, origin: string | undefined, url = '/auth/login') {
  return app.inject({
    method: 'OPTIONS',
    url,
    headers: {
      ...(origin && { origin }),
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type, authorization',
    },
  });
}

describe('CORS_ORIGINS listed', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await appWith([LISTED, DEV_SERVER]);
  });
  afterAll(async () => app.close());

  it('answers a listed origin’s preflight 204 with its origin, the methods and the headers it asked for', async () => {
    for (const origin of [LISTED, DEV_SERVER]) {
      const response = await preflight(app, origin);
      expect(response.statusCode, origin).toBe(204);
      expect(response.headers['access-control-allow-origin']).toBe(origin);
      expect(String(response.headers['access-control-allow-methods'])).toContain('POST');
      expect(response.headers['access-control-allow-headers']).toBe('content-type, authorization');
      expect(response.headers['access-control-allow-credentials']).toBeUndefined();
      expect(response.headers.vary).toContain('Origin');
    }
  });

  it('adds the CORS headers to a listed origin’s request, exposing Retry-After', async () => {
    const response = await app.inject({ method: 'GET', url: '/items', headers: { origin: LISTED } });
    expect(response.statusCode).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBe(LISTED);
    expect(String(response.headers['access-control-expose-headers'])).toContain('Retry-After');
  });

  it('gives an unlisted origin (or none) no CORS header, and its preflight the 405 of old', async () => {
    for (const origin of ['https://evil.example', undefined]) {
      const response = await preflight(app, origin);
      expect(response.statusCode, String(origin)).toBe(405);
      expect(response.json()).toEqual({ detail: 'Method Not Allowed' });
      expect(response.headers.allow).toBe('POST');
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
    }
    const get = await app.inject({ method: 'GET', url: '/items', headers: { origin: 'https://evil.example' } });
    expect(get.statusCode).toBe(200);
    expect(get.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('keeps unknown paths 404 and wrong methods 405 (the OPTIONS catch-all makes no path known)', async () => {
    expect((await app.inject({ method: 'GET', url: '/nowhere' })).statusCode).toBe(404);
    const wrong = await app.inject({ method: 'DELETE', url: '/items' });
    expect(wrong.statusCode).toBe(405);
    expect(wrong.headers.allow).toBe('GET, HEAD');
  });
});

describe('no CORS_ORIGINS', () => {
  it('answers every preflight 405 with no CORS header (compat: as before)', async () => {
    const app = await appWith();
    try {
      const response = await preflight(app, LISTED);
      expect(response.statusCode).toBe(405);
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await app.close();
    }
  });
});

describe('env.origins (CORS_ORIGINS)', () => {
  const parse = (value: string | undefined) => env.origins().safeParse(value);

  it('reads a comma list of origins, lower-cased, a trailing slash dropped; empty is none', () => {
    expect(parse(' https://Tixgo-FE.github.io/ , http://localhost:5173').data).toEqual([
      'https://tixgo-fe.github.io',
      'http://localhost:5173',
    ]);
    expect(parse('').data).toEqual([]);
    expect(parse(undefined).data).toEqual([]);
  });

  it('refuses a path, another scheme or a wildcard', () => {
    for (const bad of ['https://x.github.io/app', 'ftp://x.example', '*', 'localhost:5173']) {
      expect(parse(bad).success, bad).toBe(false);
    }
  });
});
