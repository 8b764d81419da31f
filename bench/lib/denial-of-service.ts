// The denial-of-service cases of `pnpm bench hostile` (issue 10, items 4-7): each attack runs against
// the real services while their RSS (sampled) and /health latency are measured.
import { randomUUID } from 'node:crypto';
import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import type { Pool } from 'undici';
import { percentile } from './load.js';
import { type RunningService, rssMb, signToken } from './services.js';

export interface Attacked {
  service: RunningService;
  pool: Pool;
}

/** Samples RSS every 100 ms and /health every 20 ms of `watched` while `attack` runs. */
export async function measure<T>(
  watched: Attacked[],
  healthOf: Attacked,
  attack: () => Promise<T>,
): Promise<{ result: T; rss: string; health: string }> {
  const start = watched.map(({ service }) => rssMb(service.child.pid));
  const peaks = [...start];
  const sampler = setInterval(() => {
    watched.forEach(({ service }, index) => {
      peaks[index] = Math.max(peaks[index] as number, rssMb(service.child.pid));
    });
  }, 100);
  const latencies: number[] = [];
  let failures = 0;
  let running = true;
  const prober = (async () => {
    while (running) {
      const started = performance.now();
      try {
        const response = await healthOf.pool.request({ method: 'GET', path: '/health', headersTimeout: 10_000 });
        await response.body.text();
        if (response.statusCode !== 200) failures++;
      } catch {
        failures++;
      }
      latencies.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  try {
    const result = await attack();
    return {
      result,
      rss: watched
        .map(
          ({ service }, index) => `${service.name} ${start[index]?.toFixed(0)} → peak ${peaks[index]?.toFixed(0)} MB`,
        )
        .join(', '),
      health: `${healthOf.service.name} /health p50 ${percentile(
        latencies.sort((a, b) => a - b),
        50,
      ).toFixed(
        1,
      )} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${(latencies.at(-1) ?? 0).toFixed(1)} ms, ${failures} failed of ${latencies.length}`,
    };
  } finally {
    running = false;
    clearInterval(sampler);
    await prober;
  }
}

/** Item 4: `count` connections that send headers, then trickle a body one byte every 500 ms. */
export async function slowBodies(target: RunningService, count: number, holdMs: number): Promise<string> {
  const url = new URL(target.url);
  const port = Number(url.port);
  const sockets: Socket[] = [];
  let cut408 = 0;
  let closed = 0;
  const opened = await Promise.all(
    Array.from({ length: count }, async () => {
      const socket: Socket =
        url.protocol === 'https:'
          ? connectTls({ host: '127.0.0.1', port, rejectUnauthorized: false })
          : connectTcp(port, '127.0.0.1');
      socket.on('error', () => undefined);
      socket.on('data', (chunk: Buffer) => {
        if (chunk.toString('latin1').startsWith('HTTP/1.1 408')) cut408++;
      });
      socket.on('close', () => closed++);
      sockets.push(socket);
      await new Promise<void>((resolve) => {
        socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => resolve());
        socket.once('error', () => resolve());
      });
      socket.write(
        'POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n{',
      );
    }),
  );
  const trickle = setInterval(() => {
    for (const socket of sockets) if (socket.writable) socket.write(' ');
  }, 500);
  await new Promise((resolve) => setTimeout(resolve, holdMs));
  clearInterval(trickle);
  const stillOpen = sockets.filter((socket) => !socket.destroyed).length;
  for (const socket of sockets) socket.destroy();
  return `${opened.length} trickling connections: ${cut408} answered 408, ${closed} closed within ${holdMs / 1000} s, ${stillOpen} still open`;
}

/** Item 5: a CSV upload of about `megabytes` MB of short lines (far more rows than the limit). */
export async function bigCsv(pool: Pool, path: string, adminToken: string, megabytes: number): Promise<string> {
  const line = 'T0000000\n';
  const rows = Math.floor((megabytes * 1024 * 1024 - 20) / line.length);
  const body = Buffer.from(`ticket_id\n${line.repeat(rows)}`);
  const started = performance.now();
  const response = await pool.request({
    method: 'POST',
    path,
    headers: { 'content-type': 'text/csv', authorization: `Bearer ${adminToken}` },
    body,
    headersTimeout: 120_000,
  });
  const text = await response.body.text();
  return `${(body.length / 1024 / 1024).toFixed(1)} MB (${rows} rows) -> ${response.statusCode} ${text.slice(0, 110)} in ${((performance.now() - started) / 1000).toFixed(2)} s`;
}

/** Checks in `count` tickets at `eventId` through attendance's batch endpoint, 200 per gate user. */
export async function seedCheckins(attendance: Pool, secret: string, eventId: string, count: number): Promise<number> {
  let created = 0;
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const start = next;
      next += 200;
      const token = signToken(secret, `seed-gate-${eventId}-${start / 200}`, 'committee');
      const checkins = Array.from({ length: Math.min(200, count - start) }, (_, index) => ({
        token,
        idempotency_key: randomUUID(),
        event_id: eventId,
        ticket_id: `${eventId}-${start + index}`,
        location: `Gate ${(start + index) % 4}`,
      }));
      const response = await attendance.request({
        method: 'POST',
        path: '/checkins/batch',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ checkins }),
      });
      const { results } = (await response.body.json()) as { results: { status: number }[] };
      created += results.filter((result) => result.status === 201).length;
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return created;
}

