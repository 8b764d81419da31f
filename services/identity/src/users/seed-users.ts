// Users that exist at start-up: the demo users (compat with the original's smoke test) and a bootstrap admin.
import type pg from 'pg';
import type { PasswordHasher } from './password-hasher.js';
import { createUserIfMissing, findUser } from './users-repository.js';

// compat: the original's demo logins, documented in its README and smoke test.
export const DEMO_USERS = [
  { username: 'panitia1', password: 'secret', role: 'committee' },
  { username: 'admin1', password: 'secret', role: 'admin' },
] as const;

interface SeedLogger {
  info(obj: object, msg?: string): void;
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
