// /auth/register, /auth/login, /auth/me, /auth/refresh, /auth/logout (spec: identity).
import { LoginBody, MessageBody, RefreshBody, RegisterBody, RoleName, TokenResponse, UserOut } from '@tixgo/contracts';
import { AUTH_MESSAGES, authenticate, httpErrors, type Role, signAccessToken } from '@tixgo/platform';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type pg from 'pg';
import { issueRefreshToken, revokeRefreshFamily, rotateRefreshToken } from '../tokens/refresh-tokens.js';
import { verifyCurrentAdmin } from '../users/current-admin.js';
import type { LoginThrottle } from '../users/login-throttle.js';
import { isPasswordTooLong, type PasswordHasher } from '../users/password-hasher.js';
import { createUser, findUser } from '../users/users-repository.js';

export interface AuthRoutesOptions {
  pool: pg.Pool;
  hasher: PasswordHasher;
  throttle: LoginThrottle;
  tokenExpireMinutes: number;
  refreshTokenExpireDays: number;
}

const INVALID_LOGIN = 'Invalid username/password';

/** compat: the role is trimmed and lower-cased, then must be committee or admin (else 400). */
export function parseRole(value: string | undefined): Role {
  const role = RoleName.safeParse((value ?? 'committee').trim().toLowerCase());
  if (!role.success) throw httpErrors.badRequest("Invalid role: must be 'committee' or 'admin'");
  return role.data;
}

const authRoutes: FastifyPluginAsyncZod<AuthRoutesOptions> = async (app, options) => {
  const { pool, hasher, throttle } = options;

  /** The login/refresh answer: a fresh access token with the user's current role, and `refreshToken`. */
  const tokenResponse = (username: string, role: Role, refreshToken: string) => ({
    access_token: signAccessToken(app, username, role),
    token_type: 'bearer' as const,
    expires_in: options.tokenExpireMinutes * 60,
    refresh_token: refreshToken,
  });

  app.post(
    '/auth/register',
    {
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
      // new: the original let anyone register as admin; now that takes an admin's token.
      if (role === 'admin') {
        if (!request.headers.authorization) throw httpErrors.forbidden('Creating an admin requires an admin token');
        await verifyCurrentAdmin(request, pool);
      }
      const user = await createUser(pool, { username, role, passwordHash: await hasher.hash(password) });
      return { username: user.username, role: user.role };
    },
  );

  app.post(
    '/auth/login',
    {
      config: { rateLimit: throttle.perAddress },
      schema: {
        tags: ['auth'],
        summary: 'Exchange username and password for tokens',
        body: LoginBody,
        response: { 200: TokenResponse },
      },
    },
    async (request) => {
      const { username, password } = request.body;
      await throttle.assertUsernameAllowed(request);
      const user = username.length <= 50 ? await findUser(pool, username) : undefined;
      const valid =
        user && !isPasswordTooLong(password)
          ? await hasher.verify(password, user.passwordHash)
          : await hasher.verifyAgainstDummy(password);
      if (!user || !valid) {
        await throttle.recordFailure(request);
        throw httpErrors.unauthorized(INVALID_LOGIN);
      }
      return tokenResponse(
        user.username,
        user.role,
        await issueRefreshToken(pool, user.id, options.refreshTokenExpireDays),
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
      // The role comes from the database: a role changed by an admin shows at once.
      const user = await findUser(pool, request.user.username);
      if (!user) throw httpErrors.unauthorized(AUTH_MESSAGES.invalid);
      return { username: user.username, role: user.role };
    },
  );

  app.post(
    '/auth/refresh',
    {
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
        options.refreshTokenExpireDays,
      );
      return tokenResponse(owner.username, owner.role, refreshToken);
    },
  );

  app.post(
    '/auth/logout',
    {
      schema: {
        tags: ['auth'],
        summary: 'Revoke a refresh token (and every token rotated from the same login)',
        body: RefreshBody,
        response: { 200: MessageBody },
      },
    },
    async (request) => {
      await revokeRefreshFamily(pool, request.body.refresh_token);
      return { message: 'Logged out' };
    },
  );
};

export default authRoutes;
