// Environment parsing shared by every service: one zod schema per service, parsed once at start-up.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/** Thrown when the environment is invalid; the message names every offending variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** The ConfigError of one or more problems, each naming its variable(s), in parseEnv's format. */
export function invalidConfiguration(...problems: string[]): ConfigError {
  return new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
}

/**
 * JWT secrets that are published and must never protect a production deployment: common
 * examples, the dev compose file's default, and every secret this repository's files hold
 * (test fixtures included). test/published-secrets.test.ts scans the tracked files and fails
 * when a secret found there is missing here. Lower case: compared ignoring case.
 */
export const EXAMPLE_JWT_SECRETS: ReadonlySet<string> = new Set([
  'change-me',
  'changeme',
  'secret',
  'dev-secret',
  'your-secret-key',
  'supersecret',
  'change-me-to-a-long-random-string-of-32-bytes-or-more',
  'tixgo-dev-secret-change-me',
  'tixgo-dev-only-secret-not-for-production-0123456789',
  // test fixtures
  'platform-test-secret-with-at-least-32-bytes',
  'a-test-secret-that-is-long-enough-0123456789',
  'attendance-tests-secret-0123456789abcdef',
  'process-test-secret-with-more-than-32-bytes',
]);

/** An empty variable (`PORT=`) means "not set", as in a shell. */
const blankAsUnset = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (typeof value === 'string' && value.trim() === '' ? undefined : value), schema);

const booleanWord = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

/** scheme://host[:port] of http(s), as a browser writes it in Origin (lower case, no path). */
function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value;
  } catch {
    return false;
  }
}

/** Building blocks for service config schemas, so every service spells a variable the same way. */
export const env = {
  port: (fallback: number) => blankAsUnset(z.coerce.number().int().min(0).max(65535).default(fallback)),
  host: () => blankAsUnset(z.string().min(1).default('127.0.0.1')),
  boolean: (fallback: boolean) => blankAsUnset(booleanWord.optional()).transform((value) => value ?? fallback),
  optionalBoolean: () => blankAsUnset(booleanWord.optional()),
  /** A non-negative integer (0 is meaningful, e.g. UPSTREAM_RETRIES=0 turns retries off). */
  nonNegativeInt: (fallback: number, max: number) =>
    blankAsUnset(z.coerce.number().int().min(0).max(max).default(fallback)),
  /** TRUST_PROXY: unset/false = trust nobody, true = every hop, else a comma list of addresses/CIDRs. */
  trustProxy: () =>
    blankAsUnset(z.string().optional()).transform((value): boolean | string[] => {
      if (value === undefined || value === 'false') return false;
      if (value === 'true') return true;
      return value
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean);
    }),
  /** A positive integer, at most `max`. */
  positiveInt: (fallback: number, max = Number.MAX_SAFE_INTEGER) =>
    blankAsUnset(z.coerce.number().int().positive().max(max).default(fallback)),
  optionalInt: (max: number) => blankAsUnset(z.coerce.number().int().positive().max(max).optional()),
  optionalString: () => blankAsUnset(z.string().optional()),
  string: (fallback: string) => blankAsUnset(z.string().min(1).default(fallback)),
  /**
   * One http(s) URL, or several separated by commas: the replicas of an upstream service
   * (IDENTITY_BASE_URL, ATTENDANCE_BASE_URL). Duplicates are dropped.
   */
  httpUrls: (fallback: string) =>
    blankAsUnset(z.string().min(1).default(fallback))
      .transform((value) => [
        ...new Set(
          value
            .split(',')
            .map((part) => part.trim())
            .filter(Boolean),
        ),
      ])
      .pipe(
        z
          .array(z.url({ protocol: /^https?$/, message: 'expected http(s) URLs, separated by commas' }))
          .min(1, 'expected at least one http(s) URL'),
      ),
  /**
   * CORS_ORIGINS: browser origins allowed to call the service (scheme://host[:port], comma-separated,
   * as a browser sends them in Origin); empty: none (no CORS headers, preflights answered 405).
   */
  origins: () =>
    blankAsUnset(z.string().optional()).transform((value, context) => {
      const origins = (value ?? '')
        .split(',')
        .map((part) => part.trim().replace(/\/+$/, '').toLowerCase())
        .filter(Boolean);
      const bad = origins.find((origin) => !isOrigin(origin));
      if (bad !== undefined) {
        context.addIssue({
          code: 'custom',
          message: `"${bad}" is not an origin: expected such as https://example.github.io or http://localhost:5173 (no path), separated by commas`,
        });
        return z.NEVER;
      }
      return origins;
    }),
  logLevel: () => blankAsUnset(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')),
  nodeEnv: () => blankAsUnset(z.enum(['development', 'production', 'test']).default('development')),
};

