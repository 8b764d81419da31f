// buildApp(config, deps): the attendance service as a Fastify app (no listen; tests inject into it).
import type { Database } from '@tixgo/db';
import {
  type BaseAppOptions,
  createBaseApp,
  landingPage,
  pollRevocationsFromIdentity,
  RevocationList,
  revocationStaleAfterMs,
  watchDatabasePool,
} from '@tixgo/platform';
import type { FastifyInstance } from 'fastify';
import { ChangeAnnouncer, ChangeListener, changedBy } from './changes/change-feed.js';
import { AttendanceListCache, CACHED_LIST_MAX_RECORDS } from './checkins/attendance-list-cache.js';
import { CheckinListStreams } from './checkins/attendance-streams.js';
import { CheckinBatcher } from './checkins/checkin-batcher.js';
import { CheckinMetrics } from './checkins/checkin-metrics.js';
import { CheckinRateLimits } from './checkins/checkin-rate-limits.js';
import { EventStatsCache } from './checkins/event-stats-cache.js';
import { startKeyCleanup } from './checkins/idempotency.js';
import type { AttendanceConfig } from './config.js';
import { MailingJobs } from './mail/mailing-job.js';
import { smtpTicketMailer } from './mail/ticket-mail.js';
import attendanceRoutes from './routes/attendance.js';
import changesRoutes from './routes/changes.js';
import checkinBatchRoutes from './routes/checkin-batch.js';
import checkinRoutes from './routes/checkins.js';
import { answerDatabaseOutagesWith503 } from './routes/database-unavailable.js';
import eventCheckinRoutes from './routes/event-checkins.js';
import eventStatsRoutes from './routes/event-stats.js';
import eventRoutes from './routes/events.js';
import gateRoutes from './routes/gate.js';
import mailingRoutes from './routes/mailings.js';
import offlineStationRoutes from './routes/offline-station.js';
import ticketSearchRoutes from './routes/ticket-search.js';
import ticketRoutes from './routes/tickets.js';

export const SERVICE_NAME = 'attendance';

export interface AttendanceDeps {
  db: Database;
  /** Where the log lines go (tests read them); default stdout. */
  logStream?: BaseAppOptions['logStream'];
  /** The clock of the live lanes (tests move it); default Date.now. */
  now?: () => number;
  /** The check-in rate limits' clock in ms (tests move it); default the database's clock. */
  rateLimitClock?: () => number;
  /** The heartbeat of GET /changes in ms; default CHANGES_HEARTBEAT_MS. */
  changesHeartbeatMs?: number;
}

/** A comment on every GET /changes stream this often: a follower that hears nothing for 3 of these starts over. */
export const CHANGES_HEARTBEAT_MS = 15_000;

