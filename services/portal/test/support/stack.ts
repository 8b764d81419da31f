// Real identity, attendance and portal servers on ephemeral loopback ports, sharing one JWT secret.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Database, openDatabase } from '@tixgo/db';
import { createTestDatabase, type TestDatabase } from '@tixgo/db/testing';
import type { FastifyInstance } from 'fastify';
import { Agent, type Dispatcher, request } from 'undici';
import { afterAll, beforeAll } from 'vitest';
import { buildApp as buildAttendanceApp } from '../../../attendance/src/app.js';
import { openAttendanceDatabase } from '../../../attendance/src/attendance-database.js';
import { loadConfig as loadAttendanceConfig } from '../../../attendance/src/config.js';
import { buildApp as buildIdentityApp } from '../../../identity/src/app.js';
import { loadConfig as loadIdentityConfig } from '../../../identity/src/config.js';
import { MIGRATIONS_DIR as IDENTITY_MIGRATIONS } from '../../../identity/src/migrations-dir.js';
import { createPasswordHasher } from '../../../identity/src/users/password-hasher.js';
import { seedUsers } from '../../../identity/src/users/seed-users.js';
import { buildApp as buildPortalApp, type PortalDeps, phoneTrustOf } from '../../src/app.js';
import { loadConfig as loadPortalConfig } from '../../src/config.js';
import { buildCaCompanion } from '../../src/phone-setup/ca-companion.js';
import { loadTlsCredentials, type TlsCredentials } from '../../src/tls/portal-certificate.js';
import { type PortalNames, portalNames } from '../../src/tls/portal-names.js';

// Made at run time: some portals here run in production mode, which refuses any secret written in the repository.
export const SECRET = randomBytes(32).toString('base64url');

const quietLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

export interface RunningService {
  app: FastifyInstance;
  url: string;
  port: number;
  close(): Promise<void>;
}

function listeningUrl(app: FastifyInstance, scheme = 'http'): { url: string; port: number } {
  const { port } = app.server.address() as AddressInfo;
  return { url: `${scheme}://127.0.0.1:${port}`, port };
}

async function openTestDatabase(label: string, migrationsDir: string): Promise<{ db: Database; test: TestDatabase }> {
  const test = await createTestDatabase(label);
  const db = await openDatabase({
    databaseUrl: test.url,
    dataDir: tmpdir(),
    migrationsDir,
    poolSize: 8,
    applicationName: `tixgo-${label}-test`,
    log: quietLog,
  });
  return { db, test };
}

/** Identity with the demo users (panitia1/secret, admin1/secret), bcrypt at its cheapest cost; `env` overrides. */
export async function startIdentity(env: Record<string, string> = {}): Promise<RunningService> {
  const { db, test } = await openTestDatabase('portal_identity', IDENTITY_MIGRATIONS);
  const config = loadIdentityConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    JWT_SECRET: SECRET,
    BCRYPT_COST: '4',
    SEED_DEMO_USERS: 'true',
    LOGIN_MAX_PER_IP: '1000',
    LOGIN_MAX_PER_USERNAME: '1000',
    TRUST_PROXY: '127.0.0.1',
    ...env,
  });
  const hasher = createPasswordHasher(config.bcryptCost);
  await seedUsers(db.pool, hasher, { demo: true, admin: undefined }, quietLog);
  const app = await buildIdentityApp(config, { db, hasher });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    app,
    ...listeningUrl(app),
    async close() {
      await app.close();
      await db.close();
      await test.drop();
    },
  };
}

/**
 * The real attendance service. Its database outlives `stop()` (used to take attendance down and
 * bring it back on the same port); `close()` removes everything.
 */
export interface AttendanceService extends RunningService {
  /** Requests received so far, as "METHOD /path", counted as they arrive (before auth, validation or routing). */
  received: string[];
  /** POST /checkins/delivered calls so far (the portal's marks of delivered key-less answers). */
  deliveredMarks: { count: number };
  /** Its database (a test reads what the service keeps). */
  pool: import('pg').Pool;
  stop(): Promise<void>;
  restart(): Promise<void>;
}

/**
 * `database`: a database of the caller's, shared with other replicas (migrated by whichever opens it
 * first) and left to the caller to drop; by default a fresh one of this service's own.
 */
