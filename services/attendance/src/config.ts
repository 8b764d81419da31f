// The attendance service's environment, parsed once at start-up (see .env.example).
import { isTimeZone } from '@tixgo/contracts';
import { type BucketLimits, type CommonConfig, commonConfig, commonEnvSchema, env, parseEnv } from '@tixgo/platform';

// Besides the common variables (NODE_ENV, HOST, LOG_LEVEL, DATA_DIR, DATABASE_URL, JWT_SECRET,
// TOKEN_EXPIRE_MINUTES / JWT_EXPIRE_MINUTES):
const schema = commonEnvSchema.extend({
  /** Listen port. */
  PORT: env.port(18082),
  /** Database connections (the embedded server allows 60 in all). */
  DB_POOL_SIZE: env.positiveInt(16, 200),
  /**
   * Check-in statements running at once. Concurrent scans are grouped into one statement (one
   * commit) per batch, so fewer, larger batches cost PostgreSQL less per check-in: measured at
   * 64 concurrent gates, 4 used ~0.09 ms of PostgreSQL CPU per check-in, 8 ~0.16 ms, 16 ~0.24 ms.
   * Capped below DB_POOL_SIZE so reads always find a connection.
   */
  CHECKIN_BATCH_CONCURRENCY: env.positiveInt(4, 200),
  /** Most scans grouped into one check-in statement. */
  CHECKIN_BATCH_MAX: env.positiveInt(100, 1000),
  /**
   * true: a check-in for an event id that was never registered is 404 "Event not found". Default:
   * true in production (ad-hoc ids would let anyone fill the tables with events of their own),
   * false elsewhere (compat: the original accepts them).
   */
  REQUIRE_REGISTERED_EVENTS: env.optionalBoolean(),
  /**
   * Check-ins per second one user (a token's sub) may make, sustained, and at once. A gate scans a
   * few codes a second and several gates may share one committee account; an offline gate uploads
   * up to ~1,000 queued scans at once. Items of a batch count for their own token's user.
   */
  CHECKIN_RATE_PER_USER: env.positiveInt(100, 1_000_000),
  CHECKIN_BURST_PER_USER: env.positiveInt(1000, 10_000_000),
  /**
   * Check-in requests per second from one client address (a batch is one request), sustained and
   * at once: many gates behind one campus NAT share an address. Behind portals, the scans' own
   * addresses count: the portals (named in TRUST_PROXY) pass each scan's address on, and every
   * replica counts it in the same database, so the limit is the same with one portal or five.
   */
  CHECKIN_RATE_PER_CLIENT: env.positiveInt(1000, 1_000_000),
  CHECKIN_BURST_PER_CLIENT: env.positiveInt(10_000, 10_000_000),
  // Only the portals' addresses: their X-Forwarded-For and their batch items' client_address are
  // believed, so believing them from anyone would let a client pick a fresh address for every scan.
  TRUST_PROXY: env.trustProxy().refine((value) => value !== true, {
    message: "must name the portals' addresses (true would believe X-Forwarded-For from anyone)",
  }),
  /** How long an Idempotency-Key is remembered. */
  IDEMPOTENCY_TTL_HOURS: env.positiveInt(24, 24 * 365),
  /**
   * The oldest device scan time (scanned_at) accepted. 72 hours: a gate that lost its network syncs
   * as soon as it has one again, within the day even at a weekend festival; a scan older than three
   * days is more likely a device with a wrong clock than a real one, and would misdate the list.
   */
  OFFLINE_SCAN_MAX_AGE_HOURS: env.positiveInt(72, 24 * 365),
  /** Memory for cached full attendance lists (ready-to-send JSON), in MiB; 0 disables the cache. */
  ATTENDANCE_CACHE_MB: env.nonNegativeInt(32, 4096),
  /** Largest ticket import body (CSV or JSON) in MiB; every other body stays limited to 1 MiB. */
  TICKET_IMPORT_MAX_MB: env.positiveInt(16, 256),
  /**
   * Where identity's revocation feed is polled (every REVOCATION_POLL_SECONDS): one URL, or one per
   * identity replica separated by commas (the next is asked when one does not answer).
   */
  IDENTITY_BASE_URL: env.httpUrls('http://127.0.0.1:18081'),
  /**
   * The time zone of exports for events without one of their own (an IANA name such as Asia/Jakarta);
   * default: the machine's own.
   */
  EVENT_TIME_ZONE: env.optionalString().refine((value) => value === undefined || isTimeZone(value), {
    message: 'must be an IANA time zone such as Asia/Jakarta',
  }),
  // Browser origins allowed to call attendance (a front-end on another site, a local dev server).
  CORS_ORIGINS: env.origins(),
  /**
   * The mail server that sends holders their tickets: smtp://user:password@host:587 (STARTTLS when the
   * server offers it) or smtps://user:password@host:465. Unset: e-mail is off (POST …/mailings answers 503).
   */
  SMTP_URL: env.optionalString().refine((value) => value === undefined || /^smtps?:\/\/[^/]/.test(value), {
    message: 'must be smtp://… or smtps://…',
  }),
  /** The sender of ticket mails, e.g. "Panitia Wisuda <tiket@kampus.ac.id>". */
  MAIL_FROM: env.optionalString(),
});

