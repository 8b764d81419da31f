// The Fastify instance every service starts from: logging, limits, errors, auth, health, docs.
import { randomUUID } from 'node:crypto';
import { type IncomingHttpHeaders, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import cors from '@fastify/cors';
import { REQUEST_ID_PATTERN } from '@tixgo/contracts';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
  LogController,
} from 'fastify';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { DestinationStream } from 'pino';
import { Registry } from 'prom-client';
import { authPlugin } from './auth.js';
import { DEFAULT_SERVER_LIMITS, type ServerLimits } from './config.js';
import { type ConnectionsPerClientOptions, limitConnectionsPerClient } from './connections-per-client.js';
import { registerErrorHandling } from './errors.js';
import { healthRoutes, type ReadinessCheck, type ReplicaChecks } from './health.js';
import { loggerOptions } from './logger.js';
import type { NotFoundPage } from './method-not-allowed.js';
import { registerMetrics } from './metrics.js';
import { registerOpenApi } from './openapi.js';
import type { RevocationList } from './revocation-list.js';

/**
 * The request id: the client's X-Request-Id when it is acceptable (REQUEST_ID_PATTERN), so one id
 * traces a request through the portal and attendance; else a fresh UUID.
 */
export function requestIdOf(request: { headers: IncomingHttpHeaders }): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID_PATTERN.test(given) ? given : randomUUID();
}

/** Request bodies above this size are answered 413 (spec: shared rules). */
export const BODY_LIMIT_BYTES = 1024 * 1024;
/**
 * Sign-in, renewal, sign-out and registration bodies: small JSON documents anyone may send before
 * they hold a token, so parsing a megabyte of them costs nobody anything (issue 15, item 7).
 */
export const AUTH_BODY_LIMIT_BYTES = 16 * 1024;

/** Longest a client may take to send its request headers (bounded by the request timeout too). */
const HEADERS_TIMEOUT_MS = 10_000;
/** How long an idle keep-alive connection is kept open for the client's next request. */
const KEEP_ALIVE_TIMEOUT_MS = 10_000;

/**
 * Node's server options that bound what one client can hold (issue: 235 connections trickling a
 * body kept the portal from answering /health). requestTimeout covers *receiving* a request only:
 * Node stops its clock when the request has been read (headers and body), so a long answer — a
 * streamed list, the portal's server-sent events — is never cut off by it. That is also why no
 * socket idle timeout (Fastify's connectionTimeout) is set: it would end a quiet event stream.
 * Node checks the deadlines every connectionsCheckingInterval (30 s by default, so a 30 s timeout
 * could take a minute); a tenth of the timeout, between 100 ms and 3 s, keeps the check cheap.
 */
function serverTimeouts(limits: ServerLimits) {
  return {
    requestTimeout: limits.requestTimeoutMs,
    headersTimeout: Math.min(limits.requestTimeoutMs, HEADERS_TIMEOUT_MS),
    connectionsCheckingInterval: Math.min(3000, Math.max(100, Math.floor(limits.requestTimeoutMs / 10))),
  };
}

/**
 * Fastify's clientErrorHandler, with the {"detail"} body every other error has: a request that
 * never arrived whole (408), headers too large (431) or not HTTP (400).
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  // A reset socket has nobody left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  const body = JSON.stringify({ detail: STATUS_CODES[status] });
  // As Fastify's own handler: answered while the socket can still be written to.
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

export interface BaseAppOptions {
  /** Name reported by /health (compat: identity-service, attendance, portal). */
  service: string;
  logLevel: string;
  /** Where the log lines go (tests read them); default stdout. */
  logStream?: DestinationStream | undefined;
  jwtSecret: string;
  /** JWT_SECRET_PREVIOUS during a rotation: accepted for verification only. */
  jwtPreviousSecret?: string | undefined;
  tokenExpireMinutes: number;
  openapi: { title: string; description: string };
  readiness: Record<string, ReadinessCheck | ReplicaChecks>;
  /** The tokens identity revoked; every verification consults it, /ready reports its age. */
  revocations: RevocationList;
  /** More facts /ready shows beside its checks (never making it fail). */
  reports?: Record<string, () => unknown>;
  /** Fastify's trustProxy: which forwarders' X-Forwarded-For to believe. */
  trustProxy?: FastifyServerOptions['trustProxy'];
  /** Request timeout and connection cap (REQUEST_TIMEOUT_SECONDS, MAX_CONNECTIONS); the defaults when omitted. */
  limits?: ServerLimits;
  /**
   * GET /metrics: the registry of the service's own metrics (the portal makes it before its upstream
   * clients; else a new one, app.metricsRegistry) and METRICS_TOKEN.
   */
  metrics?: { registry?: Registry | undefined; token?: string | undefined; requireToken?: boolean | undefined };
  /** The answer to an unknown path before the JSON 404 (the portal's web UI page for browsers); see NotFoundPage. */
  notFoundPage?: NotFoundPage;
  /**
   * CORS_ORIGINS: browser origins (a front-end on another site, a local dev server) whose requests get
   * CORS headers and whose preflights are answered; empty or omitted: no CORS at all.
   */
  corsOrigins?: readonly string[];
  /**
   * Extra server options (the portal passes its TLS settings here). `handshakeTimeout`: a TLS
   * handshake not done by then is dropped (Node's default, 120 s, let idle sockets hold a slot).
   */
  server?: Partial<FastifyServerOptions> & {
    https?: { key: string | Buffer; cert: string | Buffer; handshakeTimeout?: number };
  };
}

