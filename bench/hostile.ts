// Malformed and hostile input against all three services: counts 5xx answers (target 0) and checks
// that the services still answer normally afterwards (the original's PUT {"title": null} broke
// every later list). Then one case per denial-of-service item of issue 10, each with the services'
// RSS (sampled) and /health latency during the attack: slow bodies (4), huge CSV imports (5),
// concurrent full-list readers and a 100,000-row CSV export (6), a check-in flood by one account (7).
// Then the denial-of-service items of issue 15 (1, 2, 4, 6, 7, 10, 11; see lib/hostile-issue-15.ts).
// Run: pnpm bench hostile   (BENCH_FUZZ=3000 random bodies; BENCH_DOS=0 skips the attacks;
// BENCH_HOSTILE=issue15 runs only issue 15's cases, BENCH_HOSTILE=issue10 only the earlier ones)
import { Pool } from 'undici';
import {
  bigCsv,
  checkinFlood,
  concurrentReaders,
  csvDownload,
  measure,
  seedCheckins,
  slowBodies,
} from './lib/denial-of-service.js';
import {
  forgedBatches,
  hugeJsonTickets,
  idleSockets,
  liveStreamHog,
  manyGateNames,
  megabyteSignIns,
  slowExportReaders,
} from './lib/hostile-issue-15.js';
import { BENCH_SECRET, benchToken, freshDatabase, type RunningService, startService } from './lib/services.js';

const ONLY = process.env.BENCH_HOSTILE;
const FUZZ = ONLY === 'issue15' ? 0 : Number(process.env.BENCH_FUZZ ?? 3000);
const DOS = process.env.BENCH_DOS !== '0';
const DOS_10 = DOS && ONLY !== 'issue15';
const DOS_15 = DOS && ONLY !== 'issue10';
/** The portal's request timeout in this run: short, so the slow-body attack is measured in seconds. */
const PORTAL_REQUEST_TIMEOUT_SECONDS = 5;

interface Probe {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  body?: string;
  headers?: Record<string, string>;
}

const WEIRD_VALUES: unknown[] = [
  null,
  true,
  0,
  -1,
  1e308,
  '',
  ' ',
  'x'.repeat(101),
  'x'.repeat(100_000),
  '\u0000',
  'a\u0007b',
  '\ud800',
  '😀'.repeat(30),
  '../../etc/passwd',
  "'; DROP TABLE checkins; --",
  '<script>alert(1)</script>',
  [],
  [1, 2],
  {},
  { $gt: '' },
  { constructor: { prototype: { admin: true } } },
];

function pick<T>(values: T[]): T {
  return values[Math.floor(Math.random() * values.length)] as T;
}

function randomBody(fields: string[]): string {
  const body: Record<string, unknown> = {};
  for (const field of fields) if (Math.random() < 0.8) body[field] = pick(WEIRD_VALUES);
  const json = JSON.stringify(body);
  // A literal "__proto__" key on the wire (prototype pollution attempt); an object literal can't carry one.
  if (Math.random() < 0.1)
    return json === '{}' ? '{"__proto__":{"role":"admin"}}' : `{"__proto__":{"role":"admin"},${json.slice(1)}`;
  return json;
}

