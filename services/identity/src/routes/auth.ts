// /auth/register, /auth/login, /auth/me, /auth/refresh, /auth/logout (spec: identity).
import {
  AccountRole,
  AuthSettings,
  LoginBody,
  MessageBody,
  normalizeUsername,
  RefreshBody,
  RegisterBody,
  RoleName,
  TokenResponse,
  UserOut,
} from '@tixgo/contracts';
import {
  AUTH_BODY_LIMIT_BYTES,
  AUTH_MESSAGES,
  authenticate,
  httpErrors,
  type Role,
  signAccessToken,
  type TokenSubject,
} from '@tixgo/platform';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type pg from 'pg';
import { issueRefreshToken, revokeRefreshFamily, rotateRefreshToken } from '../tokens/refresh-tokens.js';
import type { RevocationSync } from '../tokens/revocation-sync.js';
import { verifyCurrentAdmin } from '../users/current-admin.js';
import type { LoginThrottle } from '../users/login-throttle.js';
import { isPasswordTooLong, type PasswordHasher } from '../users/password-hasher.js';
import { createUser, findUser } from '../users/users-repository.js';

export interface AuthRoutesOptions {
  pool: pg.Pool;
  hasher: PasswordHasher;
  throttle: LoginThrottle;
  revocations: RevocationSync;
  /** false: only an admin's token creates accounts. */
  openRegistration: boolean;
  tokenExpireMinutes: number;
  refreshTokenExpireDays: number;
  refreshReuseGraceSeconds: number;
  /** The time refresh rotations are judged by (a test moves it). */
  now: () => Date;
}

const INVALID_LOGIN = 'Invalid username/password';
export const REGISTRATION_CLOSED = 'Registration is closed: an admin creates accounts';

/** compat: the role is trimmed and lower-cased, then must be committee or admin (else 400). */
export function parseRole(value: string | undefined): Role {
  const role = RoleName.safeParse((value ?? 'committee').trim().toLowerCase());
  if (!role.success) throw httpErrors.badRequest("Invalid role: must be 'committee' or 'admin'");
  return role.data;
}

/** A role an admin gives (PATCH /auth/users/{username}): also `supervisor` (issue 16); trimmed and lower-cased. */
export function parseAssignableRole(value: string): Role {
  const role = AccountRole.safeParse(value.trim().toLowerCase());
  if (!role.success) throw httpErrors.badRequest("Invalid role: must be 'committee', 'supervisor' or 'admin'");
  return role.data;
}

