// Check-ins at 64 concurrent clients with unique tickets: straight to attendance, then through
// the portal (HTTPS, then plain HTTP as behind a TLS proxy), plus each service's memory idle and
// under this load. The portal's check-in batching follows UPSTREAM_CHECKIN_BATCH_* when set.
// Run: pnpm bench checkins   (BENCH_SECONDS=15, BENCH_CONNECTIONS=64, BENCH_DATABASE_URL optional)
import { randomUUID } from 'node:crypto';
import { formatLoad, type LoadResult, runLoad } from './lib/load.js';
import { seeder } from './lib/seed.js';
import {
  benchToken,
  cpuSeconds,
  embeddedPostgresPid,
  familyCpuSeconds,
  freshDatabase,
  type RunningService,
  rssMb,
  startService,
  storageLabel,
} from './lib/services.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 15);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 64);

/** Samples a process's RSS every 250 ms while `work` runs; returns the peak in MB. */
async function peakRss<T>(
  pids: (number | undefined)[],
  work: () => Promise<T>,
): Promise<{ result: T; peaks: number[] }> {
  const peaks = pids.map((pid) => rssMb(pid));
  const timer = setInterval(() => {
    pids.forEach((pid, index) => {
      peaks[index] = Math.max(peaks[index] as number, rssMb(pid));
    });
  }, 250);
  try {
    return { result: await work(), peaks };
  } finally {
    clearInterval(timer);
  }
}

/** CPU time each part of the system spent per request during `work` (µs per request). */
async function cpuPerRequest(
  parts: Record<string, () => number>,
  work: () => Promise<LoadResult>,
): Promise<{ result: LoadResult; perRequest: string }> {
  const before = Object.fromEntries(Object.entries(parts).map(([name, read]) => [name, read()]));
  const result = await work();
  const spent = Object.entries(parts).map(([name, read]) => {
    const micros = ((read() - (before[name] as number)) * 1e6) / Math.max(1, result.requests);
    return `${name} ${micros.toFixed(0)}`;
  });
  return { result, perRequest: `CPU per check-in (µs): ${spent.join(', ')}` };
}

/** Each connection is its own gate with its own committee account, as at a real event. */
const gateToken = (connection: number) => benchToken(`gate-${connection}`, 'committee');

async function checkinLoad(url: string, path: string, event: string, warmup = false): Promise<LoadResult> {
  let sequence = 0;
  const run = randomUUID().slice(0, 8);
  return runLoad({
    url,
    path,
    method: 'POST',
    connections,
    durationSeconds: warmup ? 3 : seconds,
    headers: { 'content-type': 'application/json' },
    connectionHeaders: (connection) => ({ authorization: `Bearer ${gateToken(connection)}` }),
    body: () => JSON.stringify({ event_id: event, ticket_id: `${run}-${sequence++}`, location: 'Gate A' }),
  });
}

// The load generator is one address at thousands of check-ins a second, which no real client is:
// the per-address limits are raised so they are not what this measures (they are still checked).
const UNLIMITED_ADDRESS = { CHECKIN_RATE_PER_CLIENT: '1000000', CHECKIN_BURST_PER_CLIENT: '10000000' };
const EVENTS = ['bench-warmup', 'bench-straight', 'bench-warmup-portal', 'bench-portal'];

async function main(): Promise<void> {
  const batching = ['UPSTREAM_CHECKIN_BATCH_CONCURRENCY', 'UPSTREAM_CHECKIN_BATCH_MAX']
    .map((name) => `${name}=${process.env[name] ?? 'default'}`)
    .join(' ');
  console.log(
    `check-ins: ${connections} connections (one gate user each), ${seconds} s per run, ${storageLabel()}; portal ${batching}`,
  );
  const attendance = await startService('attendance', {
    env: { DATABASE_URL: await freshDatabase('attendance'), ...UNLIMITED_ADDRESS },
  });
  let portal: RunningService | undefined;
  try {
    // Production requires registered events (REQUIRE_REGISTERED_EVENTS); without tickets each takes any code once.
    const seed = seeder(attendance.url, benchToken('admin1', 'admin'), [gateToken(0)]);
    for (const id of EVENTS) await seed.createEvent(id, { title: id });
    await seed.close();
    const idle = rssMb(attendance.child.pid);
    await checkinLoad(attendance.url, '/checkins', 'bench-warmup', true);
    const postgresPid = embeddedPostgresPid(attendance.dataDir);
    const parts = {
      attendance: () => cpuSeconds(attendance.child.pid),
      ...(postgresPid ? { postgres: () => familyCpuSeconds(postgresPid) } : {}),
      'load generator': () => process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6,
    };
    const straight = await peakRss([attendance.child.pid], () =>
      cpuPerRequest(parts, () => checkinLoad(attendance.url, '/checkins', 'bench-straight')),
    );
    console.log(formatLoad('straight to attendance', straight.result.result));
    console.log(`  ${straight.result.perRequest}`);
    console.log(`attendance memory: idle ${idle.toFixed(0)} MB, peak under load ${straight.peaks[0]?.toFixed(0)} MB`);

    const straightRps = straight.result.result.rps;
    // The portal as deployed (HTTPS), then as it runs behind a TLS-terminating proxy (PORTAL_HTTP):
    // the proxy itself is not run here, so the second phase shows what TLS costs the portal.
    for (const phase of [
      { label: 'through the portal (HTTPS)', env: {} },
      { label: 'through the portal (HTTP, behind a TLS proxy)', env: { PORTAL_HTTP: 'true' } },
    ]) {
      const gateway = await startService('portal', {
        env: {
          ATTENDANCE_BASE_URL: attendance.url,
          IDENTITY_BASE_URL: 'http://127.0.0.1:9',
          ...UNLIMITED_ADDRESS,
          ...phase.env,
        },
      });
      portal = gateway;
      const portalIdle = rssMb(gateway.child.pid);
      await checkinLoad(gateway.url, '/api/checkins', 'bench-warmup-portal', true);
      const through = await peakRss([gateway.child.pid, attendance.child.pid], () =>
        cpuPerRequest({ portal: () => cpuSeconds(gateway.child.pid), ...parts }, () =>
          checkinLoad(gateway.url, '/api/checkins', 'bench-portal'),
        ),
      );
      console.log(formatLoad(phase.label, through.result.result));
      console.log(`  ${through.result.perRequest}`);
      console.log(
        `  portal memory: idle ${portalIdle.toFixed(0)} MB, peak under load ${through.peaks[0]?.toFixed(0)} MB`,
      );
      const ratio = (through.result.result.rps / straightRps) * 100;
      console.log(`  portal / straight: ${ratio.toFixed(0)} % (target >= 75 %)`);
      await gateway.stop();
      portal = undefined;
    }
    console.log(
      `targets: straight >= 5000/s ${straight.result.result.rps >= 5000 ? 'MET' : 'NOT MET'}, p99 <= 40 ms ${straight.result.result.p99 <= 40 ? 'MET' : 'NOT MET'}, errors 0 ${straight.result.result.errors + straight.result.result.non2xx === 0 ? 'MET' : 'NOT MET'}`,
    );
  } finally {
    await portal?.stop();
    await attendance.stop();
  }
}

await main();