export interface AttendanceConfig extends CommonConfig {
  databaseUrl: string | undefined;
  dbPoolSize: number;
  requireRegisteredEvents: boolean;
  checkinLimits: { perUser: BucketLimits; perClient: BucketLimits };
  checkinBatchConcurrency: number;
  checkinBatchMax: number;
  idempotencyTtlSeconds: number;
  offlineScanMaxAgeHours: number;
  attendanceCacheBytes: number;
  ticketImportMaxBytes: number;
  identityBaseUrls: string[];
  /** Exports' time zone for events without their own. */
  eventTimeZone: string;
  /** CORS_ORIGINS: browser origins answered with CORS headers; empty: none. */
  corsOrigins: string[];
  /** SMTP_URL, or undefined: tickets are not sent by e-mail. */
  smtpUrl: string | undefined;
  mailFrom: string;
  /** TRUST_PROXY: the portals whose forwarded client addresses count (false: none). */
  trustProxy: false | string[];
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env): AttendanceConfig {
  const raw = parseEnv(schema, source);
  return {
    ...commonConfig(raw),
    databaseUrl: raw.DATABASE_URL,
    trustProxy: raw.TRUST_PROXY === true ? false : raw.TRUST_PROXY,
    dbPoolSize: raw.DB_POOL_SIZE,
    requireRegisteredEvents: raw.REQUIRE_REGISTERED_EVENTS ?? raw.NODE_ENV === 'production',
    checkinLimits: {
      perUser: { ratePerSecond: raw.CHECKIN_RATE_PER_USER, burst: raw.CHECKIN_BURST_PER_USER },
      perClient: { ratePerSecond: raw.CHECKIN_RATE_PER_CLIENT, burst: raw.CHECKIN_BURST_PER_CLIENT },
    },
    checkinBatchConcurrency: Math.min(raw.CHECKIN_BATCH_CONCURRENCY, Math.max(1, raw.DB_POOL_SIZE - 1)),
    checkinBatchMax: raw.CHECKIN_BATCH_MAX,
    idempotencyTtlSeconds: raw.IDEMPOTENCY_TTL_HOURS * 3600,
    offlineScanMaxAgeHours: raw.OFFLINE_SCAN_MAX_AGE_HOURS,
    attendanceCacheBytes: raw.ATTENDANCE_CACHE_MB * 1024 * 1024,
    ticketImportMaxBytes: raw.TICKET_IMPORT_MAX_MB * 1024 * 1024,
    identityBaseUrls: raw.IDENTITY_BASE_URL,
    eventTimeZone: raw.EVENT_TIME_ZONE ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
    corsOrigins: raw.CORS_ORIGINS,
    smtpUrl: raw.SMTP_URL,
    mailFrom: raw.MAIL_FROM ?? 'TixGo <tixgo@localhost>',
  };
}
