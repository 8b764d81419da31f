// What the three services and their embedded PostgreSQL use on a small box, with and without a V8 heap
// cap (NODE_OPTIONS=--max-old-space-size, as docker-compose.prod.yml sets it): memory idle, under 64
// gates checking in through the portal, under 16 readers of a 10,000-check-in list, under 20 logins
// at bcrypt cost 12 — and whether the cap costs check-in throughput. The figures behind the compose
// memory limits (README: a 1 GB ARM box). Run: pnpm bench smallbox
//   (BENCH_SECONDS=10 per load, BENCH_HEAP_MB=128, BENCH_ROUNDS=3 throughput rounds per setting)
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Pool } from 'undici';
import { formatLoad, type LoadResult, runLoad } from './lib/load.js';
import { UNLIMITED_CHECKINS } from './lib/replica-failover.js';
import { gateTokens, seeder } from './lib/seed.js';
import {
  benchToken,
  embeddedPostgresPid,
  processFamily,
  type RunningService,
  rssMb,
  startService,
} from './lib/services.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const heapMb = Number(process.env.BENCH_HEAP_MB ?? 128);
const idleSeconds = Number(process.env.BENCH_IDLE_SECONDS ?? 30);
const ADMIN = { username: 'smallbox-admin', password: 'smallbox-password-1' };

/**
 * Proportional memory (MB) of a process and its children (a PostgreSQL server and its backends):
 * shared buffers are counted once across them, which summing RSS would not.
 */
function familyPssMb(rootPid: number | undefined): number {
  if (!rootPid) return Number.NaN;
  let kb = 0;
  for (const pid of processFamily(rootPid)) {
    try {
      kb += Number(/Pss:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
    } catch {
      // the backend ended while we looked
    }
  }
  return kb / 1024;
}

type Sampled = Record<string, () => number>;

/** Peak of each reading while `work` runs, sampled every 200 ms. */
async function peaks<T>(
  readings: Sampled,
  work: () => Promise<T>,
): Promise<{ result: T; peak: Record<string, number> }> {
  const peak = Object.fromEntries(Object.entries(readings).map(([name, read]) => [name, read()]));
  const timer = setInterval(() => {
    for (const [name, read] of Object.entries(readings)) peak[name] = Math.max(peak[name] as number, read());
  }, 200);
  try {
    return { result: await work(), peak };
  } finally {
    clearInterval(timer);
  }
}

const format = (values: Record<string, number>) =>
  Object.entries(values)
    .map(([name, mb]) => `${name} ${mb.toFixed(0)}`)
    .join(', ');

interface SmallStack {
  identity: RunningService;
  attendance: RunningService;
  portal: RunningService;
  gates: string[];
  stop(): Promise<void>;
}

async function startStack(nodeOptions: string | undefined): Promise<SmallStack> {
  const common = { NODE_OPTIONS: nodeOptions, ...UNLIMITED_CHECKINS };
  const identity = await startService('identity', {
    env: {
      ...common,
      BCRYPT_COST: '12',
      ADMIN_USERNAME: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
      LOGIN_MAX_PER_IP: '1000000',
    },
  });
  const attendance = await startService('attendance', { env: { ...common, IDENTITY_BASE_URL: identity.url } });
  const portal = await startService('portal', {
    env: {
      ...common,
      PORTAL_HTTP: 'true',
      IDENTITY_BASE_URL: identity.url,
      ATTENDANCE_BASE_URL: attendance.url,
      PORTAL_LOGIN_MAX_PER_IP: '0',
    },
  });
  const gates = gateTokens(64, (username) => benchToken(username, 'committee'));
  const seed = seeder(attendance.url, benchToken('admin1', 'admin'), gates);
  for (const id of ['warmup', 'load', 'list']) await seed.createEvent(id, { title: id });
  await seed.close();
  return {
    identity,
    attendance,
    portal,
    gates,
    async stop() {
      await portal.stop();
      await Promise.all([attendance.stop(), identity.stop()]);
    },
  };
}

function checkins(stack: SmallStack, event: string, durationSeconds: number): Promise<LoadResult> {
  const run = randomUUID().slice(0, 8);
  let sequence = 0;
  return runLoad({
    url: stack.portal.url,
    path: '/api/checkins',
    method: 'POST',
    connections: 64,
    durationSeconds,
    headers: { 'content-type': 'application/json' },
    connectionHeaders: (connection) => ({ authorization: `Bearer ${stack.gates[connection % stack.gates.length]}` }),
    body: () => JSON.stringify({ event_id: event, ticket_id: `${run}-${sequence++}`, location: 'Gate A' }),
  });
}

/** Memory idle and under each load, for one setting of NODE_OPTIONS. */
async function memory(label: string, nodeOptions: string | undefined): Promise<void> {
  const stack = await startStack(nodeOptions);
  const { identity, attendance, portal, gates } = stack;
  try {
    const readings: Sampled = {
      identity: () => rssMb(identity.child.pid),
      attendance: () => rssMb(attendance.child.pid),
      portal: () => rssMb(portal.child.pid),
      'identity PostgreSQL (PSS)': () => familyPssMb(embeddedPostgresPid(identity.dataDir)),
      'attendance PostgreSQL (PSS)': () => familyPssMb(embeddedPostgresPid(attendance.dataDir)),
    };
    await new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000));
    const idle = Object.fromEntries(Object.entries(readings).map(([name, read]) => [name, read()]));
    console.log(`${label}: idle after ${idleSeconds} s (MB): ${format(idle)}`);

    await checkins(stack, 'warmup', 3);
    const written = await peaks(readings, () => checkins(stack, 'load', seconds));
    console.log(formatLoad(`${label}: check-ins through the portal (HTTP), 64 gates`, written.result));
    console.log(`  peak (MB): ${format(written.peak)}`);

    const seed = seeder(attendance.url, benchToken('admin1', 'admin'), gates);
    await seed.checkIn(
      'list',
      Array.from({ length: 10_000 }, (_, index) => `L-${index}`),
      32,
    );
    await seed.close();
    const listed = await peaks(readings, () =>
      runLoad({
        url: portal.url,
        path: '/api/attendance/list',
        connections: 16,
        durationSeconds: 5,
        headers: { authorization: `Bearer ${gates[0]}` },
      }),
    );
    console.log(formatLoad(`${label}: full list of 10,000 through the portal, 16 readers`, listed.result));
    console.log(`  peak (MB): ${format(listed.peak)}`);

    const logins = new Pool(identity.url, { connections: 20 });
    const stormed = await peaks(readings, async () => {
      const started = performance.now();
      let ok = 0;
      for (let round = 0; round < 3; round++) {
        await Promise.all(
          Array.from({ length: 20 }, async () => {
            const response = await logins.request({
              method: 'POST',
              path: '/auth/login',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(ADMIN),
            });
            await response.body.text();
            if (response.statusCode === 200) ok++;
          }),
        );
      }
      return { ok, perSecond: ok / ((performance.now() - started) / 1000) };
    });
    await logins.close();
    console.log(
      `${label}: 3 x 20 logins at once, bcrypt cost 12: ${stormed.result.ok} ok, ${stormed.result.perSecond.toFixed(1)}/s`,
    );
    console.log(`  peak (MB): ${format(stormed.peak)}`);
  } finally {
    await stack.stop();
  }
}