/**
 * @fastify/cors for the listed origins only. A request from any other origin (or none) gets no CORS
 * header, and its preflight falls through to the not-found handler: 405 with Allow, as without CORS.
 * Tokens travel in the Authorization header, never in cookies, so credentials stay off.
 */
async function registerCors(app: FastifyInstance, origins: readonly string[]): Promise<void> {
  const allowed = new Set(origins);
  await app.register(cors, {
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin) ? origin : false),
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    // What a browser script may read besides the simple headers: throttling, tracing, caching.
    exposedHeaders: ['Retry-After', 'X-Request-Id', 'ETag', 'Location', 'Content-Disposition'],
    maxAge: 600,
  });
}

export async function createBaseApp(options: BaseAppOptions): Promise<FastifyInstance> {
  const verbose = options.logLevel === 'debug' || options.logLevel === 'trace';
  const limits = options.limits ?? DEFAULT_SERVER_LIMITS;
  const { https, ...server } = options.server ?? {};
  const timeouts = serverTimeouts(limits);
  const app = Fastify({
    logger: {
      ...loggerOptions(options.logLevel, options.service),
      ...(options.logStream && { stream: options.logStream }),
    },
    // Per-request log lines cost measurable throughput at the gate's rates; they are on at debug.
    logController: new LogController({ disableRequestLogging: !verbose }),
    bodyLimit: BODY_LIMIT_BYTES,
    // IDs may be up to 100 characters; longer ones must reach validation and get a 422, not a 404.
    routerOptions: { maxParamLength: 2048 },
    // Fastify would take the header as it is; genReqId checks it first.
    requestIdHeader: false,
    genReqId: requestIdOf,
    trustProxy: options.trustProxy ?? false,
    // Errors raised before routing (a malformed %-escape in the URL) bypass the error handler;
    // they get the same {"detail"} body as every other error.
    frameworkErrors: (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
      reply.code(error.statusCode ?? 400).send({ detail: error.message });
    },
    requestTimeout: timeouts.requestTimeout,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    clientErrorHandler: answerClientError,
    // Fastify hands `https` (with the TLS settings) or `http` to Node's createServer.
    ...(https ? { https: { ...https, ...timeouts } } : { http: timeouts }),
    ...server,
  } as FastifyServerOptions).withTypeProvider<ZodTypeProvider>();
  // Past this, Node closes new connections at once (file descriptors and memory stay bounded).
  app.server.maxConnections = limits.maxConnections;
  // …and one client address may not take them all (a trusted proxy's own address excepted).
  limitConnectionsPerClient(app.server, {
    max: limits.maxConnectionsPerClient ?? 0,
    trustProxy: options.trustProxy as ConnectionsPerClientOptions['trustProxy'],
  });

  app.setValidatorCompiler(validatorCompiler);
  // Responses are built from typed rows by our own code, so they are serialized with plain
  // JSON.stringify: zod-checking every response would cost throughput on the hot paths.
  // The response schemas still document every route in /openapi.json.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

  // Graceful stop: Fastify closes the keep-alive connections that are idle when close() starts,
  // but one busy then (a request in flight) would stay open after its answer until the client's
  // keep-alive timeout, holding close() (and the exit) hostage. Answers sent while closing ask
  // the client to disconnect instead.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  // Callback style, not async: this runs on every answer, and skips a promise per request.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });

  registerErrorHandling(app, options.notFoundPage);
  if (options.corsOrigins && options.corsOrigins.length > 0) await registerCors(app, options.corsOrigins);
  await registerMetrics(app, {
    registry: options.metrics?.registry ?? new Registry(),
    token: options.metrics?.token,
    requireToken: options.metrics?.requireToken,
  });
  await registerOpenApi(app, options.openapi);
  await app.register(authPlugin, {
    secret: options.jwtSecret,
    previousSecret: options.jwtPreviousSecret,
    expiresInMinutes: options.tokenExpireMinutes,
    revocations: options.revocations,
  });
  await app.register(healthRoutes, {
    service: options.service,
    checks: options.readiness,
    reports: { ...options.reports, revocations: () => options.revocations.status() },
  });
  return app;
}
