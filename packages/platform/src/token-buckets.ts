// Token buckets per key (a user, a client address): a sustained rate with a burst on top, in memory.
//
// Hand-written rather than @fastify/rate-limit (which identity's login throttle uses): that plugin
// counts requests in fixed windows, so a caller may spend two windows' worth at a boundary, and it
// limits whole requests, while a check-in batch must charge each of its items to that item's own
// user. A bucket refills continuously: a gate that uploads its offline queue spends the burst at
// once, then gets the sustained rate.

export interface BucketLimits {
  /** Tokens added per second (the sustained rate). */
  ratePerSecond: number;
  /** Most tokens a bucket holds (the largest burst). */
  burst: number;
}

interface Bucket {
  tokens: number;
  /** When `tokens` was counted, in ms (performance.now()). */
  at: number;
}

/** At most this many keys are remembered (each a few dozen bytes); see forgetSome. */
const DEFAULT_MAX_KEYS = 50_000;

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly limits: BucketLimits,
    private readonly maxKeys = DEFAULT_MAX_KEYS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /**
   * Takes one token from `key`'s bucket. Returns 0 when it had one; otherwise the whole seconds
   * until it will (for Retry-After), and takes nothing.
   */
  take(key: string): number {
    const now = this.now();
    const tokens = this.tokensOf(this.buckets.get(key), now);
    if (tokens >= 1) {
      this.store(key, { tokens: tokens - 1, at: now });
      return 0;
    }
    this.store(key, { tokens, at: now });
    return Math.max(1, Math.ceil((1 - tokens) / this.limits.ratePerSecond));
  }

  /** Keys remembered now (for tests and diagnostics). */
  get size(): number {
    return this.buckets.size;
  }

  private tokensOf(bucket: Bucket | undefined, now: number): number {
    if (!bucket) return this.limits.burst;
    return Math.min(this.limits.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.limits.ratePerSecond);
  }

  private store(key: string, bucket: Bucket): void {
    // Deleted and set again, so the Map's order is least recently used first.
    if (!this.buckets.delete(key) && this.buckets.size >= this.maxKeys) this.forgetSome(bucket.at);
    this.buckets.set(key, bucket);
  }

  /**
   * Keeps memory bounded whatever the number of callers (addresses are cheap to an attacker): a
   * full bucket is the same as none, so those go first; if still too many, the least recently
   * used go, which only forgives those callers their debt (a caller that keeps trying stays).
   */
  private forgetSome(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (this.tokensOf(bucket, now) >= this.limits.burst) this.buckets.delete(key);
    }
    const target = Math.floor(this.maxKeys * 0.9);
    for (const key of this.buckets.keys()) {
      if (this.buckets.size <= target) break;
      this.buckets.delete(key);
    }
  }
}
