// Admin rights at identity are checked against the database too, not only the token's role claim:
// an admin who was demoted or deleted loses user management at once, not when the token expires.
import { AUTH_MESSAGES, type AuthUser, bearerToken, httpErrors, verifyAccessToken } from '@tixgo/platform';
import type { FastifyRequest } from 'fastify';
import type pg from 'pg';
import { findUser } from './users-repository.js';

/**
 * The caller of `request` as a verified, current admin: the compat 401s for a missing or bad
 * or revoked token, 403 "Admin only" for a token without the admin role, 401 when the account no
 * longer exists and 403 when the database no longer says admin.
 */
export async function verifyCurrentAdmin(request: FastifyRequest, pool: pg.Pool): Promise<AuthUser> {
  const caller = verifyAccessToken(request.server, bearerToken(request.headers.authorization));
  // The claim first: a committee token is refused without a database round trip.
  if (caller.role !== 'admin') throw httpErrors.forbidden(AUTH_MESSAGES.adminOnly);
  const user = await findUser(pool, caller.username);
  // Another account of the same name (registered after a deletion) is not the caller.
  if (!user || user.uid !== caller.uid) throw httpErrors.unauthorized(AUTH_MESSAGES.invalid);
  if (user.role !== 'admin') throw httpErrors.forbidden(AUTH_MESSAGES.adminOnly);
  return caller;
}
