// Graceful stop of a real server: a request in flight on a keep-alive connection finishes, then close() completes.
import { Agent, get, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createBaseApp, RevocationList } from '../src/index.js';

let app: FastifyInstance | undefined;
let agent: Agent | undefined;

afterEach(async () => {
  agent?.destroy();
  await app?.close();
});

function fetchJson(url: string): Promise<{ status: number; headers: IncomingHttpHeaders; body: unknown }> {
  return new Promise((resolve, reject) => {
    get(url, { agent }, (response) => {
      let text = '';
      response.on('data', (chunk) => {
        text += chunk;
      });
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: JSON.parse(text) }),
      );
    }).on('error', reject);
  });
}

describe('closing the app', () => {
  it('finishes a request in flight on a keep-alive connection, tells the client to disconnect, and completes', async () => {
    app = await createBaseApp({
      service: 'shutdown-test',
      logLevel: 'silent',
      jwtSecret: 'platform-test-secret-with-at-least-32-bytes',
      tokenExpireMinutes: 120,
      openapi: { title: 't', description: 't' },
      revocations: new RevocationList(60_000),
      readiness: {},
    });
    let release: () => void = () => undefined;
    let arrived: () => void = () => undefined;
    const requestArrived = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    app.get('/slow', async () => {
      arrived();
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      return { done: true };
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    // A keep-alive client like the portal's pool: it would hold the connection open for minutes.
    agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const base = `http://127.0.0.1:${port}`;
    expect((await fetchJson(`${base}/health`)).status).toBe(200);

    const pending = fetchJson(`${base}/slow`);
    await requestArrived;
    let closed = false;
    const closing = app.close().then(() => {
      closed = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed).toBe(false); // still waiting for the request in flight
    release();
    const response = await pending;
    expect(response.status).toBe(200);
    expect(response.headers.connection).toBe('close');
    expect(response.body).toEqual({ done: true });
    // Without "connection: close" the idle keep-alive socket would hold close() until its timeout.
    await Promise.race([
      closing,
      new Promise((_, reject) => setTimeout(() => reject(new Error('close() still waiting after 5 s')), 5_000)),
    ]);
    expect(closed).toBe(true);
    app = undefined;
  });
});
