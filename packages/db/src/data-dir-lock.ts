// One process per embedded PostgreSQL. A second process on the same DATA_DIR used to adopt the
// first one's server and lose its database when the first stopped it (issue 18); now the process
// that uses an embedded server holds a session advisory lock on it, over a connection of its own,
// and a second live process is refused with a message that says what replicas need instead.
// PostgreSQL itself releases the lock when the holder's connection ends — a SIGKILLed service's
// socket is closed by the kernel — so the next start adopts the orphaned server as before. No
// lock file: it would need a pid liveness check that survives pid reuse and a race-free takeover
// of a stale file, both of which the server's own lock manager already gives.
import pg from 'pg';

/** The advisory lock key: "tixgo" + "embed" as two int4 (any constant no migration uses). */
const LOCK_KEY = [0x7469_7867, 0x656d_6264] as const;

export class DataDirInUseError extends Error {
  constructor(dataDir: string, holder: string | undefined) {
    super(
      `the embedded PostgreSQL in ${dataDir} is used by another live process` +
        `${holder ? ` (${holder})` : ''}; an embedded PostgreSQL serves one process. ` +
        'To run replicas, give every replica the same DATABASE_URL (one PostgreSQL server); ' +
        'to run a second stack, give it its own DATA_DIR',
    );
    this.name = 'DataDirInUseError';
  }
}

export interface ServerLock {
  /** Ends the lock's connection (the server may stop afterwards). */
  release(): Promise<void>;
}

/** Locks held by this process, per server URL: taking one again from the same process succeeds. */
const held = new Map<string, { client: pg.Client; users: number }>();

/** "pid 123: attendance/dist/server.js" (PostgreSQL keeps 63 bytes of an application name). */
function describeHolder(pid: number, argv: readonly string[]): string {
  const script = (argv[1] ?? '').split(/[\\/]/).slice(-3).join('/');
  return `pid ${pid}: ${script}`.slice(0, 63);
}

/**
 * Takes the embedded server's one-process lock on `adminUrl` (a database of that server), or throws
 * DataDirInUseError naming the process that holds it.
 */
export async function lockEmbeddedServer(
  adminUrl: string,
  dataDir: string,
  onLost: (error: Error) => void,
): Promise<ServerLock> {
  const mine = held.get(adminUrl);
  if (mine) {
    mine.users += 1;
    return { release: releaser(adminUrl) };
  }
  const client = new pg.Client({
    connectionString: adminUrl,
    // Shown to a second process that is refused (pg_stat_activity), so the message names the holder.
    application_name: describeHolder(process.pid, process.argv),
  });
  client.on('error', onLost);
  await client.connect();
  const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS locked', [
    ...LOCK_KEY,
  ]);
  if (!rows[0]?.locked) {
    const holder = await client
      .query<{ application_name: string }>(
        `SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
          WHERE l.locktype = 'advisory' AND l.classid = $1 AND l.objid = $2 AND l.granted`,
        [...LOCK_KEY],
      )
      .then((result) => result.rows[0]?.application_name)
      .catch(() => undefined);
    await client.end().catch(() => undefined);
    throw new DataDirInUseError(dataDir, holder);
  }
  held.set(adminUrl, { client, users: 1 });
  return { release: releaser(adminUrl) };
}

function releaser(adminUrl: string): () => Promise<void> {
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    const lock = held.get(adminUrl);
    if (!lock) return;
    lock.users -= 1;
    if (lock.users > 0) return;
    held.delete(adminUrl);
    lock.client.removeAllListeners('error');
    lock.client.on('error', () => undefined);
    await lock.client.end().catch(() => undefined);
  };
}