const authRoutes: FastifyPluginAsyncZod<AuthRoutesOptions> = async (app, options) => {
  const { pool, hasher, throttle, revocations } = options;
  const rotationPolicy = {
    lifetimeDays: options.refreshTokenExpireDays,
    reuseGraceMs: options.refreshReuseGraceSeconds * 1000,
    now: options.now,
  };

  /** The login/refresh answer: a fresh access token with the account's current role and version, and `refreshToken`. */
  const tokenResponse = (subject: TokenSubject, refreshToken: string) => ({
    access_token: signAccessToken(app, subject),
    token_type: 'bearer' as const,
    expires_in: options.tokenExpireMinutes * 60,
    refresh_token: refreshToken,
  });

  // new: public, so a sign-in page offers "create an account" only where it works.
  app.get(
    '/auth/settings',
    {
      schema: {
        tags: ['auth'],
        summary: 'What a sign-in page needs before anyone signs in: whether self-registration is open',
        response: { 200: AuthSettings },
      },
    },
    async () => ({ registration_open: options.openRegistration }),
  );

  app.post(
    '/auth/register',
    {
      bodyLimit: AUTH_BODY_LIMIT_BYTES,
      config: { rateLimit: throttle.perAddress },
      schema: {
        tags: ['auth'],
        summary: 'Create a user (admin role only with an admin token)',
        body: RegisterBody,
        response: { 200: UserOut },
      },
    },
    async (request) => {
      const { username, password } = request.body;
      const role = parseRole(request.body.role);
      if (isPasswordTooLong(password)) throw httpErrors.badRequest('Password too long: at most 72 bytes');
      // new: the original let anyone register as admin; now that takes an admin's token. With
      // registration closed (production's default), every account does.
      if (!request.headers.authorization) {
        if (role === 'admin') throw httpErrors.forbidden('Creating an admin requires an admin token');
        if (!options.openRegistration) throw httpErrors.forbidden(REGISTRATION_CLOSED);
      } else if (role === 'admin' || !options.openRegistration) {
        await verifyCurrentAdmin(request, pool);
      }
      const user = await createUser(pool, { username, role, passwordHash: await hasher.hash(password) });
      return { username: user.username, role: user.role };
    },
  );

  app.post(
    '/auth/login',
    {
      bodyLimit: AUTH_BODY_LIMIT_BYTES,
      config: { rateLimit: throttle.perAddress },
      schema: {
        tags: ['auth'],
        summary: 'Exchange username and password for tokens',
        body: LoginBody,
        response: { 200: TokenResponse },
      },
    },
    async (request) => {
      const { password } = request.body;
      // The same normalisation as registration: "panitia1 " is panitia1, a full-width letter its ASCII one.
      const username = normalizeUsername(request.body.username);
      await throttle.beforeAttempt(request, username);
      const user = username.length <= 50 ? await findUser(pool, username) : undefined;
      const valid =
        user && !isPasswordTooLong(password)
          ? await hasher.verify(password, user.passwordHash)
          : await hasher.verifyAgainstDummy(password);
      if (!user || !valid) {
        await throttle.recordFailure(request, username);
        throw httpErrors.unauthorized(INVALID_LOGIN);
      }
      await throttle.recordSuccess(request, username);
      const { refreshToken, sid } = await issueRefreshToken(pool, user.id, rotationPolicy);
      return tokenResponse(
        { username: user.username, role: user.role, uid: user.uid, sid, ver: user.tokenVersion },
        refreshToken,
      );
    },
  );

  app.get(
    '/auth/me',
    {
      preHandler: authenticate,
      schema: { tags: ['auth'], summary: 'The caller', security: [{ bearerAuth: [] }], response: { 200: UserOut } },
    },
    async (request) => {
      // The account comes from the database: a deleted one, or another account registered
      // since under the same name (another uid), does not answer to this token.
      const user = await findUser(pool, request.user.username);
      if (!user || user.uid !== request.user.uid) throw httpErrors.unauthorized(AUTH_MESSAGES.invalid);
      return { username: user.username, role: user.role };
    },
  );

  app.post(
    '/auth/refresh',
    {
      bodyLimit: AUTH_BODY_LIMIT_BYTES,
      // Each renewal is a database round; counted per client address like a login (issue 15, item 7).
      config: { rateLimit: throttle.perAddress },
      schema: {
        tags: ['auth'],
        summary: 'Rotate a refresh token: new access and refresh tokens',
        body: RefreshBody,
        response: { 200: TokenResponse },
      },
    },
    async (request) => {
      const { owner, refreshToken } = await rotateRefreshToken(
        pool,
        request.body.refresh_token,
        rotationPolicy,
        (revoked) => revocations.applied(revoked),
      );
      return tokenResponse(owner, refreshToken);
    },
  );

  app.post(
    '/auth/logout',
    {
      bodyLimit: AUTH_BODY_LIMIT_BYTES,
      schema: {
        tags: ['auth'],
        summary: 'End a login: its refresh tokens, and its access tokens at every service within seconds',
        body: RefreshBody,
        response: { 200: MessageBody },
      },
    },
    async (request) => {
      const revoked = await revokeRefreshFamily(pool, request.body.refresh_token);
      if (revoked) revocations.applied(revoked);
      return { message: 'Logged out' };
    },
  );
};

export default authRoutes;
