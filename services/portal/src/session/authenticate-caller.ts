// Who is calling /api: a Bearer header (wins) or the session cookie, verified here before any upstream call.
import { AUTH_MESSAGES, type AuthUser, bearerToken, httpError, httpErrors, verifyAccessToken } from '@tixgo/platform';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { isCsvType, JSON_TYPE, mediaType } from '../media-type.js';
import type { Caller } from '../upstream/caller.js';
import { clearSessionCookie, sessionToken } from './session-cookie.js';

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
 * onRequest for every request: a mutating /api request that rides on the session cookie must say it
 * sends JSON (or CSV where the route takes it). A cross-site form can only send form or text bodies,
 * and anything else needs a CORS preflight that the portal never grants — CSRF defence next to
 * SameSite=Strict for browsers that ignore it.
 */
export function requireJsonFromCookieSessions(
  request: FastifyRequest,
  _reply: FastifyReply,
  done: HookHandlerDoneFunction,
): void {
  if (isCsrfSafe(request)) done();
  else throw httpError(415, 'Unsupported Media Type: requests made with the session cookie must send application/json');
}

function isCsrfSafe(request: FastifyRequest): boolean {
  if (!request.url.startsWith('/api/') || !MUTATING_METHODS.has(request.method)) return true;
  if (hasAuthorizationHeader(request) || sessionToken(request) === undefined) return true;
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
