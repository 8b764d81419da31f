// What one client can hold of a server: a request must arrive whole in time (408), connections are capped, long answers are not cut.

import type { AddressInfo } from 'node:net';
import { connect, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createBaseApp, RevocationList, type ServerLimits } from '../src/index.js';

let app: FastifyInstance | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await app?.close();
  app = undefined;
});

async function listen(limits: ServerLimits, trustProxy?: string[]): Promise<number> {
  app = await createBaseApp({
    trustProxy,
    service: 'limits-test',
    logLevel: 'silent',
    jwtSecret: 'platform-test-secret-with-at-least-32-bytes',
    tokenExpireMinutes: 120,
    openapi: { title: 't', description: 't' },
    readiness: {},
    revocations: new RevocationList(60_000),
    limits,
  });
  app.post('/echo', async (request) => ({ received: request.body }));
  // An answer that takes 2.5 s to stream, as a long list or an event stream does.
  app.get('/long-answer', async (_request, reply) => {
    async function* ticks() {
      for (let index = 0; index < 5; index++) {
        yield `tick ${index}\n`;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      yield 'end\n';
    }
    return reply.type('text/plain').send(Readable.from(ticks()));
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return (app.server.address() as AddressInfo).port;
}

/** A raw connection that records everything the server sends, and when the server closed it. */
function openRaw(port: number): Promise<{ socket: Socket; received: () => string; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    sockets.push(socket);
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
    });
    const closed = new Promise<number>((done) => socket.on('close', () => done(Date.now())));
    socket.on('error', () => undefined);
    socket.once('connect', () => resolve({ socket, received: () => text, closed }));
    socket.once('error', reject);
  });
}

/** One plain request on its own connection: the status line and body, or null when the server closed it unanswered. */
async function rawRequest(port: number, request: string): Promise<string | null> {
  const raw = await openRaw(port);
  raw.socket.write(request);
  await raw.closed;
  return raw.received() === '' ? null : raw.received();
}

const GET_HEALTH = 'GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';

describe('request timeout', () => {
  it('answers 408 {"detail"} and closes a connection whose body trickles in past the timeout, while /health keeps answering', async () => {
    const port = await listen({ requestTimeoutMs: 1000, maxConnections: 100 });
    const slow = await openRaw(port);
    const started = Date.now();
    slow.socket.write(
      'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"a":"',
    );
    // One byte every 100 ms: the body would take 100 s to arrive.
    const trickle = setInterval(() => slow.socket.writable && slow.socket.write('x'), 100);
    try {
      const healthWhileSlow = await rawRequest(port, GET_HEALTH);
      expect(healthWhileSlow).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(healthWhileSlow).toContain('{"status":"ok","service":"limits-test"}');
      const closedAt = await slow.closed;
      // The timeout (1 s) plus at most one check interval (100 ms) and some slack for a busy machine.
      expect(closedAt - started).toBeGreaterThanOrEqual(900);
      expect(closedAt - started).toBeLessThan(3000);
      expect(slow.received()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
      expect(slow.received().endsWith('\r\n\r\n{"detail":"Request Timeout"}')).toBe(true);
    } finally {
      clearInterval(trickle);
    }
    const healthAfter = await rawRequest(port, GET_HEALTH);
    expect(healthAfter).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
  });

  it('answers 408 to a client that never finishes its headers', async () => {
    const port = await listen({ requestTimeoutMs: 1000, maxConnections: 100 });
    const slow = await openRaw(port);
    slow.socket.write('GET /health HTTP/1.1\r\nHost: x\r\n');
    const trickle = setInterval(() => slow.socket.writable && slow.socket.write('X-Slow: y\r\n'), 100);
    try {
      await slow.closed;
    } finally {
      clearInterval(trickle);
    }
    expect(slow.received()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
  });

  it('never cuts off an answer that takes longer than the timeout: the timeout covers receiving the request only', async () => {
    const port = await listen({ requestTimeoutMs: 1000, maxConnections: 100 });
    const started = Date.now();
    const answer = await rawRequest(port, 'GET /long-answer HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(Date.now() - started).toBeGreaterThanOrEqual(2400);
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    for (const line of ['tick 0', 'tick 4', 'end']) expect(answer).toContain(line);
  });

  it('lets a body that arrives in time through', async () => {
    const port = await listen({ requestTimeoutMs: 1000, maxConnections: 100 });
    const body = '{"name":"gate"}';
    const answer = await rawRequest(
      port,
      `POST /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(answer).toContain('{"received":{"name":"gate"}}');
  });
});

describe('client errors', () => {
  it('answers 431 {"detail"} to headers over 16 KiB, also on a keep-alive connection that already served a request', async () => {
    const port = await listen({ requestTimeoutMs: 30_000, maxConnections: 100 });
    const raw = await openRaw(port);
    raw.socket.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(raw.received()).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    raw.socket.write(`GET /health HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${'x'.repeat(20_000)}\r\n\r\n`);
    await raw.closed;
    const second = raw.received().slice(raw.received().indexOf('HTTP/1.1 431'));
    expect(second).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    expect(second.endsWith('\r\n\r\n{"detail":"Request Header Fields Too Large"}')).toBe(true);
  });
});

describe('connection cap', () => {
  it('closes connections beyond MAX_CONNECTIONS at once, and serves again when one is freed', async () => {
    const port = await listen({ requestTimeoutMs: 30_000, maxConnections: 3 });
    const held = await Promise.all([openRaw(port), openRaw(port), openRaw(port)]);
    // Let the server accept all three before the fourth arrives.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await rawRequest(port, GET_HEALTH)).toBeNull();
    held[0]?.socket.destroy();
    await held[0]?.closed;
    await new Promise((resolve) => setTimeout(resolve, 100));
    const answer = await rawRequest(port, GET_HEALTH);
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(answer).toContain('{"status":"ok","service":"limits-test"}');
  });
});

/** Resolves once the server holds `count` open connections (the accept happens on the server's own turn). */
async function serverHolds(count: number): Promise<void> {
  const server = app?.server;
  if (!server) throw new Error('not listening');
  for (;;) {
    const open = await new Promise<number>((resolve, reject) =>
      server.getConnections((error, n) => (error ? reject(error) : resolve(n))),
    );
    if (open === count) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('connections per client address (issue 15, item 2)', () => {
  it('closes a client address past MAX_CONNECTIONS_PER_CLIENT at once, and serves it again when one of its connections ends', async () => {
    const port = await listen({ requestTimeoutMs: 30_000, maxConnections: 100, maxConnectionsPerClient: 3 });
    const held = await Promise.all([openRaw(port), openRaw(port), openRaw(port)]);
    await serverHolds(3);
    // Far below MAX_CONNECTIONS (100), yet the fourth from the same address is closed unanswered.
    expect(await rawRequest(port, GET_HEALTH)).toBeNull();
    held[0]?.socket.destroy();
    await held[0]?.closed;
    await serverHolds(2);
    const answer = await rawRequest(port, GET_HEALTH);
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(answer).toContain('{"status":"ok","service":"limits-test"}');
  });

  it("does not cap a trusted proxy's own address: it carries many clients", async () => {
    const port = await listen({ requestTimeoutMs: 30_000, maxConnections: 100, maxConnectionsPerClient: 1 }, [
      '127.0.0.1',
    ]);
    await Promise.all([openRaw(port), openRaw(port)]);
    await serverHolds(2);
    const answer = await rawRequest(port, GET_HEALTH);
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
  });
});
