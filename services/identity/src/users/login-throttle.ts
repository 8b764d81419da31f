// Brute-force protection for login (spec: 429 after repeated failures, with Retry-After),
// built on @fastify/rate-limit: attempts per client address, failures per username.
import rateLimit from '@fastify/rate-limit';
import type { LoginBody } from '@tixgo/contracts';
import { httpErrors } from '@tixgo/platform';
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
  /** Throws 429 when the username of this login has used up its failures. */
  assertUsernameAllowed(request: FastifyRequest): Promise<void>;
  recordFailure(request: FastifyRequest): Promise<void>;
}

const tooMany = (seconds: number) =>
  httpErrors.tooManyRequests(`Too many login attempts, try again in ${seconds} seconds`, seconds);

export async function registerLoginThrottle(app: FastifyInstance, limits: LoginLimits): Promise<LoginThrottle> {
  const timeWindow = limits.windowSeconds * 1000;
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) => tooMany(Math.max(1, Math.ceil(context.ttl / 1000))),
  });
  // One limiter (each createRateLimit call gets a store of its own, so a limiter made per call
  // would count nothing), keyed by the validated login body's username, ignoring case.
  const limiter = app.createRateLimit({
    max: limits.perUsername,
    timeWindow,
    keyGenerator: (request) => `login-user:${(request.body as LoginBody).username.toLowerCase()}`,
  });

  return {
    perAddress: { max: limits.perIp, timeWindow },
    async assertUsernameAllowed(request) {
      // A read, not an increment: only failures count, so a successful login costs nothing.
      const state = await limiter(request, { increment: false });
      if (!state.isAllowed && state.remaining === 0 && state.ttl > 0) throw tooMany(Math.max(1, state.ttlInSeconds));
    },
    async recordFailure(request) {
      await limiter(request);
    },
  };
}
