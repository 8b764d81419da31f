// What every attendance route plugin is given: the pool, the configuration and the list cache.
import type pg from 'pg';
import type { AttendanceListCache } from '../checkins/attendance-list-cache.js';
import type { AttendanceConfig } from '../config.js';

export interface AttendanceRouteOptions {
  db: pg.Pool;
  config: AttendanceConfig;
  lists: AttendanceListCache;
}
