// What every attendance route plugin is given: the pool, the configuration, the list and stats caches, the check-in batcher.
import type pg from 'pg';
import type { AttendanceListCache } from '../checkins/attendance-list-cache.js';
import type { CheckinBatcher } from '../checkins/checkin-batcher.js';
import type { EventStatsCache } from '../checkins/event-stats-cache.js';
import type { AttendanceConfig } from '../config.js';

export interface AttendanceRouteOptions {
  db: pg.Pool;
  config: AttendanceConfig;
  lists: AttendanceListCache;
  batcher: CheckinBatcher;
  stats: EventStatsCache;
}
