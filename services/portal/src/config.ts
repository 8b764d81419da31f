// The portal's environment, parsed once at start-up (see .env.example).
import { isIP } from 'node:net';
import { MAX_CHECKINS_PER_BATCH } from '@tixgo/contracts';
import {
  type BucketLimits,
  type CommonConfig,
  commonConfig,
  commonEnvSchema,
  env,
  invalidConfiguration,
  parseEnv,
} from '@tixgo/platform';
import { z } from 'zod';
import type { LoginRateLimit } from './login-rate-limit.js';
import { isDnsName } from './tls/portal-names.js';
import type { CheckinBatchingOptions } from './upstream/checkin-coalescer.js';

/** A comma-separated list of DNS names or IP addresses (no scheme, no port, no wildcard). */
function blankAsEmptyList() {
  return z
    .string()
    .optional()
    .transform((value) =>
      (value ?? '')
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean),
    )
    .pipe(
      z.array(
        z.string().refine((host) => isIP(host) !== 0 || isDnsName(host.toLowerCase()), {
          message: 'expected host names or IP addresses, separated by commas (no scheme, no port)',
        }),
      ),
    );
}

const schema = commonEnvSchema.extend({
  PORT: env.port(18443),
  /**
   * One URL per replica, separated by commas: the portal balances over them (undici's BalancedPool)
   * and routes around one that does not answer. Every replica serves the same path.
   */
  IDENTITY_BASE_URL: env.httpUrls('http://127.0.0.1:18081'),
  ATTENDANCE_BASE_URL: env.httpUrls('http://127.0.0.1:18082'),
  TLS_CERT_FILE: env.optionalString(),
  TLS_KEY_FILE: env.optionalString(),
  /**
   * Started as root (the portal's Docker image: a TLS key only root can read, as openssl and certbot
   * write it): the user to run as once TLS_CERT_FILE/TLS_KEY_FILE are read, before DATA_DIR is touched.
   */
  PORTAL_RUN_AS: env.optionalString(),
  PORTAL_HTTP: env.boolean(false),
  /**
   * Names and addresses the portal is reached by besides the machine's own (its LAN addresses and
   * host name are found by itself): a DNS name pointing at the box, the host's address when the
   * portal runs in a container. The certificate of the portal's own CA covers them.
   */
  PUBLIC_HOSTS: blankAsEmptyList(),
  /**
   * The plain-HTTP companion port: serves only /ca.crt, the install page and a redirect to HTTPS, so a
   * phone can fetch the portal's CA before it trusts anything. 0: off.
   */
  PORTAL_CA_HTTP_PORT: env.port(18080),
  // The proxies' own addresses only: `true` would let any client forge X-Forwarded-For past every
  // per-address limit here, and the portal passes that address on to identity (issue 15, item 5).
  TRUST_PROXY: env.trustProxy().refine((value) => value !== true, {
    message: "must list the proxies' addresses (true would believe X-Forwarded-For from anyone)",
  }),
  /**
   * Seconds a client has to finish the TLS handshake; Node's default (120 s) let sockets that never
   * send a byte hold the server's connections (the request timeouts start after the handshake).
   */
  TLS_HANDSHAKE_TIMEOUT_SECONDS: env.positiveInt(5, 120),
  /** Open connections from one client address (a trusted proxy's excepted); 0: no cap. */
  MAX_CONNECTIONS_PER_CLIENT: env.nonNegativeInt(200, 1_000_000),
  // Sized for a gate: a person waits at the scanner, so seconds, never undici's 300 s defaults.
  UPSTREAM_TIMEOUT_MS: env.positiveInt(5000, 120_000),
  UPSTREAM_CONNECT_TIMEOUT_MS: env.positiveInt(2000, 60_000),
  UPSTREAM_RETRIES: env.nonNegativeInt(2, 10),
  UPSTREAM_RETRY_DELAY_MS: env.positiveInt(50, 10_000),
  UPSTREAM_RETRY_MAX_DELAY_MS: env.positiveInt(1000, 60_000),
  UPSTREAM_CONNECTIONS: env.positiveInt(128, 4096),
  /**
   * Check-in batch calls to attendance in flight at once; check-ins arriving meanwhile wait for the
   * next call. Fewer calls make larger batches: measured with 64 gates on the 2-core box, 1 call
   * carried ~30 check-ins and cost (portal, attendance, PostgreSQL) ~171, 65, 85 µs of CPU per
   * check-in; 2 calls ~16 each and 189, 77, 106 µs; 4 calls ~9 each and 239, 103, 144 µs, at no
   * better throughput or latency. Raise it only if one slow batch should not hold up the next.
   */
  UPSTREAM_CHECKIN_BATCH_CONCURRENCY: env.positiveInt(1, 256),
  /**
   * Most check-ins in one batch call: attendance writes up to CHECKIN_BATCH_MAX (100) in one
   * statement and takes up to MAX_CHECKINS_PER_BATCH (200) per call.
   */
  UPSTREAM_CHECKIN_BATCH_MAX: env.positiveInt(100, MAX_CHECKINS_PER_BATCH),
  /**
   * How long a browser stays signed in without typing the password again: the refresh cookie's
   * lifetime (identity's REFRESH_TOKEN_EXPIRE_DAYS may end the session sooner). A gate shift is
   * longer than one access token, so the web UI renews its session with this cookie.
   */
  SESSION_MAX_DAYS: env.positiveInt(7, 365),
  // Same variable as attendance's: the portal must let through what attendance accepts.
  TICKET_IMPORT_MAX_MB: env.positiveInt(16, 256),
  /** Logins and registrations per client address per window, counted by the portal itself (0: off). */
  PORTAL_LOGIN_MAX_PER_IP: env.nonNegativeInt(30, 1_000_000),
  PORTAL_LOGIN_WINDOW_SECONDS: env.positiveInt(300, 86_400),
  /**
   * The least time between two reads of one watched live topic (the overview, one event), however many
   * streams watch it: attendance announces its changes (GET /changes) and a topic is read again at most
   * this often while they come, so a check-in reaches the screens within about this long plus one
   * request. Also the polling period while the announcements cannot be followed.
   */
  LIVE_INTERVAL_MS: env.positiveInt(1000, 60_000),
  /**
   * While attendance's changes are followed, a topic with none is still read this often: a change
   * missed, or the lanes' pace that moves with the clock alone.
   */
  LIVE_SAFETY_POLL_MS: env.positiveInt(30_000, 3_600_000),
  /** Comment lines sent on every live stream this often, so proxies do not drop a quiet stream. */
  LIVE_HEARTBEAT_MS: env.positiveInt(15_000, 300_000),
  /** Live streams open at once (each holds a connection); one more is refused with 503. */
  LIVE_MAX_STREAMS: env.positiveInt(1000, 100_000),
  /** Live streams one account (a token's uid) or one client address may hold; one more is refused with 429. */
  LIVE_MAX_STREAMS_PER_USER: env.positiveInt(100, 100_000),
  LIVE_MAX_STREAMS_PER_CLIENT: env.positiveInt(100, 100_000),
  /**
   * Check-ins per second from one client address, sustained and at once, counted here before
   * anything is forwarded (attendance sees the whole portal as one address; it limits each user).
   * Same variables as attendance's per-address limit; many gates may share one campus NAT.
   */
  CHECKIN_RATE_PER_CLIENT: env.positiveInt(1000, 1_000_000),
  CHECKIN_BURST_PER_CLIENT: env.positiveInt(10_000, 10_000_000),
});