export async function startAttendance(
  env: Record<string, string> = {},
  options: { database?: TestDatabase; logStream?: PortalDeps['logStream'] } = {},
): Promise<AttendanceService> {
  // Opened as attendance opens it in production (its session settings pin the query plans).
  const { database } = options;
  const test = database ?? (await createTestDatabase('portal_attendance'));
  const config = loadAttendanceConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    JWT_SECRET: SECRET,
    DATABASE_URL: test.url,
    DB_POOL_SIZE: '8',
    // Without an identity URL of the test's own, none: port 9 refuses at once (an empty revocation list).
    IDENTITY_BASE_URL: 'http://127.0.0.1:9',
    ...env,
  });
  const db = await openAttendanceDatabase(config, quietLog);
  const received: string[] = [];
  const deliveredMarks = { count: 0 };
  const build = async (port: number) => {
    const app = await buildAttendanceApp(config, { db, logStream: options.logStream });
    // The HTTP server's own event: counts every request that reaches the process, before Fastify.
    app.server.on(
      'request',
      (req: { method?: string; url?: string }, res: { once(e: 'finish', f: () => void): void }) => {
        // The portal's delivery marks of key-less check-ins are bookkeeping of their own, counted
        // apart once answered (the keys are gone by then).
        if (req.url === '/checkins/delivered') res.once('finish', () => deliveredMarks.count++);
        else received.push(`${req.method} ${req.url}`);
      },
    );
    await app.listen({ port, host: '127.0.0.1' });
    return app;
  };
  let app = await build(0);
  const { url, port } = listeningUrl(app);
  let running = true;
  const service: AttendanceService = {
    app,
    url,
    port,
    received,
    deliveredMarks,
    pool: db.pool,
    async stop() {
      if (running) await app.close();
      running = false;
    },
    async restart() {
      app = await build(port);
      service.app = app;
      running = true;
    },
    async close() {
      await service.stop();
      await db.close();
      if (database === undefined) await test.drop();
    },
  };
  return service;
}

/** The names of a portal reached on loopback only: localhost, 127.0.0.1, ::1. */
export const LOOPBACK_NAMES: PortalNames = portalNames({ hostname: 'localhost', interfaces: {}, publicHosts: [] });

/** The portal's own CA (made into `dataDir` once) and a server certificate from it for the loopback names. */
export function localTlsCredentials(dataDir: string): Promise<TlsCredentials> {
  return loadTlsCredentials({ dataDir, names: LOOPBACK_NAMES, now: new Date(), hostname: 'localhost' });
}

export interface PortalOptions {
  identityUrl: string;
  attendanceUrl: string;
  env?: Record<string, string>;
  tls?: PortalDeps['tls'];
  /** The names and addresses the portal says it is reached by (default: this machine's). */
  names?: () => PortalNames;
  /** The built web UI to serve (default: services/portal/web/dist). */
  webRoot?: string;
  /** Listen on this port (a restart on the port it had); default: a free one. */
  port?: number;
  /** Where the portal's log lines go (a test reads them). */
  logStream?: PortalDeps['logStream'];
  /** Drives the live streams' revocation check (PortalDeps.liveChecks); default a timer. */
  liveChecks?: PortalDeps['liveChecks'];
  /** The portal's clock (PortalDeps.now); default the real one. */
  now?: () => number;
  /** Also start the plain-HTTP companion that serves the CA (PORTAL_CA_HTTP_PORT), on a free port. */
  caCompanion?: boolean;
}

export interface RunningPortal extends RunningService {
  /** The plain-HTTP companion's base URL, when it was asked for. */
  companionUrl: string | undefined;
}

