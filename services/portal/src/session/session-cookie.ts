// The browser session's two cookies: the access token (every /api request) and the refresh token (only /api/session).
import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const SESSION_COOKIE = 'tixgo_session';
export const REFRESH_COOKIE = 'tixgo_refresh';
/** The refresh cookie goes only to the session routes (renew, sign out), never to the rest of /api. */
export const SESSION_PATH = '/api/session';

// Spec (portal): never in localStorage; HttpOnly keeps them from page scripts, SameSite=Strict from
// other sites' requests, Secure from plain HTTP (the portal behind a proxy is still HTTPS to the browser).
const COOKIE_OPTIONS: CookieSerializeOptions = { httpOnly: true, secure: true, sameSite: 'strict', path: '/' };
const REFRESH_OPTIONS: CookieSerializeOptions = { ...COOKIE_OPTIONS, path: SESSION_PATH };

/** Starts (or renews) the session with `accessToken`, for as long as the token itself lives. */
export function setSessionCookie(reply: FastifyReply, accessToken: string, maxAgeSeconds: number): void {
  reply.setCookie(SESSION_COOKIE, accessToken, { ...COOKIE_OPTIONS, maxAge: maxAgeSeconds });
}

export function clearSessionCookie(reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, COOKIE_OPTIONS);
}

/** Keeps the (rotated) refresh token of a browser session for `maxAgeSeconds`. */
export function setRefreshCookie(reply: FastifyReply, refreshToken: string, maxAgeSeconds: number): void {
  reply.setCookie(REFRESH_COOKIE, refreshToken, { ...REFRESH_OPTIONS, maxAge: maxAgeSeconds });
}

export function clearRefreshCookie(reply: FastifyReply): void {
  reply.clearCookie(REFRESH_COOKIE, REFRESH_OPTIONS);
}

const cookieValue = (request: FastifyRequest, name: string) => {
  const value = request.cookies[name];
  return value === undefined || value === '' ? undefined : value;
};

export function sessionToken(request: FastifyRequest): string | undefined {
  return cookieValue(request, SESSION_COOKIE);
}

export function refreshCookieToken(request: FastifyRequest): string | undefined {
  return cookieValue(request, REFRESH_COOKIE);
}