export async function buildApp(config: AttendanceConfig, deps: AttendanceDeps): Promise<FastifyInstance> {
  // Which database this is (migration 021): /ready shows it, so portals notice replicas on different ones.
  const { rows } = await deps.db.pool.query<{ id: string }>('SELECT id FROM database_identity');
  const databaseId = rows[0]?.id;
  const app = await createBaseApp({
    service: SERVICE_NAME,
    logLevel: config.logLevel,
    logStream: deps.logStream,
    jwtSecret: config.jwtSecret,
    jwtPreviousSecret: config.jwtPreviousSecret,
    tokenExpireMinutes: config.tokenExpireMinutes,
    limits: config.serverLimits,
    metrics: { token: config.metricsToken },
    corsOrigins: config.corsOrigins,
    trustProxy: config.trustProxy,
    openapi: { title: 'TixGo attendance', description: 'Events, tickets and check-ins.' },
    readiness: { database: () => deps.db.ping() },
    reports: { database_id: () => databaseId },
    // Identity owns the accounts: attendance learns of revocations from its feed, and keeps
    // serving with the last list it had (or none) while identity is away; /ready says so.
    revocations: new RevocationList(revocationStaleAfterMs(config.revocationPollSeconds)),
  });
  pollRevocationsFromIdentity(app, {
    identityBaseUrls: config.identityBaseUrls,
    pollSeconds: config.revocationPollSeconds,
  });
  const { pool } = deps.db;
  watchDatabasePool(app.metricsRegistry, pool);
  const metrics = new CheckinMetrics(app.metricsRegistry);
  // ATTENDANCE_CACHE_MB=0: no list is built in memory at all, every full list streams.
  const lists = new AttendanceListCache(
    pool,
    config.attendanceCacheBytes,
    config.attendanceCacheBytes === 0 ? 0 : CACHED_LIST_MAX_RECORDS,
  );
  const stopCleanup = startKeyCleanup(pool, config.idempotencyTtlSeconds, app.log);
  app.addHook('onClose', async () => stopCleanup());

  const batcher = new CheckinBatcher(pool, {
    maxBatch: config.checkinBatchMax,
    maxConcurrent: config.checkinBatchConcurrency,
    onBatch: metrics.observeGroupCommit,
  });
  const stats = new EventStatsCache(pool, undefined, deps.now);
  const limits = new CheckinRateLimits(pool, config.checkinLimits, {
    onLimited: metrics.countRateLimited,
    now: deps.rateLimitClock,
    trustProxy: config.trustProxy,
  });
  const stopBucketCleanup = limits.startCleanup(app.log);
  app.addHook('onClose', async () => stopBucketCleanup());
  // A quarter of the pool at most streams lists (each holds a connection while its reader reads).
  const streams = new CheckinListStreams(pool, Math.max(1, Math.floor(config.dbPoolSize / 4)));
  app.addHook('onClose', async () => streams.close());
  const options = { db: pool, config, lists, streams, batcher, limits, stats, metrics };
  // Ticket mails go out in the background; mailings a stopped process left unfinished are taken up again.
  const mailings = config.smtpUrl
    ? new MailingJobs(pool, smtpTicketMailer(config.smtpUrl, config.mailFrom), config.eventTimeZone, app.log)
    : undefined;
  if (mailings) {
    app.addHook('onReady', async () => {
      await mailings.resumeUnfinished();
    });
    app.addHook('onClose', async () => mailings.stop());
  }
  // Changes committed here are announced to every replica; every replica tells its portals (GET /changes).
  const announcer = new ChangeAnnouncer(pool, app.log);
  const listener = new ChangeListener(pool.options, app.log);
  app.addHook('onReady', async () => {
    await listener.start();
  });
  // preClose: the followers' streams end before the server waits for its connections to close.
  app.addHook('preClose', async () => {
    await listener.close();
  });
  app.addHook('onClose', async () => announcer.flush());
  await app.register(changesRoutes, {
    listener,
    trustProxy: config.trustProxy,
    heartbeatMs: deps.changesHeartbeatMs ?? CHANGES_HEARTBEAT_MS,
  });
  await app.register(async (api) => {
    answerDatabaseOutagesWith503(api);
    // After the answer, so after the commit: the events a write changed are announced.
    api.addHook('onResponse', (request, reply, done) => {
      const changed = changedBy(request, reply.statusCode);
      if (changed !== undefined) announcer.announce(changed);
      done();
    });
    await api.register(checkinRoutes, options);
    await api.register(checkinBatchRoutes, options);
    await api.register(attendanceRoutes, options);
    await api.register(eventRoutes, options);
    await api.register(ticketRoutes, options);
    await api.register(eventStatsRoutes, options);
    await api.register(eventCheckinRoutes, options);
    await api.register(ticketSearchRoutes, options);
    await api.register(offlineStationRoutes, options);
    await api.register(gateRoutes, options);
    await api.register(mailingRoutes, { ...options, mailings });
  });
  await app.register(landingPage, { name: 'attendance', description: 'Events, tickets and check-ins for TixGo.' });
  return app;
}
