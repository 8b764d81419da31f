// Refresh tokens: opaque random strings, stored as SHA-256, rotated on every use.
// Reusing a rotated token means it was stolen (or replayed): the whole family is revoked.
// A family is one login session: its id is the `sid` of every access token issued in it, so
// ending the family (logout, reuse) also revokes those access tokens (revocations table).
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { RevocationEntry } from '@tixgo/contracts';
import { httpErrors, type Role } from '@tixgo/platform';
import type pg from 'pg';
import { insertRevocation } from './revocations-repository.js';

/** The account a refresh token belongs to, as it is now (role, version), and its session. */
export interface RefreshOwner {
  username: string;
  role: Role;
  uid: string;
  ver: number;
  sid: string;
}

const digest = (token: string) => createHash('sha256').update(token).digest('hex');

async function insertToken(
  db: pg.Pool | pg.PoolClient,
  userId: string,
  familyId: string,
  lifetimeDays: number,
): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await db.query(
    `INSERT INTO refresh_tokens (id, family_id, user_id, token_hash, expires_at)
     VALUES ($1, $2, $3, $4, now() + make_interval(days => $5))`,
    [randomUUID(), familyId, userId, digest(token), lifetimeDays],
  );
  return token;
}

/** Starts a new family (a login session) for a fresh login. */
export async function issueRefreshToken(
  db: pg.Pool,
  userId: string,
  lifetimeDays: number,
): Promise<{ refreshToken: string; sid: string }> {
  const sid = randomUUID();
  return { refreshToken: await insertToken(db, userId, sid, lifetimeDays), sid };
}

interface TokenState {
  id: string;
  familyId: string;
  userId: string;
  username: string;
  role: Role;
  uid: string;
  ver: number;
  expired: boolean;
  usedAt: Date | null;
  revokedAt: Date | null;
}

/**
 * Exchanges a refresh token for a new one in the same family. The row lock makes two
 * concurrent uses of one token resolve as one rotation and one reuse; a reuse ends the session
 * (recorded as a revocation, handed to `onSessionEnded` once committed).
 */
export async function rotateRefreshToken(
  pool: pg.Pool,
  token: string,
  lifetimeDays: number,
  onSessionEnded: (revoked: RevocationEntry) => void,
): Promise<{ owner: RefreshOwner; refreshToken: string }> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<TokenState>(
      `SELECT t.id, t.family_id AS "familyId", t.user_id AS "userId", u.username, u.role,
              u.uid::text AS uid, u.token_version AS ver,
              t.expires_at <= now() AS expired, t.used_at AS "usedAt", t.revoked_at AS "revokedAt"
         FROM refresh_tokens t JOIN users u ON u.id = t.user_id
        WHERE t.token_hash = $1
        FOR UPDATE OF t`,
      [digest(token)],
    );
    const state = rows[0];
    if (!state) {
      await client.query('ROLLBACK');
      throw httpErrors.unauthorized('Invalid refresh token');
    }
    if (state.usedAt || state.revokedAt) {
      const ended = await client.query(
        'UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL',
        [state.familyId],
      );
      const revoked = { sid: state.familyId };
      // A family revoked before (logout, an earlier reuse) is in the list already.
      if ((ended.rowCount ?? 0) > 0) await insertRevocation(client, revoked);
      await client.query('COMMIT');
      if ((ended.rowCount ?? 0) > 0) onSessionEnded(revoked);
      throw httpErrors.unauthorized('Refresh token already used; sign in again');
    }
    if (state.expired) {
      await client.query('ROLLBACK');
      throw httpErrors.unauthorized('Refresh token expired');
    }
    await client.query('UPDATE refresh_tokens SET used_at = now() WHERE id = $1', [state.id]);
    const refreshToken = await insertToken(client, state.userId, state.familyId, lifetimeDays);
    await client.query('COMMIT');
    const owner = { username: state.username, role: state.role, uid: state.uid, ver: state.ver, sid: state.familyId };
    return { owner, refreshToken };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Revokes the family of `token` (logout) and records the end of its session; returns that
 * revocation, or undefined for an unknown or already revoked token (logging out twice is fine).
 */
export async function revokeRefreshFamily(pool: pg.Pool, token: string): Promise<RevocationEntry | undefined> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ familyId: string }>(
      `UPDATE refresh_tokens SET revoked_at = now()
        WHERE family_id = (SELECT family_id FROM refresh_tokens WHERE token_hash = $1) AND revoked_at IS NULL
        RETURNING family_id AS "familyId"`,
      [digest(token)],
    );
    const familyId = rows[0]?.familyId;
    const revoked = familyId === undefined ? undefined : { sid: familyId };
    if (revoked) await insertRevocation(client, revoked);
    await client.query('COMMIT');
    return revoked;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
