// A real identity app for route tests: fresh database, migrations, bcrypt cost 4, app.inject helpers.
import { randomBytes } from 'node:crypto';
import { type Database, openDatabase } from '@tixgo/db';
import { createTestDatabase, type TestDatabase } from '@tixgo/db/testing';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/app.js';
import { type IdentityConfig, loadConfig } from '../../src/config.js';
import { MIGRATIONS_DIR } from '../../src/migrations-dir.js';
import { createPasswordHasher, type PasswordHasher } from '../../src/users/password-hasher.js';
import { seedUsers } from '../../src/users/seed-users.js';

// Made at run time: some tests run in production mode, which refuses any secret written in the repository.
export const JWT_SECRET = randomBytes(32).toString('base64url');
export const ADMIN = { username: 'root-admin', password: 'root-password' };

const quietLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

export interface IdentityHarness {
  app: FastifyInstance;
  db: Database;
  database: TestDatabase;
  config: IdentityConfig;
  hasher: PasswordHasher;
  register(body: Record<string, unknown>, token?: string): Promise<LightMyRequestResponse>;
  login(username: string, password: string): Promise<LightMyRequestResponse>;
  /** Logs in and returns the access token; fails the test if the login fails. */
  tokenFor(username: string, password: string): Promise<string>;
  /** Access token of the bootstrap admin (created at start-up). */
  adminToken(): Promise<string>;
  /** The account id (uid) stored for `username`. */
  uidOf(username: string): Promise<string>;
  /** Moves the app's clock (refresh rotations, login throttles) forward by `ms`. */
  advanceClock(ms: number): void;
  /** The app's clock now. */
  now(): Date;
  /** The waits the login slowdown asked for (it does not really wait in tests). */
  sleeps: number[];
  close(): Promise<void>;
}

/**
 * Builds the app the way server.ts does (config from an environment, migrations, seed users),
 * on a fresh database. `env` overrides the test defaults; the bootstrap admin ADMIN exists.
 */
export async function startIdentityApp(
  env: Record<string, string> = {},
  shared: { database?: TestDatabase; now?: () => Date } = {},
): Promise<IdentityHarness> {
  // A second identity process on the same database shares it (and leaves dropping it to the first).
  const database = shared.database ?? (await createTestDatabase('identity'));
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    JWT_SECRET,
    BCRYPT_COST: '4',
    SEED_DEMO_USERS: 'false',
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    // Route tests log in often from one address; the throttle test sets its own limits.
    LOGIN_MAX_PER_IP: '100000',
    LOGIN_MAX_PER_USERNAME: '1000',
    DATABASE_URL: database.url,
    ...env,
  });
  const db = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    migrationsDir: MIGRATIONS_DIR,
    poolSize: 5,
    applicationName: 'identity-test',
    log: quietLog,
  });
  const hasher = createPasswordHasher(config.bcryptCost);
  await seedUsers(db.pool, hasher, { demo: config.seedDemoUsers, admin: config.bootstrapAdmin }, quietLog);
  let clockOffsetMs = 0;
  const sleeps: number[] = [];
  const now = () => new Date((shared.now?.() ?? new Date()).getTime() + clockOffsetMs);
  const app = await buildApp(config, {
    db,
    hasher,
    now,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  await app.ready();

  const login = (username: string, password: string) =>
    app.inject({ method: 'POST', url: '/auth/login', payload: { username, password } });
  const tokenFor = async (username: string, password: string) => {
    const response = await login(username, password);
    if (response.statusCode !== 200) throw new Error(`login of ${username} failed: ${response.body}`);
    return response.json().access_token as string;
  };

  return {
    app,
    db,
    database,
    config,
    hasher,
    register: (body, token) =>
      app.inject({
        method: 'POST',
        url: '/auth/register',
        payload: body,
        headers: token ? { authorization: `Bearer ${token}` } : {},
      }),
    login,
    tokenFor,
    adminToken: () => tokenFor(ADMIN.username, ADMIN.password),
    async uidOf(username) {
      const { rows } = await db.pool.query('SELECT uid::text AS uid FROM users WHERE lower(username) = lower($1)', [
        username,
      ]);
      if (!rows[0]) throw new Error(`no user ${username}`);
      return rows[0].uid as string;
    },
    advanceClock(ms) {
      clockOffsetMs += ms;
    },
    now,
    sleeps,
    async close() {
      await app.close();
      await db.close();
      if (!shared.database) await database.drop();
    },
  };
}

/** The claims of a JWT, decoded without verifying (the tests check what was signed). */
export function decodeClaims(token: string): Record<string, unknown> {
  const payload = token.split('.')[1] ?? '';
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
