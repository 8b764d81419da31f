// Users in SQL: lookups ignore the case of usernames; constraint violations become HTTP answers here.
import type { RevocationEntry } from '@tixgo/contracts';
import { isUniqueViolation } from '@tixgo/db';
import { httpErrors, type Role } from '@tixgo/platform';
import type pg from 'pg';
import { insertRevocation } from '../tokens/revocations-repository.js';

export interface UserRow {
  id: string;
  /** The account's random id, signed into its tokens (a re-registered username gets another). */
  uid: string;
  username: string;
  role: Role;
  /** Raised on every role change: tokens of an older version are revoked. */
  tokenVersion: number;
  passwordHash: string;
  createdAt: Date;
}

const COLUMNS = `id, uid::text AS uid, username, role, token_version AS "tokenVersion",
  password_hash AS "passwordHash", created_at AS "createdAt"`;

export async function findUser(db: pg.Pool | pg.PoolClient, username: string): Promise<UserRow | undefined> {
  // PostgreSQL text cannot hold NUL (the query would fail with a 500); no stored name has one.
  if (username.includes('\u0000')) return undefined;
  const { rows } = await db.query<UserRow>(`SELECT ${COLUMNS} FROM users WHERE lower(username) = lower($1)`, [
    username,
  ]);
  return rows[0];
}

/** Inserts a user; a username taken in any letter case is a 409 (compat text). */
export async function createUser(
  db: pg.Pool,
  user: { username: string; passwordHash: string; role: Role },
): Promise<UserRow> {
  try {
    const { rows } = await db.query<UserRow>(
      `INSERT INTO users (username, password_hash, role) VALUES ($1, $2, $3) RETURNING ${COLUMNS}`,
      [user.username, user.passwordHash, user.role],
    );
    return rows[0] as UserRow;
  } catch (error) {
    if (isUniqueViolation(error)) throw httpErrors.conflict('Username already exists');
    throw error;
  }
}

/** Inserts a user unless the username exists; returns whether it was created. */
export async function createUserIfMissing(
  db: pg.Pool,
  user: { username: string; passwordHash: string; role: Role },
): Promise<boolean> {
  const { rowCount } = await db.query(
    'INSERT INTO users (username, password_hash, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
    [user.username, user.passwordHash, user.role],
  );
  return rowCount === 1;
}

export async function listUsers(db: pg.Pool): Promise<UserRow[]> {
  const { rows } = await db.query<UserRow>(`SELECT ${COLUMNS} FROM users ORDER BY lower(username)`);
  return rows;
}

/**
 * Runs `change` on `username` in a transaction that first locks every admin row, so two
 * admins demoting or deleting each other at once cannot leave the system without an admin.
 */
async function withAdminsLocked<T>(
  pool: pg.Pool,
  username: string,
  change: (client: pg.PoolClient, user: UserRow, adminCount: number) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const admins = await client.query("SELECT id FROM users WHERE role = 'admin' FOR UPDATE");
    const user = await findUser(client, username);
    if (!user) throw httpErrors.notFound('User not found');
    const result = await change(client, user, admins.rowCount ?? 0);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Sets the role. A real change raises the token version and records the revocation of the older
 * tokens in the same transaction (returned, for the caller's own list); the same role is no change.
 */
export async function changeRole(
  pool: pg.Pool,
  username: string,
  role: Role,
): Promise<{ user: UserRow; revoked: RevocationEntry | undefined }> {
  return withAdminsLocked(pool, username, async (client, user, adminCount) => {
    if (user.role === role) return { user, revoked: undefined };
    if (user.role === 'admin' && adminCount <= 1) throw httpErrors.conflict('Cannot remove the last admin');
    const { rows } = await client.query<UserRow>(
      `UPDATE users SET role = $2, token_version = token_version + 1 WHERE id = $1 RETURNING ${COLUMNS}`,
      [user.id, role],
    );
    const changed = rows[0] as UserRow;
    const revoked = { uid: changed.uid, min_ver: changed.tokenVersion };
    await insertRevocation(client, revoked);
    return { user: changed, revoked };
  });
}

/** Deletes the account and records the revocation of all its tokens in the same transaction (returned). */
export async function deleteUser(pool: pg.Pool, username: string): Promise<RevocationEntry> {
  return withAdminsLocked(pool, username, async (client, user, adminCount) => {
    if (user.role === 'admin' && adminCount <= 1) throw httpErrors.conflict('Cannot remove the last admin');
    await client.query('DELETE FROM users WHERE id = $1', [user.id]);
    const revoked = { uid: user.uid, deleted: true as const };
    await insertRevocation(client, revoked);
    return revoked;
  });
}

/**
 * Replaces the account's password hash and ends everything signed in with the old password: its
 * refresh tokens are revoked and its token version raised (recorded as a revocation, returned for
 * the caller's own list), all in one transaction.
 */
export async function replacePasswordAndSignOut(
  pool: pg.Pool,
  user: Pick<UserRow, 'id'>,
  passwordHash: string,
): Promise<RevocationEntry> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ uid: string; tokenVersion: number }>(
      `UPDATE users SET password_hash = $2, token_version = token_version + 1 WHERE id = $1
       RETURNING uid::text AS uid, token_version AS "tokenVersion"`,
      [user.id, passwordHash],
    );
    const changed = rows[0];
    if (!changed) throw httpErrors.notFound('User not found');
    await client.query('UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL', [
      user.id,
    ]);
    const revoked = { uid: changed.uid, min_ver: changed.tokenVersion };
    await insertRevocation(client, revoked);
    await client.query('COMMIT');
    return revoked;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/**
 * An admin's reset of a member's password (PUT /auth/users/{username}/password): the new hash, and
 * everything signed in with the old one ended (replacePasswordAndSignOut).
 */
export async function resetPassword(
  pool: pg.Pool,
  username: string,
  passwordHash: string,
): Promise<{ user: UserRow; revoked: RevocationEntry }> {
  const user = await findUser(pool, username);
  if (!user) throw httpErrors.notFound('User not found');
  const revoked = await replacePasswordAndSignOut(pool, user, passwordHash);
  return { user, revoked };
}
