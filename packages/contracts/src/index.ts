// Public surface of @tixgo/contracts: the zod schema of every HTTP body.
export * from './common.js';
export * from './identity.js';
