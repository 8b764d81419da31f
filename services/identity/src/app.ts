// buildApp(config, db): the identity service as a Fastify app (no listen; tests inject into it).
import type { Database } from '@tixgo/db';
import { createBaseApp, landingPage, watchDatabasePool } from '@tixgo/platform';
import type { FastifyInstance } from 'fastify';
import type { IdentityConfig } from './config.js';
import authRoutes from './routes/auth.js';
import revocationRoutes from './routes/revocations.js';
import usersRoutes from './routes/users.js';
import { RevocationSync } from './tokens/revocation-sync.js';
import { registerLoginThrottle } from './users/login-throttle.js';
import { createPasswordHasher, type PasswordHasher } from './users/password-hasher.js';

export const SERVICE_NAME = 'identity-service';

type RevocationSyncLog = { warn(obj: object, msg?: string): void; info(obj: object, msg?: string): void };

export interface IdentityDeps {
  db: Database;
  hasher?: PasswordHasher;
  /** The clock of refresh rotations and login throttles (tests move it; default: the real time). */
  now?: () => Date;
  /** The login slowdown's wait (tests see it without waiting). */
  sleep?: (ms: number) => Promise<void>;
}

export async function buildApp(config: IdentityConfig, deps: IdentityDeps): Promise<FastifyInstance> {
  const { pool } = deps.db;
  // Its own list from its own table (identity owns the accounts); the others poll its feed.
  let log: RevocationSyncLog = { warn: () => undefined, info: () => undefined };
  const revocations = new RevocationSync(pool, {
    tokenExpireMinutes: config.tokenExpireMinutes,
    pollSeconds: config.revocationPollSeconds,
    log: { warn: (obj, msg) => log.warn(obj, msg), info: (obj, msg) => log.info(obj, msg) },
  });
  const app = await createBaseApp({
    service: SERVICE_NAME,
    logLevel: config.logLevel,
    jwtSecret: config.jwtSecret,
    jwtPreviousSecret: config.jwtPreviousSecret,
    tokenExpireMinutes: config.tokenExpireMinutes,
    limits: config.serverLimits,
    metrics: { token: config.metricsToken },
    trustProxy: config.trustProxy,
    corsOrigins: config.corsOrigins,
    openapi: { title: 'TixGo identity', description: 'Users, passwords, roles and tokens.' },
    readiness: { database: () => deps.db.ping() },
    revocations: revocations.list,
  });
  log = app.log;
  watchDatabasePool(app.metricsRegistry, pool);
  app.addHook('onReady', async () => revocations.start());
  app.addHook('onClose', async () => revocations.stop());
  const hasher = deps.hasher ?? createPasswordHasher(config.bcryptCost);
  if (!deps.hasher) app.addHook('onClose', () => hasher.close());
  const now = deps.now ?? (() => new Date());
  const throttle = await registerLoginThrottle(app, config.loginLimits, {
    pool,
    now,
    ...(deps.sleep && { sleep: deps.sleep }),
  });
  await app.register(authRoutes, {
    pool,
    hasher,
    throttle,
    revocations,
    openRegistration: config.openRegistration,
    tokenExpireMinutes: config.tokenExpireMinutes,
    refreshTokenExpireDays: config.refreshTokenExpireDays,
    refreshReuseGraceSeconds: config.refreshReuseGraceSeconds,
    now,
  });
  await app.register(usersRoutes, { pool, revocations, hasher });
  await app.register(revocationRoutes, { revocations });
  await app.register(landingPage, { name: 'identity', description: 'Users, passwords, roles and tokens for TixGo.' });
  return app;
}
