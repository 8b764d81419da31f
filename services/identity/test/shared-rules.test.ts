// The shared rules at the identity service: error shapes, limits, 404, health, readiness, docs (spec: shared rules).
import { openDatabase } from '@tixgo/db';
import { createTestDatabase } from '@tixgo/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { MIGRATIONS_DIR } from '../src/migrations-dir.js';
import { type IdentityHarness, startIdentityApp } from './support/identity-app.js';

let identity: IdentityHarness;

beforeAll(async () => {
  identity = await startIdentityApp();
});

afterAll(async () => {
  await identity?.close();
});

const quietLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('error shapes', () => {
  it('answers a schema violation with 422 {"detail":[{loc, msg, type}]}', async () => {
    const response = await identity.register({ username: 'ab', password: 'pass1234' });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual({
      detail: [
        { loc: ['body', 'username'], msg: 'Too small: expected string to have >=3 characters', type: 'too_small' },
      ],
    });
  });

  it('lists every invalid field in one 422', async () => {
    const response = await identity.register({ username: 'ab', password: 'abc' });
    expect(response.statusCode).toBe(422);
    const locations = response.json().detail.map((item: { loc: string[] }) => item.loc.join('.'));
    expect(locations.sort()).toEqual(['body.password', 'body.username']);
  });

  it('answers 422 to a body that is not an object', async () => {
    const response = await identity.app.inject({
      method: 'POST',
      url: '/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '[1, 2]',
    });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual({ detail: [{ loc: ['body'], msg: expect.any(String), type: 'invalid_type' }] });
  });

  it('answers malformed JSON with 400 {"detail"}', async () => {
    const response = await identity.app.inject({
      method: 'POST',
      url: '/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"username": "panitia1", "password": ',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ detail: "Body is not valid JSON but content-type is set to 'application/json'" });
  });

  it('answers an empty JSON body with 400 {"detail"}', async () => {
    const response = await identity.app.inject({
      method: 'POST',
      url: '/auth/register',
      headers: { 'content-type': 'application/json' },
      payload: '',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ detail: expect.any(String) });
  });

  it('answers a body over 1 MiB with 413 {"detail"}', async () => {
    const response = await identity.app.inject({
      method: 'POST',
      url: '/auth/register',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ username: 'big', password: 'x'.repeat(1024 * 1024) }),
    });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toEqual({ detail: 'Request body is too large' });
  });

  it('answers an unsupported content type with 415 {"detail"}', async () => {
    const response = await identity.app.inject({
      method: 'POST',
      url: '/auth/login',
      headers: { 'content-type': 'application/xml' },
      payload: '<login><username>panitia1</username></login>',
    });
    expect(response.statusCode).toBe(415);
    expect(response.json()).toEqual({ detail: expect.any(String) });
  });

  it('answers an unknown route with 404 {"detail":"Not Found"}', async () => {
    for (const [method, url] of [
      ['GET', '/auth/unknown'],
      ['POST', '/nothing/here'],
    ] as const) {
      const response = await identity.app.inject({ method, url });
      expect(response.statusCode, `${method} ${url}`).toBe(404);
      expect(response.json()).toEqual({ detail: 'Not Found' });
    }
  });

  it('answers a known path with the wrong method with 405 and Allow (compat: the original does)', async () => {
    for (const [method, url, allow] of [
      ['PUT', '/auth/login', 'POST'],
      ['GET', '/auth/login', 'POST'],
      ['POST', '/auth/users/someone', 'DELETE, PATCH'],
      ['DELETE', '/auth/me', 'GET, HEAD'],
    ] as const) {
      const response = await identity.app.inject({ method, url });
      expect(response.statusCode, `${method} ${url}`).toBe(405);
      expect(response.headers.allow, `${method} ${url}`).toBe(allow);
      expect(response.json()).toEqual({ detail: 'Method Not Allowed' });
    }
  });

  it('answers a malformed %-escape in the URL with 400 {"detail"}', async () => {
    const response = await identity.app.inject({ url: '/auth/users/%ZZ' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ detail: "'/auth/users/%ZZ' is not a valid url component" });
  });

  it('answers a username with a NUL byte as an unknown user (404 / 401), never 500', async () => {
    const headers = { authorization: `Bearer ${await identity.adminToken()}` };
    const removed = await identity.app.inject({ method: 'DELETE', url: '/auth/users/a%00b', headers });
    expect(removed.statusCode).toBe(404);
    expect(removed.json()).toEqual({ detail: 'User not found' });
    const patched = await identity.app.inject({
      method: 'PATCH',
      url: '/auth/users/%00',
      headers,
      payload: { role: 'admin' },
    });
    expect(patched.statusCode).toBe(404);
    expect(patched.json()).toEqual({ detail: 'User not found' });
    const login = await identity.login('root-admin\u0000', 'whatever');
    expect(login.statusCode).toBe(401);
    expect(login.json()).toEqual({ detail: 'Invalid username/password' });
  });

  it('answers 422 to a username with control characters at registration', async () => {
    const response = await identity.register({ username: 'tab\tname', password: 'pass1234' });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual({
      detail: [{ loc: ['body', 'username'], msg: 'must not contain control characters', type: 'custom' }],
    });
  });

  it('answers 422 to a username path parameter over 200 characters', async () => {
    const response = await identity.app.inject({
      method: 'DELETE',
      url: `/auth/users/${'x'.repeat(300)}`,
      headers: { authorization: `Bearer ${await identity.adminToken()}` },
    });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual({
      detail: [{ loc: ['path', 'username'], msg: expect.any(String), type: 'too_big' }],
    });
  });
});

