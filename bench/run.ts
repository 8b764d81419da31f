// `pnpm bench [name…]`: runs benchmark scripts one after another, each in its own process.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
// onlyWhenNamed: not part of `pnpm bench` / `all` (minutes of emulation, root for binfmt_misc).
const BENCHES: Record<string, { file: string; what: string; onlyWhenNamed?: boolean }> = {
  checkins: { file: 'checkins.ts', what: 'check-ins straight and through the portal, memory under load' },
  reads: { file: 'attendance-reads.ts', what: '10,000-check-in list req/s, 100,000-check-in summary p50' },
  logins: { file: 'login-storm.ts', what: '/health p99 while 20 logins hash passwords' },
  startup: { file: 'startup.ts', what: 'start to /health, idle memory' },
  sigkill: { file: 'sigkill.ts', what: 'acknowledged check-ins lost on SIGKILL' },
  hostile: { file: 'hostile.ts', what: '5xx answers to malformed or hostile input' },
  eventpage: { file: 'event-page.ts', what: 'stats, check-in list and searches at 100,000 check-ins (p50)' },
  dashboards: { file: 'dashboards.ts', what: '100 live dashboards on one event: requests to attendance, delay' },
  live: {
    file: 'live.ts',
    what: "100 live screens on 1, 2, 3 portals: attendance's stats reads/s polled (before) and pushed (after)",
  },
  lanes: {
    file: 'lanes.ts',
    what: "the live lanes' cost: 100 screens with the lane panel, check-ins at 16 gates, then quiet",
  },
  station: {
    file: 'station.ts',
    what: 'Chromium station: Enter -> answer on screen, idle and with 64 gates loading the portal',
  },
  'offline-sync': {
    file: 'offline-sync.ts',
    what: 'Chromium station: 1,000 scans queued offline, time to sync them through the portal',
  },
  'offline-download': {
    file: 'offline-download.ts',
    what: "a 100,000-ticket event's offline download through the portal, a 1,000-scan queue upload, the delta",
  },
  replicas: { file: 'replicas.ts', what: 'one vs two attendance replicas through the portal; one SIGKILLed mid-load' },
  scale: {
    file: 'scale.ts',
    what: 'HAProxy, 2 portals, 2 replicas, 64 gates with sessions, live screens; a portal and a replica SIGKILLed',
  },
  'first-visit': {
    file: 'first-visit.ts',
    what: 'bytes on the wire for a first visit of the web UI (the offline pre-download included)',
  },
  arm64: {
    file: 'arm64.ts',
    what: 'linux/arm64 under qemu-user: the services installed (arm64 Node, bcrypt, embedded PostgreSQL) and smoke-tested',
    onlyWhenNamed: true,
  },
  smallbox: {
    file: 'small-box.ts',
    what: 'memory idle and loaded per service and PostgreSQL, with and without a heap cap',
  },
};

const wanted = process.argv.slice(2).filter((arg) => arg !== '--');
if (wanted.includes('--help') || wanted.some((name) => name !== 'all' && !BENCHES[name])) {
  console.log('usage: pnpm bench [all | name…]\n');
  for (const [name, { what, onlyWhenNamed }] of Object.entries(BENCHES)) {
    console.log(`  ${name.padEnd(17)} ${what}${onlyWhenNamed ? ' (only when named)' : ''}`);
  }
  process.exit(wanted.includes('--help') ? 0 : 1);
}
const everyday = Object.keys(BENCHES).filter((name) => !BENCHES[name]?.onlyWhenNamed);
const names = [
  ...new Set([
    ...(wanted.length === 0 || wanted.includes('all') ? everyday : []),
    ...wanted.filter((name) => name !== 'all'),
  ]),
];
let failed = 0;
for (const name of names) {
  const bench = BENCHES[name] as { file: string; what: string };
  console.log(`\n=== ${name}: ${bench.what}`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, bench.file)], { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
if (failed > 0) {
  console.log(`\n${failed} benchmark(s) failed`);
  process.exit(1);
}
