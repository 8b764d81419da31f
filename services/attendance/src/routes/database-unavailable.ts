// Answers 503 "Database unavailable" (not 500) when PostgreSQL cannot be reached, so clients and the portal retry.
import { httpError } from '@tixgo/platform';
import type { FastifyInstance } from 'fastify';

/** Socket-level failures of node-postgres while connecting or talking to the server. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH']);

// SQLSTATEs that mean "the database is not there right now", not "this request is wrong":
// connection exceptions (08), shutdowns and start-ups (57P01-57P03), too many connections
// (53300), a database closed to connections (55000).
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300', '55000']);

const NODE_PG_MESSAGES = [
  'timeout exceeded when trying to connect',
  'Connection terminated',
  'Client has encountered a connection error',
];

export function isDatabaseUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || UNAVAILABLE_STATES.has(code) || code.startsWith('08'))) {
    return true;
  }
  return typeof message === 'string' && NODE_PG_MESSAGES.some((text) => message.includes(text));
}

/**
 * Wraps the error handler of `scope`: a database outage becomes a deliberate 503 (logged as a
 * dependency failure by the platform's handler), everything else is handled as before.
 */
export function answerDatabaseOutagesWith503(scope: FastifyInstance): void {
  const handle = scope.errorHandler;
  scope.setErrorHandler((error, request, reply) =>
    handle(isDatabaseUnavailable(error) ? httpError(503, 'Database unavailable') : error, request, reply),
  );
}
