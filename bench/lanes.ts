// The live lanes' cost (issue 17, item 11): 100 screens with the lane panel open on one event (the event
// page's live stream, which carries the lanes) while check-ins arrive at 16 gates, then a quiet spell with no
// check-ins: requests reaching attendance, what each screen is sent (messages and bytes a second), CPU, and
// the stats read with its lanes at attendance.
// Run: pnpm bench lanes   (BENCH_SECONDS=20, BENCH_STREAMS=100, BENCH_CHECKINS_PER_SECOND=10, BENCH_GATES=16)
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
const gates = Number(process.env.BENCH_GATES ?? 16);
const EVENT = 'lanes-bench';

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

/** One screen: the event's live stream, counting the `stats` messages and their bytes. */
async function openScreen(portalUrl: string, token: string, dispatcher: Agent) {
  const tally = { messages: 0, bytes: 0, lanes: 0 };
  const controller = new AbortController();
  const response = await request(`${portalUrl}/api/live/events/${EVENT}`, {
    headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` },
    dispatcher,
    signal: controller.signal,
  });
  if (response.statusCode !== 200) throw new Error(`stream answered ${response.statusCode}`);
  const feed = eventStreamParser(
    (event, data) => {
      if (event !== 'stats') return;
      tally.messages++;
      tally.bytes += Buffer.byteLength(data);
      tally.lanes = (JSON.parse(data) as { lanes: { lanes: unknown[] } }).lanes.lanes.length;
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
    tally,
    async close() {
      controller.abort();
      await reading;
    },
  };
}

type Screen = Awaited<ReturnType<typeof openScreen>>;

function snapshot(screens: Screen[]) {
  return {
    messages: screens.reduce((sum, screen) => sum + screen.tally.messages, 0),
    bytes: screens.reduce((sum, screen) => sum + screen.tally.bytes, 0),
  };
}

async function main(): Promise<void> {
  const admin = benchToken('admin1', 'admin');
  const committee = benchToken('panitia1', 'committee');
  console.log(
    `${streamCount} screens with the lane panel on one event, ${checkinsPerSecond} check-ins/s at ${gates} gates ` +
      `for ${seconds} s, then ${seconds} s without check-ins; ${storageLabel()}`,
  );
  const attendance = await startService('attendance', { env: { DATABASE_URL: await freshDatabase('lanes') } });
  const proxy = await countingProxy(attendance.url);
  const portal = await startService('portal', {
    env: { ATTENDANCE_BASE_URL: proxy.url, IDENTITY_BASE_URL: 'http://127.0.0.1:9' },
  });
  const seed = seeder(attendance.url, admin, [committee]);
  const clients = new Agent({ connections: streamCount + 16, connect: { rejectUnauthorized: false } });
  const tickets = Array.from({ length: seconds * checkinsPerSecond + 5000 }, (_, index) => `LB-${index}`);
  const screens: Screen[] = [];
  try {
    const start = new Date(Date.now() + 30 * 60_000).toISOString();
    await seed.createEvent(EVENT, { title: 'Lanes benchmark', location: 'Bench hall', start_time: start });
    await seed.issueTickets(EVENT, tickets);
    for (let index = 0; index < streamCount; index++) screens.push(await openScreen(portal.url, committee, clients));
    await new Promise((resolve) => setTimeout(resolve, 1500));

    const phase = async (label: string, checkIns: boolean, offset: number) => {
      const before = snapshot(screens);
      const requestsBefore = [...proxy.counts.values()].reduce((sum, n) => sum + n, 0);
      const pollsBefore = proxy.total(`GET /events/${EVENT}/stats`);
      const cpuBefore = { portal: cpuSeconds(portal.child.pid), attendance: cpuSeconds(attendance.child.pid) };
      const started = Date.now();
      for (let index = 0; Date.now() - started < seconds * 1000; index++) {
        const due = started + (index * 1000) / checkinsPerSecond;
        if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
        if (!checkIns) continue;
        const answer = await request(`${portal.url}/api/checkins`, {
          method: 'POST',
          dispatcher: clients,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${committee}` },
          body: JSON.stringify({
            event_id: EVENT,
            ticket_id: tickets[offset + index],
            location: `Gerbang ${index % gates}`,
          }),
        });
        await answer.body.dump();
        if (answer.statusCode !== 201) throw new Error(`check-in answered ${answer.statusCode}`);
      }
      const elapsed = (Date.now() - started) / 1000;
      const after = snapshot(screens);
      const polls = proxy.total(`GET /events/${EVENT}/stats`) - pollsBefore;
      const requests = [...proxy.counts.values()].reduce((sum, n) => sum + n, 0) - requestsBefore;
      const cpu = {
        portal: cpuSeconds(portal.child.pid) - cpuBefore.portal,
        attendance: cpuSeconds(attendance.child.pid) - cpuBefore.attendance,
      };
      const perScreen = (n: number) => n / streamCount / elapsed;
      console.log(
        `${label}: attendance got ${(polls / elapsed).toFixed(2)} live polls/s (${(requests / elapsed).toFixed(2)}/s in all); ` +
          `each screen got ${perScreen(after.messages - before.messages).toFixed(2)} messages/s, ` +
          `${(perScreen(after.bytes - before.bytes) / 1024).toFixed(2)} KiB/s ` +
          `(${((after.bytes - before.bytes) / Math.max(1, after.messages - before.messages)).toFixed(0)} B a message, ` +
          `${screens[0]?.tally.lanes} lanes listed); CPU portal ${cpu.portal.toFixed(2)} s, attendance ${cpu.attendance.toFixed(2)} s`,
      );
    };
    await phase('check-ins arriving', true, 0);
    await phase('quiet (no check-ins)', false, 0);

    // The stats read itself, lanes included, straight at attendance.
    const times: number[] = [];
    for (let index = 0; index < 200; index++) {
      const begun = performance.now();
      const answer = await request(`${attendance.url}/events/${EVENT}/stats?latest=10`, {
        headers: { authorization: `Bearer ${committee}` },
      });
      await answer.body.dump();
      times.push(performance.now() - begun);
    }
    times.sort((a, b) => a - b);
    console.log(
      `stats read with lanes at attendance: p50 ${percentile(times, 50).toFixed(1)} ms, p95 ${percentile(times, 95).toFixed(1)} ms; ` +
        `portal memory ${rssMb(portal.child.pid).toFixed(0)} MB`,
    );
  } finally {
    await Promise.all(screens.map((screen) => screen.close()));
    await clients.close();
    await seed.close();
    await portal.stop();
    await proxy.close();
    await attendance.stop();
  }
}

await main();
