// Answers 503 "Database unavailable" (not 500) when PostgreSQL cannot be reached, so clients and the portal retry.
import { httpError } from '@tixgo/platform';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';

/** Socket-level failures of node-postgres while connecting or talking to the server. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH']);

// SQLSTATEs that mean "the database is not there right now", not "this request is wrong":
// connection exceptions (08), shutdowns and start-ups (57P01-57P03), too many connections
// (53300), a database closed to connections (55000).
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300', '55000']);

/** Errors node-postgres and its pool make themselves when a connection fails or cannot be had. */
const NODE_PG_MESSAGES = [
  'timeout exceeded when trying to connect',
  'Connection terminated',
  'Client has encountered a connection error',
];

/**
 * Whether `error` is the database being unreachable. Only errors that come from node-postgres or
 * PostgreSQL count, never one of the request's own: a client that goes away in the middle of its
 * body fails the request stream with ECONNRESET too, and that is no outage (issue 10, item 15).
 *
 * - PostgreSQL's own refusals arrive as pg.DatabaseError with a SQLSTATE.
 * - node-postgres passes its socket's error on as it is (`connect ECONNREFUSED`, `read ECONNRESET`):
 *   those carry the failed system call. A request stream's error does not (Node's "aborted" is made
 *   without one), and Fastify gives it a 400 status; attendance opens no other sockets.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error instanceof pg.DatabaseError) {
    const code = error.code ?? '';
    return UNAVAILABLE_STATES.has(code) || code.startsWith('08');
  }
  const { code, syscall, statusCode } = error as NodeJS.ErrnoException & { statusCode?: unknown };
  // Already an HTTP answer (a request-stream failure is a 400): the request's own, whatever its code.
  if (typeof statusCode === 'number') return false;
  if (typeof syscall === 'string' && typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  return NODE_PG_MESSAGES.some((text) => error.message.startsWith(text));
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
