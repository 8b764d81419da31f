// Token buckets kept in PostgreSQL, so a limit means the same with one attendance replica or five
// (issue 18): every replica takes from the same row, and a restart forgets nothing.
//
// Why not TokenBuckets (in memory): each process had its own buckets, so two replicas let a user
// check in twice as often, and a restart forgave everyone. Why not a library: @fastify/rate-limit's
// stores count whole requests in fixed windows, while a batch of check-ins charges each item to its
// own user and a bucket must refill continuously. Why this shape: a limit is checked on every
// check-in, so the takes that arrive together (the items of one batch, the requests of one turn of
// the event loop) share one statement, as the check-ins themselves do (see checkin-batcher.ts).
import type { BucketLimits } from '@tixgo/platform';
import type pg from 'pg';

interface Waiter {
  resolve(wait: number): void;
  reject(error: unknown): void;
}

interface Row {
  key: string;
  granted: number;
  tokens: number;
}

/*
 * One statement for every key of a flush: a new key starts with a full bucket; a known one is
 * refilled for the time since it was counted (never backwards: replicas' clocks may differ a
 * little), then gives what it has of what was asked. `granted` carries the number asked in.
 */
const TAKE = `
INSERT INTO rate_buckets AS b (limit_name, key, tokens, granted, counted_at)
SELECT $1, r.key, $2::float8 - LEAST(r.wanted, floor($2::float8)), LEAST(r.wanted, floor($2::float8)),
       coalesce($4::timestamptz, clock_timestamp())
  FROM unnest($5::text[], $6::int[]) AS r(key, wanted)
ON CONFLICT (limit_name, key) DO UPDATE SET
  tokens = LEAST($2::float8, b.tokens + GREATEST(0, extract(epoch FROM EXCLUDED.counted_at - b.counted_at)) * $3::float8)
         - LEAST(EXCLUDED.granted, floor(LEAST($2::float8, b.tokens + GREATEST(0, extract(epoch FROM EXCLUDED.counted_at - b.counted_at)) * $3::float8))),
  granted = LEAST(EXCLUDED.granted, floor(LEAST($2::float8, b.tokens + GREATEST(0, extract(epoch FROM EXCLUDED.counted_at - b.counted_at)) * $3::float8))),
  counted_at = GREATEST(b.counted_at, EXCLUDED.counted_at)
RETURNING key, granted, tokens`;

export class SharedTokenBuckets {
  private pending = new Map<string, Waiter[]>();
  private isFlushScheduled = false;

  /**
   * `name`: which limit (several share the table). `now`: the clock in ms, for tests; without it
   * the database's clock counts, one clock for every replica.
   */
  constructor(
    private readonly pool: pg.Pool,
    private readonly name: string,
    private readonly limits: BucketLimits,
    private readonly now?: () => number,
  ) {}

  /**
   * Takes one token from `key`'s bucket. Resolves to 0 when it had one; otherwise to the whole
   * seconds until it will (for Retry-After), having taken nothing.
   */
  take(key: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const waiters = this.pending.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else this.pending.set(key, [{ resolve, reject }]);
      if (!this.isFlushScheduled) {
        this.isFlushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Deletes buckets untouched for `idleSeconds` (a bucket that has refilled is the same as none). */
  async forgetIdle(idleSeconds: number): Promise<number> {
    const { rowCount } = await this.pool.query(
      `DELETE FROM rate_buckets
        WHERE limit_name = $1 AND counted_at < coalesce($2::timestamptz, clock_timestamp()) - make_interval(secs => $3)`,
      [this.name, this.nowParameter(), idleSeconds],
    );
    return rowCount ?? 0;
  }

  private flush(): void {
    this.isFlushScheduled = false;
    const batch = this.pending;
    this.pending = new Map();
    // Keys in one order in every statement: two statements never wait for each other's rows crosswise.
    const keys = [...batch.keys()].sort();
    const wanted = keys.map((key) => batch.get(key)?.length ?? 0);
    this.pool
      .query<Row>(TAKE, [this.name, this.limits.burst, this.limits.ratePerSecond, this.nowParameter(), keys, wanted])
      .then(({ rows }) => {
        for (const row of rows) this.answer(batch.get(row.key) ?? [], row);
      })
      .catch((error: unknown) => {
        for (const waiters of batch.values()) for (const waiter of waiters) waiter.reject(error);
      });
  }

  /** The first `granted` waiters (in arrival order) got a token; the others wait for the next one. */
  private answer(waiters: Waiter[], row: Row): void {
    const wait = Math.max(1, Math.ceil((1 - row.tokens) / this.limits.ratePerSecond));
    for (const [index, waiter] of waiters.entries()) waiter.resolve(index < row.granted ? 0 : wait);
  }

  private nowParameter(): Date | null {
    return this.now ? new Date(this.now()) : null;
  }
}