export async function startPortal(options: PortalOptions): Promise<RunningPortal> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tixgo-portal-test-'));
  const env = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    JWT_SECRET: SECRET,
    DATA_DIR: dataDir,
    IDENTITY_BASE_URL: options.identityUrl,
    ATTENDANCE_BASE_URL: options.attendanceUrl,
    // Every test logs in from 127.0.0.1; the test of the limit sets its own.
    PORTAL_LOGIN_MAX_PER_IP: '0',
    ...options.env,
  };
  const config = loadPortalConfig(env);
  const app = await buildPortalApp(config, {
    tls: options.tls,
    names: options.names,
    webRoot: options.webRoot,
    logStream: options.logStream,
    now: options.now,
    liveChecks: options.liveChecks,
  });
  await app.listen({ port: options.port ?? 0, host: '127.0.0.1' });
  const running = listeningUrl(app, options.tls ? 'https' : 'http');
  let companion: FastifyInstance | undefined;
  if (options.caCompanion) {
    // As server.ts starts it, told the HTTPS port the portal really listens on.
    const trust = phoneTrustOf({ ...config, port: running.port }, { tls: options.tls, names: options.names });
    companion = await buildCaCompanion({ trust, log: app.log });
    await companion.listen({ port: 0, host: '127.0.0.1' });
  }
  return {
    app,
    ...running,
    companionUrl: companion ? listeningUrl(companion).url : undefined,
    async close() {
      await companion?.close();
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Real identity and attendance shared by a test file's tests. */
export interface Upstreams {
  identity: RunningService;
  attendance: AttendanceService;
}

/** The upstreams with a portal in front of them. */
export interface Stack extends Upstreams {
  portal: RunningService;
}

/** Starts identity (`identityEnv` overrides its test defaults) and attendance before the file's tests and closes them after; the fields are set by then. */
export function useUpstreams(
  identityEnv: Record<string, string> = {},
  /** Attendance's variables, asked for when it starts (a server the file started first: its SMTP_URL). */
  attendanceEnv: () => Record<string, string> = () => ({}),
): Upstreams {
  const upstreams = {} as Upstreams;
  beforeAll(async () => {
    [upstreams.identity, upstreams.attendance] = await Promise.all([
      startIdentity(identityEnv),
      startAttendance(attendanceEnv()),
    ]);
  });
  afterAll(async () => {
    await Promise.all([upstreams.identity?.close(), upstreams.attendance?.close()]);
  });
  return upstreams;
}

/** useUpstreams() and a portal in front of them (closed first: afterAll hooks run in reverse). */
export function useStack(): Stack {
  const stack = useUpstreams() as Stack;
  beforeAll(async () => {
    stack.portal = await startPortal({ identityUrl: stack.identity.url, attendanceUrl: stack.attendance.url });
  });
  afterAll(async () => {
    await stack.portal?.close();
  });
  return stack;
}

/** The short upstream deadline and quick retries the fault tests run the portal with. */
// Long enough that a loaded machine still gets a retry done inside it (1.5 s was not, at load 15).
export const FAULT_DEADLINE_MS = 3000;
export const FAULT_ENV = {
  UPSTREAM_TIMEOUT_MS: String(FAULT_DEADLINE_MS),
  UPSTREAM_RETRIES: '2',
  UPSTREAM_RETRY_DELAY_MS: '20',
};

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body parsed as JSON when it is JSON, else the text. */
  body: unknown;
  text: string;
  /** The Set-Cookie headers, one string each. */
  cookies: string[];
}

// A client of our own for the tests: no keep-alive state shared with the portal's pools.
const testClient = new Agent({ keepAliveTimeout: 1000, connections: 16 });

export async function call(
  baseUrl: string,
  method: Dispatcher.HttpMethod,
  urlPath: string,
  options: {
    token?: string;
    headers?: Record<string, string>;
    json?: unknown;
    body?: string;
    dispatcher?: Dispatcher;
  } = {},
): Promise<HttpAnswer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let body = options.body;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['content-type'] ??= 'application/json';
  }
  const response = await request(`${baseUrl}${urlPath}`, {
    method,
    headers,
    body,
    dispatcher: options.dispatcher ?? testClient,
  });
  const text = await response.body.text();
  const type = String(response.headers['content-type'] ?? '');
  const setCookie = response.headers['set-cookie'];
  return {
    status: response.statusCode,
    headers: response.headers,
    text,
    body: type.includes('json') && text !== '' ? JSON.parse(text) : text,
    cookies: setCookie === undefined ? [] : Array.isArray(setCookie) ? setCookie : [setCookie],
  };
}

/** Logs a demo user in through identity itself and returns the access token. */
export async function login(identityUrl: string, username: string, password = 'secret'): Promise<string> {
  const answer = await call(identityUrl, 'POST', '/auth/login', { json: { username, password } });
  if (answer.status !== 200) throw new Error(`login of ${username} failed: ${answer.status} ${answer.text}`);
  return (answer.body as { access_token: string }).access_token;
}
