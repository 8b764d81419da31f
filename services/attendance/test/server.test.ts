// The real server as a child process: acknowledged check-ins survive SIGTERM and SIGKILL (embedded and external PostgreSQL).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@tixgo/db';
import { createTestDatabase, type TestDatabase } from '@tixgo/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claims, validToken } from '../../../packages/platform/test/support/forge-token.js';
import { TEST_JWT_SECRET } from './support/attendance-app.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SERVER = path.join(REPO_ROOT, 'services/attendance/src/server.ts');

const token = validToken(TEST_JWT_SECRET, claims('panitia1', 'committee'));

interface RunningServer {
  child: ChildProcess;
  base: string;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts `src/server.ts` through tsx (no build needed) and waits for /health. */
async function startServer(env: Record<string, string>): Promise<RunningServer> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', SERVER], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      PORT: String(port),
      JWT_SECRET: TEST_JWT_SECRET,
      DB_POOL_SIZE: '8',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited ${child.exitCode}:\n${output}`);
    try {
      const response = await fetch(`${base}/health`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not answer /health:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { child, base, output: () => output, exited };
}

const headers = () => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });

/** Posts check-ins from `concurrency` gates until `stop()` or `total` are done; returns the acknowledged tickets. */
function scanContinuously(base: string, eventId: string, total: number, concurrency = 8) {
  const acknowledged: string[] = [];
  let next = 0;
  let stopped = false;
  const gate = async () => {
    while (!stopped && next < total) {
      const ticket = `K-${next++}`;
      try {
        const response = await fetch(`${base}/checkins`, {
          method: 'POST',
          headers: headers(),
          body: JSON.stringify({ event_id: eventId, ticket_id: ticket }),
        });
        if (response.status === 201) acknowledged.push(ticket);
        await response.body?.cancel();
      } catch {
        // The server went away mid-request: not acknowledged, may or may not be stored.
      }
    }
  };
  const done = Promise.all(Array.from({ length: concurrency }, gate));
  return {
    acknowledged,
    done,
    stop: () => {
      stopped = true;
    },
  };
}

async function attendance(
  base: string,
  eventId: string,
): Promise<{ total_checked_in: number; records: { ticket_id: string }[] }> {
  const response = await fetch(`${base}/attendance/${eventId}`, { headers: headers() });
  expect(response.status).toBe(200);
  return (await response.json()) as { total_checked_in: number; records: { ticket_id: string }[] };
}

async function expectAllAcknowledgedKept(base: string, eventId: string, acknowledged: string[]) {
  const list = await attendance(base, eventId);
  const stored = list.records.map((record) => record.ticket_id);
  expect(new Set(stored).size).toBe(stored.length);
  expect(list.total_checked_in).toBe(stored.length);
  const storedSet = new Set(stored);
  expect(acknowledged.filter((ticket) => !storedSet.has(ticket))).toEqual([]);
  return stored;
}

/** Runs the crash scenarios against servers started with `env`. */
function crashScenarios(env: () => Record<string, string>) {
  it('keeps every acknowledged check-in across SIGTERM, which finishes requests in flight and exits 0', {
    timeout: 180_000,
  }, async () => {
    const first = await startServer(env());
    const scans = scanContinuously(first.base, 'ev-term', 100_000);
    while (scans.acknowledged.length < 150) await new Promise((resolve) => setTimeout(resolve, 20));
    first.child.kill('SIGTERM');
    const code = await first.exited;
    scans.stop();
    await scans.done;
    expect(code, first.output()).toBe(0);

    const second = await startServer(env());
    try {
      const stored = await expectAllAcknowledgedKept(second.base, 'ev-term', scans.acknowledged);
      expect(stored.length).toBeGreaterThanOrEqual(150);
    } finally {
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    }
  });

  it('keeps every acknowledged check-in across SIGKILL mid-burst, and answers a re-scan with 409', {
    timeout: 180_000,
  }, async () => {
    const first = await startServer(env());
    const scans = scanContinuously(first.base, 'ev-kill', 100_000);
    while (scans.acknowledged.length < 150) await new Promise((resolve) => setTimeout(resolve, 20));
    first.child.kill('SIGKILL');
    await first.exited;
    scans.stop();
    await scans.done;

    const second = await startServer(env());
    try {
      const stored = await expectAllAcknowledgedKept(second.base, 'ev-kill', scans.acknowledged);
      expect(stored.length).toBeGreaterThanOrEqual(150);
      const again = await fetch(`${second.base}/checkins`, {
        method: 'POST',
        headers: headers(),
        body: JSON.stringify({ event_id: 'ev-kill', ticket_id: scans.acknowledged[0] }),
      });
      expect(again.status).toBe(409);
      expect(((await again.json()) as { detail: string }).detail).toBe('Ticket already checked in');
    } finally {
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    }
  });
}

describe('with DATABASE_URL', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('server');
  });
  afterAll(async () => {
    await database.drop();
  });
  crashScenarios(() => ({ DATABASE_URL: database.url }));
});

describe('with the embedded PostgreSQL under DATA_DIR', () => {
  let dataDir = '';
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'tixgo-attendance-server-'));
    // mkdtemp makes the directory private; PostgreSQL runs as its own user when we are root.
    await chmod(dataDir, 0o755);
  });
  afterAll(async () => {
    // A server left running by a failed test must not outlive the run.
    const pidFile = path.join(dataDir, 'postgres', 'postmaster.pid');
    if (existsSync(pidFile)) {
      const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
      try {
        if (pid > 0) process.kill(pid, 'SIGQUIT');
      } catch {
        // already gone
      }
    }
    await rm(dataDir, { recursive: true, force: true });
  });
  crashScenarios(() => ({ DATA_DIR: dataDir }));

  it('refuses a second process on the same DATA_DIR, saying replicas need DATABASE_URL, and the first keeps its database', {
    timeout: 180_000,
  }, async () => {
    const first = await startServer({ DATA_DIR: dataDir });
    try {
      await expect(startServer({ DATA_DIR: dataDir })).rejects.toThrow(
        /server exited 1:[\s\S]*used by another live process[\s\S]*same DATABASE_URL/,
      );
      const response = await fetch(`${first.base}/checkins`, {
        method: 'POST',
        headers: headers(),
        body: JSON.stringify({ event_id: 'ev-second-process', ticket_id: 'T-1' }),
      });
      expect(response.status).toBe(201);
      expect(await response.json()).toMatchObject({ status: 'checked_in', record: { ticket_id: 'T-1' } });
    } finally {
      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);
    }
  });
});
