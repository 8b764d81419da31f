// Brute-force protection for login (spec: 429 after repeated failures, with Retry-After): attempts per
// client address (@fastify/rate-limit), and failures per username *and* client with growing lockouts.
// Every count lives in identity's database (login-throttle-repository.ts), so two identity processes
// share one budget and a restart forgets nothing (issue 18).
import rateLimit, { type FastifyRateLimitOptions, type FastifyRateLimitStore } from '@fastify/rate-limit';
import { httpErrors } from '@tixgo/platform';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type pg from 'pg';
import {
  clearLoginFailures,
  countInWindow,
  purgeLoginState,
  readLoginState,
  recordLoginFailure,
} from './login-throttle-repository.js';

export interface LoginLimits {
  /** Login and register attempts per client address per window (a campus NAT shares one). */
  perIp: number;
  /** Failed logins one client may make for one username before it is locked out (2, 4, 8… s). */
  perUsername: number;
  windowSeconds: number;
  /** The longest lockout of one client for one username. */
  lockoutMaxSeconds: number;
}

export interface LoginThrottle {
  /** Route config for the per-address limit. */
  perAddress: { max: number; timeWindow: number };
  /**
   * Before the password is checked: throws 429 while this client is locked out for `username`;
   * waits a moment first when the username collects failures from very many clients.
   */
  beforeAttempt(request: FastifyRequest, username: string): Promise<void>;
  recordFailure(request: FastifyRequest, username: string): Promise<void>;
  recordSuccess(request: FastifyRequest, username: string): Promise<void>;
}

export interface ThrottleDeps {
  pool: pg.Pool;
  now: () => Date;
  /** The slowdown's wait (a test replaces it to see it without waiting). */
  sleep?: (ms: number) => Promise<void>;
}

/** Across all clients, this many times perUsername failures in a window slow a username's logins down. */
export const USERNAME_SLOWDOWN_FACTOR = 10;
/** The wait of every login of a username under attack from many clients (the owner's too: slowed, never locked). */
export const USERNAME_SLOWDOWN_MS = 1000;
/** How often identity forgets windows and failures no decision needs any more. */
const PURGE_INTERVAL_MS = 60_000;

const tooMany = (seconds: number) =>
  httpErrors.tooManyRequests(`Too many login attempts, try again in ${seconds} seconds`, seconds);

/**
 * @fastify/rate-limit's store interface over `countInWindow`: the plugin keeps deciding (max,
 * headers, the 429), the database keeps counting. One store per route, as the plugin's own
 * LocalStore does, so a route's budget is its own.
 */
function databaseStore(
  deps: ThrottleDeps,
  prefix = '',
): new (
  options: FastifyRateLimitOptions,
) => FastifyRateLimitStore {
  return class DatabaseStore implements FastifyRateLimitStore {
    incr(
      key: string,
      callback: (error: Error | null, result?: { current: number; ttl: number }) => void,
      timeWindow: number,
    ) {
      countInWindow(deps.pool, `${prefix}${key}`, deps.now(), timeWindow).then(
        ({ hits, ttlMs }) => callback(null, { current: hits, ttl: ttlMs }),
        (error: Error) => callback(error),
      );
    }

    child(routeOptions: Parameters<FastifyRateLimitStore['child']>[0]) {
      // The plugin hands the route's options in as `routeInfo` beside its own settings.
      const { routeInfo } = routeOptions as { routeInfo?: { method?: unknown; url?: unknown } };
      const route = `${String(routeInfo?.method ?? '')} ${String(routeInfo?.url ?? '')}:`;
      return new (databaseStore(deps, route))({});
    }
  };
}

/**
 * Hand-written because no rate limiter we use keys a lockout on two things with a delay that
 * doubles: @fastify/rate-limit counts fixed windows, which is kept for the per-address limit.
 * The owner of an attacked username logs in from their own client as usual, since the lockout is
 * per client; from a shared address (a NAT) the per-address limit still applies.
 */
export async function registerLoginThrottle(
  app: FastifyInstance,
  limits: LoginLimits,
  deps: ThrottleDeps,
): Promise<LoginThrottle> {
  const windowMs = limits.windowSeconds * 1000;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  await app.register(rateLimit, {
    global: false,
    store: databaseStore(deps),
    // The database is down: /auth answers 503 as every other database-backed route does.
    skipOnError: false,
    errorResponseBuilder: (_request, context) => tooMany(Math.max(1, Math.ceil(context.ttl / 1000))),
  });
  let purger: NodeJS.Timeout | undefined;
  app.addHook('onReady', async () => {
    purger = setInterval(() => {
      purgeLoginState(deps.pool, deps.now(), windowMs).catch((error: Error) =>
        app.log.warn({ err: error }, 'could not purge old login throttle state'),
      );
    }, PURGE_INTERVAL_MS);
    purger.unref();
  });
  app.addHook('onClose', async () => clearInterval(purger));
  const rules = { perUsername: limits.perUsername, windowMs, lockoutMaxSeconds: limits.lockoutMaxSeconds };
  // The key a username is counted under: PostgreSQL text cannot hold NUL, and a login's username
  // may be any length up to the body limit (only names of 3-50 characters exist).
  const name = (username: string) => username.toLowerCase().replaceAll('\u0000', '\ufffd').slice(0, 100);

  return {
    perAddress: { max: limits.perIp, timeWindow: windowMs },

    async beforeAttempt(request, username) {
      const now = deps.now();
      const state = await readLoginState(deps.pool, name(username), request.ip, now, windowMs);
      if (state.lockedUntil) {
        throw tooMany(Math.max(1, Math.ceil((state.lockedUntil.getTime() - now.getTime()) / 1000)));
      }
      if (state.usernameFailures >= limits.perUsername * USERNAME_SLOWDOWN_FACTOR) await sleep(USERNAME_SLOWDOWN_MS);
    },

    recordFailure: (request, username) => recordLoginFailure(deps.pool, name(username), request.ip, deps.now(), rules),

    recordSuccess: (request, username) => clearLoginFailures(deps.pool, name(username), request.ip),
  };
}
