// The service's database: a node-postgres pool on DATABASE_URL, or on an embedded server it owns.
import pg from 'pg';
import { type EmbeddedLogger, type EmbeddedServer, startEmbeddedPostgres } from './embedded-server.js';
import { runMigrations } from './migrate.js';

export interface DatabaseOptions {
  /** A PostgreSQL server to use; without it an embedded server is started under dataDir. */
  databaseUrl?: string | undefined;
  dataDir: string;
  /** Directory of NNN-name.sql migrations to apply at start-up. */
  migrationsDir?: string;
  poolSize?: number;
  applicationName: string;
  /** Settings applied to every connection of the pool (e.g. { plan_cache_mode: 'force_generic_plan' }). */
  sessionSettings?: Record<string, string>;
  log: EmbeddedLogger & { error(obj: object, msg?: string): void };
}

export interface Database {
  pool: pg.Pool;
  /** Present when this process runs (or adopted) an embedded server. */
  embedded?: EmbeddedServer;
  /** Answers when the database does; used by /ready. */
  ping(): Promise<void>;
  /** Ends the pool, then stops the embedded server if there is one. */
  close(): Promise<void>;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const embedded = options.databaseUrl
    ? undefined
    : await startEmbeddedPostgres({ dataDir: options.dataDir, log: options.log });
  const connectionString = options.databaseUrl ?? (embedded as EmbeddedServer).url;

  const pool = new pg.Pool({
    connectionString,
    max: options.poolSize ?? 20,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 5_000,
    application_name: options.applicationName,
    ...(options.sessionSettings && {
      options: Object.entries(options.sessionSettings)
        .map(([name, value]) => `-c ${name}=${value}`)
        .join(' '),
    }),
  });
  let closed = false;
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', (error) => {
    if (!closed) options.log.error({ err: error }, 'idle database connection failed');
  });

  try {
    if (options.migrationsDir) await runMigrations(pool, options.migrationsDir, options.log);
  } catch (error) {
    await pool.end().catch(() => undefined);
    await embedded?.stop();
    throw error;
  }

  const database: Database = {
    pool,
    async ping() {
      await pool.query('SELECT 1');
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
      await embedded?.stop();
    },
  };
  if (embedded) database.embedded = embedded;
  return database;
}
