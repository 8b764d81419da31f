// The denial-of-service cases of issue 15 for `pnpm bench hostile` (items 1, 2, 4, 6, 7, 10, 11): each
// attack against real services, with RSS and /health latency measured by measure() meanwhile.
import { randomUUID } from 'node:crypto';
import { connect as connectTcp, type Socket } from 'node:net';
import { Agent, type Pool, request } from 'undici';
import { percentile } from './load.js';
import { signToken } from './services.js';

const count = (statuses: Record<number, number>, status: number) => {
  statuses[status] = (statuses[status] ?? 0) + 1;
};

/** Item 1: a committee token's `{"tickets":[{},{},…]}` just under the import's 16 MiB, as JSON (parsed whole before). */
export async function hugeJsonTickets(portal: Pool, committeeToken: string): Promise<string> {
  const body = `{"tickets":[${Array(Math.floor((15.9 * 1024 * 1024) / 3))
    .fill('{}')
    .join(',')}]}`;
  const started = performance.now();
  try {
    const response = await portal.request({
      method: 'POST',
      path: '/api/events/hostile-import/tickets',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${committeeToken}` },
      body,
      headersTimeout: 60_000,
    });
    const text = await response.body.text();
    return `${(body.length / 1024 / 1024).toFixed(1)} MB -> ${response.statusCode} ${text.slice(0, 60)} in ${((performance.now() - started) / 1000).toFixed(2)} s`;
  } catch (error) {
    // The portal answered 413 before the body was sent and closed the connection: undici reports the write.
    return `${(body.length / 1024 / 1024).toFixed(1)} MB -> connection closed (${(error as Error).message}) in ${((performance.now() - started) / 1000).toFixed(2)} s`;
  }
}

/**
 * Item 2: `sockets` TCP connections to the HTTPS portal that never send a byte (no TLS handshake),
 * then a fresh client asks /health every 250 ms for `holdMs`: how long until it is served, and how
 * many idle sockets the portal itself closed.
 */
export async function idleSockets(portalUrl: string, sockets: number, holdMs: number): Promise<string> {
  const { port } = new URL(portalUrl);
  const opened: Socket[] = [];
  let closedByServer = 0;
  await Promise.all(
    Array.from(
      { length: sockets },
      () =>
        new Promise<void>((resolve) => {
          const socket = connectTcp(Number(port), '127.0.0.1');
          socket.on('error', () => undefined);
          socket.on('close', () => closedByServer++);
          socket.once('connect', () => resolve());
          socket.once('error', () => resolve());
          opened.push(socket);
        }),
    ),
  );
  const started = performance.now();
  let firstHealthMs: number | undefined;
  let served = 0;
  let refused = 0;
  while (performance.now() - started < holdMs) {
    // A new connection each time, as a new visitor's phone would open, from another address
    // (127.0.0.2: still the loopback) than the idle sockets'.
    const fresh = new Agent({ localAddress: '127.0.0.2', connect: { rejectUnauthorized: false }, connections: 1 });
    try {
      const response = await request(`${portalUrl}/health`, { dispatcher: fresh, headersTimeout: 2000 });
      await response.body.text();
      if (response.statusCode === 200) {
        served++;
        firstHealthMs ??= performance.now() - started;
      }
    } catch {
      refused++;
    } finally {
      await fresh.destroy();
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  for (const socket of opened) socket.destroy();
  const first = firstHealthMs === undefined ? 'never' : `after ${(firstHealthMs / 1000).toFixed(1)} s`;
  return `${sockets} idle sockets for ${holdMs / 1000} s: another client's /health served ${first} (${served} served, ${refused} refused); ${closedByServer} idle sockets closed by the portal`;
}

/** Item 4: one account opens `streams` live streams (one connection each), then another account tries one. */
export async function liveStreamHog(portalUrl: string, hogToken: string, otherToken: string, streams: number) {
  const agent = new Agent({ connect: { rejectUnauthorized: false }, connections: streams + 4 });
  // The other account's screen is on another device (127.0.0.2: still the loopback).
  const elsewhere = new Agent({ localAddress: '127.0.0.2', connect: { rejectUnauthorized: false } });
  const statuses: Record<number, number> = {};
  const open: { destroy(): void }[] = [];
  const openOne = async (token: string, dispatcher = agent) => {
    const response = await request(`${portalUrl}/api/live/overview`, {
      dispatcher,
      headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` },
      headersTimeout: 20_000,
    });
    if (response.statusCode === 200) open.push(response.body);
    else await response.body.text();
    return response.statusCode;
  };
  const results = await Promise.all(Array.from({ length: streams }, () => openOne(hogToken)));
  for (const status of results) count(statuses, status);
  const other = await openOne(otherToken, elsewhere);
  for (const body of open) body.destroy();
  await Promise.all([agent.destroy(), elsewhere.destroy()]);
  return `one account asks for ${streams} streams: ${JSON.stringify(statuses)}; another account's stream then: ${other}`;
}

/** Item 6: `perSecond` batches of 200 well-formed, wrongly signed tokens each second for `seconds`, while a real gate checks in. */
export async function forgedBatches(
  attendance: Pool,
  gateToken: string,
  eventId: string,
  perSecond: number,
  seconds: number,
): Promise<string> {
  const forged = (index: number) =>
    signToken('not-the-secret-of-this-box-0123456789abcdef', `forger-${index}`, 'committee');
  const batch = JSON.stringify({
    checkins: Array.from({ length: 200 }, (_, index) => ({
      token: forged(index),
      idempotency_key: randomUUID(),
      event_id: eventId,
      ticket_id: `forged-${index}`,
    })),
  });
  const statuses: Record<number, number> = {};
  const until = Date.now() + seconds * 1000;
  const attacker = (async () => {
    while (Date.now() < until) {
      const tick = Date.now();
      await Promise.all(
        Array.from({ length: perSecond }, async () => {
          const response = await attendance.request({
            method: 'POST',
            path: '/checkins/batch',
            headers: { 'content-type': 'application/json' },
            body: batch,
          });
          await response.body.text();
          count(statuses, response.statusCode);
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1000 - (Date.now() - tick))));
    }
  })();
  const gate: number[] = [];
  let sequence = 0;
  while (Date.now() < until) {
    const started = performance.now();
    const response = await attendance.request({
      method: 'POST',
      path: '/checkins',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${gateToken}` },
      body: JSON.stringify({ event_id: eventId, ticket_id: `real-${sequence++}` }),
    });
    await response.body.text();
    gate.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await attacker;
  gate.sort((a, b) => a - b);
  return `${perSecond} forged batches/s for ${seconds} s: ${JSON.stringify(statuses)}; a real check-in meanwhile p50 ${percentile(gate, 50).toFixed(1)} ms, max ${(gate.at(-1) ?? 0).toFixed(1)} ms`;
}

/** Item 7: `senders` clients each posting `each` 1 MiB JSON bodies to the portal's sign-in, no credentials. */
export async function megabyteSignIns(portal: Pool, senders: number, each: number): Promise<string> {
  const body = JSON.stringify({ username: 'u'.repeat(1024 * 1024 - 40), password: 'x' });
  const statuses: Record<number, number> = {};
  const sender = async () => {
    for (let index = 0; index < each; index++) {
      try {
        const response = await portal.request({
          method: 'POST',
          path: '/api/session',
          headers: { 'content-type': 'application/json' },
          body,
        });
        await response.body.text();
        count(statuses, response.statusCode);
      } catch {
        count(statuses, 0);
      }
    }
  };
  await Promise.all(Array.from({ length: senders }, sender));
  return `${senders} senders x ${each} bodies of 1 MiB to /api/session: ${JSON.stringify(statuses)} (0: connection closed early)`;
}

/**
 * Item 10: `slow` CSV exports by one account whose readers never read, then another user's export:
 * its time to the first byte (capped at `capMs`).
 */
export async function slowExportReaders(
  attendanceUrl: string,
  path: string,
  hogToken: string,
  otherToken: string,
  slow: number,
  capMs: number,
): Promise<string> {
  const { port } = new URL(attendanceUrl);
  const sockets: Socket[] = [];
  const statuses: Record<string, number> = {};
  for (let index = 0; index < slow; index++) {
    const socket = connectTcp(Number(port), '127.0.0.1');
    socket.on('error', () => undefined);
    // Read the status line only, then stop reading: the list is held with nobody taking it.
    socket.once('data', (chunk: Buffer) => {
      const status = chunk.toString('latin1').slice(9, 12);
      statuses[status] = (statuses[status] ?? 0) + 1;
      socket.pause();
    });
    socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${hogToken}\r\n\r\n`);
    sockets.push(socket);
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  const started = performance.now();
  let result: string;
  try {
    const response = await request(`${attendanceUrl}${path}`, {
      headers: { authorization: `Bearer ${otherToken}` },
      headersTimeout: capMs,
      bodyTimeout: capMs,
    });
    const first = performance.now() - started;
    let bytes = 0;
    for await (const chunk of response.body) bytes += (chunk as Buffer).length;
    result = `${response.statusCode} after ${(first / 1000).toFixed(2)} s, ${(bytes / 1024 / 1024).toFixed(1)} MB in ${((performance.now() - started) / 1000).toFixed(2)} s`;
  } catch (error) {
    result = `no answer within ${capMs / 1000} s (${(error as Error).message})`;
  }
  for (const socket of sockets) socket.destroy();
  return `${slow} exports of one account read by nobody (${JSON.stringify(statuses)}); another user's export: ${result}`;
}

/** Item 11: `gates` distinct gate names of `length` characters at `eventId`, then the stats answer's size and time. */
export async function manyGateNames(
  attendance: Pool,
  secret: string,
  eventId: string,
  gates: number,
  length: number,
): Promise<string> {
  const statuses: Record<number, number> = {};
  for (let start = 0; start < gates; start += 200) {
    const token = signToken(secret, `gate-namer-${start}`, 'committee');
    const checkins = Array.from({ length: Math.min(200, gates - start) }, (_, index) => ({
      token,
      idempotency_key: randomUUID(),
      event_id: eventId,
      ticket_id: `gn-${start + index}`,
      location: `${start + index}-`.padEnd(length, 'g'),
    }));
    const response = await attendance.request({
      method: 'POST',
      path: '/checkins/batch',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ checkins }),
    });
    const { results } = (await response.body.json()) as { results: { status: number }[] };
    for (const result of results) count(statuses, result.status);
  }
  const token = signToken(secret, 'dashboard', 'committee');
  const times: number[] = [];
  let size = 0;
  for (let index = 0; index < 20; index++) {
    const started = performance.now();
    const response = await attendance.request({
      method: 'GET',
      path: `/events/${eventId}/stats?latest=10`,
      headers: { authorization: `Bearer ${token}` },
    });
    size = (await response.body.text()).length;
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return `${gates} gate names of ${length} characters (${JSON.stringify(statuses)}): stats answer ${(size / 1024).toFixed(1)} KB, p50 ${percentile(times, 50).toFixed(1)} ms, max ${(times.at(-1) ?? 0).toFixed(1)} ms`;
}
