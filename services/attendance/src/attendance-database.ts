// Opens the attendance database (pool on DATABASE_URL or the embedded server), migrated, with our session settings.
import { type Database, type DatabaseOptions, openDatabase } from '@tixgo/db';
import type pg from 'pg';
import type { AttendanceConfig } from './config.js';
import { MIGRATIONS_DIR } from './migrations-dir.js';

/**
 * Every query of this service is a named prepared statement whose right plan is the same for
 * any parameters and any table size: primary-key probes, keyset ranges on an index, nested
 * loops over a handful of rows. PostgreSQL's planner instead follows statistics that lag behind
 * a fast-growing event, and a connection keeps the plan of its first execution: measured here,
 * a plan made while `checkins` was empty seq-scanned the whole table on every later check-in,
 * and right after 100k check-ins the summary sorted the whole event for its first page
 * (175 ms instead of 0.5 ms). So each connection plans generically (once, no re-planning of
 * the check-in statement) with table scans, hash and merge joins priced out: where an index
 * serves a query, it is used whatever the statistics say.
 */
export const SESSION_SETTINGS = {
  plan_cache_mode: 'force_generic_plan',
  enable_seqscan: 'off',
  enable_bitmapscan: 'off',
  enable_hashjoin: 'off',
  enable_mergejoin: 'off',
};

/**
 * Runs `read` on one connection inside a read-only transaction that allows bitmap scans. The one
 * exception to SESSION_SETTINGS: a trigram (GIN) index can only be read by a bitmap scan, so without
 * this a substring search walks the event's whole primary key (measured at 100k tickets: ~100 ms for
 * a rare name, against ~1 ms through the index). SET LOCAL ends with the transaction, so the pooled
 * connection goes back with the service's settings; the generic plan a named statement caches here
 * keeps its bitmap scan, and such statements only ever run here.
 */
export async function withBitmapScans<T>(db: pg.Pool, read: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await db.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN READ ONLY');
    await client.query('SET LOCAL enable_bitmapscan = on');
    const result = await read(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => {
      broken = rollbackError;
    });
    throw error;
  } finally {
    // A connection that could not even roll back is dropped, not handed to the next request.
    client.release(broken);
  }
}

export function openAttendanceDatabase(
  config: Pick<AttendanceConfig, 'databaseUrl' | 'dataDir' | 'dbPoolSize'>,
  log: DatabaseOptions['log'],
): Promise<Database> {
  return openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    migrationsDir: MIGRATIONS_DIR,
    poolSize: config.dbPoolSize,
    applicationName: 'tixgo-attendance',
    sessionSettings: SESSION_SETTINGS,
    log,
  });
}