describe('health, readiness and docs', () => {
  it('answers /health with the compat body', async () => {
    const response = await identity.app.inject({ url: '/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok', service: 'identity-service' });
  });

  it('answers /ready with 200 while the database answers', async () => {
    const response = await identity.app.inject({ url: '/ready' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      status: 'ready',
      service: 'identity-service',
      checks: { database: 'ok' },
      // Its own list, read from its own table (never failing /ready by itself).
      revocations: { state: 'current', age_seconds: expect.any(Number) },
    });
  });

  it('answers /ready with 503 after its database was dropped, while /health stays 200', async () => {
    const database = await createTestDatabase('identity_ready');
    const db = await openDatabase({
      databaseUrl: database.url,
      dataDir: '.data',
      migrationsDir: MIGRATIONS_DIR,
      applicationName: 'identity-ready-test',
      log: quietLog,
    });
    const app = await buildApp(identity.config, { db, hasher: identity.hasher });
    try {
      expect((await app.inject({ url: '/ready' })).statusCode).toBe(200);
      await database.drop();
      const ready = await app.inject({ url: '/ready' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toEqual({
        detail: 'Service not ready',
        service: 'identity-service',
        checks: { database: expect.not.stringMatching(/^ok$/) },
        revocations: { state: expect.any(String), age_seconds: expect.any(Number) },
      });
      const health = await app.inject({ url: '/health' });
      expect(health.statusCode).toBe(200);
      expect(health.json()).toEqual({ status: 'ok', service: 'identity-service' });
    } finally {
      await app.close();
      await db.close().catch(() => undefined);
    }
  });

  it('answers /ready with 503 once the pool is closed', async () => {
    const database = await createTestDatabase('identity_closed');
    const db = await openDatabase({
      databaseUrl: database.url,
      dataDir: '.data',
      applicationName: 'identity-closed-test',
      log: quietLog,
    });
    const app = await buildApp(identity.config, { db, hasher: identity.hasher });
    try {
      await db.close();
      const ready = await app.inject({ url: '/ready' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toMatchObject({ detail: 'Service not ready', service: 'identity-service' });
    } finally {
      await app.close();
      await database.drop();
    }
  });

  it('lists every identity route in /openapi.json', async () => {
    const response = await identity.app.inject({ url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    const document = response.json();
    expect(document.info.title).toBe('TixGo identity');
    const operations = Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(
      ([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations.sort()).toEqual(
      [
        'POST /auth/register',
        'POST /auth/login',
        'GET /auth/me',
        'POST /auth/refresh',
        'POST /auth/logout',
        'GET /auth/revocations',
        'GET /auth/settings',
        'GET /auth/users',
        'PATCH /auth/users/{username}',
        'DELETE /auth/users/{username}',
        'PUT /auth/users/{username}/password',
      ].sort(),
    );
    const register = document.paths['/auth/register'].post;
    expect(register.requestBody.content['application/json'].schema.properties).toHaveProperty('username');
    expect(document.paths['/auth/me'].get.security).toEqual([{ bearerAuth: [] }]);
  });

  it('serves the Swagger UI at /docs', async () => {
    const first = await identity.app.inject({ url: '/docs' });
    const page =
      first.statusCode === 302 ? await identity.app.inject({ url: first.headers.location as string }) : first;
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('swagger');
  });

  it('serves a landing page at /', async () => {
    const response = await identity.app.inject({ url: '/' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.body).toContain('href="/docs"');
  });
});
