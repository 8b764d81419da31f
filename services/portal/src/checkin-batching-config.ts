// How the portal groups check-ins for attendance, from UPSTREAM_CHECKIN_BATCH_* (see .env.example and checkin-coalescer.ts).
import { MAX_CHECKINS_PER_BATCH } from '@tixgo/contracts';
import { env, parseEnv } from '@tixgo/platform';
import { z } from 'zod';
import type { CheckinBatchingOptions } from './upstream/checkin-coalescer.js';

const schema = z.object({
  /**
   * Check-in batch calls to attendance in flight at once; check-ins arriving meanwhile wait for the
   * next call. Fewer calls make larger batches: measured with 64 gates on the 2-core box, 1 call
   * carried ~30 check-ins and cost (portal, attendance, PostgreSQL) ~171, 65, 85 µs of CPU per
   * check-in; 2 calls ~16 each and 189, 77, 106 µs; 4 calls ~9 each and 239, 103, 144 µs, at no
   * better throughput or latency. Raise it only if one slow batch should not hold up the next.
   */
  UPSTREAM_CHECKIN_BATCH_CONCURRENCY: env.positiveInt(1).pipe(z.number().max(256)),
  /**
   * Most check-ins in one batch call: attendance writes up to CHECKIN_BATCH_MAX (100) in one
   * statement and takes up to MAX_CHECKINS_PER_BATCH (200) per call.
   */
  UPSTREAM_CHECKIN_BATCH_MAX: env.positiveInt(100).pipe(z.number().max(MAX_CHECKINS_PER_BATCH)),
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
