// Issue 9, item 5, across real identity, attendance and portal servers: while JWT_SECRET_PREVIOUS names the
// old secret, a token it signed still works at all three services and new tokens are signed with JWT_SECRET;
// once it is removed (the services restarted on the same databases), the old token is refused everywhere.
import { createHmac, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { type Database, openDatabase } from '@tixgo/db';
import { createTestDatabase, type TestDatabase } from '@tixgo/db/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp as buildAttendanceApp } from '../../attendance/src/app.js';
import { openAttendanceDatabase } from '../../attendance/src/attendance-database.js';
import { loadConfig as loadAttendanceConfig } from '../../attendance/src/config.js';
import { buildApp as buildIdentityApp } from '../../identity/src/app.js';
import { loadConfig as loadIdentityConfig } from '../../identity/src/config.js';
import { MIGRATIONS_DIR as IDENTITY_MIGRATIONS } from '../../identity/src/migrations-dir.js';
import { createPasswordHasher } from '../../identity/src/users/password-hasher.js';
import { seedUsers } from '../../identity/src/users/seed-users.js';
import { buildApp as buildPortalApp } from '../src/app.js';
import { loadConfig as loadPortalConfig } from '../src/config.js';
import { call } from './support/stack.js';

// Made at run time: a secret written into the repository is a published one.
const OLD_SECRET = randomBytes(32).toString('base64url');
const NEW_SECRET = randomBytes(32).toString('base64url');
const quietLog = { info: () => undefined, warn: () => undefined, error: () => undefined };
const urlOf = (app: FastifyInstance) => `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

let identityTest: TestDatabase;
let identityDb: Database;
let attendanceTest: TestDatabase;
let attendanceDb: Database;

/** The three services on the same two databases, configured with `secrets`; as a restart would. */
async function startServices(secrets: Record<string, string>) {
  const identity = await buildIdentityApp(
    loadIdentityConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', BCRYPT_COST: '4', ...secrets }),
    { db: identityDb },
  );
  await identity.listen({ port: 0, host: '127.0.0.1' });
  const attendanceConfig = loadAttendanceConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: attendanceTest.url,
    IDENTITY_BASE_URL: urlOf(identity),
    ...secrets,
  });
  const attendance = await buildAttendanceApp(attendanceConfig, { db: attendanceDb });
  await attendance.listen({ port: 0, host: '127.0.0.1' });
  const portal = await buildPortalApp(
    loadPortalConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATA_DIR: tmpdir(),
      IDENTITY_BASE_URL: urlOf(identity),
      ATTENDANCE_BASE_URL: urlOf(attendance),
      PORTAL_LOGIN_MAX_PER_IP: '0',
      ...secrets,
    }),
  );
  await portal.listen({ port: 0, host: '127.0.0.1' });
  return {
    identity: urlOf(identity),
    attendance: urlOf(attendance),
    portal: urlOf(portal),
    async close() {
      await portal.close();
      await attendance.close();
      await identity.close();
    },
  };
}

type Services = Awaited<ReturnType<typeof startServices>>;

/** A GET with the token at each service: identity's /auth/me, attendance's /checkins, the portal's /api/checkins. */
async function statusesWith(services: Services, token: string) {
  const [identity, attendance, portal] = await Promise.all([
    call(services.identity, 'GET', '/auth/me', { token }),
    call(services.attendance, 'GET', '/checkins', { token }),
    call(services.portal, 'GET', '/api/checkins', { token }),
  ]);
  return { identity, attendance, portal };
}

/** The same claims re-signed (HS256) with `secret`: the token identity made of this session before the rotation. */
function resigned(token: string, secret: string): string {
  const [header, payload] = token.split('.');
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

const signatureOf = (token: string) => token.split('.')[2];

let rotating: Services;
let oldToken: string;
let newToken: string;

beforeAll(async () => {
  identityTest = await createTestDatabase('rotation_identity');
  identityDb = await openDatabase({
    databaseUrl: identityTest.url,
    dataDir: tmpdir(),
    migrationsDir: IDENTITY_MIGRATIONS,
    poolSize: 4,
    applicationName: 'tixgo-rotation-test',
    log: quietLog,
  });
  await seedUsers(identityDb.pool, createPasswordHasher(4), { demo: true, admin: undefined }, quietLog);
  attendanceTest = await createTestDatabase('rotation_attendance');
  attendanceDb = await openAttendanceDatabase(
    loadAttendanceConfig({ NODE_ENV: 'test', DATABASE_URL: attendanceTest.url, JWT_SECRET: NEW_SECRET }),
    quietLog,
  );
  rotating = await startServices({ JWT_SECRET: NEW_SECRET, JWT_SECRET_PREVIOUS: OLD_SECRET });
  const login = await call(rotating.identity, 'POST', '/auth/login', {
    json: { username: 'panitia1', password: 'secret' },
  });
  expect(login.status).toBe(200);
  newToken = (login.body as { access_token: string }).access_token;
  oldToken = resigned(newToken, OLD_SECRET);
});

afterAll(async () => {
  await rotating?.close();
  await identityDb?.close();
  await attendanceDb?.close();
  await identityTest?.drop();
  await attendanceTest?.drop();
});

describe('rotating the JWT secret', () => {
  it('signs new tokens with JWT_SECRET, never with JWT_SECRET_PREVIOUS', () => {
    expect(signatureOf(newToken)).toBe(signatureOf(resigned(newToken, NEW_SECRET)));
    expect(signatureOf(newToken)).not.toBe(signatureOf(oldToken));
  });

  it('accepts a token signed with the previous secret at identity, attendance and the portal', async () => {
    const { identity, attendance, portal } = await statusesWith(rotating, oldToken);
    expect(identity.status).toBe(200);
    expect(identity.body).toEqual({ username: 'panitia1', role: 'committee' });
    expect(attendance.status).toBe(200);
    expect(attendance.body).toEqual({ user_id: 'panitia1', checkins: [], next_cursor: null });
    expect(portal.status).toBe(200);
    expect(portal.body).toEqual({ user_id: 'panitia1', checkins: [], next_cursor: null });
    // A check-in through the portal: attendance verifies the batch item's token itself.
    const checkin = await call(rotating.portal, 'POST', '/api/checkins', {
      token: oldToken,
      json: { event_id: 'rotation-day', ticket_id: 'R-1' },
    });
    expect(checkin.status).toBe(201);
    expect(checkin.body).toMatchObject({ event_id: 'rotation-day', ticket_id: 'R-1', user_id: 'panitia1' });
  });

  it('refuses the old token everywhere once JWT_SECRET_PREVIOUS is removed; the new token keeps working', async () => {
    await rotating.close();
    const after = await startServices({ JWT_SECRET: NEW_SECRET });
    rotating = after;
    const refused = await statusesWith(after, oldToken);
    for (const [service, answer] of Object.entries(refused)) {
      expect(answer.status, service).toBe(401);
      expect(answer.body, service).toEqual({ detail: 'Invalid token' });
    }
    const accepted = await statusesWith(after, newToken);
    expect(accepted.identity.status).toBe(200);
    expect(accepted.identity.body).toEqual({ username: 'panitia1', role: 'committee' });
    expect(accepted.attendance.status).toBe(200);
    expect(accepted.attendance.body).toMatchObject({ user_id: 'panitia1', checkins: [{ ticket_id: 'R-1' }] });
    expect(accepted.portal.status).toBe(200);
    expect(accepted.portal.body).toMatchObject({ user_id: 'panitia1', checkins: [{ ticket_id: 'R-1' }] });
  });
});
