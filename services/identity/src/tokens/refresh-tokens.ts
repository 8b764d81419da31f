// Refresh tokens: opaque random strings, stored as SHA-256, rotated on every use.
// Reusing a rotated token means it was stolen (or replayed): the whole family is revoked — after
// a short grace, within which the same token is answered with the same successor (a renewal
// retried after a lost answer, or two tabs renewing at once through different portals).
// A family is one login session: its id is the `sid` of every access token issued in it, so
// ending the family (logout, reuse) also revokes those access tokens (revocations table).
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes, randomUUID } from 'node:crypto';
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

/** The key that seals a token's successor: derived from the token, so only its holder can open it. */
function sealingKey(token: string): Buffer {
  return Buffer.from(hkdfSync('sha256', token, 'tixgo', 'refresh-token successor', 32));
}

/** AES-256-GCM of `successor` under `token`'s key: iv (12 bytes) | tag (16) | ciphertext. */
function sealSuccessor(token: string, successor: string): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealingKey(token), iv);
  const sealed = Buffer.concat([cipher.update(successor, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), sealed]);
}

function openSuccessor(token: string, sealed: Buffer): string | undefined {
  try {
    const decipher = createDecipheriv('aes-256-gcm', sealingKey(token), sealed.subarray(0, 12));
    decipher.setAuthTag(sealed.subarray(12, 28));
    return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

/** How a rotation decides: the grace within which a used token still gets its successor, and the time. */
export interface RotationPolicy {
  lifetimeDays: number;
  reuseGraceMs: number;
  now: () => Date;
}

/** A grace is followed through at most this many rotations (tabs renewing over and over within it). */
const MAX_GRACE_CHAIN = 8;

async function insertToken(
  db: pg.Pool | pg.PoolClient,
  userId: string,
  familyId: string,
  policy: Pick<RotationPolicy, 'lifetimeDays' | 'now'>,
): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await db.query(
    `INSERT INTO refresh_tokens (id, family_id, user_id, token_hash, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $6, $6::timestamptz + make_interval(days => $5))`,
    [randomUUID(), familyId, userId, digest(token), policy.lifetimeDays, policy.now()],
  );
  return token;
}

/** Starts a new family (a login session) for a fresh login. */
export async function issueRefreshToken(
  db: pg.Pool,
  userId: string,
  policy: Pick<RotationPolicy, 'lifetimeDays' | 'now'>,
): Promise<{ refreshToken: string; sid: string }> {
  const sid = randomUUID();
  return { refreshToken: await insertToken(db, userId, sid, policy), sid };
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
  successorSealed: Buffer | null;
}

const SELECT_TOKEN = `SELECT t.id, t.family_id AS "familyId", t.user_id AS "userId", u.username, u.role,
         u.uid::text AS uid, u.token_version AS ver,
         t.expires_at <= $2 AS expired, t.used_at AS "usedAt", t.revoked_at AS "revokedAt",
         t.successor_sealed AS "successorSealed"
    FROM refresh_tokens t JOIN users u ON u.id = t.user_id
   WHERE t.token_hash = $1
   FOR UPDATE OF t`;

/**
 * The token a used one was rotated into, when the use is within the grace: followed down the
 * chain while its successors were used within the grace too. Undefined for a real reuse.
 */
async function successorWithinGrace(
  client: pg.PoolClient,
  token: string,
  state: TokenState,
  policy: RotationPolicy,
): Promise<string | undefined> {
  let current = token;
  let currentState: TokenState | undefined = state;
  for (let step = 0; step < MAX_GRACE_CHAIN && currentState; step++) {
    const { usedAt, revokedAt, successorSealed } = currentState;
    if (revokedAt) return undefined;
    if (!usedAt) return step === 0 ? undefined : current;
    if (policy.now().getTime() - usedAt.getTime() > policy.reuseGraceMs || !successorSealed) return undefined;
    const next = openSuccessor(current, successorSealed);
    if (next === undefined) return undefined;
    current = next;
    currentState = (await client.query<TokenState>(SELECT_TOKEN, [digest(current), policy.now()])).rows[0];
  }
  return undefined;
}

/**
 * Exchanges a refresh token for a new one in the same family. The row lock makes two
 * concurrent uses of one token resolve as one rotation and one reuse; a reuse ends the session
 * (recorded as a revocation, handed to `onSessionEnded` once committed).
 */
export async function rotateRefreshToken(
  pool: pg.Pool,
  token: string,
  policy: RotationPolicy,
  onSessionEnded: (revoked: RevocationEntry) => void,
): Promise<{ owner: RefreshOwner; refreshToken: string }> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<TokenState>(SELECT_TOKEN, [digest(token), policy.now()]);
    const state = rows[0];
    if (!state) {
      await client.query('ROLLBACK');
      throw httpErrors.unauthorized('Invalid refresh token');
    }
    const owner = { username: state.username, role: state.role, uid: state.uid, ver: state.ver, sid: state.familyId };
    if (state.usedAt && !state.revokedAt) {
      // A retry or a second tab within the grace: the same successor, no new rotation.
      const successor = await successorWithinGrace(client, token, state, policy);
      if (successor !== undefined) {
        await client.query('COMMIT');
        return { owner, refreshToken: successor };
      }
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
    const refreshToken = await insertToken(client, state.userId, state.familyId, policy);
    await client.query('UPDATE refresh_tokens SET used_at = $2, successor_sealed = $3 WHERE id = $1', [
      state.id,
      policy.now(),
      sealSuccessor(token, refreshToken),
    ]);
    await client.query('COMMIT');
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
