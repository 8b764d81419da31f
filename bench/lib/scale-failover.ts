// The whole picture of issue 18 on loopback: HAProxy (Debian's package, deploy/haproxy's config and
// entrypoint, as the compose `scale` profile runs them) in front of two portals over HTTPS, two
// attendance replicas and identity on one PostgreSQL server; gates signed in through the portal as the
// web UI signs in (session cookies), scanning; live screens on the event's stream. Mid-load one portal
// and one attendance replica are SIGKILLed together, then started again on their ports (as compose's
// restart policy would). Counted: every scan, the errors the gates saw, the sessions renewed after,
// and how long each live screen waited for data after the kill.
// Run by `pnpm bench scale` and by test/scale-failover.test.ts (the built dist of each service).
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '@tixgo/db';
import { Client } from 'undici';
import { UNLIMITED_CHECKINS } from './replica-failover.js';
import { seeder } from './seed.js';
import { benchToken, ROOT, type RunningService, startService as startBenchService } from './services.js';

export interface ScaleOptions {
  identityDatabaseUrl: string;
  attendanceDatabaseUrl: string;
  gates: number;
  screens: number;
  /** When a portal and a replica are killed, when both are started again, when the gates stop (ms from the start of the load). */
  killAtMs: number;
  restartAtMs: number;
  durationMs: number;
}

export interface ScaleResult {
  /** Every answer the gates got, retries included, by HTTP status ("error": no answer at all). */
  byStatus: Record<string, number>;
  attempts: number;
  /** 5xx answers and requests that got no answer, as the gates saw them (each retry counts). */
  clientErrors: number;
  /** Scans answered 201 (a replayed 201 included), and how many of them sent their own Idempotency-Key. */
  acknowledged: number;
  acknowledgedWithKey: number;
  /** Scans a gate gave up on after its retries (never answered 201 or 409). */
  unanswered: number;
  /** Acknowledged scans missing from the database afterwards (target 0). */
  lost: string[];
  /** 409 for a ticket each gate scanned once: its own retry counted as someone else's (target 0). */
  falseDuplicates: number;
  /** Check-ins stored for the event, and how many distinct tickets they are (equal: none stored twice). */
  stored: number;
  storedDistinct: number;
  /** Scans answered per second before the kill, while one of each was down, after both were back. */
  rates: { before: number; down: number; after: number };
  /** Sessions (one per gate) renewed through the balancer after the load, and then accepted. */
  sessions: number;
  sessionsRenewed: number;
  /** Live screens that got an event after the kill; their reconnections; the longest wait, ms. */
  screens: number;
  screensRecovered: number;
  screenReconnects: number;
  screenGapMs: number;
  /** Milliseconds from the restart until the portal and the replica answered /health. */
  restartMs: number;
  /** Requests the balancer sent to each portal, and those it retried on the other (a portal dead before answering). */
  byPortal: Record<string, number>;
  retriedByBalancer: number;
  /** 5xx answers in the balancer's log by status and termination state ("----": the portal answered it). */
  fiveHundreds: Record<string, number>;
}

const EVENT = 'scale-failover';

interface Haproxy {
  url: string;
  child: ChildProcess;
  /** Its request log so far (haproxy.cfg: `option httplog` to stdout). */
  log(): string;
  stop(): void;
}

