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
// Everything goes through the public API (bench/lib/seed.ts, as `pnpm bench reads` seeds), so the
// seeded event is exactly what real check-ins produce. Tickets are issued in batches of 10,000 (one
// transaction each); check-ins are posted by C parallel "gates" as 256 gate users (one with TOKEN),
// waiting out any 429 of attendance's check-in limits (start attendance with CHECKIN_RATE_PER_CLIENT
// raised to seed from one address at full speed). It prints the summary at the end.
import { parseArgs } from 'node:util';
import { gateTokens, type Seeder, seeder } from './lib/seed.js';
import { signToken } from './lib/services.js';

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

/** The admin token: TOKEN as given, or one signed with the services' shared secret. */
function token(): string {
  if (process.env.TOKEN) return process.env.TOKEN;
  if (process.env.JWT_SECRET) return signToken(process.env.JWT_SECRET, 'seed-admin', 'admin');
  throw new Error('set JWT_SECRET (the services’ shared secret) or TOKEN (an admin access token)');
}

/**
 * Who checks in: with JWT_SECRET, 256 gate users (attendance limits check-ins per user, so one
 * user would be held to CHECKIN_RATE_PER_USER); with TOKEN only, that one user, at its limit.
 */
function gates(admin: string): string[] {
  const secret = process.env.JWT_SECRET;
  return secret && !process.env.TOKEN ? gateTokens(256, (user) => signToken(secret, user, 'committee')) : [admin];
}

async function main(seed: Seeder): Promise<void> {
  if (options.fresh) await seed.deleteEvent(eventId);
  const created = await seed.createEvent(
    eventId,
    { title: `Big event (${ticketCount} tickets)`, location: 'Main hall', capacity: ticketCount },
    true,
  );
  if (!created) console.log(`event ${eventId} exists; adding to it (use --fresh to start over)`);

  let started = Date.now();
  const codes = await seed.issueTickets(eventId, ticketCount);
  console.log(`issued ${codes.length} tickets in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  started = Date.now();
  const checkedIn = await seed.checkIn(eventId, codes.slice(0, checkinCount), concurrency, (done) =>
    process.stdout.write(`\r  checked in ${done}`),
  );
  const seconds = (Date.now() - started) / 1000;
  console.log(
    `\r\x1b[Kchecked in ${checkedIn} tickets in ${seconds.toFixed(1)} s (${(checkedIn / seconds).toFixed(0)}/s)`,
  );
  if (checkedIn !== checkinCount) throw new Error(`${checkinCount - checkedIn} check-ins were refused`);
  console.log(JSON.stringify(await seed.stats(eventId)));
}

const bearer = token();
const seed = seeder(options.url, bearer, gates(bearer), concurrency);
try {
  await main(seed);
} finally {
  await seed.close();
}
