// Starts the attendance service from the environment: database (migrated), listen, stop on signals.
import { openDatabase } from '@tixgo/db';
import { startService } from '@tixgo/platform';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { MIGRATIONS_DIR } from './migrations-dir.js';

await startService('attendance', loadConfig, async (config, log) => {
  const db = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    migrationsDir: MIGRATIONS_DIR,
    poolSize: config.dbPoolSize,
    applicationName: 'tixgo-attendance',
    log,
  });
  const app = await buildApp(config, { db });
  app.addHook('onClose', () => db.close());
  return app;
});