/** HAProxy through deploy/haproxy/entrypoint.sh with haproxy.cfg, on loopback, in front of two portals. */
async function startHaproxy(dataDir: string, portals: { https: number; ca: number }[]): Promise<Haproxy> {
  const [port, caPort, monitorPort] = [await freePort(), await freePort(), await freePort()];
  const runDir = mkdtempSync(path.join(tmpdir(), 'tixgo-bench-haproxy-'));
  const deploy = path.join(ROOT, 'deploy', 'haproxy');
  const [one, two] = portals as [{ https: number; ca: number }, { https: number; ca: number }];
  const child = spawn('sh', [path.join(deploy, 'entrypoint.sh')], {
    env: {
      PATH: `${process.env.PATH}:/usr/sbin:/sbin`,
      TIXGO_HAPROXY_CFG: path.join(deploy, 'haproxy.cfg'),
      TIXGO_PEM: path.join(runDir, 'portal.pem'),
      TIXGO_CERT_FILE: path.join(dataDir, 'tls', 'portal-cert.pem'),
      TIXGO_KEY_FILE: path.join(dataDir, 'tls', 'portal-key.pem'),
      TIXGO_CA_FILE: path.join(dataDir, 'tls', 'ca-cert.pem'),
      TIXGO_HTTPS_BIND: `127.0.0.1:${port}`,
      TIXGO_CA_HTTP_BIND: `127.0.0.1:${caPort}`,
      TIXGO_MONITOR_BIND: `127.0.0.1:${monitorPort}`,
      TIXGO_PORTAL_1: `127.0.0.1:${one.https}`,
      TIXGO_PORTAL_2: `127.0.0.1:${two.https}`,
      TIXGO_PORTAL_1_CA: `127.0.0.1:${one.ca}`,
      TIXGO_PORTAL_2_CA: `127.0.0.1:${two.ca}`,
    },
    // Its own process group: stop() ends the script and HAProxy's master and workers together.
    detached: true,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let log = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    log += chunk;
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`HAProxy's entrypoint exited with ${child.exitCode}`);
    const ok = await fetch(`http://127.0.0.1:${monitorPort}/ready`).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error('HAProxy did not answer within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url: `https://127.0.0.1:${port}`,
    child,
    log: () => log,
    stop() {
      if (child.exitCode === null && child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGTERM');
        } catch {
          // already gone
        }
      }
      rmSync(runDir, { recursive: true, force: true });
    },
  };
}

/** name=value of each Set-Cookie header. */
function cookiesOf(header: string | string[] | undefined): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const line of [header ?? []].flat()) {
    const [pair] = line.split(';');
    const at = pair?.indexOf('=') ?? -1;
    if (pair && at > 0) cookies[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return cookies;
}

interface Screen {
  /** performance.now() of each event received. */
  events: number[];
  reconnects: number;
}

/**
 * A live screen as a browser's EventSource keeps it: one stream at a time; when it ends or fails,
 * another after the reconnection delay (the server's `retry:` field, else 3 s, Chromium's default).
 */
function watch(
  url: string,
  ca: string,
  cookie: string,
  stopped: () => boolean,
): { screen: Screen; done: Promise<void> } {
  const screen: Screen = { events: [], reconnects: 0 };
  let delayMs = 3000;
  const once = () =>
    new Promise<void>((resolve) => {
      const target = new URL(url);
      const req = httpsRequest(
        {
          host: target.hostname,
          port: Number(target.port),
          path: target.pathname,
          servername: 'localhost',
          ca,
          agent: false,
          headers: { cookie, accept: 'text/event-stream' },
        },
        (res) => {
          let buffer = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            buffer += chunk;
            const blocks = buffer.split('\n\n');
            buffer = blocks.pop() ?? '';
            for (const block of blocks) {
              const retry = /^retry: ?(\d+)$/m.exec(block);
              if (retry) delayMs = Number(retry[1]);
              // Data, not the portal's heartbeat (`ping`, issue 18 item 2).
              if (/^data:/m.test(block) && !/^event: ping$/m.test(block)) screen.events.push(performance.now());
            }
            if (stopped()) req.destroy();
          });
          res.on('end', resolve);
          res.on('error', () => resolve());
          res.on('close', resolve);
        },
      );
      req.on('error', () => resolve());
      req.end();
    });
  const done = (async () => {
    for (let first = true; !stopped(); first = false) {
      if (!first) {
        screen.reconnects++;
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
      await once();
    }
  })();
  return { screen, done };
}

