// Who is calling /api: a Bearer header (wins) or the session cookie, verified here before any upstream call.
import { AUTH_MESSAGES, type AuthUser, bearerToken, httpError, httpErrors, verifyAccessToken } from '@tixgo/platform';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { isCsvType, JSON_TYPE, mediaType } from '../media-type.js';
import type { Caller } from '../upstream/caller.js';
import { clearSessionCookie, refreshCookieToken, sessionToken } from './session-cookie.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route takes a text/csv body (the ticket upload), also from a cookie session. */
    acceptsCsv?: boolean;
  }
}

const MUTATING_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function hasAuthorizationHeader(request: FastifyRequest): boolean {
  const header = request.headers.authorization;
  return header !== undefined && header.trim() !== '';
}

/** Verifies the session cookie's token; a bad one is cleared so the browser stops sending it. */
function verifySessionToken(request: FastifyRequest, reply: FastifyReply, token: string): AuthUser {
  try {
    return verifyAccessToken(request.server, token);
  } catch (error) {
    clearSessionCookie(reply);
    throw error;
  }
}

/**
 * onRequest for every request: CSRF defence for writes that ride on the browser's cookies, next to
 * SameSite=Strict for browsers that ignore it. Decided on the route that matched, never on the raw
 * URL (`/%61pi/events/x` is routed as `/api/events/:id`). Such a write must
 * - come from this site when the browser says where it comes from (Sec-Fetch-Site, Origin), and
 * - say it sends JSON (or CSV where the route takes it): a cross-site form can only send form or text
 *   bodies, and anything else needs a CORS preflight that the portal never grants.
 */
export function requireJsonFromCookieSessions(
  request: FastifyRequest,
  _reply: FastifyReply,
  done: HookHandlerDoneFunction,
): void {
  if (!isCookieAuthenticatedWrite(request)) {
    done();
    return;
  }
  if (isCrossSite(request)) throw httpErrors.forbidden('Cross-site request refused');
  if (!sendsAcceptedType(request)) {
    throw httpError(415, 'Unsupported Media Type: requests made with the session cookie must send application/json');
  }
  done();
}

function isCookieAuthenticatedWrite(request: FastifyRequest): boolean {
  const route = request.routeOptions.url;
  if (route === undefined || !route.startsWith('/api/') || !MUTATING_METHODS.has(request.method)) return false;
  if (hasAuthorizationHeader(request)) return false;
  return sessionToken(request) !== undefined || refreshCookieToken(request) !== undefined;
}

/**
 * Sec-Fetch-Site and Origin are set by the browser itself (a page script cannot forge them); a client
 * that sends neither (curl with a cookie jar, an old browser) is held to the media-type rule alone.
 * Origin is compared by host: behind a TLS-terminating proxy the portal itself speaks plain HTTP.
 */
function isCrossSite(request: FastifyRequest): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') return true;
  const origin = request.headers.origin;
  if (origin === undefined) return false;
  try {
    return new URL(origin).host !== request.host;
  } catch {
    return true;
  }
}

function sendsAcceptedType(request: FastifyRequest): boolean {
  const type = mediaType(request.headers['content-type']);
  if (type === JSON_TYPE) return true;
  return isCsvType(type) && request.routeOptions.config.acceptsCsv === true;
}

/**
 * onRequest: the caller must present a valid token, in the Authorization header or the session cookie.
 * (Callback-style like every hook on the check-in path: Fastify catches what they throw, and they cost
 * no promise per request.)
 */
export function authenticateCaller(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  if (hasAuthorizationHeader(request)) {
    request.user = verifyAccessToken(request.server, bearerToken(request.headers.authorization));
  } else {
    const token = sessionToken(request);
    if (token === undefined) throw httpErrors.unauthorized(AUTH_MESSAGES.missingHeader);
    request.user = verifySessionToken(request, reply, token);
  }
  done();
}

/**
 * onRequest for routes open to anyone that still honour a token (register: an admin creating an
 * admin). A header is verified strictly; a stale session cookie is dropped rather than refused,
 * so a person whose session expired can still create an account.
 */
export function authenticateIfPresent(
  request: FastifyRequest,
  reply: FastifyReply,
  done: HookHandlerDoneFunction,
): void {
  const token = sessionToken(request);
  if (hasAuthorizationHeader(request)) {
    request.user = verifyAccessToken(request.server, bearerToken(request.headers.authorization));
  } else if (token !== undefined) {
    try {
      request.user = verifyAccessToken(request.server, token);
    } catch {
      clearSessionCookie(reply);
    }
  }
  done();
}

/** The caller as forwarded upstream: their own token (never a minted one) and tracing ids. */
export function callerOf(request: FastifyRequest): Caller {
  const user = request.user as AuthUser | undefined;
  return { token: user?.token, requestId: request.id, clientIp: request.ip };
}
