// Admin rights at identity are checked against the database too, not only the token's role claim:
// an admin who was demoted or deleted loses user management at once, not when the token expires.
import { AUTH_MESSAGES, httpErrors } from '@tixgo/platform';
import type pg from 'pg';
import { findUser } from './users-repository.js';

/** Throws 401 when `username` no longer exists, 403 "Admin only" when it is no longer an admin. */
export async function assertCurrentAdmin(pool: pg.Pool, username: string): Promise<void> {
  const user = await findUser(pool, username);
  if (!user) throw httpErrors.unauthorized(AUTH_MESSAGES.invalid);
  if (user.role !== 'admin') throw httpErrors.forbidden(AUTH_MESSAGES.adminOnly);
}
