// One error vocabulary for every service: thrown HTTP errors become {"detail": ...} bodies.
import type { FastifyError, FastifyInstance } from 'fastify';
import createError, { type HttpError } from 'http-errors';
import { AllowedMethods, answerNotFound, type NotFoundPage } from './method-not-allowed.js';

/** Fields added next to `detail` in the body (e.g. the earlier `record` of a duplicate check-in). */
type ErrorExtras = Record<string, unknown>;

/**
 * Creates an HTTP error whose message is shown to the client as `detail`.
 * 5xx errors created here are deliberate answers (e.g. "Attendance service unavailable"),
 * so their message is exposed too; unexpected 5xx errors are not.
 */
export function httpError(
  status: number,
  detail: string,
  extras?: ErrorExtras,
  headers?: Record<string, string>,
): HttpError {
  return createError(status, detail, { expose: true, extras, headers });
}

export const httpErrors = {
  badRequest: (detail: string, extras?: ErrorExtras) => httpError(400, detail, extras),
  unauthorized: (detail: string) => httpError(401, detail),
  forbidden: (detail: string) => httpError(403, detail),
  notFound: (detail: string, extras?: ErrorExtras) => httpError(404, detail, extras),
  conflict: (detail: string, extras?: ErrorExtras) => httpError(409, detail, extras),
  unprocessable: (detail: string, extras?: ErrorExtras) => httpError(422, detail, extras),
  /** 429 with the Retry-After header clients (and @fastify/rate-limit) expect. */
  tooManyRequests: (detail: string, retryAfterSeconds: number) =>
    httpError(429, detail, undefined, { 'retry-after': String(retryAfterSeconds) }),
};

/** One item of the FastAPI-shaped 422 body. */
export interface ValidationItem {
  loc: (string | number)[];
  msg: string;
  type: string;
  /**
   * The problem's parameters, as FastAPI's `ctx`: `maximum`/`minimum` and `origin` (string, number,
   * array) of a size limit, `format`, `expected`, a refinement's `reason`. A client words the problem
   * from these in its own language; `msg` stays the English sentence.
   */
  ctx?: Record<string, string | number>;
}

const CTX_FIELDS = ['maximum', 'minimum', 'origin', 'format', 'expected', 'reason', 'max_length'] as const;

/** The parameters of a validation problem worth a client's while (never the offending input itself). */
function contextOf(params: unknown): Record<string, string | number> | undefined {
  if (typeof params !== 'object' || params === null) return undefined;
  const source = params as Record<string, unknown> & { params?: Record<string, unknown> };
  const ctx: Record<string, string | number> = {};
  for (const name of CTX_FIELDS) {
    const value = source[name] ?? source.params?.[name];
    if (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))) ctx[name] = value;
    else if (typeof value === 'bigint') ctx[name] = Number(value);
  }
  return Object.keys(ctx).length > 0 ? ctx : undefined;
}

// compat: FastAPI names the request parts body/query/path/header.
const LOCATION_NAMES: Record<string, string> = {
  body: 'body',
  querystring: 'query',
  params: 'path',
  headers: 'header',
};

/** Builds the FastAPI-shaped 422 detail list from Fastify's validation error. */
export function validationItems(error: FastifyError): ValidationItem[] {
  const where = LOCATION_NAMES[error.validationContext ?? 'body'] ?? 'body';
  const items = error.validation ?? [];
  return items.map((item) => {
    const path = item.instancePath
      .split('/')
      .filter((part) => part !== '')
      .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
    const ctx = contextOf(item.params);
    return { loc: [where, ...path], msg: item.message ?? 'Invalid value', type: item.keyword, ...(ctx && { ctx }) };
  });
}

/** Raised by a route to answer 422 with a FastAPI-shaped list (e.g. a bad CSV line). */
export function validationError(items: ValidationItem[]): HttpError {
  return createError(422, 'Validation failed', { expose: true, items });
}

interface ErrorWithExtras {
  extras?: ErrorExtras;
  items?: ValidationItem[];
  expose?: boolean;
  headers?: Record<string, string>;
}

/**
 * Installs the error handler and the not-found handler (404, or 405 for a known path): every error
 * body is `{"detail": ...}`. Called before any route is added (see AllowedMethods).
 */
export function registerErrorHandling(app: FastifyInstance, notFoundPage?: NotFoundPage): void {
  const allowed = new AllowedMethods();
  allowed.collect(app);
  app.setErrorHandler((error: FastifyError & ErrorWithExtras, request, reply) => {
    // Schema validation (the zod type provider's errors arrive here as error.validation too).
    if (error.validation) {
      return reply.code(422).send({ detail: validationItems(error) });
    }
    if (error.items) return reply.code(422).send({ detail: error.items });

    const status = typeof error.statusCode === 'number' && error.statusCode >= 400 ? error.statusCode : 500;
    if (error.headers) reply.headers(error.headers);
    if (status >= 500 && error.expose !== true) {
      request.log.error({ err: error }, 'request failed');
      return reply.code(status).send({ detail: 'Internal Server Error' });
    }
    if (status >= 500) request.log.warn({ status, detail: error.message }, 'dependency failure');
    return reply.code(status).send({ detail: error.message, ...error.extras });
  });

  app.setNotFoundHandler(answerNotFound(allowed, notFoundPage));
}