/** How much of a server one client can hold: see createBaseApp. */
export interface ServerLimits {
  requestTimeoutMs: number;
  maxConnections: number;
  /** Most open connections from one client address (0 or unset: no cap); see connections-per-client.ts. */
  maxConnectionsPerClient?: number;
}

/** REQUEST_TIMEOUT_SECONDS and MAX_CONNECTIONS unset. */
export const DEFAULT_SERVER_LIMITS: ServerLimits = { requestTimeoutMs: 30_000, maxConnections: 1000 };

/** Variables every service reads. */
export const commonEnvSchema = z.object({
  NODE_ENV: env.nodeEnv(),
  HOST: env.host(),
  LOG_LEVEL: env.logLevel(),
  DATA_DIR: env.string('.data'),
  DATABASE_URL: env.optionalString(),
  JWT_SECRET: env.optionalString(),
  // While the secret is rotated: tokens signed with this one are accepted too (see README).
  JWT_SECRET_PREVIOUS: env.optionalString(),
  // compat: the original accepted JWT_EXPIRE_MINUTES; TOKEN_EXPIRE_MINUTES wins when both are set.
  TOKEN_EXPIRE_MINUTES: env.optionalInt(525600),
  JWT_EXPIRE_MINUTES: env.optionalInt(525600),
  // How often a service fetches identity's revocation feed (identity: re-reads its own table).
  REVOCATION_POLL_SECONDS: env.positiveInt(5, 300),
  /** Longest a client may take to send one whole request (headers and body); 408 after it. */
  REQUEST_TIMEOUT_SECONDS: env.positiveInt(DEFAULT_SERVER_LIMITS.requestTimeoutMs / 1000, 3600),
  /** Most open client connections; further ones are closed at once. */
  MAX_CONNECTIONS: env.positiveInt(DEFAULT_SERVER_LIMITS.maxConnections, 1_000_000),
  /** When set, GET /metrics answers only `Authorization: Bearer <METRICS_TOKEN>`. */
  METRICS_TOKEN: env.optionalString(),
});

/** The longest access-token lifetime production accepts (a day): a stolen token must not live for weeks. */
export const MAX_PRODUCTION_TOKEN_MINUTES = 1440;

/**
 * Parses `source` with `schema`; on failure throws a ConfigError naming each variable.
 * Never echoes values: a secret in a bad variable must not land in a log.
 */
export function parseEnv<T extends z.ZodType>(schema: T, source: NodeJS.ProcessEnv): z.output<T> {
  const result = schema.safeParse(source);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.length > 0 ? issue.path.join('.') : '(environment)';
    return `${name}: ${issue.message}`;
  });
  throw invalidConfiguration(...problems);
}

/**
 * Resolves the JWT secret: in production it must be set, at least 32 bytes and not an
 * example value. Outside production a missing secret is allowed only when `fallback`
 * supplies one (the dev stack generates and keeps one in DATA_DIR).
 */
export function resolveJwtSecret(
  secret: string | undefined,
  nodeEnv: 'development' | 'production' | 'test',
  fallback?: () => string,
): string {
  if (nodeEnv === 'production') {
    if (!secret) throw new ConfigError('JWT_SECRET: required in production');
    checkProductionSecret('JWT_SECRET', secret);
    return secret;
  }
  if (secret) return secret;
  if (fallback) return fallback();
  throw new ConfigError('JWT_SECRET: required');
}

