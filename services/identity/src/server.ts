// Starts the identity service from the environment: database, seed users, listen, stop on signals.
import { openDatabase } from '@tixgo/db';
import { startService } from '@tixgo/platform';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { MIGRATIONS_DIR } from './migrations-dir.js';
import { createPasswordHasher } from './users/password-hasher.js';
import { seedUsers } from './users/seed-users.js';

await startService('identity', loadConfig, async (config, log) => {
  const db = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    migrationsDir: MIGRATIONS_DIR,
    poolSize: config.dbPoolSize,
    applicationName: 'tixgo-identity',
    log,
  });
  const hasher = createPasswordHasher(config.bcryptCost);
  await seedUsers(db.pool, hasher, { demo: config.seedDemoUsers, admin: config.bootstrapAdmin }, log);
  const app = await buildApp(config, { db, hasher });
  app.addHook('onClose', async () => {
    await hasher.close();
    await db.close();
  });
  return app;
});
