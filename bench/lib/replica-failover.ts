// Two attendance processes on one PostgreSQL database behind a portal, gates checking in through it,
// one replica SIGKILLed mid-load and started again on its port: what was acknowledged, lost, doubled.
// Run by `pnpm bench replicas` and by test/replica-failover.test.ts (the built dist of each service).
import { Pool } from 'undici';
import { seeder } from './seed.js';
import { benchToken, type RunningService, startService } from './services.js';

/** The load generator is one address at a high rate: no per-address or per-user limit is what this measures. */
export const UNLIMITED_CHECKINS = {
  CHECKIN_RATE_PER_USER: '1000000',
  CHECKIN_BURST_PER_USER: '10000000',
  CHECKIN_RATE_PER_CLIENT: '1000000',
  CHECKIN_BURST_PER_CLIENT: '10000000',
};

export interface FailoverOptions {
  /** The one database both replicas use (a fresh, empty one). */
  databaseUrl: string;
  gates: number;
  /** When the second replica is killed, when it is started again, and when the gates stop (ms from the start of the load). */
  killAtMs: number;
  restartAtMs: number;
  durationMs: number;
}

export interface FailoverResult {
  /** Answers the gates got, by HTTP status ("error" for no answer at all). */
  byStatus: Record<string, number>;
  answers: number;
  /** Tickets answered 201. */
  acknowledged: number;
  /** Acknowledged tickets missing from the database afterwards (target 0). */
  lost: string[];
  /** Tickets answered 409 "already checked in" although each was scanned once: a retry counted twice (target 0). */
  falseDuplicates: number;
  /** Check-ins stored for the event, and how many distinct tickets they are (equal: none stored twice). */
  stored: number;
  storedDistinct: number;
  /** 5xx answers and answers that never came. */
  failures: number;
  /** Check-ins answered per second before the kill, while the replica was down, and after it was back. */
  rates: { before: number; down: number; after: number };
  /** Milliseconds from the restart until the replica answered /health. */
  restartMs: number;
}

const EVENT = 'replica-failover';

/** Starts two attendance replicas (the first migrates the database) and a plain-HTTP portal over both. */
export async function startReplicaStack(
  databaseUrl: string,
  replicas: number,
): Promise<{ attendance: RunningService[]; portal: RunningService; stop(): Promise<void> }> {
  const env = { DATABASE_URL: databaseUrl, ...UNLIMITED_CHECKINS };
  const attendance: RunningService[] = [await startService('attendance', { env })];
  for (let index = 1; index < replicas; index++) attendance.push(await startService('attendance', { env }));
  const portal = await startService('portal', {
    env: {
      PORTAL_HTTP: 'true',
      ATTENDANCE_BASE_URL: attendance.map((service) => service.url).join(','),
      IDENTITY_BASE_URL: 'http://127.0.0.1:9',
      ...UNLIMITED_CHECKINS,
    },
  });
  return {
    attendance,
    portal,
    async stop() {
      await portal.stop();
      await Promise.all(attendance.map((service) => service.stop()));
    },
  };
}

export async function runReplicaFailover(options: FailoverOptions): Promise<FailoverResult> {
  const stack = await startReplicaStack(options.databaseUrl, 2);
  const [first, second] = stack.attendance as [RunningService, RunningService];
  let replacement: RunningService | undefined;
  const portal = new Pool(stack.portal.url, { connections: options.gates });
  try {
    const admin = benchToken('admin1', 'admin');
    const seed = seeder(first.url, admin, [benchToken('gate-0', 'committee')]);
    await seed.createEvent(EVENT, { title: 'Replica failover' });
    await seed.close();

    const byStatus: Record<string, number> = {};
    const acknowledged = new Set<string>();
    const answeredAt: number[] = [];
    let falseDuplicates = 0;
    let done = false;
    const started = performance.now();
    const gate = async (gateNo: number) => {
      const headers = {
        'content-type': 'application/json',
        authorization: `Bearer ${benchToken(`gate-${gateNo}`, 'committee')}`,
      };
      for (let index = 0; !done; index++) {
        const ticket = `g${gateNo}-${index}`;
        let status: string;
        try {
          const response = await portal.request({
            method: 'POST',
            path: '/api/checkins',
            headers,
            body: JSON.stringify({ event_id: EVENT, ticket_id: ticket, location: `Gate ${gateNo}` }),
          });
          await response.body.text();
          status = String(response.statusCode);
        } catch {
          status = 'error';
        }
        byStatus[status] = (byStatus[status] ?? 0) + 1;
        if (status === '201') {
          acknowledged.add(ticket);
          answeredAt.push(performance.now() - started);
        }
        if (status === '409') falseDuplicates++;
      }
    };
    const gates = Array.from({ length: options.gates }, (_, gateNo) => gate(gateNo));
    const sleepUntil = (ms: number) =>
      new Promise((resolve) => setTimeout(resolve, Math.max(0, ms - (performance.now() - started))));

    await sleepUntil(options.killAtMs);
    const port = Number(new URL(second.url).port);
    await second.stop('SIGKILL');
    const killedAt = performance.now() - started;
    await sleepUntil(options.restartAtMs);
    const restartFrom = performance.now();
    replacement = await startService('attendance', {
      port,
      env: { DATABASE_URL: options.databaseUrl, ...UNLIMITED_CHECKINS },
    });
    const backAt = performance.now() - started;
    const restartMs = performance.now() - restartFrom;
    await sleepUntil(options.durationMs);
    done = true;
    await Promise.all(gates);
    const endedAt = performance.now() - started;

    const list = await fetch(`${first.url}/attendance/${EVENT}`, { headers: { authorization: `Bearer ${admin}` } });
    const body = (await list.json()) as { total_checked_in: number; records: { ticket_id: string }[] };
    const storedTickets = new Set(body.records.map((record) => record.ticket_id));
    const rate = (from: number, to: number) =>
      answeredAt.filter((at) => at >= from && at < to).length / Math.max(0.001, (to - from) / 1000);
    const answers = Object.values(byStatus).reduce((sum, n) => sum + n, 0);
    const failures = Object.entries(byStatus)
      .filter(([status]) => status === 'error' || Number(status) >= 500)
      .reduce((sum, [, n]) => sum + n, 0);
    return {
      byStatus,
      answers,
      acknowledged: acknowledged.size,
      lost: [...acknowledged].filter((ticket) => !storedTickets.has(ticket)),
      falseDuplicates,
      stored: body.total_checked_in,
      storedDistinct: storedTickets.size,
      failures,
      rates: { before: rate(0, killedAt), down: rate(killedAt, backAt), after: rate(backAt, endedAt) },
      restartMs,
    };
  } finally {
    await portal.close();
    await stack.stop();
    await replacement?.stop();
  }
}

export function formatFailover(result: FailoverResult): string {
  const share = ((result.failures / Math.max(1, result.answers)) * 100).toFixed(2);
  return [
    `answers ${result.answers} ${JSON.stringify(result.byStatus)}; 5xx or no answer ${result.failures} (${share} %, target < 1 %)`,
    `acknowledged ${result.acknowledged}, lost ${result.lost.length} (target 0), false duplicates ${result.falseDuplicates} (target 0), stored ${result.stored} (${result.storedDistinct} distinct tickets)`,
    `check-ins/s: ${result.rates.before.toFixed(0)} before the kill, ${result.rates.down.toFixed(0)} with one replica, ${result.rates.after.toFixed(0)} after its restart (back in ${result.restartMs.toFixed(0)} ms)`,
  ].join('\n');
}
