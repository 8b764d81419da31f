// Public surface of @tixgo/contracts: the zod schema of every HTTP body.
export * from './attendance.js';
export * from './common.js';
export * from './identity.js';
export * from './portal.js';
