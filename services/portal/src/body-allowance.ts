// How large a body each request may send to the portal, decided before a byte of it is read (issue 15, items 1 and 7).
//
// Fastify's bodyLimit is one number per route. The ticket import needs a large one, but only for an
// admin and only for its CSV (which is streamed on, never held); a committee token sending 16 MiB of
// JSON there must be refused before parsing, not after. So every route gets a small limit unless it
// declares its own, and a route may narrow its limit per request (`config.bodyAllowance`), once the
// caller is known (onRequest authenticated it): a declared Content-Length above the allowance is a 413
// at once, and a chunked body is cut off when it passes it.
import { Transform } from 'node:stream';
import { AUTH_BODY_LIMIT_BYTES, type AuthUser, httpError } from '@tixgo/platform';
import type { FastifyInstance, FastifyRequest, preParsingHookHandler } from 'fastify';

/** Sign-in, renewal, sign-out, registration: small JSON documents that anyone may send (as identity's). */
export { AUTH_BODY_LIMIT_BYTES };
/** Every other route unless it declares more: an event, a check-in, a ticket correction. */
export const DEFAULT_BODY_LIMIT_BYTES = 64 * 1024;
/** The spec's shared limit (1 MiB): a check-in batch of 200, a ticket list sent as JSON by an admin. */
export const SPEC_BODY_LIMIT_BYTES = 1024 * 1024;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** This request's body limit, at most the route's bodyLimit; asked after onRequest (the caller is known). */
    bodyAllowance?: (request: FastifyRequest) => number;
  }
}

/** Routes anyone may call before they have a token: the small limit (see AUTH_BODY_LIMIT_BYTES). */
const isAuthRoute = (url: string) => url.startsWith('/api/auth/') || url.startsWith('/api/session');

export function isAdmin(request: FastifyRequest): boolean {
  return (request.user as AuthUser | undefined)?.role === 'admin';
}

// Fastify's own 413 text, so every body over its limit reads the same.
const tooLarge = () => httpError(413, 'Request body is too large');

/** The body as it arrives, failing with a 413 past `allowance` bytes. */
function allowanceCounter(allowance: number): Transform {
  let received = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      received += chunk.length;
      if (received > allowance) callback(tooLarge());
      else callback(null, chunk);
    },
  });
}

const enforceAllowance: preParsingHookHandler = (request, _reply, payload, done) => {
  const allowance = request.routeOptions.config.bodyAllowance?.(request);
  if (allowance === undefined) {
    done(null, payload);
    return;
  }
  if (Number(request.headers['content-length'] ?? 0) > allowance) {
    done(tooLarge(), undefined);
    return;
  }
  const counted = allowanceCounter(allowance);
  payload.on('error', (error) => counted.destroy(error));
  done(null, payload.pipe(counted));
};

/**
 * Registered before the routes: each route without its own bodyLimit gets the small one of its kind
 * (the onRoute hook runs as each route is added), and preParsing applies a route's per-request allowance.
 */
export function limitBodiesBeforeReading(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    route.bodyLimit ??= isAuthRoute(route.url) ? AUTH_BODY_LIMIT_BYTES : DEFAULT_BODY_LIMIT_BYTES;
  });
  app.addHook('preParsing', enforceAllowance);
}
