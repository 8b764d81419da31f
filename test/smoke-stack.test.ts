// The README's path: the stack `pnpm start` brings up (scripts/start-stack.js, embedded PostgreSQL,
// self-signed HTTPS) passes smoke-test.sh, and smoke-test.sh fails, naming the step, once attendance
// is stopped. Free ports and a DATA_DIR of its own; the suite has built the services already.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '@tixgo/db';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');

interface Stack {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Pids of the direct children of `pid` whose command line mentions `needle` (Linux /proc). */
function childPids(pid: number, needle: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const parent = Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]);
      if (parent === pid && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) found.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function waitFor(condition: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function startStack(dataDir: string, ports: Record<string, string>): Stack {
  const environment: NodeJS.ProcessEnv = { ...process.env, ...ports, DATA_DIR: dataDir, STACK_SKIP_BUILD: 'true' };
  // As on a fresh checkout: development mode, demo users, a generated secret, embedded databases.
  for (const name of ['NODE_ENV', 'JWT_SECRET', 'DATABASE_URL', 'HOST', 'PORT', 'LOG_LEVEL', 'PORTAL_HTTP']) {
    delete environment[name];
  }
  const child = spawn(process.execPath, [path.join(root, 'scripts/start-stack.js')], {
    cwd: root,
    env: environment,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

function smokeTest(env: Record<string, string>, args: string[] = []): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      [path.join(root, 'smoke-test.sh'), ...args],
      { env: { ...process.env, ...env }, timeout: 60_000 },
      (error, stdout) => {
        const code = error ? Number((error as { code?: number }).code ?? 1) : 0;
        resolve({ code, stdout });
      },
    );
  });
}

const dataDir = mkdtempSync(path.join(tmpdir(), 'tixgo-smoke-stack-'));
// Run as root, the embedded servers run as the postgres user, which must enter DATA_DIR/<service>.
chmodSync(dataDir, 0o711);
let stack: Stack | undefined;

afterAll(async () => {
  if (stack && stack.child.exitCode === null && stack.child.signalCode === null) {
    stack.child.kill('SIGTERM');
    await stack.exited;
  }
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the stack pnpm start brings up', () => {
  it('passes smoke-test.sh, which fails naming attendance once attendance is stopped', {
    timeout: 120_000,
  }, async () => {
    const [identity, attendance, portal, ca] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    // The same variables start the stack and point the smoke test at it (and the CA companion off 18080).
    const ports = {
      IDENTITY_PORT: String(identity),
      ATTENDANCE_PORT: String(attendance),
      PORTAL_PORT: String(portal),
      PORTAL_CA_HTTP_PORT: String(ca),
    };
    stack = startStack(dataDir, ports);
    const running = stack;
    await waitFor(
      () => running.output().includes('TixGo is running') || running.child.exitCode !== null,
      'the stack',
      90_000,
    );
    expect(running.output()).toContain('TixGo is running');

    const passing = await smokeTest(ports);
    expect(passing.stdout).toContain('smoke test passed');
    expect(passing.code).toBe(0);

    // compat: the original's positional hosts (`./smoke-test.sh http://<STB_IP>:18081 http://<STB_IP>:18082`),
    // the portal on the same host at PORTAL_PORT. The port variables point elsewhere (a closed port):
    // only the arguments can make it pass.
    const closed = String(await freePort());
    const positional = await smokeTest({ ...ports, IDENTITY_PORT: closed, ATTENDANCE_PORT: closed }, [
      `http://127.0.0.1:${identity}`,
      `http://127.0.0.1:${attendance}/`,
    ]);
    expect(positional.stdout).toContain(
      `identity http://127.0.0.1:${identity}, attendance http://127.0.0.1:${attendance}, portal https://127.0.0.1:${portal}`,
    );
    expect(positional.stdout).toContain('smoke test passed');
    expect(positional.code).toBe(0);

    const servicePids = childPids(running.child.pid as number, 'dist/server.js');
    expect(servicePids).toHaveLength(3);
    const [attendancePid] = childPids(running.child.pid as number, 'services/attendance/dist/server.js');
    expect(attendancePid).toBeGreaterThan(0);
    process.kill(attendancePid as number, 'SIGTERM');
    await waitFor(() => !isAlive(attendancePid as number), 'attendance to stop', 30_000);

    const failing = await smokeTest(ports);
    expect(failing.code).toBe(1);
    expect(failing.stdout).toContain('FAIL  attendance /health');
    expect(failing.stdout).toMatch(/smoke test: \d+ step\(s\) failed: .*attendance \/health/);

    // The stack stops the others when one of its services exits, and says why.
    const code = await running.exited;
    expect(code).toBe(1);
    expect(running.output()).toContain('attendance exited unexpectedly');
    expect(running.output()).toContain('All services stopped.');
    expect(servicePids.filter(isAlive)).toEqual([]);
    // Each service stopped the embedded PostgreSQL it started.
    for (const service of ['identity', 'attendance']) {
      expect(existsSync(path.join(dataDir, service, 'postgres', 'postmaster.pid')), service).toBe(false);
    }
  });
});
