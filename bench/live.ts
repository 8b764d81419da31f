// Live screens pushed, not polled (issue 18, item 2): attendance's stats reads per second with 100 live
// screens on 1, 2 and 3 portals, while check-ins arrive on one event and then while nothing happens;
// before (the portals poll every topic every second: attendance does not trust them with GET /changes)
// and after (they follow attendance's announced changes).
// Run: pnpm bench live   (BENCH_SECONDS=15 per phase, BENCH_STREAMS=100, BENCH_CHECKINS_PER_SECOND=10)
//
// Built services as real processes, one attendance (a fresh database per mode) and three portals.
// The screens: a fifth on the dashboard, the rest on the pages of four events (one busy, three quiet),
// spread over the portals in use. Reads are counted by attendance itself (/metrics: requests per
// route), the check-ins go straight to attendance at a steady rate, so every read counted is a portal's.
import { Agent, request } from 'undici';
import { eventStreamParser } from '../services/portal/test/support/event-stream.js';
import { percentile } from './lib/load.js';
import { seeder } from './lib/seed.js';
import {
  benchToken,
  cpuSeconds,
  freshDatabase,
  type RunningService,
  startService,
  storageLabel,
} from './lib/services.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 15);
const streamCount = Number(process.env.BENCH_STREAMS ?? 100);
const checkinsPerSecond = Number(process.env.BENCH_CHECKINS_PER_SECOND ?? 10);
const EVENTS = ['live-busy', 'live-quiet-1', 'live-quiet-2', 'live-quiet-3'];
const METRICS_TOKEN = 'bench-live-metrics';
const READ_ROUTES = ['/overview', '/events/:id/stats'];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Requests attendance answered on the live topics' routes so far (its request histogram's counts). */
async function statsReads(attendance: RunningService): Promise<number> {
  const answer = await request(`${attendance.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  const text = await answer.body.text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('http_request_duration_seconds_count{')) continue;
    const route = /route="([^"]*)"/.exec(line)?.[1];
    if (route !== undefined && READ_ROUTES.includes(route)) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

interface Screen {
  /** When each stats total arrived (busy event's screens only). */
  seen: { at: number; total: number }[];
  close(): Promise<void>;
}

async function openScreen(portalUrl: string, path: string, token: string, dispatcher: Agent): Promise<Screen> {
  const seen: Screen['seen'] = [];
  const controller = new AbortController();
  const response = await request(`${portalUrl}${path}`, {
    headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` },
    dispatcher,
    signal: controller.signal,
  });
  if (response.statusCode !== 200) throw new Error(`stream ${path} answered ${response.statusCode}`);
  const feed = eventStreamParser(
    (event, data) => {
      if (event === 'stats') {
        seen.push({ at: Date.now(), total: (JSON.parse(data) as { total_checked_in: number }).total_checked_in });
      }
    },
    () => undefined,
  );
  const reading = (async () => {
    try {
      for await (const chunk of response.body) feed(chunk.toString());
    } catch {
      // aborted at the end of the phase
    }
  })();
  return {
    seen,
    async close() {
      controller.abort();
      await reading;
    },
  };
}

interface Figures {
  mode: string;
  portals: number;
  loadRate: number;
  quietRate: number;
  p50: number;
  p95: number;
  missing: number;
  attendanceCpu: number;
}

