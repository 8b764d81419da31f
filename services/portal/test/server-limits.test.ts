// The portal over HTTPS with REQUEST_TIMEOUT_SECONDS=1: a body trickled in is cut off with 408 while /health answers (issue 10, item 4).
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect, type TLSSocket } from 'node:tls';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, localTlsCredentials, type RunningService, startPortal } from './support/stack.js';
import { refusingUrl } from './support/tcp-faults.js';

let portal: RunningService;
const selfSigned = new Agent({ connect: { rejectUnauthorized: false } });
const dataDir = mkdtempSync(path.join(tmpdir(), 'tixgo-limits-test-'));

beforeAll(async () => {
  // No upstream is needed: a trickled body is cut off before any route runs.
  const down = await refusingUrl();
  const tls = await localTlsCredentials(dataDir);
  portal = await startPortal({
    identityUrl: down,
    attendanceUrl: down,
    tls,
    env: { REQUEST_TIMEOUT_SECONDS: '1', MAX_CONNECTIONS: '50', TLS_HANDSHAKE_TIMEOUT_SECONDS: '1' },
  });
});

afterAll(async () => {
  await selfSigned.close();
  await portal?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function openTls(port: number): Promise<{ socket: TLSSocket; received: () => string; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
    });
    const closed = new Promise<number>((done) => socket.on('close', () => done(Date.now())));
    socket.once('secureConnect', () => resolve({ socket, received: () => text, closed }));
    socket.once('error', reject);
  });
}

describe('portal server limits', () => {
  it('drops a connection that never starts its TLS handshake after TLS_HANDSHAKE_TIMEOUT_SECONDS (Node waits 120 s)', async () => {
    const idle = netConnect({ host: '127.0.0.1', port: portal.port });
    let received = '';
    idle.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
    });
    idle.on('error', () => undefined);
    // Never sends a byte; the server must end it on its own (within the test's generous timeout).
    await new Promise((resolve) => idle.once('close', resolve));
    expect(received).toBe('');
    const health = await call(portal.url, 'GET', '/health', { dispatcher: selfSigned });
    expect(health.status).toBe(200);
  }, 30_000);

  it('takes REQUEST_TIMEOUT_SECONDS and MAX_CONNECTIONS for its HTTPS server', () => {
    expect(portal.app.server.requestTimeout).toBe(1000);
    expect(portal.app.server.headersTimeout).toBe(1000);
    expect(portal.app.server.maxConnections).toBe(50);
  });

  it('answers 408 to a login body trickled in over TLS, and /health meanwhile', async () => {
    const slow = await openTls(portal.port);
    const started = Date.now();
    slow.socket.on('error', () => undefined);
    slow.socket.write(
      'POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{',
    );
    const trickle = setInterval(() => slow.socket.writable && slow.socket.write(' '), 100);
    try {
      const health = await call(portal.url, 'GET', '/health', { dispatcher: selfSigned });
      expect(health.status).toBe(200);
      expect(health.body).toEqual({ status: 'ok', service: 'portal' });
      const closedAt = await slow.closed;
      expect(closedAt - started).toBeLessThan(3000);
      expect(slow.received()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
      expect(slow.received()).toContain('{"detail":"Request Timeout"}');
    } finally {
      clearInterval(trickle);
    }
  });
});
