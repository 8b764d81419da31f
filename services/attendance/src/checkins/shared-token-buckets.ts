// Token buckets kept in PostgreSQL, so a limit means the same with one attendance replica or five
// (issue 18): every replica takes from the same row, and a restart forgets nothing.
//
// Why not TokenBuckets (in memory): each process had its own buckets, so two replicas let a user
// check in twice as often, and a restart forgave everyone. Why not a library: @fastify/rate-limit's
// stores count whole requests in fixed windows, while a batch of check-ins charges each item to its
// own user and a bucket must refill continuously. Why this shape: a limit is checked on every
// check-in, so the takes that arrive together — of every limit (per user and per address), the
// items of one batch, the requests of one turn of the event loop — share one statement, as the
// check-ins themselves do (see checkin-batcher.ts).
import type { BucketLimits } from '@tixgo/platform';
import type pg from 'pg';

interface Waiter {
  resolve(wait: number): void;
  reject(error: unknown): void;
}

interface Pending {
  limit: NamedLimit;
  key: string;
  waiters: Waiter[];
}

interface Row {
  limit_name: string;
  key: string;
  granted: number;
  tokens: number;
}

/** A limit of its own name (several share the table). */
export interface NamedLimit extends BucketLimits {
  name: string;
}

/*
 * One statement for every bucket of a flush: a new bucket starts full; a known one is refilled for
 * the time since it was counted (never backwards: replicas' clocks may differ a little), then gives
 * what it has of what was asked. `granted` carries the number asked in; `burst` and `rate` the
 * limit's numbers. Only unindexed columns change, so every update is a HOT update (migration 023).
 */
const TAKE = `
INSERT INTO rate_buckets AS b (limit_name, key, tokens, granted, counted_at, burst, rate)
SELECT r.name, r.key, r.burst - LEAST(r.wanted, floor(r.burst)), LEAST(r.wanted, floor(r.burst)),
       coalesce($1::timestamptz, clock_timestamp()), r.burst, r.rate
  FROM unnest($2::text[], $3::text[], $4::int[], $5::float8[], $6::float8[]) AS r(name, key, wanted, burst, rate)
ON CONFLICT (limit_name, key) DO UPDATE SET
  tokens = LEAST(EXCLUDED.burst, b.tokens + GREATEST(0, extract(epoch FROM EXCLUDED.counted_at - b.counted_at)) * EXCLUDED.rate)
         - LEAST(EXCLUDED.granted, floor(LEAST(EXCLUDED.burst, b.tokens + GREATEST(0, extract(epoch FROM EXCLUDED.counted_at - b.counted_at)) * EXCLUDED.rate))),
  granted = LEAST(EXCLUDED.granted, floor(LEAST(EXCLUDED.burst, b.tokens + GREATEST(0, extract(epoch FROM EXCLUDED.counted_at - b.counted_at)) * EXCLUDED.rate))),
  counted_at = GREATEST(b.counted_at, EXCLUDED.counted_at),
  burst = EXCLUDED.burst,
  rate = EXCLUDED.rate
RETURNING limit_name, key, granted, tokens`;

const bucketId = (name: string, key: string) => `${name}\u0000${key}`;

export class SharedTokenBuckets {
  private pending = new Map<string, Pending>();
  private isFlushScheduled = false;

  /** `now`: the clock in ms, for tests; without it the database's clock counts, one for every replica. */
  constructor(
    private readonly pool: pg.Pool,
    private readonly now?: () => number,
  ) {}

  /**
   * Takes one token from `key`'s bucket of `limit`. Resolves to 0 when it had one; otherwise to the
   * whole seconds until it will (for Retry-After), having taken nothing.
   */
  take(limit: NamedLimit, key: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const id = bucketId(limit.name, key);
      const pending = this.pending.get(id);
      if (pending) pending.waiters.push({ resolve, reject });
      else this.pending.set(id, { limit, key, waiters: [{ resolve, reject }] });
      if (!this.isFlushScheduled) {
        this.isFlushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Deletes `limit`'s buckets untouched for `idleSeconds` (a bucket that has refilled is the same as none). */
  async forgetIdle(limit: NamedLimit, idleSeconds: number): Promise<number> {
    const { rowCount } = await this.pool.query(
      `DELETE FROM rate_buckets
        WHERE limit_name = $1 AND counted_at < coalesce($2::timestamptz, clock_timestamp()) - make_interval(secs => $3)`,
      [limit.name, this.nowParameter(), idleSeconds],
    );
    return rowCount ?? 0;
  }

  private flush(): void {
    this.isFlushScheduled = false;
    const batch = this.pending;
    this.pending = new Map();
    // Buckets in one order in every statement: two statements never wait for each other's rows crosswise.
    const ids = [...batch.keys()].sort();
    const entries = ids.map((id) => batch.get(id) as Pending);
    this.pool
      .query<Row>(TAKE, [
        this.nowParameter(),
        entries.map((entry) => entry.limit.name),
        entries.map((entry) => entry.key),
        entries.map((entry) => entry.waiters.length),
        entries.map((entry) => entry.limit.burst),
        entries.map((entry) => entry.limit.ratePerSecond),
      ])
      .then(({ rows }) => {
        for (const row of rows) {
          const entry = batch.get(bucketId(row.limit_name, row.key));
          if (entry) this.answer(entry, row);
        }
      })
      .catch((error: unknown) => {
        for (const entry of batch.values()) for (const waiter of entry.waiters) waiter.reject(error);
      });
  }

  /** The first `granted` waiters (in arrival order) got a token; the others wait for the next one. */
  private answer(entry: Pending, row: Row): void {
    const wait = Math.max(1, Math.ceil((1 - row.tokens) / entry.limit.ratePerSecond));
    for (const [index, waiter] of entry.waiters.entries()) waiter.resolve(index < row.granted ? 0 : wait);
  }

  private nowParameter(): Date | null {
    return this.now ? new Date(this.now()) : null;
  }
}
