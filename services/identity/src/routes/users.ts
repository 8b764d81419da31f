// Admin user management: GET /auth/users, PATCH and DELETE /auth/users/{username} (spec: identity, new).
import { UpdateUserBody, UserDetail, UserList, UsernameParams } from '@tixgo/contracts';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type pg from 'pg';
import { z } from 'zod';
import { verifyCurrentAdmin } from '../users/current-admin.js';
import { changeRole, deleteUser, listUsers, type UserRow } from '../users/users-repository.js';
import { parseRole } from './auth.js';

const toUserDetail = (user: UserRow) => ({
  username: user.username,
  role: user.role,
  created_at: user.createdAt.toISOString(),
});

const usersRoutes: FastifyPluginAsyncZod<{ pool: pg.Pool }> = async (app, { pool }) => {
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
        summary: "Change a user's role",
        security,
        params: UsernameParams,
        body: UpdateUserBody,
        response: { 200: UserDetail },
      },
    },
    async (request) => toUserDetail(await changeRole(pool, request.params.username, parseRole(request.body.role))),
  );

  app.delete(
    '/auth/users/:username',
    {
      ...adminOnly,
      schema: {
        tags: ['users'],
        summary: 'Delete a user and revoke their refresh tokens',
        security,
        params: UsernameParams,
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await deleteUser(pool, request.params.username);
      return reply.code(204).send(null);
    },
  );
};

export default usersRoutes;