function deepJson(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

const ENDPOINTS: { method: Probe['method']; path: string; fields: string[] }[] = [
  { method: 'POST', path: '/auth/register', fields: ['username', 'password', 'role'] },
  { method: 'POST', path: '/auth/login', fields: ['username', 'password'] },
  { method: 'POST', path: '/auth/refresh', fields: ['refresh_token'] },
  { method: 'POST', path: '/auth/logout', fields: ['refresh_token'] },
  { method: 'PATCH', path: '/auth/users/panitia1', fields: ['role'] },
  { method: 'POST', path: '/checkins', fields: ['event_id', 'ticket_id', 'location'] },
  {
    method: 'POST',
    path: '/events',
    fields: ['id', 'title', 'description', 'location', 'start_time', 'end_time', 'capacity'],
  },
  {
    method: 'PUT',
    path: '/events/hostile-event',
    fields: ['title', 'description', 'location', 'start_time', 'end_time', 'capacity'],
  },
  { method: 'POST', path: '/events/hostile-event/checkins', fields: ['ticket_id', 'location'] },
  { method: 'POST', path: '/events/hostile-event/tickets', fields: ['count', 'tickets'] },
];

const PORTAL_PATHS: Record<string, string> = {
  '/auth/register': '/api/auth/register',
  '/auth/login': '/api/auth/login',
  '/auth/refresh': '/api/auth/refresh',
  '/auth/logout': '/api/auth/logout',
  '/checkins': '/api/checkins',
  '/events': '/api/events',
};

/** Issue 15's denial-of-service items, each with the watched services' RSS and /health latency. */
async function issue15Cases(
  services: Record<'identity' | 'attendance' | 'portal', RunningService>,
  pools: Record<'identity' | 'attendance' | 'portal', Pool>,
  admin: string,
): Promise<void> {
  const attacked = {
    attendance: { service: services.attendance, pool: pools.attendance },
    portal: { service: services.portal, pool: pools.portal },
  };
  const report = (label: string, measured: { result: string; rss: string; health: string }) => {
    console.log(`${label}: ${measured.result}`);
    console.log(`  RSS ${measured.rss}; ${measured.health}`);
  };
  console.log('\ndenial of service (issue 15):');
  for (const id of ['hostile-import', 'hostile-forged', 'hostile-gates', 'hostile-slow-export']) {
    const created = await pools.attendance.request({
      method: 'POST',
      path: '/events',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      body: JSON.stringify({ id, title: id }),
    });
    await created.body.text();
  }
  const committee = benchToken('hostile-committee', 'committee');

  report(
    '1 a committee token posts 15.9 MiB of JSON tickets to the portal',
    await measure([attacked.portal], attacked.portal, () => hugeJsonTickets(pools.portal, committee)),
  );
  report(
    '7 three clients post 1 MiB sign-in bodies to the portal, no credentials',
    await measure([attacked.portal], attacked.portal, () => megabyteSignIns(pools.portal, 3, 10)),
  );
  report(
    '4 one account opens 150 live streams',
    await measure([attacked.portal], attacked.portal, () =>
      liveStreamHog(services.portal.url, committee, benchToken('other-screen', 'committee'), 150),
    ),
  );

  // Item 2 on a portal of its own: MAX_CONNECTIONS=50 as in the review, the per-address cap below it.
  const small = await startService('portal', {
    env: {
      IDENTITY_BASE_URL: services.identity.url,
      ATTENDANCE_BASE_URL: services.attendance.url,
      MAX_CONNECTIONS: '50',
      MAX_CONNECTIONS_PER_CLIENT: '40',
    },
  });
  const smallPool = new Pool(small.url, { connections: 2, connect: { rejectUnauthorized: false } });
  report(
    '2 100 idle TCP sockets at a portal with MAX_CONNECTIONS=50',
    await measure([{ service: small, pool: smallPool }], { service: small, pool: smallPool }, () =>
      idleSockets(small.url, 100, 8000),
    ),
  );
  await smallPool.close();
  await small.stop();

  for (const length of [200, 100]) {
    report(
      `11 3,000 distinct gate names of ${length} characters`,
      await measure([attacked.attendance], attacked.attendance, () =>
        manyGateNames(pools.attendance, BENCH_SECRET, `hostile-gates`, 3000, length),
      ),
    );
  }

  const rows = await seedCheckins(pools.attendance, BENCH_SECRET, 'hostile-slow-export', 100_000);
  report(
    `10 16 unread CSV exports (${rows} check-ins) by one account, then another user's`,
    await measure([attacked.attendance], attacked.attendance, () =>
      slowExportReaders(
        services.attendance.url,
        '/events/hostile-slow-export/attendance.csv',
        benchToken('slow-reader', 'committee'),
        benchToken('organiser', 'committee'),
        16,
        60_000,
      ),
    ),
  );

  // Last: it spends the bench address's check-in budget at attendance.
  report(
    '6 7 batches/s of 200 forged tokens at attendance',
    await measure([attacked.attendance], attacked.attendance, () =>
      forgedBatches(pools.attendance, benchToken('real-gate', 'committee'), 'hostile-forged', 7, 5),
    ),
  );
}

async function main(): Promise<void> {
  const admin = benchToken('admin1', 'admin');
  const identity = await startService('identity', {
    env: { DATABASE_URL: await freshDatabase('hostile_identity'), BCRYPT_COST: '4', LOGIN_MAX_PER_IP: '1000000' },
  });
  const attendance = await startService('attendance', {
    env: { DATABASE_URL: await freshDatabase('hostile'), IDENTITY_BASE_URL: identity.url },
  });
  const portal = await startService('portal', {
    // The probes all come from one address: the portal's own login limit would answer most of them 429.
    env: {
      IDENTITY_BASE_URL: identity.url,
      ATTENDANCE_BASE_URL: attendance.url,
      PORTAL_LOGIN_MAX_PER_IP: '0',
      REQUEST_TIMEOUT_SECONDS: String(PORTAL_REQUEST_TIMEOUT_SECONDS),
    },
  });
  const pools = {
    identity: new Pool(identity.url, { connections: 8 }),
    attendance: new Pool(attendance.url, { connections: 8 }),
    portal: new Pool(portal.url, { connections: 8, connect: { rejectUnauthorized: false } }),
  };
  const counts = { requests: 0, serverErrors: 0, notSent: 0 };
  const failures: string[] = [];

  const send = async (target: keyof typeof pools, probe: Probe) => {
    counts.requests++;
    try {
      const response = await pools[target].request({
        method: probe.method,
        path: probe.path,
        body: probe.body,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}`, ...probe.headers },
      });
      const text = await response.body.text();
      if (response.statusCode >= 500) {
        counts.serverErrors++;
        if (failures.length < 20)
          failures.push(
            `${target} ${probe.method} ${probe.path.slice(0, 80)} -> ${response.statusCode} ${text.slice(0, 120)}`,
          );
      }
    } catch (error) {
      // undici refuses to send some probes at all (a control character in a header): not an answer.
      if ((error as { code?: string }).code === 'UND_ERR_INVALID_ARG') {
        counts.requests--;
        counts.notSent++;
        return;
      }
      counts.serverErrors++;
      failures.push(`${target} ${probe.method} ${probe.path.slice(0, 80)} -> ${(error as Error).message}`);
    }
  };
  const targetsOf = (path: string): [keyof typeof pools, string][] => {
    const service = path.startsWith('/auth') ? 'identity' : 'attendance';
    const prefix = Object.keys(PORTAL_PATHS).find((key) => path === key || path.startsWith(`${key}/`));
    const portalPath = prefix ? `${PORTAL_PATHS[prefix]}${path.slice(prefix.length)}` : `/api${path}`;
    return [
      [service, path],
      ['portal', portalPath],
    ];
  };

  await send('attendance', {
    method: 'POST',
    path: '/events',
    body: JSON.stringify({ id: 'hostile-event', title: 'Hostile' }),
  });

  // Fixed battery: every endpoint with every malformed body shape.
  const fixedBodies = ['null', '[]', '"text"', '42', '{}', '{bad json', deepJson(5000), '{"a":1}'.repeat(2), ''];
  for (const endpoint of ENDPOINTS) {
    for (const [target, path] of targetsOf(endpoint.path)) {
      for (const body of fixedBodies) await send(target, { method: endpoint.method, path, body });
      await send(target, { method: endpoint.method, path, body: `{"x":"${'a'.repeat(1_100_000)}"}` });
      await send(target, { method: endpoint.method, path, body: 'a,b\n1,2', headers: { 'content-type': 'text/csv' } });
      await send(target, {
        method: endpoint.method,
        path,
        body: '<x/>',
        headers: { 'content-type': 'application/xml' },
      });
      for (const field of endpoint.fields) {
        for (const value of WEIRD_VALUES)
          await send(target, { method: endpoint.method, path, body: JSON.stringify({ [field]: value }) });
      }
    }
  }
  // Paths, query strings and headers.
  const weirdIds = ['%00', '%2F..%2F', 'x'.repeat(5000), '%F0%9F%98%80', '%', '..', '%C0%AE', '%20', 'a%0Ab'];
  for (const id of weirdIds) {
    for (const path of [
      `/events/${id}`,
      `/attendance/${id}`,
      `/events/${id}/summary`,
      `/events/${id}/tickets`,
      `/events/${id}/attendance`,
    ]) {
      for (const [target, targetPath] of targetsOf(path)) await send(target, { method: 'GET', path: targetPath });
    }
    await send('portal', { method: 'GET', path: `/api/attendance/${id}` });
    await send('identity', { method: 'DELETE', path: `/auth/users/${id}` });
  }
  for (const query of [
    'limit=-1',
    'limit=abc',
    'limit=1e9',
    'limit=0',
    'cursor=garbage',
    'cursor=%00',
    'limit=1&limit=2',
    'event_id=',
    'event_id=%00',
  ]) {
    for (const path of [
      `/attendance/hostile-event?${query}`,
      `/checkins?${query}`,
      `/events/hostile-event/tickets?${query}`,
    ]) {
      for (const [target, targetPath] of targetsOf(path)) await send(target, { method: 'GET', path: targetPath });
    }
  }
  for (const authorization of [
    '',
    'Bearer',
    'Bearer a.b.c',
    'Basic YTpi',
    `Bearer ${'x'.repeat(20_000)}`,
    'Bearer \u00ff',
  ]) {
    for (const [target, path] of [...targetsOf('/checkins'), ...targetsOf('/auth/me')]) {
      await send(target, {
        method: 'POST',
        path,
        body: '{"event_id":"e","ticket_id":"t"}',
        headers: { authorization },
      });
    }
  }
  for (const key of ['', 'k'.repeat(10_000), 'a\u0001b']) {
    await send('attendance', {
      method: 'POST',
      path: '/checkins',
      body: '{"event_id":"e","ticket_id":"t"}',
      headers: { 'idempotency-key': key },
    });
  }
  // Random bodies.
  for (let index = 0; index < FUZZ; index++) {
    const endpoint = pick(ENDPOINTS);
    const [target, path] = pick(targetsOf(endpoint.path));
    await send(target, { method: endpoint.method, path, body: randomBody(endpoint.fields) });
  }

  // Afterwards everything must still work: the original broke every later list here.
  await send('attendance', { method: 'PUT', path: '/events/hostile-event', body: '{"title":null}' });
  const list = await pools.attendance.request({
    method: 'GET',
    path: '/events',
    headers: { authorization: `Bearer ${admin}` },
  });
  const listOk = list.statusCode === 200;
  await list.body.text();
  const health = await Promise.all(
    [identity, attendance, portal].map(async (service) => {
      const response = await pools[service.name].request({ method: 'GET', path: '/health' });
      await response.body.text();
      return `${service.name} ${response.statusCode}`;
    }),
  );

  if (DOS_10) {
    const attacked = {
      identity: { service: identity, pool: pools.identity },
      attendance: { service: attendance, pool: pools.attendance },
      portal: { service: portal, pool: pools.portal },
    };
    const report = (label: string, measured: { result: string; rss: string; health: string }) => {
      console.log(`${label}: ${measured.result}`);
      console.log(`  RSS ${measured.rss}; ${measured.health}`);
    };
    console.log('\ndenial of service (issue 10):');
    for (const id of ['hostile-csv', 'hostile-list', 'hostile-export', 'hostile-flood']) {
      await send('attendance', { method: 'POST', path: '/events', body: JSON.stringify({ id, title: id }) });
    }

    // Item 4: 300 connections trickling a body (the review's 235 took the portal's /health away).
    report(
      `4 slow bodies at the portal (REQUEST_TIMEOUT_SECONDS=${PORTAL_REQUEST_TIMEOUT_SECONDS})`,
      await measure([attacked.portal], attacked.portal, () => slowBodies(portal, 300, 8000)),
    );

    // Item 5: CSV imports far past the row limit (8 MB took attendance to 4.35 GB before).
    for (const megabytes of [8, 15.9]) {
      report(
        `5 CSV import of ${megabytes} MB straight to attendance`,
        await measure([attacked.attendance], attacked.attendance, () =>
          bigCsv(pools.attendance, '/events/hostile-csv/tickets', admin, megabytes),
        ),
      );
    }
    report(
      '5 CSV import of 8 MB through the portal',
      await measure([attacked.portal, attacked.attendance], attacked.portal, () =>
        bigCsv(pools.portal, '/api/events/hostile-csv/tickets', admin, 8),
      ),
    );

    // Item 6: 40 readers of a 20,000-check-in list through the portal (211 -> 494 MB before).
    const seeded = await seedCheckins(pools.attendance, BENCH_SECRET, 'hostile-list', 20_000);
    const readers = new Pool(portal.url, { connections: 40, connect: { rejectUnauthorized: false } });
    report(
      `6 full list of ${seeded} check-ins through the portal`,
      await measure([attacked.portal, attacked.attendance], attacked.portal, () =>
        concurrentReaders(readers, '/api/attendance/hostile-list', admin, 40, 10),
      ),
    );
    report(
      `6 full list of ${seeded} check-ins passed through (/api/events/{id}/attendance)`,
      await measure([attacked.attendance], attacked.attendance, () =>
        concurrentReaders(readers, '/api/events/hostile-list/attendance', admin, 40, 5),
      ),
    );
    await readers.close();
    const exported = await seedCheckins(pools.attendance, BENCH_SECRET, 'hostile-export', 100_000);
    report(
      `6 CSV export of ${exported} check-ins through the portal`,
      await measure([attacked.portal, attacked.attendance], attacked.portal, () =>
        csvDownload(pools.portal, '/api/events/hostile-export/attendance.csv', admin),
      ),
    );

    // Item 7: one account checking in flat out (3,000 in 2 s before, and as many idempotency keys).
    report(
      '7 check-in flood',
      await measure([attacked.attendance], attacked.attendance, () =>
        checkinFlood(pools.attendance, benchToken('flooder', 'committee'), 'hostile-flood', 8, 3),
      ),
    );
  }

  if (DOS_15) await issue15Cases({ identity, attendance, portal }, pools, admin);

  for (const pool of Object.values(pools)) await pool.close();
  await portal.stop();
  await attendance.stop();
  await identity.stop();
  console.log(
    `hostile input: ${counts.requests} requests, ${counts.serverErrors} answered 5xx or failed (target 0); ${counts.notSent} probes the HTTP client refused to send`,
  );
  for (const failure of failures) console.log(`  ${failure}`);
  console.log(`afterwards: GET /events ${listOk ? '200' : 'FAILED'}; health ${health.join(', ')}`);
  if (counts.serverErrors > 0 || !listOk) process.exitCode = 1;
}

await main();
