// What every attendance route plugin is given: the pool, the configuration, the list cache and streams, the stats cache, the check-in batcher, rate limits and metrics.
import type pg from 'pg';
import type { AttendanceListCache } from '../checkins/attendance-list-cache.js';
import type { CheckinListStreams } from '../checkins/attendance-streams.js';
import type { CheckinBatcher } from '../checkins/checkin-batcher.js';
import type { CheckinMetrics } from '../checkins/checkin-metrics.js';
import type { CheckinRateLimits } from '../checkins/checkin-rate-limits.js';
import type { EventStatsCache } from '../checkins/event-stats-cache.js';
import type { AttendanceConfig } from '../config.js';

export interface AttendanceRouteOptions {
  db: pg.Pool;
  config: AttendanceConfig;
  lists: AttendanceListCache;
  /** Full lists and exports streamed from a snapshot. */
  streams: CheckinListStreams;
  batcher: CheckinBatcher;
  stats: EventStatsCache;
  limits: CheckinRateLimits;
  metrics: CheckinMetrics;
}
