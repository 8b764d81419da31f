// Sign-ins, renewals and registrations per client address, counted by the portal itself before it forwards them to identity.
//
// Why here too: identity counts attempts per client from the X-Forwarded-For the portal sends, but
// only when it trusts the portal's address (TRUST_PROXY). Without that trust every portal user shares
// the portal's one address at identity, and a single client could use up that budget for everyone.
// Every way to the same thing shares one budget (issue 15, item 8): the web UI signs in at
// POST /api/session, API clients at POST /api/auth/login; both renew (…/refresh).
import rateLimit from '@fastify/rate-limit';
import { httpErrors } from '@tixgo/platform';
import type { FastifyInstance, RouteOptions } from 'fastify';

export interface LoginRateLimit {
  /** Attempts per client address per window, for each group below (0 turns the portal's own limit off). */
  max: number;
  windowSeconds: number;
  /** The clock of the windows, in ms (tests move it); default Date.now. */
  now?: () => number;
}

/** The routes limited, as routed (a %-escaped URL is the same route), and the budget each one spends. */
const LIMITED_ROUTES = new Map([
  ['POST /api/auth/login', 'sign-in'],
  ['POST /api/session', 'sign-in'],
  ['POST /api/auth/refresh', 'renewal'],
  ['POST /api/session/refresh', 'renewal'],
  ['POST /api/auth/register', 'registration'],
]);

const groupOf = (route: RouteOptions) =>
  [route.method]
    .flat()
    .map((method) => LIMITED_ROUTES.get(`${method} ${route.url}`))
    .find((group) => group !== undefined);

interface Window {
  current: number;
  ttl: number;
  startedAt: number;
}

/** At most this many client windows are remembered; the oldest are forgotten first. */
const MAX_KEYS = 50_000;

/**
 * A @fastify/rate-limit store: fixed windows per key, like the plugin's own LocalStore, but one store
 * for every route (its child() is itself, so routes of one groupId share the count; the plugin makes
 * a separate LocalStore per route) and on an injected clock.
 */
function sharedWindowStore(now: () => number) {
  const windows = new Map<string, Window>();
  const store = {
    incr(key: string, callback: (error: Error | null, result?: Window) => void, timeWindow: number) {
      const at = now();
      let window = windows.get(key);
      if (window === undefined || window.startedAt + timeWindow <= at) {
        window = { current: 0, ttl: timeWindow, startedAt: at };
      }
      window.current += 1;
      window.ttl = window.startedAt + timeWindow - at;
      windows.delete(key);
      windows.set(key, window);
      if (windows.size > MAX_KEYS) windows.delete(windows.keys().next().value as string);
      callback(null, window);
    },
    child: () => store,
  };
  return store;
}

/**
 * Must be registered before the routes: their limit is attached as each route is added (this
 * onRoute hook runs before @fastify/rate-limit's own, which reads the route's rateLimit config).
 * The 429 reads as identity's, with Retry-After.
 */
export async function limitLoginsPerClient(app: FastifyInstance, limit: LoginRateLimit): Promise<void> {
  if (limit.max === 0) return;
  const store = sharedWindowStore(limit.now ?? Date.now);
  app.addHook('onRoute', (route) => {
    const groupId = groupOf(route);
    if (groupId !== undefined) {
      route.config = {
        ...route.config,
        rateLimit: { max: limit.max, timeWindow: limit.windowSeconds * 1000, groupId },
      };
    }
  });
  await app.register(rateLimit, {
    global: false,
    // The plugin constructs the store with `new`; a function returning an object serves.
    store: function SharedWindowStore() {
      return store;
    } as unknown as NonNullable<Parameters<typeof rateLimit>[1]>['store'],
    errorResponseBuilder: (_request, context) => {
      const seconds = Math.max(1, Math.ceil(context.ttl / 1000));
      return httpErrors.tooManyRequests(`Too many login attempts, try again in ${seconds} seconds`, seconds);
    },
  });
}
