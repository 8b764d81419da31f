// Attendance builds its HTTP server with the shared limits: REQUEST_TIMEOUT_SECONDS and MAX_CONNECTIONS (issue 10, item 4).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './support/attendance-app.js';

let t: TestApp;

beforeAll(async () => {
  t = await startTestApp('limits', { REQUEST_TIMEOUT_SECONDS: '7', MAX_CONNECTIONS: '123' });
});
afterAll(async () => {
  await t.close();
});

describe('attendance server limits', () => {
  it('times out slow requests and caps connections as configured', () => {
    expect(t.app.server.requestTimeout).toBe(7000);
    expect(t.app.server.headersTimeout).toBe(7000);
    expect(t.app.server.maxConnections).toBe(123);
  });
});
