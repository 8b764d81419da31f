// Logins and registrations per client address, counted by the portal itself before it forwards them to identity.
//
// Why here too: identity counts attempts per client from the X-Forwarded-For the portal sends, but
// only when it trusts the portal's address (TRUST_PROXY). Without that trust every portal user shares
// the portal's one address at identity, and a single client could use up that budget for everyone.
import rateLimit from '@fastify/rate-limit';
import { httpErrors } from '@tixgo/platform';
import type { FastifyInstance, RouteOptions } from 'fastify';

export interface LoginRateLimit {
  /** Attempts per client address per window, for logins and for registrations each (0 turns the portal's own limit off). */
  max: number;
  windowSeconds: number;
}

/** The routes the limit applies to, as routed (a %-escaped URL is the same route). */
const LIMITED_ROUTES = new Set(['POST /api/auth/login', 'POST /api/auth/register']);

const isLimited = (route: RouteOptions) =>
  [route.method].flat().some((method) => LIMITED_ROUTES.has(`${method} ${route.url}`));

/**
 * Must be registered before the routes: their limit is attached as each route is added (this
 * onRoute hook runs before @fastify/rate-limit's own, which reads the route's rateLimit config).
 * The 429 reads as identity's, with Retry-After.
 */
export async function limitLoginsPerClient(app: FastifyInstance, limit: LoginRateLimit): Promise<void> {
  if (limit.max === 0) return;
  app.addHook('onRoute', (route) => {
    if (isLimited(route)) {
      route.config = { ...route.config, rateLimit: { max: limit.max, timeWindow: limit.windowSeconds * 1000 } };
    }
  });
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) => {
      const seconds = Math.max(1, Math.ceil(context.ttl / 1000));
      return httpErrors.tooManyRequests(`Too many login attempts, try again in ${seconds} seconds`, seconds);
    },
  });
}
