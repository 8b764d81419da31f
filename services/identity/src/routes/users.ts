// Admin user management: GET /auth/users, PATCH and DELETE /auth/users/{username} (spec: identity, new).
import { ErrorBody, ResetPasswordBody, UpdateUserBody, UserDetail, UserList, UsernameParams } from '@tixgo/contracts';
import { httpErrors } from '@tixgo/platform';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type pg from 'pg';
import { z } from 'zod';
import type { RevocationSync } from '../tokens/revocation-sync.js';
import { verifyCurrentAdmin } from '../users/current-admin.js';
import { isPasswordTooLong, type PasswordHasher } from '../users/password-hasher.js';
import { changeRole, deleteUser, listUsers, resetPassword, type UserRow } from '../users/users-repository.js';
import { parseAssignableRole } from './auth.js';

const toUserDetail = (user: UserRow) => ({
  username: user.username,
  role: user.role,
  created_at: user.createdAt.toISOString(),
});

const usersRoutes: FastifyPluginAsyncZod<{
  pool: pg.Pool;
  revocations: RevocationSync;
  hasher: PasswordHasher;
}> = async (app, { pool, revocations, hasher }) => {
  const adminOnly = {
    preHandler: async (request: FastifyRequest) => {
      request.user = await verifyCurrentAdmin(request, pool);
    },
  };
  const security = [{ bearerAuth: [] }];

  app.get(
    '/auth/users',
    { ...adminOnly, schema: { tags: ['users'], summary: 'All users', security, response: { 200: UserList } } },
    async () => ({ users: (await listUsers(pool)).map(toUserDetail) }),
  );

  app.patch(
    '/auth/users/:username',
    {
      ...adminOnly,
      schema: {
        tags: ['users'],
        summary: "Change a user's role (the user's older access tokens are revoked everywhere)",
        security,
        params: UsernameParams,
        body: UpdateUserBody,
        response: { 200: UserDetail },
      },
    },
    async (request) => {
      const { user, revoked } = await changeRole(pool, request.params.username, parseAssignableRole(request.body.role));
      if (revoked) revocations.applied(revoked);
      return toUserDetail(user);
    },
  );

  app.put(
    '/auth/users/:username/password',
    {
      ...adminOnly,
      schema: {
        tags: ['users'],
        summary: "Reset a member's password (admin): they are signed out everywhere and sign in with the new one",
        security,
        params: UsernameParams,
        body: ResetPasswordBody,
        response: { 200: UserDetail, 404: ErrorBody },
      },
    },
    async (request) => {
      const { password } = request.body;
      if (isPasswordTooLong(password)) throw httpErrors.badRequest('Password too long: at most 72 bytes');
      const { user, revoked } = await resetPassword(pool, request.params.username, await hasher.hash(password));
      revocations.applied(revoked);
      return toUserDetail(user);
    },
  );

  app.delete(
    '/auth/users/:username',
    {
      ...adminOnly,
      schema: {
        tags: ['users'],
        summary: 'Delete a user and revoke their refresh and access tokens',
        security,
        params: UsernameParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      revocations.applied(await deleteUser(pool, request.params.username));
      return reply.code(204).send(null);
    },
  );
};

export default usersRoutes;
