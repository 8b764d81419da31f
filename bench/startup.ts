// Start to /health for each service (second start: the embedded cluster already exists) and the
// memory each uses: just after start, and idle (no traffic for 30 s, when V8's memory reducer has
// given back what start-up used). Run: pnpm bench startup
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { percentile } from './lib/load.js';
import { rssMb, type ServiceName, startService } from './lib/services.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 30);

const median = (values: number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  );

async function main(): Promise<void> {
  for (const name of ['identity', 'attendance', 'portal'] as ServiceName[]) {
    const dataDir = mkdtempSync(path.join(tmpdir(), `tixgo-startup-${name}-`));
    const env =
      name === 'portal' ? { IDENTITY_BASE_URL: 'http://127.0.0.1:9', ATTENDANCE_BASE_URL: 'http://127.0.0.1:9' } : {};
    // First start creates the embedded cluster (initdb) or the certificate: reported, not the target.
    const first = await startService(name, { dataDir, env });
    await first.stop();
    const times: number[] = [];
    let started = 0;
    let idle = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const service = await startService(name, { dataDir, env });
      times.push(service.startMs);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      started = rssMb(service.child.pid);
      if (round === ROUNDS - 1) {
        await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000));
        idle = rssMb(service.child.pid);
      }
      await service.stop();
    }
    console.log(
      `${name}: first start ${(first.startMs / 1000).toFixed(2)} s; start to /health median ${(median(times) / 1000).toFixed(2)} s, max ${(Math.max(...times) / 1000).toFixed(2)} s over ${ROUNDS} starts (target <= 1.5 s); RSS ${started.toFixed(0)} MB 1 s after start, ${idle.toFixed(0)} MB idle after ${IDLE_SECONDS} s (target <= 80 MB)`,
    );
  }
}

await main();
