// Starts the attendance service from the environment: database (migrated), listen, stop on signals.
import { startService } from '@tixgo/platform';
import { buildApp } from './app.js';
import { openAttendanceDatabase } from './attendance-database.js';
import { loadConfig } from './config.js';

await startService('attendance', loadConfig, async (config, log) => {
  const db = await openAttendanceDatabase(config, log);
  const app = await buildApp(config, { db });
  app.addHook('onClose', () => db.close());
  return app;
});