/** What production asks of any secret that verifies tokens: 32 bytes at least, never a published one. */
function checkProductionSecret(name: string, secret: string): void {
  if (Buffer.byteLength(secret, 'utf8') < 32) throw new ConfigError(`${name}: must be at least 32 bytes in production`);
  if (EXAMPLE_JWT_SECRETS.has(secret.trim().toLowerCase()))
    throw new ConfigError(`${name}: is a published example value; generate a random one`);
}

/**
 * The secret being rotated out (JWT_SECRET_PREVIOUS): tokens it signed are still accepted, none is
 * signed with it. A token signed with it is as good as one signed with JWT_SECRET, so production
 * holds it to the same rules. The same value as JWT_SECRET changes nothing and is ignored.
 */
export function resolvePreviousJwtSecret(
  previous: string | undefined,
  current: string,
  nodeEnv: 'development' | 'production' | 'test',
): string | undefined {
  if (!previous || previous === current) return undefined;
  if (nodeEnv === 'production') checkProductionSecret('JWT_SECRET_PREVIOUS', previous);
  return previous;
}

/**
 * Access-token lifetime in minutes, honouring the compat alias; in production at most
 * MAX_PRODUCTION_TOKEN_MINUTES (a longer one stops the service, naming the variable).
 */
export function tokenLifetimeMinutes(
  config: { TOKEN_EXPIRE_MINUTES?: number | undefined; JWT_EXPIRE_MINUTES?: number | undefined },
  nodeEnv: 'development' | 'production' | 'test' = 'development',
): number {
  const minutes = config.TOKEN_EXPIRE_MINUTES ?? config.JWT_EXPIRE_MINUTES ?? 120;
  if (nodeEnv === 'production' && minutes > MAX_PRODUCTION_TOKEN_MINUTES) {
    const name = config.TOKEN_EXPIRE_MINUTES === undefined ? 'JWT_EXPIRE_MINUTES' : 'TOKEN_EXPIRE_MINUTES';
    throw invalidConfiguration(`${name}: at most ${MAX_PRODUCTION_TOKEN_MINUTES} minutes in production`);
  }
  return minutes;
}

/**
 * Outside production, a service started without JWT_SECRET uses a random secret generated
 * once and kept in DATA_DIR/jwt-secret, so its tokens survive a restart. Services that must
 * accept each other's tokens need the same JWT_SECRET (the stack start script shares one).
 */
export function persistedDevSecret(dataDir: string): string {
  const file = path.resolve(dataDir, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(path.dirname(file), { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/** The settings every service derives the same way from the common variables and its PORT. */
export interface CommonConfig {
  nodeEnv: 'development' | 'production' | 'test';
  host: string;
  port: number;
  logLevel: string;
  dataDir: string;
  jwtSecret: string;
  /** JWT_SECRET_PREVIOUS: verifies tokens during a rotation, never signs. */
  jwtPreviousSecret: string | undefined;
  tokenExpireMinutes: number;
  revocationPollSeconds: number;
  serverLimits: ServerLimits;
  /** METRICS_TOKEN: the bearer token GET /metrics asks for; undefined: open (the operator's network). */
  metricsToken: string | undefined;
}

export function commonConfig(raw: z.output<typeof commonEnvSchema> & { PORT: number }): CommonConfig {
  const jwtSecret = resolveJwtSecret(raw.JWT_SECRET, raw.NODE_ENV, () => persistedDevSecret(raw.DATA_DIR));
  return {
    nodeEnv: raw.NODE_ENV,
    host: raw.HOST,
    port: raw.PORT,
    logLevel: raw.LOG_LEVEL,
    dataDir: raw.DATA_DIR,
    jwtSecret,
    jwtPreviousSecret: resolvePreviousJwtSecret(raw.JWT_SECRET_PREVIOUS, jwtSecret, raw.NODE_ENV),
    tokenExpireMinutes: tokenLifetimeMinutes(raw, raw.NODE_ENV),
    revocationPollSeconds: raw.REVOCATION_POLL_SECONDS,
    serverLimits: { requestTimeoutMs: raw.REQUEST_TIMEOUT_SECONDS * 1000, maxConnections: raw.MAX_CONNECTIONS },
    metricsToken: raw.METRICS_TOKEN,
  };
}
