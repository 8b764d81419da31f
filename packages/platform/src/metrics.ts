// GET /metrics (Prometheus text) on the service's own port: Node's default metrics, request durations by route pattern and status, and what the service adds to app.metricsRegistry.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import fastifyMetricsModule from 'fastify-metrics';
import promClient, { collectDefaultMetrics, Registry } from 'prom-client';
import { httpErrors } from './errors.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The app's own metrics (a registry per app: tests run several apps in one process). */
    metricsRegistry: Registry;
  }
}

// fastify-metrics is CommonJS with `exports.default`: an ESM import gets module.exports.
const fastifyMetrics = fastifyMetricsModule.default;

/** The route label of every request no route matched (404s, 405s): one series, whatever the URL. */
export const UNKNOWN_ROUTE = 'unknown';

/** Request durations in seconds: a check-in takes milliseconds, a full list or an import up to seconds. */
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

let processRegistry: Registry | undefined;

/**
 * Node's default metrics (CPU, memory, event-loop lag, GC, handles) describe the process, not one
 * app, and each collection starts its own event-loop and GC observers: collected once per process.
 */
function processMetrics(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

export interface MetricsOptions {
  /** The registry the service's own metrics are in (made before the app when its clients need it). */
  registry: Registry;
  /** METRICS_TOKEN: when set, GET /metrics needs `Authorization: Bearer <token>`. */
  token?: string | undefined;
  /**
   * Never open: without a token every scrape is refused (the production portal, whose port is the
   * public one; identity's and attendance's ports are the operator's).
   */
  requireToken?: boolean | undefined;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** onRequest of GET /metrics with METRICS_TOKEN: compared in constant time (the hashes have one length). */
function requireMetricsToken(token: string) {
  const expected = digest(`Bearer ${token}`);
  return (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const given = request.headers.authorization;
    if (given === undefined || !timingSafeEqual(digest(given.trim()), expected)) {
      throw httpErrors.unauthorized('Metrics need the METRICS_TOKEN bearer token');
    }
    done();
  };
}

/** onRequest of GET /metrics when a token is required and none is configured. */
function refuseWithoutToken(_request: FastifyRequest, _reply: FastifyReply, _done: HookHandlerDoneFunction): void {
  throw httpErrors.unauthorized('Metrics need METRICS_TOKEN: set it to scrape this service in production');
}

/** Who may read GET /metrics. */
function metricsGuard(options: MetricsOptions) {
  if (options.token !== undefined) return [requireMetricsToken(options.token)];
  return options.requireToken ? [refuseWithoutToken] : [];
}

/**
 * Registers the request-duration histogram (fastify-metrics: the route *pattern* as label, so ticket
 * ids never make series of their own, and every unmatched request is one UNKNOWN_ROUTE series) and
 * GET /metrics. Not under /api: the portal never forwards it, each service answers its own.
 */
export async function registerMetrics(app: FastifyInstance, options: MetricsOptions): Promise<void> {
  const { registry } = options;
  app.decorate('metricsRegistry', registry);
  await app.register(fastifyMetrics, {
    // The endpoint is ours (below): it serves the process's metrics and this app's, and may need a token.
    endpoint: null,
    promClient,
    defaultMetrics: { enabled: false },
    routeMetrics: {
      // A summary would compute quantiles on every request; the histogram's buckets are enough.
      enabled: { histogram: true, summary: false },
      registeredRoutesOnly: false,
      invalidRouteGroup: UNKNOWN_ROUTE,
      overrides: {
        histogram: {
          name: 'http_request_duration_seconds',
          help: 'Request duration in seconds, by method, route pattern and status',
          buckets: DURATION_BUCKETS,
          registers: [registry],
        },
        summary: { registers: [] },
      },
    },
  });
  app.get(
    '/metrics',
    {
      schema: { hide: true },
      // A scrape every few seconds is no request worth its own log line, nor its own duration series.
      logLevel: 'warn',
      config: { disableMetrics: true },
      onRequest: metricsGuard(options),
    },
    async (_request, reply) => {
      const merged = Registry.merge([processMetrics(), registry]);
      return reply.type(merged.contentType).send(await merged.metrics());
    },
  );
}

/** What node-postgres's pool tells of itself (pg.Pool has these; platform itself does not use pg). */
export interface PoolCounts {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/**
 * Gauges of a database pool, read at each scrape (nothing is counted per query): connections in use
 * and idle, and queries waiting for a connection (a pool too small, or a database too slow).
 */
export function watchDatabasePool(registry: Registry, pool: PoolCounts): void {
  new promClient.Gauge({
    name: 'tixgo_db_pool_connections',
    help: 'Database pool connections, in use (checked out by a query) or idle',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      this.set({ state: 'in_use' }, pool.totalCount - pool.idleCount);
      this.set({ state: 'idle' }, pool.idleCount);
    },
  });
  new promClient.Gauge({
    name: 'tixgo_db_pool_waiting',
    help: 'Queries waiting for a free database pool connection',
    registers: [registry],
    collect() {
      this.set(pool.waitingCount);
    },
  });
}