export async function runScaleFailover(options: ScaleOptions): Promise<ScaleResult> {
  const stopping: (() => Promise<unknown> | undefined)[] = [];
  const started: string[] = [];
  const startService = async (...args: Parameters<typeof startBenchService>) => {
    const service = await startBenchService(...args);
    if (!args[1]?.dataDir) started.push(service.dataDir);
    return service;
  };
  try {
    // identity: the demo committee account the gates sign in with; a cheap hash, no sign-in limit
    // (64 sign-ins from one address and one account in a second are the bench, not an attack).
    const identity = await startService('identity', {
      env: {
        DATABASE_URL: options.identityDatabaseUrl,
        NODE_ENV: 'development',
        SEED_DEMO_USERS: 'true',
        BCRYPT_COST: '4',
        LOGIN_MAX_PER_IP: '1000000',
        LOGIN_MAX_PER_USERNAME: '1000000',
        TRUST_PROXY: '127.0.0.1',
      },
    });
    stopping.push(() => identity.stop());
    const attendanceEnv = {
      DATABASE_URL: options.attendanceDatabaseUrl,
      IDENTITY_BASE_URL: identity.url,
      // Every portal connects from 127.0.0.1 here.
      TRUST_PROXY: '127.0.0.1',
      ...UNLIMITED_CHECKINS,
    };
    const attendance: RunningService[] = [await startService('attendance', { env: attendanceEnv })];
    attendance.push(await startService('attendance', { env: attendanceEnv }));
    stopping.push(
      () => attendance[0]?.stop(),
      () => attendance[1]?.stop(),
    );

    // Two portals on one DATA_DIR, as the profile's share a volume: the first makes the CA and the
    // certificate, the second reuses them.
    const dataDir = mkdtempSync(path.join(tmpdir(), 'tixgo-bench-portals-'));
    const portalPorts = [
      { https: await freePort(), ca: await freePort() },
      { https: await freePort(), ca: await freePort() },
    ];
    const portalEnv = (index: number) => ({
      IDENTITY_BASE_URL: identity.url,
      ATTENDANCE_BASE_URL: attendance.map((service) => service.url).join(','),
      TRUST_PROXY: '127.0.0.1',
      PORTAL_CA_HTTP_PORT: String(portalPorts[index]?.ca),
      PORTAL_LOGIN_MAX_PER_IP: '0',
      ...UNLIMITED_CHECKINS,
    });
    const startPortal = (index: number) =>
      startService('portal', { port: portalPorts[index]?.https, dataDir, env: portalEnv(index) });
    const portals = [await startPortal(0)];
    portals.push(await startPortal(1));
    stopping.push(
      () => portals[0]?.stop(),
      () => portals[1]?.stop(),
    );
    const haproxy = await startHaproxy(dataDir, portalPorts);
    stopping.push(async () => haproxy.stop());
    const ca = readFileSync(path.join(dataDir, 'tls', 'ca-cert.pem'), 'utf8');
    stopping.push(async () => rmSync(dataDir, { recursive: true, force: true }));

    const seed = seeder(attendance[0]?.url as string, benchToken('admin1', 'admin'), [
      benchToken('gate-0', 'committee'),
    ]);
    await seed.createEvent(EVENT, { title: 'Scale failover' });
    await seed.close();

    const clients = Array.from(
      { length: options.gates },
      () => new Client(haproxy.url, { connect: { ca, servername: 'localhost' }, pipelining: 1 }),
    );
    stopping.push(() => Promise.all(clients.map((client) => client.close())));
    // Each gate signs in through the balancer as the web UI does (POST /api/session: cookies), eight
    // at a time (gates open over minutes, not in one second; a loaded box timed out 64 at once).
    const signIn = async (client: Client) => {
      for (let attempt = 0; ; attempt++) {
        const response = await client.request({
          method: 'POST',
          path: '/api/session',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'panitia1', password: 'secret' }),
        });
        const text = await response.body.text();
        if (response.statusCode === 200) return cookiesOf(response.headers['set-cookie']);
        if (response.statusCode < 500 || attempt >= 3) {
          throw new Error(`sign-in through the balancer: ${response.statusCode} ${text}`);
        }
      }
    };
    const sessions: Record<string, string>[] = [];
    for (let first = 0; first < clients.length; first += 8) {
      sessions.push(...(await Promise.all(clients.slice(first, first + 8).map(signIn))));
    }

    const byStatus: Record<string, number> = {};
    const acknowledged = new Set<string>();
    let acknowledgedWithKey = 0;
    let unanswered = 0;
    let falseDuplicates = 0;
    const answeredAt: number[] = [];
    let done = false;
    const started = performance.now();
    const count = (status: string) => {
      byStatus[status] = (byStatus[status] ?? 0) + 1;
    };

    // Half the gates send an Idempotency-Key of their own with each scan, half none (the portal then
    // makes one): a retry must not be a false 409 either way (issue 18, item 5).
    const gate = async (gateNo: number) => {
      const client = clients[gateNo] as Client;
      const cookie = `tixgo_session=${sessions[gateNo]?.tixgo_session}`;
      const withKey = gateNo % 2 === 0;
      for (let index = 0; !done; index++) {
        const ticket = `g${gateNo}-${index}`;
        const key = randomUUID();
        let settled = false;
        // A station retries a scan that got no answer or a 5xx, with the same key when it has one.
        for (let attempt = 0; attempt < 8 && !settled; attempt++) {
          if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
          let status: string;
          try {
            const response = await client.request({
              method: 'POST',
              path: '/api/checkins',
              headers: {
                'content-type': 'application/json',
                cookie,
                ...(withKey && { 'idempotency-key': key }),
              },
              body: JSON.stringify({ event_id: EVENT, ticket_id: ticket, location: `Gate ${gateNo}` }),
            });
            await response.body.text();
            status = String(response.statusCode);
          } catch {
            status = 'error';
          }
          count(status);
          if (status === 'error' || Number(status) >= 500) continue;
          settled = true;
          if (status === '201') {
            acknowledged.add(ticket);
            if (withKey) acknowledgedWithKey++;
            answeredAt.push(performance.now() - started);
          } else if (status === '409') {
            falseDuplicates++;
          }
        }
        if (!settled) unanswered++;
      }
    };

    const screenCookie = `tixgo_session=${sessions[0]?.tixgo_session}`;
    const watched = Array.from({ length: options.screens }, () =>
      watch(`${haproxy.url}/api/live/events/${EVENT}`, ca, screenCookie, () => done),
    );
    const gates = Array.from({ length: options.gates }, (_, gateNo) => gate(gateNo));
    const sleepUntil = (ms: number) =>
      new Promise((resolve) => setTimeout(resolve, Math.max(0, ms - (performance.now() - started))));

    await sleepUntil(options.killAtMs);
    const killedAtNow = performance.now();
    await Promise.all([portals[1]?.stop('SIGKILL'), attendance[1]?.stop('SIGKILL')]);
    const killedAt = killedAtNow - started;
    await sleepUntil(options.restartAtMs);
    const restartFrom = performance.now();
    const [portalAgain, attendanceAgain] = await Promise.all([
      startPortal(1),
      startService('attendance', { port: Number(new URL(attendance[1]?.url as string).port), env: attendanceEnv }),
    ]);
    stopping.push(
      () => portalAgain.stop(),
      () => attendanceAgain.stop(),
    );
    const restartMs = performance.now() - restartFrom;
    const backAt = performance.now() - started;
    await sleepUntil(options.durationMs);
    done = true;
    await Promise.all(gates);
    const endedAt = performance.now() - started;
    await Promise.all(watched.map((one) => one.done));

    // Sessions after: each gate renews with its refresh cookie through the balancer (the portals
    // take turns), then the renewed session is accepted.
    let sessionsRenewed = 0;
    for (const [gateNo, client] of clients.entries()) {
      const renewed = await client.request({
        method: 'POST',
        path: '/api/session/refresh',
        // As the web UI renews: JSON, which the portal asks of every write riding on a cookie.
        headers: { cookie: `tixgo_refresh=${sessions[gateNo]?.tixgo_refresh}`, 'content-type': 'application/json' },
        body: '{}',
      });
      await renewed.body.text();
      const fresh = cookiesOf(renewed.headers['set-cookie']).tixgo_session;
      if (renewed.statusCode !== 200 || !fresh) continue;
      const me = await client.request({
        method: 'GET',
        path: '/api/session',
        headers: { cookie: `tixgo_session=${fresh}` },
      });
      await me.body.text();
      if (me.statusCode === 200) sessionsRenewed++;
    }

    const admin = benchToken('admin1', 'admin');
    const list = await fetch(`${attendance[0]?.url}/attendance/${EVENT}`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    const body = (await list.json()) as { total_checked_in: number; records: { ticket_id: string }[] };
    const storedTickets = new Set(body.records.map((record) => record.ticket_id));
    const rate = (from: number, to: number) =>
      answeredAt.filter((at) => at >= from && at < to).length / Math.max(0.001, (to - from) / 1000);
    const attempts = Object.values(byStatus).reduce((sum, n) => sum + n, 0);
    const clientErrors = Object.entries(byStatus)
      .filter(([status]) => status === 'error' || Number(status) >= 500)
      .reduce((sum, [, n]) => sum + n, 0);
    // The balancer's log: `… portals/portal-1 Tq/Tw/Tc/Tr/Tt status bytes … act/fe/be/srv/retries …`;
    // retries are written +N when the request went to the other server (option redispatch).
    const byPortal: Record<string, number> = {};
    let retriedByBalancer = 0;
    const fiveHundreds: Record<string, number> = {};
    for (const line of haproxy.log().split('\n')) {
      const failed = / (5\d\d) \d+ \S+ \S+ (\S{4}) /.exec(line);
      if (failed) {
        const server = / portals\/(\S+) /.exec(line)?.[1] ?? '?';
        const key = `${failed[1]} ${failed[2]} ${server}`;
        fiveHundreds[key] = (fiveHundreds[key] ?? 0) + 1;
      }
      const served = / portals\/(portal-\S+) /.exec(line);
      if (!served) continue;
      byPortal[served[1] as string] = (byPortal[served[1] as string] ?? 0) + 1;
      if (/ \d+\/\d+\/\d+\/\d+\/\+?[1-9]\d* \d+\/\d+ /.test(line)) retriedByBalancer++;
    }
    const gaps = watched.map(({ screen }) => screen.events.find((at) => at > killedAtNow));
    const recovered = gaps.filter((at): at is number => at !== undefined);
    return {
      byStatus,
      attempts,
      clientErrors,
      acknowledged: acknowledged.size,
      acknowledgedWithKey,
      unanswered,
      lost: [...acknowledged].filter((ticket) => !storedTickets.has(ticket)),
      falseDuplicates,
      stored: body.total_checked_in,
      storedDistinct: storedTickets.size,
      rates: { before: rate(0, killedAt), down: rate(killedAt, backAt), after: rate(backAt, endedAt) },
      sessions: clients.length,
      sessionsRenewed,
      screens: watched.length,
      screensRecovered: recovered.length,
      screenReconnects: watched.reduce((sum, { screen }) => sum + screen.reconnects, 0),
      screenGapMs: recovered.length === 0 ? Number.NaN : Math.max(...recovered) - killedAtNow,
      restartMs,
      byPortal,
      retriedByBalancer,
      fiveHundreds,
    };
  } finally {
    for (const stop of stopping.reverse()) await stop();
    // Each service's own temporary DATA_DIR (the portals' shared one is removed above).
    for (const dir of started) rmSync(dir, { recursive: true, force: true });
  }
}

