// The shared token verifier and role guards: HS256 only, exact 401/403 texts (spec: shared rules).
import { createHmac, randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  authenticate,
  bearerToken,
  createBaseApp,
  RevocationList,
  requireAdmin,
  signAccessToken,
  verifyAccessToken,
} from '../src/index.js';
import { claims, uidFor, unauthorizedCases, validToken } from './support/forge-token.js';

const SECRET = 'platform-test-secret-with-at-least-32-bytes';

let app: FastifyInstance;

beforeAll(async () => {
  app = await createBaseApp({
    service: 'platform-test',
    logLevel: 'silent',
    jwtSecret: SECRET,
    tokenExpireMinutes: 30,
    openapi: { title: 'test', description: 'test' },
    revocations: new RevocationList(60_000),
    readiness: {},
  });
  app.get('/whoami', { preHandler: authenticate }, async (request) => ({
    username: request.user.username,
    role: request.user.role,
  }));
  app.get('/admin-only', { preHandler: [authenticate, requireAdmin] }, async () => ({ ok: true }));
  await app.ready();
});

afterAll(async () => {
  await app.close();
});

describe('authenticate', () => {
  it('accepts a valid HS256 token and exposes sub and role as the caller', async () => {
    const response = await app.inject({
      url: '/whoami',
      headers: { authorization: `Bearer ${validToken(SECRET, claims('gate-a', 'committee'))}` },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ username: 'gate-a', role: 'committee' });
  });

  it('matches the scheme case-insensitively (lowercase and uppercase bearer work)', async () => {
    for (const scheme of ['bearer', 'BEARER', 'bEaReR']) {
      const response = await app.inject({
        url: '/whoami',
        headers: { authorization: `${scheme} ${validToken(SECRET)}` },
      });
      expect(response.statusCode, scheme).toBe(200);
      expect(response.json()).toEqual({ username: 'panitia1', role: 'committee' });
    }
  });

  it.each(unauthorizedCases(SECRET))('answers 401 to $name', async ({ authorization, detail }) => {
    const headers = authorization === undefined ? {} : { authorization };
    const response = await app.inject({ url: '/whoami', headers });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ detail });
  });

  it('refuses a token once it expires, even though the verify cache accepted it before', async () => {
    const token = validToken(SECRET, claims('expiry-probe', 'committee'));
    const first = await app.inject({ url: '/whoami', headers: { authorization: `Bearer ${token}` } });
    expect(first.statusCode).toBe(200);
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 2 * 3600 * 1000);
      const later = await app.inject({ url: '/whoami', headers: { authorization: `Bearer ${token}` } });
      expect(later.statusCode).toBe(401);
      expect(later.json()).toEqual({ detail: 'Token expired' });
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('authenticate with revocations', () => {
  const call = (payload: Record<string, unknown>) =>
    app.inject({ url: '/whoami', headers: { authorization: `Bearer ${validToken(SECRET, payload)}` } });

  it('refuses with 401 "Invalid token" a token of an ended session, a deleted account or an older version', async () => {
    const sessionEnded = claims('logged-out', 'committee');
    const deleted = claims('deleted-user', 'admin');
    const demoted = claims('demoted-admin', 'admin', { ver: 2 });
    for (const token of [sessionEnded, deleted, demoted]) expect((await call(token)).statusCode).toBe(200);

    app.revocations.replace([
      { sid: sessionEnded.sid as string },
      { uid: deleted.uid as string, deleted: true },
      { uid: demoted.uid as string, min_ver: 3 },
    ]);
    try {
      for (const token of [sessionEnded, deleted, demoted]) {
        const response = await call(token);
        expect(response.statusCode, String(token.sub)).toBe(401);
        expect(response.json()).toEqual({ detail: 'Invalid token' });
      }
      // Another login of the same user, and the demoted user's new token, pass.
      const otherSession = await call(claims('logged-out', 'committee'));
      expect(otherSession.statusCode).toBe(200);
      expect(otherSession.json()).toEqual({ username: 'logged-out', role: 'committee' });
      const newVersion = await call(claims('demoted-admin', 'committee', { ver: 3 }));
      expect(newVersion.statusCode).toBe(200);
      expect(newVersion.json()).toEqual({ username: 'demoted-admin', role: 'committee' });
    } finally {
      app.revocations.replace([]);
    }
  });
});

describe('requireAdmin', () => {
  it('lets an admin through', async () => {
    const response = await app.inject({
      url: '/admin-only',
      headers: { authorization: `Bearer ${validToken(SECRET, claims('boss', 'admin'))}` },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ ok: true });
  });

  it('answers 403 "Admin only" to a committee member', async () => {
    const response = await app.inject({
      url: '/admin-only',
      headers: { authorization: `Bearer ${validToken(SECRET)}` },
    });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual({ detail: 'Admin only' });
  });

  it('answers 401, not 403, when there is no token at all', async () => {
    const response = await app.inject({ url: '/admin-only' });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ detail: 'Missing Authorization header' });
  });
});

