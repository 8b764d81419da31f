// How the portal groups check-ins for attendance, from UPSTREAM_CHECKIN_BATCH_* (see .env.example and checkin-coalescer.ts).
import { MAX_CHECKINS_PER_BATCH } from '@tixgo/contracts';
import { env, parseEnv } from '@tixgo/platform';
import { z } from 'zod';
import type { CheckinBatchingOptions } from './upstream/checkin-coalescer.js';

const schema = z.object({
  /**
   * Check-in batch calls to attendance in flight at once; check-ins arriving meanwhile wait for the
   * next batch. Fewer calls make larger batches (less CPU per check-in on both sides) at the cost
   * of a little latency. Measured with 64 gates on the 2-core box: see BENCHMARKS.md.
   */
  UPSTREAM_CHECKIN_BATCH_CONCURRENCY: env.positiveInt(4).pipe(z.number().max(256)),
  /** Most check-ins in one batch call (attendance takes up to MAX_CHECKINS_PER_BATCH). */
  UPSTREAM_CHECKIN_BATCH_MAX: env.positiveInt(64).pipe(z.number().max(MAX_CHECKINS_PER_BATCH)),
});

export interface CheckinBatchingConfig {
  checkinBatching: CheckinBatchingOptions;
}

export function loadCheckinBatching(source: NodeJS.ProcessEnv = process.env): CheckinBatchingConfig {
  const raw = parseEnv(schema, source);
  return {
    checkinBatching: { concurrency: raw.UPSTREAM_CHECKIN_BATCH_CONCURRENCY, max: raw.UPSTREAM_CHECKIN_BATCH_MAX },
  };
}
