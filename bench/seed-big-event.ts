// Seeds one big event through the attendance API: an event, N issued tickets, M of them checked in.
//
// Usage (against a running attendance service that shares JWT_SECRET):
//   JWT_SECRET=… npx tsx bench/seed-big-event.ts [options]
//     --url URL           attendance base URL            (default http://127.0.0.1:18082, or ATTENDANCE_URL)
//     --event ID          event id                       (default big-event)
//     --tickets N         tickets to issue               (default 100000)
//     --checkins M        tickets to check in (M <= N)   (default 100000)
//     --concurrency C     parallel check-in requests     (default 64)
//     --fresh             delete the event (and its check-ins) first
//   Instead of JWT_SECRET, TOKEN may hold an admin access token (e.g. from identity's /auth/login).
// Examples:
//   JWT_SECRET=$SECRET npx tsx bench/seed-big-event.ts --fresh                       # 100k tickets, 100k check-ins
//   JWT_SECRET=$SECRET npx tsx bench/seed-big-event.ts --event list-10k --tickets 10000 --checkins 10000 --fresh
//
// Everything goes through the public API (what an admin and the gates would do), so the seeded
// event is exactly what real check-ins produce. Tickets are issued in batches of 10,000 (one
// transaction each); check-ins are posted by C parallel "gates". It prints the summary at the end.
import { createHmac } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';

const { values: options } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.ATTENDANCE_URL ?? 'http://127.0.0.1:18082' },
    event: { type: 'string', default: 'big-event' },
    tickets: { type: 'string', default: '100000' },
    checkins: { type: 'string', default: '100000' },
    concurrency: { type: 'string', default: '64' },
    fresh: { type: 'boolean', default: false },
  },
});

const TICKET_BATCH = 10_000;

/** A whole-number option of at least `min`; anything else stops the script before it sends anything. */
function intOption(name: 'tickets' | 'checkins' | 'concurrency', min: number): number {
  const value = Number(options[name]);
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be a whole number >= ${min}`);
  return value;
}

const ticketCount = intOption('tickets', 1);
const checkinCount = Math.min(intOption('checkins', 0), ticketCount);
const concurrency = intOption('concurrency', 1);
const eventId = options.event;
const eventPath = `/events/${encodeURIComponent(eventId)}`;

/** An HS256 access token, signed here so the script needs nothing but the shared secret. */
function signToken(secret: string, sub: string, role: 'admin' | 'committee'): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const data = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode({ sub, role, iat: now, exp: now + 4 * 3600 })}`;
  return `${data}.${createHmac('sha256', secret).update(data).digest('base64url')}`;
}

function adminToken(): string {
  if (process.env.TOKEN) return process.env.TOKEN;
  if (process.env.JWT_SECRET) return signToken(process.env.JWT_SECRET, 'seed-admin', 'admin');
  throw new Error('set JWT_SECRET (the services’ shared secret) or TOKEN (an admin access token)');
}

const pool = new Pool(options.url, { connections: concurrency });
const token = adminToken();

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const response = await pool.request({
    method: method as 'GET',
    path,
    headers:
      body === undefined
        ? { authorization: `Bearer ${token}` }
        : { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.body.text();
  return { status: response.statusCode, json: text ? JSON.parse(text) : undefined };
}

function expectStatus(step: string, actual: { status: number; json: unknown }, ...wanted: number[]): void {
  if (!wanted.includes(actual.status)) {
    throw new Error(`${step}: HTTP ${actual.status} ${JSON.stringify(actual.json).slice(0, 300)}`);
  }
}

async function main(): Promise<void> {
  if (options.fresh) expectStatus('delete event', await call('DELETE', `${eventPath}?force=true`), 200, 404);

  const created = await call('POST', '/events', {
    id: eventId,
    title: `Big event (${ticketCount} tickets)`,
    location: 'Main hall',
    capacity: ticketCount,
  });
  expectStatus('create event', created, 201, 409);
  if (created.status === 409) console.log(`event ${eventId} exists; adding to it (use --fresh to start over)`);

  const codes: string[] = [];
  let started = Date.now();
  for (let issued = 0; issued < ticketCount; issued += TICKET_BATCH) {
    const count = Math.min(TICKET_BATCH, ticketCount - issued);
    const batch = await call('POST', `${eventPath}/tickets`, { count });
    expectStatus('issue tickets', batch, 201);
    codes.push(...(batch.json as { tickets: { ticket_id: string }[] }).tickets.map((ticket) => ticket.ticket_id));
  }
  console.log(`issued ${codes.length} tickets in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  started = Date.now();
  let next = 0;
  let checkedIn = 0;
  const gate = async () => {
    while (next < checkinCount) {
      const ticket = codes[next++] as string;
      const scan = await call('POST', `${eventPath}/checkins`, { ticket_id: ticket, location: 'Gate A' });
      expectStatus('check in', scan, 201);
      if (++checkedIn % 10_000 === 0) process.stdout.write(`\r  checked in ${checkedIn}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, gate));
  const seconds = (Date.now() - started) / 1000;
  console.log(
    `\r\x1b[Kchecked in ${checkedIn} tickets in ${seconds.toFixed(1)} s (${(checkedIn / seconds).toFixed(0)}/s)`,
  );

  const summary = await call('GET', `${eventPath}/summary?limit=0`);
  expectStatus('summary', summary, 200);
  console.log(JSON.stringify((summary.json as { stats: unknown }).stats));
}

try {
  await main();
} finally {
  await pool.close();
}
