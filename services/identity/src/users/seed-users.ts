// Users that exist at start-up: the demo users (compat with the original's smoke test) and a bootstrap admin;
// with demo users off, a demo account left from an earlier run loses its published password.
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { PasswordHasher } from './password-hasher.js';
import { createUserIfMissing, findUser, replacePasswordAndSignOut } from './users-repository.js';

// compat: the original's demo logins, documented in its README and smoke test.
export const DEMO_USERS = [
  { username: 'panitia1', password: 'secret', role: 'committee' },
  { username: 'admin1', password: 'secret', role: 'admin' },
] as const;

interface SeedLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** Creates each missing user; existing users (and their passwords) are never changed. */
export async function seedUsers(
  pool: pg.Pool,
  hasher: PasswordHasher,
  options: { demo: boolean; admin: { username: string; password: string } | undefined },
  log: SeedLogger,
): Promise<void> {
  const wanted: { username: string; password: string; role: 'committee' | 'admin' }[] = [];
  if (options.demo) wanted.push(...DEMO_USERS);
  else await retirePublishedPasswords(pool, hasher, log);
  if (options.admin) wanted.push({ ...options.admin, role: 'admin' });
  for (const user of wanted) {
    if (await findUser(pool, user.username)) continue;
    const created = await createUserIfMissing(pool, {
      username: user.username,
      role: user.role,
      passwordHash: await hasher.hash(user.password),
    });
    if (created) log.info({ username: user.username, role: user.role }, 'user created at start-up');
  }
}

/**
 * With demo users off (production, `pnpm start` on the event Wi-Fi), an account named as a demo user
 * that still has the published password — left in the database by an earlier development run —
 * would let anyone in: that password is replaced by a random one nobody knows, and the account's
 * sessions end. The account itself stays (its role, its name in check-in records); an admin may
 * delete it. An account whose password was changed is left alone.
 */
async function retirePublishedPasswords(pool: pg.Pool, hasher: PasswordHasher, log: SeedLogger): Promise<void> {
  for (const demo of DEMO_USERS) {
    const user = await findUser(pool, demo.username);
    if (!user || !(await hasher.verify(demo.password, user.passwordHash))) continue;
    await replacePasswordAndSignOut(pool, user, await hasher.hash(randomBytes(32).toString('base64url')));
    log.warn(
      { username: user.username },
      `demo user ${user.username} still had its published password: that password no longer signs in (demo users are off)`,
    );
  }
}
