// Test support: the attendance app on a fresh database of its own, and tokens to call it with.
import type { Database } from '@tixgo/db';
import { createTestDatabase, type TestDatabase } from '@tixgo/db/testing';
import { signAccessToken } from '@tixgo/platform';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { openAttendanceDatabase } from '../../src/attendance-database.js';
import { type AttendanceConfig, loadConfig } from '../../src/config.js';

export const TEST_JWT_SECRET = 'attendance-tests-secret-0123456789abcdef';

const quietLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

export interface TestApp {
  app: FastifyInstance;
  db: Database;
  database: TestDatabase;
  config: AttendanceConfig;
  /** A valid access token of `username` with `role`. */
  token(username?: string, role?: 'committee' | 'admin'): string;
  /** Authorization header of a committee member (panitia1 unless named). */
  committee(username?: string): { authorization: string };
  admin(username?: string): { authorization: string };
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
    ...env,
  };
}

/** A second app on the same database (another replica, or the same one configured otherwise). */
export async function openApp(
  database: TestDatabase,
  env: Record<string, string> = {},
): Promise<Omit<TestApp, 'database'>> {
  const config = loadConfig(testEnv(database.url, env));
  const db = await openAttendanceDatabase(config, quietLog);
  const app = await buildApp(config, { db });
  await app.ready();
  const token = (username = 'panitia1', role: 'committee' | 'admin' = 'committee') =>
    signAccessToken(app, username, role);
  return {
    app,
    db,
    config,
    token,
    committee: (username = 'panitia1') => ({ authorization: `Bearer ${token(username, 'committee')}` }),
    admin: (username = 'admin1') => ({ authorization: `Bearer ${token(username, 'admin')}` }),
    async close() {
      await app.close();
      await db.close();
    },
  };
}

/** The app on a fresh, migrated database; close() drops the database. */
export async function startTestApp(label: string, env: Record<string, string> = {}): Promise<TestApp> {
  const database = await createTestDatabase(label);
  const opened = await openApp(database, env);
  return {
    ...opened,
    database,
    async close() {
      await opened.close();
      await database.drop();
    },
  };
}
