// The embedded PostgreSQL under DATA_DIR: first start, restart with data kept, adoption after SIGKILL,
// no server left behind by stop(), and no unrelated process touched because of a stale lock file.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataDirInUseError, type EmbeddedServer, openDatabase, startEmbeddedPostgres } from '../src/index.js';

const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./fixtures/hold-embedded.ts', import.meta.url));
const quietLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

// os.tmpdir(): the postgres system user (the server runs as it when we are root) must reach it.
let dataDir: string;
let clusterDir: string;
const started: EmbeddedServer[] = [];

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Pids of processes whose command line mentions the cluster directory or whose parent is `pid`. */
async function serverProcesses(pid?: number): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0');
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (cmdline.includes(clusterDir) || (pid !== undefined && parent === pid)) found.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function start(): Promise<EmbeddedServer> {
  const server = await startEmbeddedPostgres({ dataDir, log: quietLog });
  started.push(server);
  return server;
}

function spawnHolder(): { child: ChildProcess; ready: Promise<{ pid: number; port: number; adopted: boolean }> } {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, dataDir], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const ready = new Promise<{ pid: number; port: number; adopted: boolean }>((resolve, reject) => {
    let stdout = '';
    child.stdout?.on('data', (chunk) => {
      stdout += chunk;
      const line = stdout.split('\n')[0];
      if (stdout.includes('\n') && line) resolve(JSON.parse(line));
    });
    child.once('exit', (code) => reject(new Error(`holder exited ${code}: ${stderr}`)));
  });
  return { child, ready };
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'tixgo-embedded-'));
  await chmod(dataDir, 0o755); // mkdtemp makes it 0700; the postgres user must enter it
  clusterDir = path.join(dataDir, 'postgres');
});

afterAll(async () => {
  // Whatever a failed test left running is stopped; then the directory goes.
  for (const server of started) await server.stop().catch(() => undefined);
  for (const pid of await serverProcesses()) process.kill(pid, 'SIGQUIT');
  await rm(dataDir, { recursive: true, force: true });
});

