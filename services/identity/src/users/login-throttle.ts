// Brute-force protection for login (spec: 429 after repeated failures, with Retry-After): attempts per
// client address (@fastify/rate-limit), and failures per username *and* client with growing lockouts.
import rateLimit from '@fastify/rate-limit';
import { httpErrors } from '@tixgo/platform';
import type { FastifyInstance, FastifyRequest } from 'fastify';

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
  recordFailure(request: FastifyRequest, username: string): void;
  recordSuccess(request: FastifyRequest, username: string): void;
}

/** Across all clients, this many times perUsername failures in a window slow a username's logins down. */
export const USERNAME_SLOWDOWN_FACTOR = 10;
/** The wait of every login of a username under attack from many clients (the owner's too: slowed, never locked). */
export const USERNAME_SLOWDOWN_MS = 1000;
/** Most (username, client) pairs and usernames remembered: an attacker spraying names cannot grow memory past it. */
const MAX_TRACKED = 50_000;

const tooMany = (seconds: number) =>
  httpErrors.tooManyRequests(`Too many login attempts, try again in ${seconds} seconds`, seconds);

interface PairState {
  failures: number;
  lockedUntil: number;
  lastFailureAt: number;
}

interface UsernameState {
  failures: number;
  windowStart: number;
}

/**
 * A Map in insertion order is the least-recently-used order when every touch re-inserts the key:
 * the oldest entry goes first once `MAX_TRACKED` is reached.
 */
function touch<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > MAX_TRACKED) map.delete(map.keys().next().value as string);
}

/**
 * Hand-written because no rate limiter we use keys a lockout on two things with a delay that
 * doubles: @fastify/rate-limit counts fixed windows, which is kept for the per-address limit.
 * The owner of an attacked username logs in from their own client as usual, since the lockout is
 * per client; from a shared address (a NAT) the per-address limit still applies. State is per
 * process, like @fastify/rate-limit's default store.
 */
export async function registerLoginThrottle(app: FastifyInstance, limits: LoginLimits): Promise<LoginThrottle> {
  const windowMs = limits.windowSeconds * 1000;
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) => tooMany(Math.max(1, Math.ceil(context.ttl / 1000))),
  });
  const pairs = new Map<string, PairState>();
  const usernames = new Map<string, UsernameState>();
  const pairKey = (request: FastifyRequest, username: string) => `${username.toLowerCase()}\u0000${request.ip}`;

  return {
    perAddress: { max: limits.perIp, timeWindow: windowMs },

    async beforeAttempt(request, username) {
      const now = Date.now();
      const pair = pairs.get(pairKey(request, username));
      if (pair && pair.lockedUntil > now) throw tooMany(Math.max(1, Math.ceil((pair.lockedUntil - now) / 1000)));
      const named = usernames.get(username.toLowerCase());
      if (
        named &&
        now - named.windowStart < windowMs &&
        named.failures >= limits.perUsername * USERNAME_SLOWDOWN_FACTOR
      ) {
        await new Promise((resolve) => setTimeout(resolve, USERNAME_SLOWDOWN_MS));
      }
    },

    recordFailure(request, username) {
      const now = Date.now();
      const key = pairKey(request, username);
      const previous = pairs.get(key);
      // A client that stayed quiet for a whole window starts over.
      const failures = previous && now - previous.lastFailureAt < windowMs ? previous.failures + 1 : 1;
      const lockSeconds =
        failures >= limits.perUsername
          ? Math.min(limits.lockoutMaxSeconds, 2 ** Math.min(30, failures - limits.perUsername + 1))
          : 0;
      touch(pairs, key, { failures, lastFailureAt: now, lockedUntil: lockSeconds > 0 ? now + lockSeconds * 1000 : 0 });

      const name = username.toLowerCase();
      const named = usernames.get(name);
      touch(
        usernames,
        name,
        named && now - named.windowStart < windowMs
          ? { failures: named.failures + 1, windowStart: named.windowStart }
          : { failures: 1, windowStart: now },
      );
    },

    recordSuccess(request, username) {
      pairs.delete(pairKey(request, username));
    },
  };
}
