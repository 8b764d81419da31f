// /api/session (new): the web UI's browser session — sign in, who is signed in, renew, sign out — with both tokens in HttpOnly cookies only.
import { ErrorBody, LoginBody, MessageBody, SessionInfo, type TokenResponse } from '@tixgo/contracts';
import { verifyAccessToken } from '@tixgo/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { authenticateCaller, callerOf } from '../session/authenticate-caller.js';
import {
  clearRefreshCookie,
  clearSessionCookie,
  refreshCookieToken,
  setRefreshCookie,
  setSessionCookie,
} from '../session/session-cookie.js';
import type { IdentityClient } from '../upstream/identity-client.js';
import { sendUpstream, upstreamJson } from '../upstream/pass-through.js';
import { jsonBody, type UpstreamResponse } from '../upstream/upstream-client.js';

export interface SessionRoutesOptions {
  identity: IdentityClient;
  /** Access-token lifetime when identity's answer does not say (its expires_in normally does). */
  tokenExpireMinutes: number;
  /** How long the browser keeps the refresh cookie (identity may end the session sooner). */
  refreshCookieMaxAgeSeconds: number;
}

const SignedOut = MessageBody.extend({
  revoked: z.boolean().describe('false when identity could not be told: the browser is signed out all the same'),
});

const sessionRoutes: FastifyPluginAsyncZod<SessionRoutesOptions> = async (app, options) => {
  const { identity } = options;
  const tags = ['session'];

  /** Keeps identity's token answer in the two cookies; the page learns only who is signed in and until when. */
  function startSession(reply: FastifyReply, upstream: UpstreamResponse): SessionInfo {
    const tokens = upstreamJson<TokenResponse>(upstream);
    const user = verifyAccessToken(app, tokens.access_token);
    const expiresIn = tokens.expires_in ?? options.tokenExpireMinutes * 60;
    setSessionCookie(reply, tokens.access_token, expiresIn);
    setRefreshCookie(reply, tokens.refresh_token, options.refreshCookieMaxAgeSeconds);
    return { username: user.username, role: user.role, expires_in: expiresIn };
  }

  function endSession(reply: FastifyReply): void {
    clearSessionCookie(reply);
    clearRefreshCookie(reply);
  }

  /** Revokes a refresh token at identity; false when identity could not be reached. */
  async function revoke(request: FastifyRequest, refreshToken: string): Promise<boolean> {
    try {
      const upstream = await identity.forward({
        method: 'POST',
        path: '/auth/logout',
        caller: callerOf(request),
        ...jsonBody({ refresh_token: refreshToken }),
      });
      return upstream.status === 200;
    } catch (error) {
      request.log.warn({ err: error }, 'sign-out could not revoke the refresh token');
      return false;
    }
  }

  app.post(
    '/api/session',
    {
      schema: {
        tags,
        summary: 'Sign in from the browser: the tokens go into HttpOnly cookies, the answer says who and how long',
        body: LoginBody,
        response: { 200: SessionInfo, 401: ErrorBody, 429: ErrorBody },
      },
    },
    async (request, reply) => {
      const upstream = await identity.forward({
        method: 'POST',
        path: '/auth/login',
        caller: callerOf(request),
        ...jsonBody(request.body),
      });
      if (upstream.status !== 200) return sendUpstream(reply, upstream);
      // Signing in again on this browser ends the session it had before.
      const previous = refreshCookieToken(request);
      if (previous !== undefined) await revoke(request, previous);
      return startSession(reply, upstream);
    },
  );

  app.get(
    '/api/session',
    {
      onRequest: authenticateCaller,
      schema: { tags, summary: 'Who is signed in, and for how long', response: { 200: SessionInfo, 401: ErrorBody } },
    },
    async (request) => {
      const { exp } = app.jwt.decode<{ exp: number }>(request.user.token) ?? { exp: 0 };
      const expiresIn = Math.max(0, exp - Math.floor(Date.now() / 1000));
      return { username: request.user.username, role: request.user.role, expires_in: expiresIn };
    },
  );

  app.post(
    '/api/session/refresh',
    {
      schema: {
        tags,
        summary: 'Renew the browser session with its refresh cookie (rotated, as identity rotates it)',
        description:
          'Renewals that carry the same refresh cookie within a few seconds (two tabs at once, a retry ' +
          'through another portal) get the same rotation: identity keeps it. 401 clears both cookies: sign in again.',
        response: { 200: SessionInfo, 401: ErrorBody },
      },
    },
    async (request, reply) => {
      const refreshToken = refreshCookieToken(request);
      if (refreshToken === undefined) {
        endSession(reply);
        return reply.code(401).send({ detail: 'No session to renew: sign in again' });
      }
      // Identity answers a token presented again within its grace with the same successor, so
      // two tabs, or a retry through another portal, share one rotation with nothing kept here.
      const upstream = await identity.forward({
        method: 'POST',
        path: '/auth/refresh',
        caller: callerOf(request),
        ...jsonBody({ refresh_token: refreshToken }),
      });
      if (upstream.status === 200) return startSession(reply, upstream);
      endSession(reply);
      return sendUpstream(reply, upstream);
    },
  );

  app.delete(
    '/api/session',
    {
      schema: {
        tags,
        summary: 'Sign out: revokes the session at identity and clears both cookies',
        response: { 200: SignedOut },
      },
    },
    async (request, reply) => {
      // The cookies go whatever identity answers: signing out must always work in the browser.
      endSession(reply);
      const refreshToken = refreshCookieToken(request);
      const revoked = refreshToken === undefined ? true : await revoke(request, refreshToken);
      return { message: 'Logged out', revoked };
    },
  );
};

export default sessionRoutes;
