// Public surface of @tixgo/contracts: the zod schema of every HTTP body.
export * from './attendance.js';
export * from './common.js';
export * from './gate.js';
export * from './gate-rules.js';
export * from './identity.js';
export * from './mailings.js';
export * from './offline-station.js';
export * from './portal.js';
