/// <reference types="@fastify/swagger" preserve="true" />
/// <reference types="@fastify/jwt" preserve="true" />
// Public surface of @tixgo/platform: what every service does the same way.
export * from './auth.js';
export * from './config.js';
export * from './connections-per-client.js';
export * from './create-app.js';
export * from './csv-upload.js';
export * from './errors.js';
export * from './health.js';
export * from './landing.js';
export * from './logger.js';
export type { NotFoundPage } from './method-not-allowed.js';
export * from './metrics.js';
export * from './openapi.js';
export * from './revocation-list.js';
export * from './revocation-poller.js';
export * from './shutdown.js';
export * from './start-service.js';
export * from './token-buckets.js';
