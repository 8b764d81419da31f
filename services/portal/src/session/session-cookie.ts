// The browser session: the caller's access token in an HttpOnly, Secure, SameSite=Strict cookie.
import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const SESSION_COOKIE = 'tixgo_session';

// Spec (portal): never in localStorage; HttpOnly keeps it from page scripts, SameSite=Strict from
// other sites' requests, Secure from plain HTTP (the portal behind a proxy is still HTTPS to the browser).
const COOKIE_OPTIONS: CookieSerializeOptions = { httpOnly: true, secure: true, sameSite: 'strict', path: '/' };

/** Starts (or renews) the session with `accessToken`, for as long as the token itself lives. */
export function setSessionCookie(reply: FastifyReply, accessToken: string, maxAgeSeconds: number): void {
  reply.setCookie(SESSION_COOKIE, accessToken, { ...COOKIE_OPTIONS, maxAge: maxAgeSeconds });
}

export function clearSessionCookie(reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, COOKIE_OPTIONS);
}

export function sessionToken(request: FastifyRequest): string | undefined {
  const value = request.cookies[SESSION_COOKIE];
  return value === undefined || value === '' ? undefined : value;
}