/** How the portal reaches one upstream service. */
export interface UpstreamConfig {
  /** One per replica, at least one; all with the same path. */
  baseUrls: string[];
  /** Overall deadline of one call, retries and backoff included. */
  timeoutMs: number;
  connectTimeoutMs: number;
  retries: number;
  retryDelayMs: number;
  retryMaxDelayMs: number;
  connections: number;
}

export interface PortalConfig extends CommonConfig {
  /** Plain HTTP (only behind a TLS-terminating proxy); otherwise HTTPS. */
  plainHttp: boolean;
  tls: { certFile: string; keyFile: string } | undefined;
  /** PORTAL_RUN_AS: started as root, the user to become after reading the TLS files. */
  runAs: string | undefined;
  /** PUBLIC_HOSTS: names the certificate of the portal's own CA covers besides the machine's own. */
  publicHosts: string[];
  /** PORTAL_CA_HTTP_PORT: the plain-HTTP companion serving the CA to phones; 0: none. */
  caHttpPort: number;
  trustProxy: false | string[];
  /** TLS_HANDSHAKE_TIMEOUT_SECONDS in ms. */
  tlsHandshakeTimeoutMs: number;
  ticketImportMaxBytes: number;
  sessionMaxDays: number;
  identity: UpstreamConfig;
  attendance: UpstreamConfig;
  /** How check-ins are grouped into POST /checkins/batch calls (see checkin-coalescer.ts). */
  checkinBatching: CheckinBatchingOptions;
  loginRateLimit: LoginRateLimit;
  /** The server-sent events of /api/live (see live/live-hub.ts). */
  live: {
    intervalMs: number;
    safetyPollMs: number;
    heartbeatMs: number;
    maxStreams: number;
    maxStreamsPerUser: number;
    maxStreamsPerClient: number;
  };
  /** Check-ins per client address (see checkin-client-limit.ts). */
  checkinsPerClient: BucketLimits;
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env): PortalConfig {
  const raw = parseEnv(schema, source);
  if ((raw.TLS_CERT_FILE === undefined) !== (raw.TLS_KEY_FILE === undefined)) {
    throw invalidConfiguration('TLS_CERT_FILE and TLS_KEY_FILE must be set together');
  }
  if (raw.PORTAL_CA_HTTP_PORT !== 0 && raw.PORTAL_CA_HTTP_PORT === raw.PORT && !raw.PORTAL_HTTP) {
    throw invalidConfiguration('PORTAL_CA_HTTP_PORT must differ from PORT (0 turns the companion off)');
  }
  if (raw.UPSTREAM_RETRY_MAX_DELAY_MS < raw.UPSTREAM_RETRY_DELAY_MS) {
    throw invalidConfiguration('UPSTREAM_RETRY_MAX_DELAY_MS must not be below UPSTREAM_RETRY_DELAY_MS');
  }
  for (const name of ['IDENTITY_BASE_URL', 'ATTENDANCE_BASE_URL'] as const) {
    const paths = new Set(raw[name].map((url) => new URL(url).pathname.replace(/\/+$/, '')));
    if (paths.size > 1) throw invalidConfiguration(`${name}: every replica's URL must have the same path`);
  }
  const upstream = (baseUrls: string[]): UpstreamConfig => ({
    baseUrls,
    timeoutMs: raw.UPSTREAM_TIMEOUT_MS,
    connectTimeoutMs: Math.min(raw.UPSTREAM_CONNECT_TIMEOUT_MS, raw.UPSTREAM_TIMEOUT_MS),
    retries: raw.UPSTREAM_RETRIES,
    retryDelayMs: raw.UPSTREAM_RETRY_DELAY_MS,
    retryMaxDelayMs: raw.UPSTREAM_RETRY_MAX_DELAY_MS,
    connections: raw.UPSTREAM_CONNECTIONS,
  });
  const common = commonConfig(raw);
  return {
    ...common,
    serverLimits: { ...common.serverLimits, maxConnectionsPerClient: raw.MAX_CONNECTIONS_PER_CLIENT },
    tlsHandshakeTimeoutMs: raw.TLS_HANDSHAKE_TIMEOUT_SECONDS * 1000,
    plainHttp: raw.PORTAL_HTTP,
    tls: raw.TLS_CERT_FILE && raw.TLS_KEY_FILE ? { certFile: raw.TLS_CERT_FILE, keyFile: raw.TLS_KEY_FILE } : undefined,
    runAs: raw.PORTAL_RUN_AS,
    publicHosts: raw.PUBLIC_HOSTS,
    // Behind a TLS proxy there is no certificate of the portal's own to hand out.
    caHttpPort: raw.PORTAL_HTTP ? 0 : raw.PORTAL_CA_HTTP_PORT,
    trustProxy: raw.TRUST_PROXY === true ? false : raw.TRUST_PROXY,
    ticketImportMaxBytes: raw.TICKET_IMPORT_MAX_MB * 1024 * 1024,
    sessionMaxDays: raw.SESSION_MAX_DAYS,
    identity: upstream(raw.IDENTITY_BASE_URL),
    attendance: upstream(raw.ATTENDANCE_BASE_URL),
    checkinBatching: { concurrency: raw.UPSTREAM_CHECKIN_BATCH_CONCURRENCY, max: raw.UPSTREAM_CHECKIN_BATCH_MAX },
    loginRateLimit: { max: raw.PORTAL_LOGIN_MAX_PER_IP, windowSeconds: raw.PORTAL_LOGIN_WINDOW_SECONDS },
    live: {
      intervalMs: raw.LIVE_INTERVAL_MS,
      safetyPollMs: Math.max(raw.LIVE_SAFETY_POLL_MS, raw.LIVE_INTERVAL_MS),
      heartbeatMs: raw.LIVE_HEARTBEAT_MS,
      maxStreams: raw.LIVE_MAX_STREAMS,
      maxStreamsPerUser: raw.LIVE_MAX_STREAMS_PER_USER,
      maxStreamsPerClient: raw.LIVE_MAX_STREAMS_PER_CLIENT,
    },
    checkinsPerClient: { ratePerSecond: raw.CHECKIN_RATE_PER_CLIENT, burst: raw.CHECKIN_BURST_PER_CLIENT },
  };
}
