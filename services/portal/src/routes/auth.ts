// /api/auth/*: identity's endpoints through the portal; login and refresh also start the browser session.
import {
  AuthSettings,
  ErrorBody,
  LoginBody,
  MessageBody,
  PortalLogoutBody,
  RefreshBody,
  RegisterBody,
  ResetPasswordBody,
  TokenResponse,
  UpdateUserBody,
  UserDetail,
  UserList,
  UsernameParams,
  UserOut,
} from '@tixgo/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { authenticateCaller, authenticateIfPresent, callerOf } from '../session/authenticate-caller.js';
import { clearSessionCookie, setSessionCookie } from '../session/session-cookie.js';
import { CachedRead } from '../upstream/cached-read.js';
import type { IdentityClient } from '../upstream/identity-client.js';
import { relayTo, sendUpstream, upstreamJson } from '../upstream/pass-through.js';
import { jsonBody } from '../upstream/upstream-client.js';

export interface AuthRoutesOptions {
  identity: IdentityClient;
  /** The clock of the settings cache (tests move it). */
  now?: () => number;
  /** Session length when identity's answer does not say (its expires_in normally does). */
  tokenExpireMinutes: number;
}

const security = [{ bearerAuth: [] }];

/**
 * identity's public settings change only when it restarts with other variables: one read serves every
 * sign-in page for this long, so a crowd opening the page at shift start is one request upstream.
 */
export const AUTH_SETTINGS_TTL_MS = 30_000;

const authRoutes: FastifyPluginAsyncZod<AuthRoutesOptions> = async (app, { identity, tokenExpireMinutes, now }) => {
  const relay = relayTo(identity);
  const settings = new CachedRead(() => identity.forward({ method: 'GET', path: '/auth/settings' }), {
    ttlMs: AUTH_SETTINGS_TTL_MS,
    now,
  });
  const userPath = (username: string) => `/auth/users/${encodeURIComponent(username)}`;

  /** Forwards a login or refresh; a token answer also keeps its access token in the session cookie. */
  const relayTokens = async (request: FastifyRequest, reply: FastifyReply, path: string) => {
    const upstream = await identity.forward({
      method: 'POST',
      path,
      caller: callerOf(request),
      ...jsonBody(request.body),
    });
    if (upstream.status === 200) {
      const tokens = upstreamJson<TokenResponse>(upstream);
      setSessionCookie(reply, tokens.access_token, tokens.expires_in ?? tokenExpireMinutes * 60);
    }
    return sendUpstream(reply, upstream);
  };

  app.get(
    '/api/auth/settings',
    {
      schema: {
        tags: ['auth'],
        summary: "identity's public settings (whether self-registration is open), kept for 30 s",
        response: { 200: AuthSettings },
      },
    },
    async (_request, reply) => sendUpstream(reply, await settings.get()),
  );

  app.post(
    '/api/auth/register',
    {
      onRequest: authenticateIfPresent,
      schema: {
        tags: ['auth'],
        summary: 'Create a user (admin role only with an admin token)',
        body: RegisterBody,
        response: { 200: UserOut, 409: ErrorBody },
      },
    },
    async (request, reply) => relay(request, reply, 'POST', '/auth/register', jsonBody(request.body)),
  );

  app.post(
    '/api/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Exchange username and password for tokens; also starts the browser session (cookie)',
        body: LoginBody,
        response: { 200: TokenResponse, 401: ErrorBody, 429: ErrorBody },
      },
    },
    async (request, reply) => relayTokens(request, reply, '/auth/login'),
  );

  app.get(
    '/api/auth/me',
    {
      onRequest: authenticateCaller,
      schema: { tags: ['auth'], summary: 'The caller', security, response: { 200: UserOut, 401: ErrorBody } },
    },
    async (request, reply) => relay(request, reply, 'GET', '/auth/me'),
  );

  app.post(
    '/api/auth/refresh',
    {
      schema: {
        tags: ['auth'],
        summary: 'Rotate a refresh token: new access and refresh tokens (the session cookie follows)',
        body: RefreshBody,
        response: { 200: TokenResponse, 401: ErrorBody },
      },
    },
    async (request, reply) => relayTokens(request, reply, '/auth/refresh'),
  );

  app.post(
    '/api/auth/logout',
    {
      schema: {
        tags: ['auth'],
        summary: 'End the browser session; also revokes the refresh token when one is given',
        body: PortalLogoutBody.nullish(),
        response: { 200: MessageBody },
      },
    },
    async (request, reply) => {
      // The cookie goes whatever identity answers: logging out must always work in the browser.
      clearSessionCookie(reply);
      if (request.body?.refresh_token === undefined) return { message: 'Logged out' };
      return relay(request, reply, 'POST', '/auth/logout', jsonBody(request.body));
    },
  );

  app.get(
    '/api/auth/users',
    {
      onRequest: authenticateCaller,
      schema: { tags: ['users'], summary: 'All users (admin)', security, response: { 200: UserList } },
    },
    async (request, reply) => relay(request, reply, 'GET', '/auth/users'),
  );

  app.patch(
    '/api/auth/users/:username',
    {
      onRequest: authenticateCaller,
      schema: {
        tags: ['users'],
        summary: "Change a user's role (admin)",
        security,
        params: UsernameParams,
        body: UpdateUserBody,
        response: { 200: UserDetail },
      },
    },
    async (request, reply) => relay(request, reply, 'PATCH', userPath(request.params.username), jsonBody(request.body)),
  );

  app.put(
    '/api/auth/users/:username/password',
    {
      onRequest: authenticateCaller,
      schema: {
        tags: ['users'],
        summary: "Reset a member's password (admin): they are signed out everywhere",
        security,
        params: UsernameParams,
        body: ResetPasswordBody,
        response: { 200: UserDetail },
      },
    },
    async (request, reply) =>
      relay(request, reply, 'PUT', `${userPath(request.params.username)}/password`, jsonBody(request.body)),
  );

  app.delete(
    '/api/auth/users/:username',
    {
      onRequest: authenticateCaller,
      schema: {
        tags: ['users'],
        summary: 'Delete a user (admin)',
        security,
        params: UsernameParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => relay(request, reply, 'DELETE', userPath(request.params.username)),
  );
};

export default authRoutes;
