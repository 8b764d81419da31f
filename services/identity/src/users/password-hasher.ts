// bcrypt hashing off the event loop, with a bounded number of hashes at once.
import { availableParallelism } from 'node:os';
import bcrypt from 'bcrypt';
import pLimit from 'p-limit';

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
}

/**
 * bcrypt's async API already runs in libuv's thread pool, off the event loop. With more
 * concurrent logins than cores, though, the pool's threads would take every core and starve
 * the event loop (so /health and check-ins would stall). Hashes beyond `cores - 1` wait in a
 * queue instead, which keeps one core for the event loop.
 */
export function createPasswordHasher(
  cost: number,
  concurrency = Math.max(1, availableParallelism() - 1),
): PasswordHasher {
  const limit = pLimit(concurrency);
  let dummyHash: Promise<string> | undefined;
  const hash = (password: string) => limit(() => bcrypt.hash(password, cost));
  const verify = (password: string, stored: string) => limit(() => bcrypt.compare(password, stored));
  return {
    hash,
    verify,
    async verifyAgainstDummy(password) {
      dummyHash ??= hash('tixgo-timing-equaliser');
      await verify(password, await dummyHash);
      return false;
    },
  };
}
