// bcrypt hashing in worker threads of low priority, one per core, so logins use every core while the event loop stays first in line.
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';

/** bcrypt only reads the first 72 bytes of a password; longer ones are refused, never truncated. */
export const BCRYPT_MAX_BYTES = 72;

export function isPasswordTooLong(password: string): boolean {
  return Buffer.byteLength(password, 'utf8') > BCRYPT_MAX_BYTES;
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(password: string, hash: string): Promise<boolean>;
  /** Spends the same time as a real verify, so unknown usernames cannot be told apart by timing. */
  verifyAgainstDummy(password: string): Promise<false>;
  /** Stops the worker threads (a hash asked for afterwards fails). */
  close(): Promise<void>;
}

export interface HasherOptions {
  /** Hashes at once, each on its own thread; default one per core. */
  threads?: number;
  /** The nice value of the hashing threads (Linux, 0-19; the event loop keeps its own, usually 0). */
  nice?: number;
}

/**
 * Node runs the worker file itself, and Node 20 runs JavaScript only: from the TypeScript sources
 * (the tests) it is the compiled file in dist/, which `pnpm build` writes.
 */
const WORKER_FILE = fileURLToPath(
  new URL(
    import.meta.url.endsWith('.ts') ? '../../dist/users/bcrypt-worker.js' : './bcrypt-worker.js',
    import.meta.url,
  ),
);

/**
 * At shift start twenty people log in at once, and bcrypt at cost 12 is ~0.2 s of one core each.
 * Hashing on fewer threads than cores (to keep a core for the event loop) halves the login rate on
 * a 2-core box (4.0/s); hashing on every core at normal priority shares the CPU between hashes and
 * the event loop as equals (measured: 5.9-7.4/s, /health p99 10-18 ms, max 45-65 ms; see
 * BENCHMARKS.md). So every core hashes (7.8-8.2/s, /health p99 4-4.5 ms), but on
 * threads niced far below the event loop (Linux; see bcrypt-worker.ts): whenever the event loop
 * (or attendance, or PostgreSQL on the same box) has work, the scheduler runs it first, and the
 * hashes get whatever CPU is left. Elsewhere the nice value is ignored and only the threads count.
 */
export function createPasswordHasher(cost: number, options: HasherOptions = {}): PasswordHasher {
  const threads = options.threads ?? availableParallelism();
  const pool = new Piscina({
    filename: WORKER_FILE,
    // Started by the first logins and ended after a quiet minute: each thread is a V8 isolate of
    // several MB, which an idle identity (target: 80 MB) does not keep; a start costs ~50 ms once.
    minThreads: 0,
    maxThreads: threads,
    idleTimeout: 60_000,
    // Read by bcrypt-worker.ts, which sets its own thread's nice value.
    workerData: { nice: options.nice ?? 19 },
  });
  let dummyHash: Promise<string> | undefined;
  const hash = (password: string): Promise<string> => pool.run({ password, cost }, { name: 'hash' });
  const verify = (password: string, stored: string): Promise<boolean> =>
    pool.run({ password, hash: stored }, { name: 'verify' });
  return {
    hash,
    verify,
    async verifyAgainstDummy(password) {
      dummyHash ??= hash('tixgo-timing-equaliser');
      await verify(password, await dummyHash);
      return false;
    },
    close: () => pool.destroy(),
  };
}
