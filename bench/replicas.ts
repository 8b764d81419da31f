// Attendance replicas behind the portal: check-ins and reads through the portal with one and with two
// attendance processes on one PostgreSQL database, side by side, then one replica SIGKILLed mid-load.
// Needs a PostgreSQL server both replicas share: BENCH_DATABASE_URL, else TEST_DATABASE_URL.
// Run: pnpm bench replicas   (BENCH_SECONDS=10, BENCH_CONNECTIONS=64)
import { randomUUID } from 'node:crypto';
import { formatLoad, type LoadResult, runLoad } from './lib/load.js';
import { formatFailover, runReplicaFailover, startReplicaStack } from './lib/replica-failover.js';
import { seeder } from './lib/seed.js';
import { benchToken, cpuSeconds, freshDatabase } from './lib/services.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 64);
const gateToken = (connection: number) => benchToken(`gate-${connection}`, 'committee');

function checkins(url: string, event: string, durationSeconds: number): Promise<LoadResult> {
  let sequence = 0;
  const run = randomUUID().slice(0, 8);
  return runLoad({
    url,
    path: '/api/checkins',
    method: 'POST',
    connections,
    durationSeconds,
    headers: { 'content-type': 'application/json' },
    connectionHeaders: (connection) => ({ authorization: `Bearer ${gateToken(connection)}` }),
    body: () => JSON.stringify({ event_id: event, ticket_id: `${run}-${sequence++}`, location: 'Gate A' }),
  });
}

function reads(url: string, event: string, durationSeconds: number): Promise<LoadResult> {
  return runLoad({
    url,
    path: `/api/events/${event}/summary?limit=10`,
    connections,
    durationSeconds,
    headers: { authorization: `Bearer ${gateToken(0)}` },
  });
}

/** CPU seconds each process spent during `work`, as "name 1.2 s". */
async function cpuDuring<T>(pids: Record<string, number | undefined>, work: () => Promise<T>) {
  const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSeconds(pid)]));
  const result = await work();
  const spent = Object.entries(pids)
    .map(([name, pid]) => `${name} ${(cpuSeconds(pid) - (before[name] as number)).toFixed(1)} s`)
    .join(', ');
  return { result, spent };
}

async function side(replicas: number): Promise<void> {
  const databaseUrl = await freshDatabase(`replicas${replicas}`);
  if (!databaseUrl) throw new Error('unreachable: checked in main()');
  const stack = await startReplicaStack(databaseUrl, replicas);
  try {
    const seed = seeder(stack.attendance[0]?.url as string, benchToken('admin1', 'admin'), [gateToken(0)]);
    for (const id of ['warmup', 'load']) await seed.createEvent(id, { title: id });
    await seed.close();
    await checkins(stack.portal.url, 'warmup', 3);
    const pids = {
      portal: stack.portal.child.pid,
      ...Object.fromEntries(stack.attendance.map((service, index) => [`attendance ${index + 1}`, service.child.pid])),
    };
    const label = replicas === 1 ? 'one replica' : `${replicas} replicas`;
    const written = await cpuDuring(pids, () => checkins(stack.portal.url, 'load', seconds));
    console.log(formatLoad(`check-ins through the portal, ${label}`, written.result));
    console.log(`  CPU: ${written.spent}`);
    const read = await cpuDuring(pids, () => reads(stack.portal.url, 'load', seconds));
    console.log(formatLoad(`event summary reads through the portal, ${label}`, read.result));
    console.log(`  CPU: ${read.spent}`);
  } finally {
    await stack.stop();
  }
}

async function main(): Promise<void> {
  process.env.BENCH_DATABASE_URL ??= process.env.TEST_DATABASE_URL;
  if (!process.env.BENCH_DATABASE_URL) {
    console.log('replicas: needs a PostgreSQL server both replicas share (BENCH_DATABASE_URL or TEST_DATABASE_URL)');
    process.exitCode = 1;
    return;
  }
  console.log(`replicas: ${connections} gates, ${seconds} s per run, PostgreSQL server, portal over plain HTTP`);
  await side(1);
  await side(2);
  const failoverDatabase = (await freshDatabase('failover')) as string;
  const result = await runReplicaFailover({
    databaseUrl: failoverDatabase,
    gates: connections,
    killAtMs: 4000,
    restartAtMs: 7000,
    durationMs: 12_000,
  });
  console.log('SIGKILL of one of two replicas at 4 s, started again at 7 s, gates stop at 12 s:');
  console.log(formatFailover(result));
  const ok =
    result.lost.length === 0 &&
    result.falseDuplicates === 0 &&
    result.storedDistinct === result.stored &&
    result.failures / result.answers < 0.01;
  console.log(`targets: 0 lost, 0 counted twice, < 1 % 5xx ${ok ? 'MET' : 'NOT MET'}`);
  if (!ok) process.exitCode = 1;
}

await main();
