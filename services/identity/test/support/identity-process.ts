// Runs the built identity service (dist/server.js) as a real process, configured only by environment.
import { execFile, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const SERVICE_DIR = fileURLToPath(new URL('../..', import.meta.url));
const SERVER = path.join(SERVICE_DIR, 'dist', 'server.js');
const REPO_ROOT = path.resolve(SERVICE_DIR, '../..');

/** Builds identity and the packages it uses (only those: other services may be mid-change). */
export async function buildIdentity(): Promise<void> {
  const tsc = path.join(REPO_ROOT, 'node_modules', '.bin', 'tsc');
  await promisify(execFile)(tsc, ['-b', SERVICE_DIR], { cwd: REPO_ROOT });
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface IdentityProcess {
  pid: number;
  baseUrl: string;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  exited: Promise<Exit>;
  /** Sends `signal` and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
}

/** Starts the service with exactly `env` (plus PATH) and resolves once it listens. */
export function startIdentityProcess(env: Record<string, string>, timeoutMs = 60_000): Promise<IdentityProcess> {
  const child = spawn(process.execPath, [SERVER], {
    cwd: SERVICE_DIR,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child.pid as number);
  let output = '';
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child.pid as number);
      resolve({ code, signal });
    });
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`identity did not start in ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve({
          pid: child.pid as number,
          baseUrl: match[1],
          output: () => output,
          exited,
          async stop(signal = 'SIGTERM') {
            child.kill(signal);
            return exited;
          },
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then((exit) => {
      clearTimeout(timer);
      reject(new Error(`identity exited (${exit.code ?? exit.signal}) before listening:\n${output}`));
    });
  });
}

/** Runs the service expecting it to exit on its own (a refused configuration). */
export async function runIdentityToExit(env: Record<string, string>): Promise<Exit & { output: string }> {
  const child = spawn(process.execPath, [SERVER], {
    cwd: SERVICE_DIR,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child.pid as number);
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  const [code, signal] = (await new Promise((resolve) => child.once('close', (...args) => resolve(args)))) as [
    number | null,
    NodeJS.Signals | null,
  ];
  running.delete(child.pid as number);
  return { code, signal, output };
}

const running = new Set<number>();

/** Kills whatever a failed test left running: service processes and embedded servers of `dataDirs`. */
export async function killLeftovers(dataDirs: string[]): Promise<void> {
  for (const pid of running) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const dataDir of dataDirs) {
    const pidFile = path.join(dataDir, 'postgres', 'postmaster.pid');
    const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).split('\n')[0]);
    if (pid > 0) {
      try {
        process.kill(pid, 'SIGQUIT');
      } catch {
        // already gone
      }
    }
  }
}

/** JSON request against a running service. */
export async function call(
  baseUrl: string,
  method: string,
  url: string,
  body?: unknown,
  token?: string,
): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${baseUrl}${url}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}
