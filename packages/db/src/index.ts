// Public surface of @tixgo/db: one driver (node-postgres), one dialect, one migration runner.

export * from './data-dir-lock.js';
export * from './database.js';
export * from './embedded-server.js';
export * from './migrate.js';
export * from './pg-errors.js';