/**
 * Check-in throughput with and without the cap, both stacks running (the idle one costs nothing) and
 * their runs taken in turn, so that the VM's drifts fall on both alike.
 */
async function throughput(rounds: number, nodeOptions: string): Promise<void> {
  const plain = await startStack(undefined);
  const capped = await startStack(nodeOptions);
  try {
    const rates: Record<string, number[]> = { 'no heap cap': [], [nodeOptions]: [] };
    await checkins(plain, 'warmup', 3);
    await checkins(capped, 'warmup', 3);
    for (let round = 0; round < rounds; round++) {
      for (const [label, stack] of [
        ['no heap cap', plain],
        [nodeOptions, capped],
      ] as const) {
        const result = await checkins(stack, 'load', seconds);
        rates[label]?.push(result.rps);
        console.log(formatLoad(`round ${round + 1}, ${label}`, result));
      }
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
    const [withoutCap, withCap] = [median(rates['no heap cap'] ?? []), median(rates[nodeOptions] ?? [])];
    console.log(
      `check-ins through the portal, medians of ${rounds}: no heap cap ${withoutCap.toFixed(0)}/s, ${nodeOptions} ${withCap.toFixed(0)}/s (${((withCap / withoutCap) * 100).toFixed(0)} %)`,
    );
  } finally {
    await Promise.all([plain.stop(), capped.stop()]);
  }
}

async function main(): Promise<void> {
  console.log(`small box: the three services on embedded PostgreSQL, ${seconds} s of check-ins per variant`);
  const cap = `--max-old-space-size=${heapMb}`;
  await memory('no heap cap', undefined);
  await memory(cap, cap);
  await throughput(Number(process.env.BENCH_ROUNDS ?? 3), cap);
}

await main();
