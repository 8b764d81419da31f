// The revocations table in SQL: one row per role change, deletion or ended login; read as the feed's entries.
import type { RevocationEntry } from '@tixgo/contracts';
import type pg from 'pg';

type Queryable = pg.Pool | pg.PoolClient;

/** Records `entry` (inside the caller's transaction when given its client). */
export async function insertRevocation(db: Queryable, entry: RevocationEntry): Promise<void> {
  const [kind, subject, minVer] =
    'sid' in entry
      ? ['session', entry.sid, null]
      : 'deleted' in entry
        ? ['deleted', entry.uid, null]
        : ['role', entry.uid, entry.min_ver];
  await db.query('INSERT INTO revocations (kind, subject, min_ver) VALUES ($1, $2, $3)', [kind, subject, minVer]);
}

interface RevocationRow {
  kind: 'role' | 'deleted' | 'session';
  subject: string;
  min_ver: number | null;
}

/**
 * The entries younger than `keepSeconds`, one per account or session (the highest min_ver of an
 * account's role changes), in a stable order so that an unchanged list has an unchanged ETag.
 */
export async function readLiveRevocations(db: Queryable, keepSeconds: number): Promise<RevocationEntry[]> {
  const { rows } = await db.query<RevocationRow>(
    `SELECT kind, subject::text AS subject, max(min_ver) AS min_ver FROM revocations
      WHERE created_at > now() - make_interval(secs => $1::double precision)
      GROUP BY kind, subject ORDER BY kind, subject`,
    [keepSeconds],
  );
  return rows.map((row): RevocationEntry => {
    if (row.kind === 'session') return { sid: row.subject };
    if (row.kind === 'deleted') return { uid: row.subject, deleted: true };
    return { uid: row.subject, min_ver: row.min_ver ?? 0 };
  });
}

/** Deletes the rows no token issued before them can outlive; returns how many went. */
export async function purgeRevocations(db: Queryable, keepSeconds: number): Promise<number> {
  const { rowCount } = await db.query(
    'DELETE FROM revocations WHERE created_at <= now() - make_interval(secs => $1::double precision)',
    [keepSeconds],
  );
  return rowCount ?? 0;
}
