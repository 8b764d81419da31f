// The login throttle's state in identity's database, so that every identity process (and the next
// one after a restart) counts the same failures and honours the same lockouts. SQL in, numbers out.
import type pg from 'pg';

export interface FailureRules {
  /** Failures one client may make for one username before each further one locks it out. */
  perUsername: number;
  windowMs: number;
  lockoutMaxSeconds: number;
}

/** When `client` may try `username` again (undefined: now), and the username's failures from everyone in the window. */
export async function readLoginState(
  pool: pg.Pool,
  username: string,
  client: string,
  now: Date,
  windowMs: number,
): Promise<{ lockedUntil: Date | undefined; usernameFailures: number }> {
  const { rows } = await pool.query<{ lockedUntil: Date | null; usernameFailures: number | null }>(
    `SELECT (SELECT locked_until FROM login_failures
              WHERE username = $1 AND client = $2 AND locked_until > $3) AS "lockedUntil",
            (SELECT failures FROM login_username_failures
              WHERE username = $1 AND window_start > $3::timestamptz - make_interval(secs => $4 / 1000.0)) AS "usernameFailures"`,
    [username, client, now, windowMs],
  );
  return { lockedUntil: rows[0]?.lockedUntil ?? undefined, usernameFailures: rows[0]?.usernameFailures ?? 0 };
}

/**
 * Counts one failure of `client` for `username` (a client quiet for a whole window starts over;
 * from `perUsername` failures on, each locks it out for 2, 4, 8… s up to the maximum) and one
 * for the username across clients, in one statement.
 */
export async function recordLoginFailure(
  pool: pg.Pool,
  username: string,
  client: string,
  now: Date,
  rules: FailureRules,
): Promise<void> {
  await pool.query(
    `WITH pair AS (
       INSERT INTO login_failures AS f (username, client, failures, last_failure_at, locked_until)
       VALUES ($1, $2, 1, $3, CASE WHEN 1 >= $4 THEN $3::timestamptz + make_interval(secs => LEAST($6, 2)) END)
       ON CONFLICT (username, client) DO UPDATE SET
         failures = CASE WHEN f.last_failure_at > $3::timestamptz - make_interval(secs => $5 / 1000.0)
                         THEN f.failures + 1 ELSE 1 END,
         last_failure_at = $3,
         locked_until = CASE
           WHEN (CASE WHEN f.last_failure_at > $3::timestamptz - make_interval(secs => $5 / 1000.0)
                      THEN f.failures + 1 ELSE 1 END) >= $4
           THEN $3::timestamptz + make_interval(secs => LEAST($6, power(2, LEAST(30,
                  (CASE WHEN f.last_failure_at > $3::timestamptz - make_interval(secs => $5 / 1000.0)
                        THEN f.failures + 1 ELSE 1 END) - $4 + 1))))
         END
       RETURNING 1
     )
     INSERT INTO login_username_failures AS u (username, failures, window_start)
     VALUES ($1, 1, $3)
     ON CONFLICT (username) DO UPDATE SET
       failures = CASE WHEN u.window_start > $3::timestamptz - make_interval(secs => $5 / 1000.0) THEN u.failures + 1 ELSE 1 END,
       window_start = CASE WHEN u.window_start > $3::timestamptz - make_interval(secs => $5 / 1000.0) THEN u.window_start ELSE $3 END`,
    [username, client, now, rules.perUsername, rules.windowMs, rules.lockoutMaxSeconds],
  );
}

/** A success clears the client's failures for the username. */
export async function clearLoginFailures(pool: pg.Pool, username: string, client: string): Promise<void> {
  await pool.query('DELETE FROM login_failures WHERE username = $1 AND client = $2', [username, client]);
}

/**
 * One hit in `key`'s fixed window of `windowMs` (a new window starts when the last one ended);
 * answers the hits counted in the window so far and the milliseconds it still runs.
 */
export async function countInWindow(
  pool: pg.Pool,
  key: string,
  now: Date,
  windowMs: number,
): Promise<{ hits: number; ttlMs: number }> {
  const { rows } = await pool.query<{ hits: number; ttlMs: number }>(
    `INSERT INTO rate_windows AS w (key, hits, window_start, window_end)
     VALUES ($1, 1, $2, $2::timestamptz + make_interval(secs => $3 / 1000.0))
     ON CONFLICT (key) DO UPDATE SET
       hits = CASE WHEN w.window_end <= $2 THEN 1 ELSE w.hits + 1 END,
       window_start = CASE WHEN w.window_end <= $2 THEN $2 ELSE w.window_start END,
       window_end = CASE WHEN w.window_end <= $2 THEN EXCLUDED.window_end ELSE w.window_end END
     RETURNING hits, (EXTRACT(EPOCH FROM (window_end - $2::timestamptz)) * 1000)::float8 AS "ttlMs"`,
    [key, now, windowMs],
  );
  const row = rows[0] as { hits: number; ttlMs: number };
  return { hits: row.hits, ttlMs: Math.max(0, Math.round(row.ttlMs)) };
}

/** Forgets what no decision needs any more: windows that ended, failures older than a window and not locking. */
export async function purgeLoginState(pool: pg.Pool, now: Date, windowMs: number): Promise<void> {
  await pool.query(
    `WITH windows AS (DELETE FROM rate_windows WHERE window_end <= $1 RETURNING 1),
          names AS (DELETE FROM login_username_failures
                     WHERE window_start <= $1::timestamptz - make_interval(secs => $2 / 1000.0) RETURNING 1)
     DELETE FROM login_failures
      WHERE last_failure_at <= $1::timestamptz - make_interval(secs => $2 / 1000.0)
        AND (locked_until IS NULL OR locked_until <= $1)`,
    [now, windowMs],
  );
}
