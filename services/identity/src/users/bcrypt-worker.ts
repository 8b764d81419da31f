// Runs in the password hasher's worker threads: lowers the thread's priority once, then one bcrypt hash or comparison per task, synchronously.
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { workerData } from 'node:worker_threads';
import bcrypt from 'bcrypt';

/**
 * Linux gives every thread its own nice value, and Node's os.setPriority takes a thread id as well
 * as a process id; this thread's id is the last part of /proc/thread-self. Node's own API rather
 * than piscina's niceIncrement: that one needs the optional native @napi-rs/nice, which the images
 * leave out with every optional dependency (see the Dockerfile). Elsewhere (no /proc) threads hash
 * at normal priority.
 */
function lowerThreadPriority(nice: number): void {
  if (process.platform !== 'linux' || nice <= 0) return;
  try {
    const threadId = Number(readlinkSync('/proc/thread-self').split('/').at(-1));
    setPriority(threadId, Math.max(nice, getPriority(threadId)));
  } catch {
    // No /proc here (a sandbox): the hashes run at the event loop's priority.
  }
}

lowerThreadPriority((workerData as { nice?: number } | undefined)?.nice ?? 0);

export function hash({ password, cost }: { password: string; cost: number }): string {
  return bcrypt.hashSync(password, cost);
}

export function verify({ password, hash }: { password: string; hash: string }): boolean {
  return bcrypt.compareSync(password, hash);
}