describe('startEmbeddedPostgres', () => {
  it('creates a cluster on first start, serves the service database on 127.0.0.1 and keeps data across a restart', async () => {
    const first = await start();
    expect(first.adopted).toBe(false);
    expect(new URL(first.url).hostname).toBe('127.0.0.1');
    expect(new URL(first.url).pathname).toBe('/tixgo');
    await query(first.url, 'CREATE TABLE kept (value text)');
    await query(first.url, "INSERT INTO kept VALUES ('before restart')");
    await first.stop();
    expect(isAlive(first.pid)).toBe(false);

    const second = await start();
    expect(second.adopted).toBe(false);
    expect(second.pid).not.toBe(first.pid);
    expect(await query(second.url, 'SELECT value FROM kept')).toEqual([{ value: 'before restart' }]);
    await second.stop();
  });

  it('keeps the password file private and asks for the password', async () => {
    const server = await start();
    try {
      const passwordFile = path.join(dataDir, 'postgres.password');
      const { mode } = await stat(passwordFile);
      expect(mode & 0o077).toBe(0);
      const withoutPassword = new URL(server.url);
      withoutPassword.password = '';
      await expect(query(withoutPassword.toString(), 'SELECT 1')).rejects.toThrow();
    } finally {
      await server.stop();
    }
  });

  it('leaves no PostgreSQL process behind after stop()', async () => {
    const server = await start();
    const children = await serverProcesses(server.pid);
    expect(children).toContain(server.pid);
    expect(children.length).toBeGreaterThan(1); // the postmaster and its workers
    await server.stop();
    expect(await serverProcesses(server.pid)).toEqual([]);
    expect(children.filter(isAlive)).toEqual([]);
  });

  it('adopts the server of a process killed with SIGKILL and finds its data', async () => {
    const holder = spawnHolder();
    const owned = await holder.ready;
    expect(owned.adopted).toBe(false);
    const url = `postgres://postgres:${encodeURIComponent((await readFile(path.join(dataDir, 'postgres.password'), 'utf8')).trim())}@127.0.0.1:${owned.port}/tixgo`;
    await query(url, "INSERT INTO kept VALUES ('written by the killed process')");

    holder.child.kill('SIGKILL');
    await once(holder.child, 'exit');
    expect(isAlive(owned.pid)).toBe(true); // the orphaned server keeps running

    const adopted = await start();
    expect(adopted.adopted).toBe(true);
    expect(adopted.pid).toBe(owned.pid);
    expect(adopted.port).toBe(owned.port);
    expect(await query(adopted.url, 'SELECT value FROM kept ORDER BY value')).toEqual([
      { value: 'before restart' },
      { value: 'written by the killed process' },
    ]);
    await adopted.stop();
    expect(await serverProcesses(owned.pid)).toEqual([]);
  });

  it('refuses a second live process on the same DATA_DIR, naming the holder and DATABASE_URL, and leaves its server running', async () => {
    const holder = spawnHolder();
    try {
      const owned = await holder.ready;
      const refused = startEmbeddedPostgres({ dataDir, log: quietLog });
      await expect(refused).rejects.toThrow(DataDirInUseError);
      await expect(refused).rejects.toThrow(
        new RegExp(`used by another live process \\(pid ${holder.child.pid}: .*hold-embedded.*DATABASE_URL`),
      );
      expect(isAlive(owned.pid)).toBe(true);
      const url = `postgres://postgres:${encodeURIComponent((await readFile(path.join(dataDir, 'postgres.password'), 'utf8')).trim())}@127.0.0.1:${owned.port}/tixgo`;
      expect(await query(url, 'SELECT count(*)::int AS n FROM kept')).toEqual([{ n: 2 }]);
    } finally {
      holder.child.kill('SIGKILL');
      await once(holder.child, 'exit');
    }
    // Its holder gone (killed: the kernel closed its connection), the server is adopted as before.
    const adopted = await start();
    expect(adopted.adopted).toBe(true);
    await adopted.stop();
  });

  it('starts its own server, touching nothing else, when postmaster.pid names a live process that is not PostgreSQL', async () => {
    // After a reboot the pid in a stale lock file can belong to anything; here, a sleeping process.
    const bystander = spawn('sleep', ['600'], { stdio: 'ignore' });
    try {
      await writeFile(
        path.join(clusterDir, 'postmaster.pid'),
        `${bystander.pid}\n${clusterDir}\n1700000000\n5432\n\n127.0.0.1\n  1234567  7654321\nready   \n`,
      );
      const server = await start();
      try {
        expect(server.adopted).toBe(false);
        expect(server.pid).not.toBe(bystander.pid);
        expect(isAlive(bystander.pid as number)).toBe(true);
        expect(await query(server.url, 'SELECT count(*)::int AS n FROM kept')).toEqual([{ n: 2 }]);
      } finally {
        await server.stop();
      }
    } finally {
      bystander.kill('SIGKILL');
    }
  });

  it('recognises its running server through a symlinked DATA_DIR and adopts it', async () => {
    const link = `${dataDir}-link`;
    await symlink(dataDir, link);
    try {
      const running = await start();
      const throughLink = await startEmbeddedPostgres({ dataDir: link, log: quietLog });
      started.push(throughLink);
      expect(throughLink.adopted).toBe(true);
      expect(throughLink.pid).toBe(running.pid);
      expect(await query(throughLink.url, 'SELECT count(*)::int AS n FROM kept')).toEqual([{ n: 2 }]);
      await throughLink.stop();
      expect(isAlive(running.pid)).toBe(false);
    } finally {
      await rm(link, { force: true });
    }
  });

  it('starts in a DATA_DIR only its owner may enter (mode 0700), granting the server user search, not read', async () => {
    const privateDir = await mkdtemp(path.join(tmpdir(), 'tixgo-embedded-private-'));
    expect((await stat(privateDir)).mode & 0o777).toBe(0o700);
    try {
      const server = await startEmbeddedPostgres({ dataDir: privateDir, log: quietLog });
      started.push(server);
      try {
        expect(await query(server.url, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
        expect((await stat(privateDir)).mode & 0o777).toBe(process.getuid?.() === 0 ? 0o701 : 0o700);
      } finally {
        await server.stop();
      }
    } finally {
      await rm(privateDir, { recursive: true, force: true });
    }
  });

  it('serves openDatabase without a databaseUrl, and close() stops the server it started', async () => {
    const db = await openDatabase({ dataDir, applicationName: 'embedded-test', log: quietLog });
    const pid = db.embedded?.pid as number;
    try {
      expect(db.embedded?.adopted).toBe(false);
      await db.ping();
      const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM kept');
      expect(rows).toEqual([{ n: 2 }]);
    } finally {
      await db.close();
    }
    expect(isAlive(pid)).toBe(false);
    expect(await serverProcesses(pid)).toEqual([]);
  });
});
