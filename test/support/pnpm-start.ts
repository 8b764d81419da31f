// `pnpm start` (scripts/start-stack.js) as a child process for tests: its console, its exit, free ports, and smoke-test.sh against it.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { freePort } from '@tixgo/db';

export const root = path.resolve(import.meta.dirname, '..', '..');

export interface StartedStack {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  /** Ctrl-C: SIGINT, then the stack's exit code. */
  stop(): Promise<number | null>;
}

/** The stack's port variables, each a free port (the companion too: 18080 may be taken). */
export async function freeStackPorts(): Promise<Record<string, string>> {
  const [identity, attendance, portal, ca] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  return {
    IDENTITY_PORT: String(identity),
    ATTENDANCE_PORT: String(attendance),
    PORTAL_PORT: String(portal),
    PORTAL_CA_HTTP_PORT: String(ca),
  };
}

/** Starts the stack as on a fresh checkout (no NODE_ENV, secret or database given), with `env` on top; the suite has built it. */
export function startStack(env: Record<string, string>): StartedStack {
  const environment: NodeJS.ProcessEnv = { ...process.env, STACK_SKIP_BUILD: 'true' };
  for (const name of [
    'NODE_ENV',
    'JWT_SECRET',
    'DATABASE_URL',
    'HOST',
    'PORT',
    'LOG_LEVEL',
    'PORTAL_HTTP',
    'SEED_DEMO_USERS',
    'OPEN_REGISTRATION',
    'ADMIN_USERNAME',
    'ADMIN_PASSWORD',
    'PUBLISH_SERVICES',
  ]) {
    delete environment[name];
  }
  const child = spawn(process.execPath, [path.join(root, 'scripts/start-stack.js')], {
    cwd: root,
    env: { ...environment, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      return exited;
    },
  };
}

export async function waitFor(condition: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Resolves once the stack says it runs (or has exited); the caller asserts which. */
export function untilRunning(stack: StartedStack, timeoutMs = 90_000): Promise<void> {
  return waitFor(
    () => stack.output().includes('Press Ctrl-C to stop') || stack.child.exitCode !== null,
    'the stack',
    timeoutMs,
  );
}

export function smokeTest(env: Record<string, string>): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      [path.join(root, 'smoke-test.sh')],
      { env: { ...process.env, ...env }, timeout: 60_000 },
      (error, stdout) => {
        const code = error ? Number((error as { code?: number }).code ?? 1) : 0;
        resolve({ code, stdout });
      },
    );
  });
}