/** Item 6: `readers` clients reading `path` in a loop for `seconds`; bytes and answers counted. */
export async function concurrentReaders(
  pool: Pool,
  path: string,
  token: string,
  readers: number,
  seconds: number,
): Promise<string> {
  const until = Date.now() + seconds * 1000;
  const statuses: Record<number, number> = {};
  let bytes = 0;
  const reader = async () => {
    while (Date.now() < until) {
      const response = await pool.request({
        method: 'GET',
        path,
        headers: { authorization: `Bearer ${token}` },
        headersTimeout: 60_000,
        bodyTimeout: 60_000,
      });
      for await (const chunk of response.body) bytes += (chunk as Buffer).length;
      statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: readers }, reader));
  const answers = Object.values(statuses).reduce((total, n) => total + n, 0);
  return `${readers} readers for ${seconds} s: ${answers} lists (${JSON.stringify(statuses)}), ${(bytes / 1024 / 1024).toFixed(0)} MB read`;
}

/** Item 6: one CSV download, read as it arrives; rows and time. */
export async function csvDownload(pool: Pool, path: string, token: string): Promise<string> {
  const started = performance.now();
  const response = await pool.request({
    method: 'GET',
    path,
    headers: { authorization: `Bearer ${token}` },
    headersTimeout: 60_000,
    bodyTimeout: 60_000,
  });
  let lines = 0;
  let bytes = 0;
  for await (const chunk of response.body) {
    const buffer = chunk as Buffer;
    bytes += buffer.length;
    for (const byte of buffer) if (byte === 10) lines++;
  }
  return `${response.statusCode} ${response.headers['content-disposition']}: ${lines - 1} rows, ${(bytes / 1024 / 1024).toFixed(1)} MB in ${((performance.now() - started) / 1000).toFixed(2)} s`;
}

/** Item 7: one account checking in as fast as `connections` requests in flight allow, for `seconds`. */
export async function checkinFlood(
  pool: Pool,
  token: string,
  eventId: string,
  connections: number,
  seconds: number,
): Promise<string> {
  const until = Date.now() + seconds * 1000;
  const statuses: Record<number, number> = {};
  let sequence = 0;
  const gate = async () => {
    while (Date.now() < until) {
      const response = await pool.request({
        method: 'POST',
        path: '/checkins',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ event_id: eventId, ticket_id: `flood-${sequence++}` }),
      });
      await response.body.text();
      statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: connections }, gate));
  return `one account, ${connections} connections, ${seconds} s: ${JSON.stringify(statuses)} (201 = checked in, 429 = limited)`;
}
