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
   * The problem's numbers, as FastAPI's `ctx` (the CSV import's line problems: `maximum`, `fields`,
   * `expected`…), so a client words the problem in its own language; `msg` stays the English sentence.
   * Schema validation items keep the compat three fields.
   */
  ctx?: Record<string, string | number>;
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
    return { loc: [where, ...path], msg: item.message ?? 'Invalid value', type: item.keyword };
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
