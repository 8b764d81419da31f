// Starts built TixGo services as real processes for benchmarks, and reads their memory.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@tixgo/db';
import pg from 'pg';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BENCH_SECRET = randomBytes(32).toString('hex');

export type ServiceName = 'identity' | 'attendance' | 'portal';

export interface RunningService {
  name: ServiceName;
  url: string;
  child: ChildProcess;
  dataDir: string;
  /** Milliseconds from spawn to the first 200 from /health. */
  startMs: number;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** A fresh database on BENCH_DATABASE_URL's server, or undefined to let the service embed its own. */
export async function freshDatabase(label: string): Promise<string | undefined> {
  const server = process.env.BENCH_DATABASE_URL;
  if (!server) return undefined;
  const name = `tixgo_bench_${label}_${randomBytes(3).toString('hex')}`;
  const client = new pg.Client({ connectionString: server });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(server);
  url.pathname = `/${name}`;
  return url.toString();
}

export function storageLabel(): string {
  return process.env.BENCH_DATABASE_URL ? 'PostgreSQL server (BENCH_DATABASE_URL)' : 'embedded PostgreSQL';
}

/** One GET; a self-signed certificate (the portal's) is accepted, loopback only. */
async function answersOk(url: string): Promise<boolean> {
  const { get } = url.startsWith('https') ? await import('node:https') : await import('node:http');
  return new Promise((resolve) => {
    const request = get(url, { rejectUnauthorized: false, timeout: 500 }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}

async function waitForHealth(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`service exited with ${child.exitCode} before answering ${url}`);
    if (await answersOk(url)) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  child.kill('SIGKILL');
  throw new Error(`no answer from ${url} within ${timeoutMs} ms`);
}

export interface StartOptions {
  env?: Record<string, string | undefined>;
  dataDir?: string;
  port?: number;
  /** Print the service's log lines (for debugging a benchmark). */
  verbose?: boolean;
}

export async function startService(name: ServiceName, options: StartOptions = {}): Promise<RunningService> {
  const port = options.port ?? (await freePort());
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), `tixgo-bench-${name}-`));
  const env = {
    ...process.env,
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: dataDir,
    JWT_SECRET: BENCH_SECRET,
    DATABASE_URL: undefined,
    PORTAL_HTTP: undefined,
    // No plain-HTTP CA companion: it would take the same fixed port in every benchmarked portal.
    PORTAL_CA_HTTP_PORT: '0',
    // Every simulated gate and browser connects from 127.0.0.1 here; at a venue each has its own
    // address. A bench measuring the per-address cap sets it again in options.env.
    MAX_CONNECTIONS_PER_CLIENT: '0',
    ...options.env,
  };
  const started = performance.now();
  const child = spawn(process.execPath, [path.join(ROOT, `services/${name}/dist/server.js`)], {
    env,
    stdio: ['ignore', options.verbose ? 'inherit' : 'ignore', 'inherit'],
  });
  const scheme = name === 'portal' && env.PORTAL_HTTP !== 'true' ? 'https' : 'http';
  const url = `${scheme}://127.0.0.1:${port}`;
  await waitForHealth(`${url}/health`, child, 60_000);
  const startMs = performance.now() - started;
  return {
    name,
    url,
    child,
    dataDir,
    startMs,
    stop: (signal = 'SIGTERM') =>
      new Promise((resolve) => {
        // Already gone (exited, or killed by a signal: then exitCode stays null).
        if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill(signal);
      }),
  };
}

/** Resident memory of a process in MB (Linux /proc). */
export function rssMb(pid: number | undefined): number {
  if (!pid) return Number.NaN;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

/** A stable account id for `username` (a UUID made from its hash), so a benchmark's tokens of one user agree. */
function benchUid(username: string): string {
  const hex = createHash('sha256').update(`tixgo-bench-uid:${username}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * An HS256 access token for `username` signed with `secret`, as identity would issue it: the compat
 * claims plus uid, sid (a session of its own) and ver, within the default 120-minute lifetime.
 */
export function signToken(secret: string, username: string, role: 'committee' | 'admin'): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub: username, role, uid: benchUid(username), sid: randomUUID(), ver: 0, iat: now, exp: now + 7200 };
  const body = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

/** A token the benchmark's services accept (they share BENCH_SECRET). */
export const benchToken = (username: string, role: 'committee' | 'admin') => signToken(BENCH_SECRET, username, role);

/** CPU seconds (user + system) used so far by a process, from /proc (Linux). */
export function cpuSeconds(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // Fields 14 and 15 of stat (utime, stime), counted from the state field (3rd).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** Pids of a process and its direct children (PostgreSQL's postmaster and its backends). */
export function processFamily(rootPid: number): number[] {
  const family = [rootPid];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      if (Number(fields[1]) === rootPid) family.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return family;
}

/** CPU seconds of a process's children that exited and were reaped (cutime + cstime of its stat). */
function reapedChildrenCpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return 0;
  }
}

/**
 * CPU seconds used so far by a process and its children. PostgreSQL puts every backend in its
 * own process group, so the family is found by parent pid. Children that exited (a pool closing
 * idle connections mid-run) still count: the postmaster reaps them into its own children's time.
 */
export function familyCpuSeconds(rootPid: number | undefined): number {
  if (!rootPid) return 0;
  const live = processFamily(rootPid).reduce((total, pid) => total + cpuSeconds(pid), 0);
  return live + reapedChildrenCpuSeconds(rootPid);
}

/** The pid of a service's embedded PostgreSQL (its process group), from postmaster.pid. */
export function embeddedPostgresPid(dataDir: string): number | undefined {
  try {
    return Number(readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return undefined;
  }
}