async function runMode(mode: 'poll' | 'push'): Promise<Figures[]> {
  const admin = benchToken('admin1', 'admin');
  const committee = benchToken('panitia1', 'committee');
  const attendance = await startService('attendance', {
    env: {
      DATABASE_URL: await freshDatabase(`live-${mode}`),
      METRICS_TOKEN,
      // push: the portals (127.0.0.1) are trusted with GET /changes; poll: refused, they poll as before.
      TRUST_PROXY: mode === 'push' ? '127.0.0.1' : undefined,
      CHECKIN_RATE_PER_USER: '100000',
    },
  });
  const portals: RunningService[] = [];
  const clients = new Agent({ connections: streamCount + 16, connect: { rejectUnauthorized: false } });
  const seed = seeder(attendance.url, admin, [committee]);
  const figures: Figures[] = [];
  let ticket = 0;
  try {
    for (let index = 0; index < 3; index++) {
      portals.push(
        await startService('portal', {
          env: {
            ATTENDANCE_BASE_URL: attendance.url,
            IDENTITY_BASE_URL: 'http://127.0.0.1:9',
            LIVE_MAX_STREAMS_PER_USER: '10000',
            LIVE_MAX_STREAMS_PER_CLIENT: '10000',
          },
        }),
      );
    }
    for (const id of EVENTS) await seed.createEvent(id, { title: id, location: 'Bench hall' });
    const tickets = Array.from({ length: 3 * (seconds * checkinsPerSecond + 50) }, (_, index) => `LV-${index}`);
    await seed.issueTickets('live-busy', tickets);

    for (const portalCount of [1, 2, 3]) {
      const screens: Screen[] = [];
      const busy: Screen[] = [];
      for (let index = 0; index < streamCount; index++) {
        const portal = portals[index % portalCount] as RunningService;
        // On every portal: a fifth on the dashboard, the others on the four event pages in turn.
        const nth = Math.floor(index / portalCount);
        const path = nth % 5 === 0 ? '/api/live/overview' : `/api/live/events/${EVENTS[nth % 4]}`;
        const screen = await openScreen(portal.url, path, committee, clients);
        screens.push(screen);
        if (path.endsWith('/live-busy')) busy.push(screen);
      }
      // Settled: every topic read once, the portals following (push) or polling (poll).
      await sleep(3000);

      const cpuBefore = cpuSeconds(attendance.child.pid);
      const loadBefore = await statsReads(attendance);
      const acknowledged: { at: number; total: number }[] = [];
      const started = Date.now();
      for (let index = 0; Date.now() - started < seconds * 1000; index++) {
        const due = started + (index * 1000) / checkinsPerSecond;
        if (due > Date.now()) await sleep(due - Date.now());
        const answer = await request(`${attendance.url}/checkins`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${committee}` },
          body: JSON.stringify({ event_id: 'live-busy', ticket_id: tickets[ticket++], location: 'Gate A' }),
        });
        await answer.body.dump();
        if (answer.statusCode !== 201) throw new Error(`check-in answered ${answer.statusCode}`);
        acknowledged.push({ at: Date.now(), total: ticket });
      }
      const loadSeconds = (Date.now() - started) / 1000;
      const loadReads = (await statsReads(attendance)) - loadBefore;
      const attendanceCpu = cpuSeconds(attendance.child.pid) - cpuBefore;
      // The last check-ins need a moment to show; then the quiet phase.
      await sleep(2500);
      const quietBefore = await statsReads(attendance);
      const quietStarted = Date.now();
      await sleep(seconds * 1000);
      const quietReads = (await statsReads(attendance)) - quietBefore;
      const quietSeconds = (Date.now() - quietStarted) / 1000;

      const delays: number[] = [];
      let missing = 0;
      for (const screen of busy) {
        for (const { at, total } of acknowledged) {
          const shown = screen.seen.find((seen) => seen.total >= total);
          if (shown) delays.push(Math.max(0, shown.at - at));
          else missing++;
        }
      }
      delays.sort((a, b) => a - b);
      figures.push({
        mode,
        portals: portalCount,
        loadRate: loadReads / loadSeconds,
        quietRate: quietReads / quietSeconds,
        p50: percentile(delays, 50),
        p95: percentile(delays, 95),
        missing,
        attendanceCpu,
      });
      const last = figures.at(-1) as Figures;
      console.log(
        `${mode} ${portalCount} portal(s): stats reads ${last.loadRate.toFixed(2)}/s under load, ` +
          `${last.quietRate.toFixed(2)}/s quiet; check-in to screen p50 ${last.p50} ms, p95 ${last.p95} ms ` +
          `(${missing} not seen); attendance CPU ${attendanceCpu.toFixed(2)} s over ${loadSeconds.toFixed(0)} s of load`,
      );
      await Promise.all(screens.map((screen) => screen.close()));
      // The topics stop once their last screen left.
      await sleep(1500);
    }
  } finally {
    await clients.close();
    await seed.close();
    await Promise.all(portals.map((portal) => portal.stop()));
    await attendance.stop();
  }
  return figures;
}

async function main(): Promise<void> {
  console.log(
    `${streamCount} live screens (1/5 dashboard, 4/5 on 4 event pages) on 1, 2, 3 portals; ` +
      `${checkinsPerSecond} check-ins/s on one event for ${seconds} s, then ${seconds} s quiet; ${storageLabel()}`,
  );
  const all = [...(await runMode('poll')), ...(await runMode('push'))];
  console.log('\nmode  portals  reads/s load  reads/s quiet  delay p50  delay p95');
  for (const row of all) {
    console.log(
      `${row.mode.padEnd(5)} ${String(row.portals).padStart(7)}  ${row.loadRate.toFixed(2).padStart(12)}  ` +
        `${row.quietRate.toFixed(2).padStart(13)}  ${String(row.p50).padStart(6)} ms  ${String(row.p95).padStart(6)} ms`,
    );
  }
  const push = all.filter((row) => row.mode === 'push');
  const flat =
    push.every((row) => row.quietRate <= 0.2 * row.portals + 0.1) &&
    push.every((row) => row.loadRate <= 2.5 * row.portals) &&
    push.every((row) => row.missing === 0 && row.p95 <= 2500);
  console.log(
    `target (push): <= 2.5 reads/s per portal under load, quiet at the 30 s safety poll, p95 <= 2.5 s: ${flat ? 'MET' : 'NOT MET'}`,
  );
}

await main();