describe('signAccessToken', () => {
  it('signs HS256 tokens with sub, role, iat and an exp of the configured lifetime', () => {
    const subject = {
      username: 'panitia1',
      role: 'committee' as const,
      uid: uidFor('panitia1'),
      sid: '5b0f3c1e-8f6e-4c1a-9d3b-2a7e4f5c6d70',
      ver: 3,
    };
    const token = signAccessToken(app, subject);
    const [header, payload] = token
      .split('.')
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(Object.keys(payload).sort()).toEqual(['exp', 'iat', 'role', 'sid', 'sub', 'uid', 'ver']);
    expect(payload).toMatchObject({ sub: 'panitia1', role: 'committee', uid: subject.uid, sid: subject.sid, ver: 3 });
    expect(payload.exp - payload.iat).toBe(30 * 60);
    expect(verifyAccessToken(app, token)).toEqual({ ...subject, token });
  });
});

describe('a rotated secret (JWT_SECRET_PREVIOUS)', () => {
  // Made at run time: a secret written into the repository is a published one.
  const NEW_SECRET = randomBytes(32).toString('base64url');
  const OLD_SECRET = randomBytes(32).toString('base64url');
  let rotating: FastifyInstance;

  beforeAll(async () => {
    rotating = await createBaseApp({
      service: 'platform-test',
      logLevel: 'silent',
      jwtSecret: NEW_SECRET,
      jwtPreviousSecret: OLD_SECRET,
      tokenExpireMinutes: 30,
      openapi: { title: 'test', description: 'test' },
      revocations: new RevocationList(60_000),
      readiness: {},
    });
    rotating.get('/whoami', { preHandler: authenticate }, async (request) => ({ username: request.user.username }));
    await rotating.ready();
  });
  afterAll(async () => {
    await rotating.close();
  });

  const whoami = (token: string) => rotating.inject({ url: '/whoami', headers: { authorization: `Bearer ${token}` } });

  it('accepts tokens signed with the previous secret and with the current one', async () => {
    for (const secret of [OLD_SECRET, NEW_SECRET]) {
      const response = await whoami(validToken(secret, claims('gate-rotated')));
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ username: 'gate-rotated' });
    }
  });

  it('signs new tokens with the current secret only', () => {
    const token = signAccessToken(rotating, {
      username: 'panitia1',
      role: 'committee',
      uid: uidFor('panitia1'),
      sid: '5b0f3c1e-8f6e-4c1a-9d3b-2a7e4f5c6d70',
      ver: 0,
    });
    const [header, payload, signature] = token.split('.');
    const expected = (secret: string) =>
      createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
    expect(signature).toBe(expected(NEW_SECRET));
    expect(signature).not.toBe(expected(OLD_SECRET));
  });

  it('holds a previous-secret token to every other rule: expired is "Token expired", a bad claim "Invalid token"', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await whoami(
      validToken(OLD_SECRET, claims('panitia1', 'committee', { iat: now - 3600, exp: now - 60 })),
    );
    expect(expired.statusCode).toBe(401);
    expect(expired.json()).toEqual({ detail: 'Token expired' });
    const badRole = await whoami(validToken(OLD_SECRET, claims('panitia1', 'root')));
    expect(badRole.statusCode).toBe(401);
    expect(badRole.json()).toEqual({ detail: 'Invalid token' });
    const thirdSecret = await whoami(validToken(randomBytes(32).toString('base64url')));
    expect(thirdSecret.statusCode).toBe(401);
    expect(thirdSecret.json()).toEqual({ detail: 'Invalid token' });
  });
});

describe('bearerToken', () => {
  it('returns the token and ignores surrounding whitespace', () => {
    expect(bearerToken('  Bearer abc.def.ghi  ')).toBe('abc.def.ghi');
  });
});
