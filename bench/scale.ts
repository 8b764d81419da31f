// The whole picture of issue 18: HAProxy (deploy/haproxy, as the compose `scale` profile runs it) in
// front of two portals over HTTPS, two attendance replicas and identity on one PostgreSQL server,
// 64 gates signed in through the portal (session cookies) scanning, live screens open; one portal and
// one replica SIGKILLed together mid-load and started again. See bench/lib/scale-failover.ts.
// Needs HAProxy (Debian's package) and a PostgreSQL server: BENCH_DATABASE_URL, else TEST_DATABASE_URL.
// Run: pnpm bench scale   (BENCH_GATES=64, BENCH_SCREENS=8, BENCH_SECONDS=16)
import { formatScale, haproxyInstalled, runScaleFailover, scaleTargetsMet } from './lib/scale-failover.js';
import { freshDatabase } from './lib/services.js';

const gates = Number(process.env.BENCH_GATES ?? 64);
const screens = Number(process.env.BENCH_SCREENS ?? 8);
const seconds = Number(process.env.BENCH_SECONDS ?? 16);

async function main(): Promise<void> {
  process.env.BENCH_DATABASE_URL ??= process.env.TEST_DATABASE_URL;
  if (!process.env.BENCH_DATABASE_URL) {
    console.log('scale: needs a PostgreSQL server (BENCH_DATABASE_URL or TEST_DATABASE_URL)');
    process.exitCode = 1;
    return;
  }
  if (!haproxyInstalled()) {
    console.log('scale: needs HAProxy (apt-get install haproxy)');
    process.exitCode = 1;
    return;
  }
  const durationMs = seconds * 1000;
  const killAtMs = Math.round(durationMs * 0.3);
  const restartAtMs = Math.round(durationMs * 0.55);
  console.log(
    `scale: ${gates} gates, ${screens} live screens, ${seconds} s; HAProxy -> 2 portals (HTTPS) -> 2 attendance replicas, PostgreSQL server`,
  );
  console.log(
    `a portal and a replica SIGKILLed at ${killAtMs / 1000} s, both started again at ${restartAtMs / 1000} s`,
  );
  const result = await runScaleFailover({
    identityDatabaseUrl: (await freshDatabase('scale_identity')) as string,
    attendanceDatabaseUrl: (await freshDatabase('scale_attendance')) as string,
    gates,
    screens,
    killAtMs,
    restartAtMs,
    durationMs,
  });
  console.log(formatScale(result));
  const ok = scaleTargetsMet(result);
  console.log(`targets: 0 lost, 0 doubled, < 1 % errors, sessions renewed, screens back: ${ok ? 'MET' : 'NOT MET'}`);
  if (!ok) process.exitCode = 1;
}

await main();