/** Whether HAProxy is installed (Debian's package: /usr/sbin/haproxy). */
export function haproxyInstalled(): boolean {
  return ['/usr/sbin/haproxy', '/usr/local/sbin/haproxy', '/usr/bin/haproxy'].some((file) => existsSync(file));
}

export function scaleTargetsMet(result: ScaleResult): boolean {
  return (
    result.lost.length === 0 &&
    result.falseDuplicates === 0 &&
    result.storedDistinct === result.stored &&
    result.clientErrors / Math.max(1, result.attempts) < 0.01 &&
    result.sessionsRenewed === result.sessions &&
    result.screensRecovered === result.screens
  );
}

export function formatScale(result: ScaleResult): string {
  const share = ((result.clientErrors / Math.max(1, result.attempts)) * 100).toFixed(2);
  const rows: [string, string, string][] = [
    ['scans answered 201', `${result.acknowledged} (${result.acknowledgedWithKey} with their own key)`, ''],
    ['  lost (201, not in the database)', String(result.lost.length), '0'],
    ['  false 409 (own scan retried)', String(result.falseDuplicates), '0'],
    ['  stored / distinct tickets', `${result.stored} / ${result.storedDistinct}`, 'equal'],
    ['  given up after 8 tries', String(result.unanswered), ''],
    ['requests by status', JSON.stringify(result.byStatus), ''],
    ['errors seen by the gates (5xx, none)', `${result.clientErrors} of ${result.attempts} (${share} %)`, '< 1 %'],
    [
      'scans/s before / down / after',
      `${result.rates.before.toFixed(0)} / ${result.rates.down.toFixed(0)} / ${result.rates.after.toFixed(0)}`,
      '',
    ],
    [
      'requests per portal; retried on the other',
      `${JSON.stringify(result.byPortal)}; ${result.retriedByBalancer}`,
      '',
    ],
    ['5xx in the balancer log (status, state, server)', JSON.stringify(result.fiveHundreds), ''],
    ['restart to /health (portal, replica)', `${result.restartMs.toFixed(0)} ms`, ''],
    ['sessions renewed after, then accepted', `${result.sessionsRenewed} of ${result.sessions}`, 'all'],
    [
      'live screens with data after the kill',
      `${result.screensRecovered} of ${result.screens}, ${result.screenReconnects} reconnections, longest wait ${result.screenGapMs.toFixed(0)} ms`,
      'all',
    ],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows
    .map(([label, value, target]) => `${label.padEnd(width)}  ${value}${target ? `  (target ${target})` : ''}`)
    .join('\n');
}
