// Acknowledged check-ins lost on SIGKILL (target 0): gates post check-ins, attendance (embedded
// PostgreSQL) is killed with SIGKILL mid-load, restarted on the same DATA_DIR, and every ticket that
// was answered 201 must be in the attendance list. Run: pnpm bench sigkill
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Pool } from 'undici';
import { seeder } from './lib/seed.js';
import { benchToken, embeddedPostgresPid, processFamily, startService } from './lib/services.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

// 16 gates at full speed from one address: far past the per-user and per-address check-in limits,
// which are not what this measures. The event is registered (production requires it).
const UNLIMITED = {
  CHECKIN_RATE_PER_USER: '1000000',
  CHECKIN_BURST_PER_USER: '10000000',
  CHECKIN_RATE_PER_CLIENT: '1000000',
  CHECKIN_BURST_PER_CLIENT: '10000000',
};

async function main(): Promise<void> {
  const token = benchToken('panitia1', 'committee');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tixgo-sigkill-'));
  const acknowledged = new Set<string>();
  let port: number | undefined;
  let attempted = 0;
  for (let round = 1; round <= ROUNDS; round++) {
    const service = await startService('attendance', { dataDir, env: UNLIMITED, ...(port ? { port } : {}) });
    port = Number(new URL(service.url).port);
    if (round === 1) {
      const seed = seeder(service.url, benchToken('admin1', 'admin'), [token]);
      await seed.createEvent('sigkill', { title: 'SIGKILL' });
      await seed.close();
    }
    const pool = new Pool(service.url, { connections: 16 });
    let killed = false;
    const gate = async (gateNo: number) => {
      for (let index = 0; !killed; index++) {
        const ticket = `r${round}-g${gateNo}-${index}`;
        attempted++;
        try {
          const response = await pool.request({
            method: 'POST',
            path: '/checkins',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: JSON.stringify({ event_id: 'sigkill', ticket_id: ticket }),
          });
          await response.body.text();
          if (response.statusCode === 201) acknowledged.add(ticket);
        } catch {
          // the connection died with the process: not acknowledged, fine to lose
        }
      }
    };
    const gates = Array.from({ length: 16 }, (_, gateNo) => gate(gateNo));
    await new Promise((resolve) => setTimeout(resolve, 2000 + Math.random() * 1000));
    await service.stop('SIGKILL');
    killed = true;
    if (round % 2 === 0) {
      // Every other round the database dies too (the postmaster and every backend at once, as in
      // a power cut): the restart must recover every committed check-in from its WAL.
      const postmaster = embeddedPostgresPid(dataDir);
      if (postmaster) for (const pid of processFamily(postmaster)) process.kill(pid, 'SIGKILL');
    }
    await Promise.all(gates);
    await pool.close().catch(() => undefined);
    const what = round % 2 === 0 ? 'attendance and its PostgreSQL' : 'attendance';
    console.log(`round ${round}: ${what} killed with SIGKILL; ${acknowledged.size} check-ins acknowledged so far`);
  }
  const service = await startService('attendance', { dataDir, env: UNLIMITED, ...(port ? { port } : {}) });
  const response = await fetch(`${service.url}/attendance/sigkill`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await response.json()) as { records: { ticket_id: string }[] };
  await service.stop();
  const stored = new Set(body.records.map((record) => record.ticket_id));
  const lost = [...acknowledged].filter((ticket) => !stored.has(ticket));
  console.log(
    `SIGKILL x${ROUNDS}: ${attempted} attempted, ${acknowledged.size} acknowledged (201), ${stored.size} stored, lost ${lost.length} (target 0)${lost.length ? `: ${lost.slice(0, 10).join(', ')}` : ''}`,
  );
  if (lost.length > 0) process.exitCode = 1;
}

await main();
