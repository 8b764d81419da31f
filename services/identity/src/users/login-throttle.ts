// Brute-force protection for login (spec: 429 after repeated failures, with Retry-After),
// built on @fastify/rate-limit: attempts per client address, failures per username.
import rateLimit from '@fastify/rate-limit';
import { httpError } from '@tixgo/platform';
import type { FastifyInstance, FastifyRequest } from 'fastify';

export interface LoginLimits {
  /** Login and register attempts per client address per window (a campus NAT shares one). */
  perIp: number;
  /** Failed logins per username per window before that username is refused. */
  perUsername: number;
  windowSeconds: number;
}

export interface LoginThrottle {
  /** Route config for the per-address limit. */
  perAddress: { max: number; timeWindow: number };
  /** Throws 429 when `username` has used up its failures. */
  assertUsernameAllowed(request: FastifyRequest, username: string): Promise<void>;
  recordFailure(request: FastifyRequest, username: string): Promise<void>;
}

function tooMany(seconds: number) {
  const error = httpError(429, `Too many login attempts, try again in ${seconds} seconds`);
  Object.assign(error, { headers: { 'retry-after': String(seconds) } });
  return error;
}

export async function registerLoginThrottle(app: FastifyInstance, limits: LoginLimits): Promise<LoginThrottle> {
  const timeWindow = limits.windowSeconds * 1000;
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) => tooMany(Math.max(1, Math.ceil(context.ttl / 1000))),
  });
  const usernameKey = (username: string) => `login-user:${username.toLowerCase()}`;
  const limiterFor = (username: string) =>
    app.createRateLimit({ max: limits.perUsername, timeWindow, keyGenerator: () => usernameKey(username) });

  return {
    perAddress: { max: limits.perIp, timeWindow },
    async assertUsernameAllowed(request, username) {
      const state = await limiterFor(username)(request, { increment: false });
      if (!state.isAllowed && state.remaining === 0 && state.ttl > 0) throw tooMany(Math.max(1, state.ttlInSeconds));
    },
    async recordFailure(request, username) {
      await limiterFor(username)(request);
    },
  };
}
