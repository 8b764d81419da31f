// buildApp(config, db): the identity service as a Fastify app (no listen; tests inject into it).
import type { Database } from '@tixgo/db';
import { createBaseApp, landingPage } from '@tixgo/platform';
import type { FastifyInstance } from 'fastify';
import type { IdentityConfig } from './config.js';
import authRoutes from './routes/auth.js';
import usersRoutes from './routes/users.js';
import { registerLoginThrottle } from './users/login-throttle.js';
import { createPasswordHasher, type PasswordHasher } from './users/password-hasher.js';

export const SERVICE_NAME = 'identity-service';

export interface IdentityDeps {
  db: Database;
  hasher?: PasswordHasher;
}

export async function buildApp(config: IdentityConfig, deps: IdentityDeps): Promise<FastifyInstance> {
  const app = await createBaseApp({
    service: SERVICE_NAME,
    logLevel: config.logLevel,
    jwtSecret: config.jwtSecret,
    tokenExpireMinutes: config.tokenExpireMinutes,
    limits: config.serverLimits,
    trustProxy: config.trustProxy,
    openapi: { title: 'TixGo identity', description: 'Users, passwords, roles and tokens.' },
    readiness: { database: () => deps.db.ping() },
  });
  const hasher = deps.hasher ?? createPasswordHasher(config.bcryptCost);
  const throttle = await registerLoginThrottle(app, config.loginLimits);
  const { pool } = deps.db;
  await app.register(authRoutes, {
    pool,
    hasher,
    throttle,
    tokenExpireMinutes: config.tokenExpireMinutes,
    refreshTokenExpireDays: config.refreshTokenExpireDays,
  });
  await app.register(usersRoutes, { pool });
  await app.register(landingPage, { name: 'identity', description: 'Users, passwords, roles and tokens for TixGo.' });
  return app;
}
