// 100 live dashboards on one event through the real portal while check-ins arrive: requests/s reaching
// attendance, and the delay from a check-in's 201 to its appearance on the streams (p50/p95).
// Run: pnpm bench dashboards   (BENCH_SECONDS=20, BENCH_STREAMS=100, BENCH_CHECKINS_PER_SECOND=10)
//
// Built services as real processes; attendance is reached through a counting proxy in this process,
// so every request the portal makes to it is seen (the check-ins' batches included). The check-ins
// go through the portal one after another at a steady rate, as from a gate, so the k-th 201 is the
// k-th check-in and appears on a stream in the first `stats` event whose total reaches k.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, Pool, request } from 'undici';
import { eventStreamParser } from '../services/portal/test/support/event-stream.js';
import { percentile } from './lib/load.js';
import { seeder } from './lib/seed.js';
import { benchToken, cpuSeconds, freshDatabase, rssMb, startService, storageLabel } from './lib/services.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 20);
const streamCount = Number(process.env.BENCH_STREAMS ?? 100);
const checkinsPerSecond = Number(process.env.BENCH_CHECKINS_PER_SECOND ?? 10);
const EVENT = 'dash-bench';

interface Seen {
  at: number;
  total: number;
}

/** A reverse proxy that counts requests by "METHOD path-without-query" and forwards them as they are. */
async function countingProxy(target: string) {
  const upstream = new Pool(target, { connections: 256 });
  const counts = new Map<string, number>();
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const key = `${req.method} ${(req.url ?? '').split('?')[0]}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    try {
      const headers = { ...req.headers };
      delete headers.host;
      delete headers.connection;
      const answer = await upstream.request({
        method: req.method as 'GET',
        path: req.url ?? '/',
        headers,
        body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
      });
      const body = Buffer.from(await answer.body.arrayBuffer());
      const type = answer.headers['content-type'];
      res.writeHead(answer.statusCode, typeof type === 'string' ? { 'content-type': type } : {});
      res.end(body);
    } catch {
      res.writeHead(502).end();
    }
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    total: (key: string) => counts.get(key) ?? 0,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await upstream.close();
    },
  };
}

/** One dashboard: a stream of the event's stats, recording when each total arrived. */
async function openDashboard(portalUrl: string, token: string, dispatcher: Agent) {
  const seen: Seen[] = [];
  const controller = new AbortController();
  const response = await request(`${portalUrl}/api/live/events/${EVENT}`, {
    headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` },
    dispatcher,
    signal: controller.signal,
  });
  if (response.statusCode !== 200) throw new Error(`stream answered ${response.statusCode}`);
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
      // aborted at the end of the run
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

async function main(): Promise<void> {
  const admin = benchToken('admin1', 'admin');
  const committee = benchToken('panitia1', 'committee');
  console.log(
    `${streamCount} live dashboards on one event, ${checkinsPerSecond} check-ins/s through the portal for ${seconds} s, ${storageLabel()}`,
  );
  const attendance = await startService('attendance', { env: { DATABASE_URL: await freshDatabase('dashboards') } });
  const proxy = await countingProxy(attendance.url);
  const portal = await startService('portal', {
    // Identity is not needed: the portal verifies tokens itself; this address refuses connections.
    env: { ATTENDANCE_BASE_URL: proxy.url, IDENTITY_BASE_URL: 'http://127.0.0.1:9' },
  });
  const seed = seeder(attendance.url, admin, [committee]);
  const clients = new Agent({ connections: streamCount + 16, connect: { rejectUnauthorized: false } });
  const totalTickets = seconds * checkinsPerSecond + 100;
  const tickets = Array.from({ length: totalTickets }, (_, index) => `DB-${index}`);
  const dashboards: Awaited<ReturnType<typeof openDashboard>>[] = [];
  try {
    await seed.createEvent(EVENT, { title: 'Dashboard benchmark', location: 'Bench hall' });
    await seed.issueTickets(EVENT, tickets);
    for (let index = 0; index < streamCount; index++)
      dashboards.push(await openDashboard(portal.url, committee, clients));
    await new Promise((resolve) => setTimeout(resolve, 1500));

    const pollKey = `GET /events/${EVENT}/stats`;
    const pollsBefore = proxy.total(pollKey);
    const requestsBefore = [...proxy.counts.values()].reduce((sum, n) => sum + n, 0);
    const cpuBefore = { portal: cpuSeconds(portal.child.pid), attendance: cpuSeconds(attendance.child.pid) };
    const acknowledged: number[] = [];
    const started = Date.now();
    for (let index = 0; Date.now() - started < seconds * 1000; index++) {
      const due = started + (index * 1000) / checkinsPerSecond;
      if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
      const answer = await request(`${portal.url}/api/checkins`, {
        method: 'POST',
        dispatcher: clients,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${committee}` },
        body: JSON.stringify({ event_id: EVENT, ticket_id: tickets[index], location: 'Gate A' }),
      });
      await answer.body.dump();
      if (answer.statusCode !== 201) throw new Error(`check-in answered ${answer.statusCode}`);
      acknowledged.push(Date.now());
    }
    const elapsed = (Date.now() - started) / 1000;
    // The last check-ins need an interval or two to show.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const polls = proxy.total(pollKey) - pollsBefore;
    const requests = [...proxy.counts.values()].reduce((sum, n) => sum + n, 0) - requestsBefore;
    const cpu = {
      portal: cpuSeconds(portal.child.pid) - cpuBefore.portal,
      attendance: cpuSeconds(attendance.child.pid) - cpuBefore.attendance,
    };
    const pollWindow = elapsed + 2.5;

    const delays: number[] = [];
    let missing = 0;
    for (const dashboard of dashboards) {
      acknowledged.forEach((at, index) => {
        const shown = dashboard.seen.find((seen) => seen.total >= index + 1);
        if (shown) delays.push(Math.max(0, shown.at - at));
        else missing++;
      });
    }
    delays.sort((a, b) => a - b);
    const pollRate = polls / pollWindow;
    console.log(`check-ins: ${acknowledged.length} in ${elapsed.toFixed(1)} s, each 201 before the next was sent`);
    console.log(
      `requests reaching attendance: ${pollRate.toFixed(2)}/s of live polls (${polls} in ${pollWindow.toFixed(1)} s), ` +
        `${(requests / pollWindow).toFixed(2)}/s in all (check-in batches included)`,
    );
    console.log(
      `delay from 201 to the stream: p50 ${percentile(delays, 50)} ms, p95 ${percentile(delays, 95)} ms, ` +
        `max ${delays.at(-1)} ms over ${delays.length} sightings (${missing} not seen)`,
    );
    console.log(
      `CPU over the run: portal ${cpu.portal.toFixed(2)} s, attendance ${cpu.attendance.toFixed(2)} s; ` +
        `portal memory ${rssMb(portal.child.pid).toFixed(0)} MB`,
    );
    const met = pollRate <= 2 && percentile(delays, 95) <= 2000 && missing === 0;
    console.log(`target <= 2 requests/s per event and delay p95 <= 2 s: ${met ? 'MET' : 'NOT MET'}`);
  } finally {
    await Promise.all(dashboards.map((dashboard) => dashboard.close()));
    await clients.close();
    await seed.close();
    await portal.stop();
    await proxy.close();
    await attendance.stop();
  }
}

await main();
