// Test support: the attendance app on a fresh database of its own, tokens to call it with, and the calls every test file makes.
import { randomUUID } from 'node:crypto';
import type { Database } from '@tixgo/db';
import { createTestDatabase, type TestDatabase } from '@tixgo/db/testing';
import { signAccessToken } from '@tixgo/platform';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { uidFor } from '../../../../packages/platform/test/support/forge-token.js';
import { type AttendanceDeps, buildApp } from '../../src/app.js';
import { openAttendanceDatabase } from '../../src/attendance-database.js';
import type { CheckinRequest } from '../../src/checkins/checkins-repository.js';
import { type AttendanceConfig, loadConfig } from '../../src/config.js';

export const TEST_JWT_SECRET = 'attendance-tests-secret-0123456789abcdef';

const quietLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** A time as the API writes it: ISO-8601 UTC with milliseconds. */
export const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type Headers = Record<string, string>;

/** What the check-in batcher is given for one scan (a fresh check-in id, any event accepted). */
export function checkinRequest(eventId: string, ticketId: string, by = 'gate'): CheckinRequest {
  return {
    eventId,
    ticketId,
    by,
    byUid: uidFor(by),
    location: null,
    scannedAt: null,
    checkinId: randomUUID(),
    requireRegisteredEvent: false,
  };
}

export interface TestApp {
  app: FastifyInstance;
  db: Database;
  database: TestDatabase;
  config: AttendanceConfig;
  /** A valid access token of `username` with `role`. */
  token(username?: string, role?: 'committee' | 'supervisor' | 'admin'): string;
  /** Authorization header of a supervisor (issue 16). */
  supervisor(username?: string): { authorization: string };
  /** Authorization header of a committee member (panitia1 unless named). */
  committee(username?: string): { authorization: string };
  admin(username?: string): { authorization: string };
  /** POST /checkins with `body`, as panitia1 unless `headers` say otherwise. */
  checkIn(body: object, headers?: Headers): Promise<LightMyRequestResponse>;
  /** POST /events as admin1 (titled by its id), then its `ticketIds` issued; throws unless both succeed. */
  createEvent(id: string, ticketIds?: string[]): Promise<void>;
  /** POST /events/{id}/tickets as admin1 for `ticketIds`; throws unless issued. */
  issueTickets(eventId: string, ticketIds: string[]): Promise<void>;
  close(): Promise<void>;
}

/** The environment tests start from; `env` overrides single variables. */
export function testEnv(databaseUrl: string, env: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    JWT_SECRET: TEST_JWT_SECRET,
    DATABASE_URL: databaseUrl,
    DB_POOL_SIZE: '10',
    // No identity in these tests: port 9 refuses at once, so the list stays empty (and /ready says unavailable).
    IDENTITY_BASE_URL: 'http://127.0.0.1:9',
    ...env,
  };
}

/** A second app on the same database (another replica, or the same one configured otherwise). */
export async function openApp(
  database: TestDatabase,
  env: Record<string, string> = {},
  deps: Omit<AttendanceDeps, 'db'> = {},
): Promise<Omit<TestApp, 'database'>> {
  const config = loadConfig(testEnv(database.url, env));
  const db = await openAttendanceDatabase(config, quietLog);
  const app = await buildApp(config, { db, ...deps });
  await app.ready();
  // Every token of one username is of one account (uidFor), each a session of its own.
  const token = (username = 'panitia1', role: 'committee' | 'supervisor' | 'admin' = 'committee') =>
    signAccessToken(app, { username, role, uid: uidFor(username), sid: randomUUID(), ver: 0 });
  const committee = (username = 'panitia1') => ({ authorization: `Bearer ${token(username, 'committee')}` });
  const admin = (username = 'admin1') => ({ authorization: `Bearer ${token(username, 'admin')}` });
  /** An admin's POST that must answer 201 (set-up, not the behaviour under test). */
  const setUp = async (url: string, payload: object) => {
    const response = await app.inject({ method: 'POST', url, headers: admin(), payload });
    if (response.statusCode !== 201) throw new Error(`set-up POST ${url}: ${response.statusCode} ${response.body}`);
  };
  const issueTickets = (eventId: string, ticketIds: string[]) =>
    setUp(`/events/${eventId}/tickets`, { tickets: ticketIds.map((ticket_id) => ({ ticket_id })) });
  return {
    app,
    db,
    config,
    token,
    committee,
    admin,
    supervisor: (username = 'lead1') => ({ authorization: `Bearer ${token(username, 'supervisor')}` }),
    checkIn: (body, headers = committee()) => app.inject({ method: 'POST', url: '/checkins', headers, payload: body }),
    async createEvent(id, ticketIds = []) {
      await setUp('/events', { id, title: id });
      if (ticketIds.length > 0) await issueTickets(id, ticketIds);
    },
    issueTickets,
    async close() {
      await app.close();
      await db.close();
    },
  };
}

/** The app on a fresh, migrated database; close() drops the database. */
export async function startTestApp(
  label: string,
  env: Record<string, string> = {},
  deps: Omit<AttendanceDeps, 'db'> = {},
): Promise<TestApp> {
  const database = await createTestDatabase(label);
  const opened = await openApp(database, env, deps);
  return {
    ...opened,
    database,
    async close() {
      await opened.close();
      await database.drop();
    },
  };
}
