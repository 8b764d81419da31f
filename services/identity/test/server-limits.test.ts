// Identity builds its HTTP server with the shared limits: REQUEST_TIMEOUT_SECONDS and MAX_CONNECTIONS (issue 10, item 4).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IdentityHarness, startIdentityApp } from './support/identity-app.js';

let identity: IdentityHarness;

beforeAll(async () => {
  identity = await startIdentityApp({ REQUEST_TIMEOUT_SECONDS: '45', MAX_CONNECTIONS: '321' });
});
afterAll(async () => {
  await identity.close();
});

describe('identity server limits', () => {
  it('times out slow requests and caps connections as configured; headers get at most 10 s', () => {
    expect(identity.app.server.requestTimeout).toBe(45_000);
    expect(identity.app.server.headersTimeout).toBe(10_000);
    expect(identity.app.server.maxConnections).toBe(321);
  });
});
