// The scale profile on a real engine (issue 18, item 4): two portals behind HAProxy with one
// certificate, two attendance replicas; /ready through the balancer, both portals served, the client's
// own address reaching the portals' per-address limits, a live stream passed through unbuffered, and
// requests still answered once a portal is killed. A project and a subnet of its own, in a temporary
// copy of the checkout, so it runs beside compose.test.ts. Without an engine it reports itself skipped.
import { execFile } from 'node:child_process';
import { randomInt, X509Certificate } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import path from 'node:path';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerEngineAnswers } from './support/docker.js';
import { copyWorkspace } from './support/workspace-copy.js';

const PROJECT = 'tixgo-scale-test';
/** The dev file's subnet moved, so that a development stack on the same engine does not collide. */
const SUBNET = '172.28.39';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}, timeoutMs = 300_000) {
  const keep = ['PATH', 'HOME', 'DOCKER_HOST', 'DOCKER_CONFIG', 'TMPDIR', 'LANG'];
  const base = Object.fromEntries(
    keep.filter((name) => process.env[name] !== undefined).map((n) => [n, process.env[n]]),
  );
  return new Promise<Result>((resolve) => {
    execFile(
      command,
      args,
      { cwd, env: { ...base, ...env }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) || 1 : 0, stdout, stderr }),
    );
  });
}

async function skipReason(): Promise<string | undefined> {
  if (!(await dockerEngineAnswers())) return 'no Docker engine (see ../shared/docker/README.md)';
  const here = process.cwd();
  if ((await run('docker', ['compose', 'version'], here)).code !== 0) return 'no docker compose plugin';
  const existing = await run(
    'docker',
    ['ps', '-a', '-q', '--filter', `label=com.docker.compose.project=${PROJECT}`],
    here,
  );
  if (existing.stdout.trim() !== '')
    return `this engine already runs a compose project ${PROJECT}: the test will not touch it`;
  return undefined;
}

const skip = await skipReason();

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '0.0.0.0', () => probe.close(() => resolve(true)));
  });
}

/** A free port below Linux's ephemeral range (see compose.test.ts). */
async function quietPort(taken: Set<number>): Promise<number> {
  for (;;) {
    const port = 20_000 + randomInt(12_000);
    if (!taken.has(port) && (await portIsFree(port))) {
      taken.add(port);
      return port;
    }
  }
}

let dir = '';
let env: Record<string, string> = {};
let ca = '';
const compose = (args: string[], timeoutMs?: number) =>
  run('docker', ['compose', '-p', PROJECT, ...args], dir, env, timeoutMs);

interface Answer {
  status: number;
  body: string;
}

/** One HTTPS request through the balancer, trusting the portals' CA only. */
function https(method: string, pathname: string, options: { token?: string; body?: unknown } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        servername: 'localhost',
        port: Number(env.PORTAL_PORT),
        method,
        path: pathname,
        ca,
        agent: false,
        headers: {
          ...(body !== undefined && { 'content-type': 'application/json' }),
          ...(options.token && { authorization: `Bearer ${options.token}` }),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.once('error', reject);
    req.end(body);
  });
}

/** The SHA-256 fingerprint of the certificate served on a loopback port (read only, no trust decision). */
function servedFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.end();
    });
    socket.once('error', reject);
  });
}

async function login(): Promise<string> {
  const answer = await https('POST', '/api/auth/login', { body: { username: 'panitia1', password: 'secret' } });
  expect(answer.status, answer.body).toBe(200);
  return (JSON.parse(answer.body) as { access_token: string }).access_token;
}

/** How many requests each portal served, by the balancer's log (the health checks are not logged). */
async function servedBy(pathname: string): Promise<Record<string, number>> {
  const logs = await compose(['logs', '--no-log-prefix', 'balancer']);
  const counts: Record<string, number> = { 'portal-1': 0, 'portal-2': 0 };
  for (const match of logs.stdout.matchAll(/ portals\/(portal-[12]) .*"GET (\S+) HTTP/g)) {
    if (match[2] === pathname) counts[match[1] as string] = (counts[match[1] as string] ?? 0) + 1;
  }
  return counts;
}

beforeAll(async () => {
  if (skip) return;
  dir = copyWorkspace('tixgo-compose-scale-');
  const file = path.join(dir, 'docker-compose.yml');
  writeFileSync(file, readFileSync(file, 'utf8').replaceAll('172.28.19.', `${SUBNET}.`));
  const taken = new Set<number>();
  env = {
    IDENTITY_PORT: String(await quietPort(taken)),
    ATTENDANCE_PORT: String(await quietPort(taken)),
    PORTAL_PORT: String(await quietPort(taken)),
    PORTAL_CA_HTTP_PORT: String(await quietPort(taken)),
    // README: the scale profile with the development file.
    COMPOSE_PROFILES: 'scale',
    PORTAL_PUBLISH: '127.0.0.1:',
    PORTAL_CA_PUBLISH: '127.0.0.1:',
    ATTENDANCE_BASE_URLS: 'http://attendance:18082,http://attendance-2:18082',
  };
});

afterAll(async () => {
  if (skip || !dir) return;
  await compose(['down', '-v', '--remove-orphans'], 180_000);
  rmSync(dir, { recursive: true, force: true });
}, 200_000);

describe.sequential('the scale profile on an engine', () => {
  it('two portals behind HAProxy with one certificate and /ready, the client address at the limits, a live stream unbuffered, a portal killed', {
    // A cold build of four images on a loaded 2-core machine: minutes.
    timeout: 900_000,
  }, async (context) => {
    if (skip) return context.skip(`skipped: ${skip}`);
    const up = await compose(['up', '-d', '--build', '--wait'], 720_000);
    expect(up.code, up.stderr.slice(-3000)).toBe(0);

    // One certificate: the balancer's is the one the first portal issued from the CA phones install,
    // and the second portal took that same certificate rather than issuing its own.
    const caAnswer = await fetch(`http://127.0.0.1:${env.PORTAL_CA_HTTP_PORT}/ca.crt`);
    expect(caAnswer.status).toBe(200);
    ca = await caAnswer.text();
    const portalPort = (await compose(['port', 'portal', env.PORTAL_PORT as string])).stdout.trim();
    expect(portalPort).toMatch(/^127\.0\.0\.1:\d+$/);
    const direct = await servedFingerprint(Number(portalPort.split(':')[1]));
    expect(await servedFingerprint(Number(env.PORTAL_PORT))).toBe(direct);
    const portalLogs = await compose(['logs', '--no-log-prefix', 'portal-2']);
    expect(portalLogs.stdout).toContain('"source":"reused"');
    const cert = await new Promise<string>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port: Number(env.PORTAL_PORT), servername: 'localhost', ca }, () => {
        resolve(socket.getPeerX509Certificate()?.toString() ?? '');
        socket.end();
      });
      socket.once('error', reject);
    });
    expect(new X509Certificate(cert).checkIssued(new X509Certificate(ca))).toBe(true);

    // /ready through the balancer, both replicas seen; the requests spread over both portals.
    for (let i = 0; i < 10; i++) {
      const ready = await https('GET', '/ready');
      expect(ready.status, ready.body).toBe(200);
      expect(ready.body).toContain('attendance-2');
    }
    let counts: Record<string, number> = {};
    for (let attempt = 0; attempt < 30; attempt++) {
      counts = await servedBy('/ready');
      if ((counts['portal-1'] ?? 0) + (counts['portal-2'] ?? 0) >= 10) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(counts['portal-1'], JSON.stringify(counts)).toBeGreaterThan(0);
    expect(counts['portal-2'], JSON.stringify(counts)).toBeGreaterThan(0);

    // A live stream through the balancer: its first event arrives while the stream stays open (a
    // buffering proxy would hold it until the stream ended).
    const token = await login();
    const firstEvent = await new Promise<{ contentType: string; event: string }>((resolve, reject) => {
      const req = httpsRequest(
        {
          host: '127.0.0.1',
          servername: 'localhost',
          port: Number(env.PORTAL_PORT),
          path: '/api/live/overview',
          ca,
          agent: false,
          headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
            const event = text.split('\n\n').find((block) => /^data:/m.test(block));
            if (event !== undefined) {
              resolve({ contentType: String(res.headers['content-type']), event });
              req.destroy();
            }
          });
          res.on('end', () => reject(new Error(`the stream ended before an event: ${text}`)));
        },
      );
      req.once('error', reject);
      req.end();
    });
    expect(firstEvent.contentType).toContain('text/event-stream');
    expect(firstEvent.event).toMatch(/^event: overview$/m);

    // The client's own address reaches the portals' per-address limits: a client on the stack's
    // network uses up its sign-in budget at both portals; this host's next sign-in is still answered.
    const script = `
      const https = require('node:https');
      const once = () => new Promise((resolve) => {
        const req = https.request({ host: '${SUBNET}.40', servername: 'localhost', port: ${env.PORTAL_PORT},
          method: 'POST', path: '/api/auth/login', ca: process.env.CA, agent: false,
          headers: { 'content-type': 'application/json' } }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
        req.on('error', () => resolve(0));
        req.end(JSON.stringify({ username: 'nobody-here', password: 'wrong-password' }));
      });
      (async () => {
        const seen = [];
        for (let i = 0; i < 200 && seen.slice(-4).join() !== '429,429,429,429'; i++) seen.push(await once());
        console.log(seen.join(' '));
      })();`;
    const client = await run(
      'docker',
      [
        'run',
        '--rm',
        '--network',
        `${PROJECT}_default`,
        '-e',
        'CA',
        '--entrypoint',
        'node',
        'tixgo-portal:dev',
        '-e',
        script,
      ],
      dir,
      { CA: ca },
      180_000,
    );
    expect(client.code, client.stderr).toBe(0);
    expect(client.stdout.trim().split(' ').slice(-4)).toEqual(['429', '429', '429', '429']);
    for (let i = 0; i < 2; i++) {
      const mine = await https('POST', '/api/auth/login', {
        body: { username: 'nobody-here', password: 'wrong-password' },
      });
      expect(mine.status, mine.body).toBe(401);
    }

    // A portal killed: requests and check-ins still answered, through the other one.
    expect(
      (await https('POST', '/api/checkins', { token, body: { event_id: 'scale', ticket_id: 'S-1' } })).status,
    ).toBe(201);
    const killed = await compose(['kill', 'portal-2']);
    expect(killed.code, killed.stderr).toBe(0);
    for (let i = 0; i < 10; i++) {
      const ready = await https('GET', '/ready');
      expect(ready.status, ready.body).toBe(200);
      const scan = await https('POST', '/api/checkins', {
        token,
        body: { event_id: 'scale', ticket_id: `S-${i + 2}` },
      });
      expect(scan.status, scan.body).toBe(201);
    }
    const repeat = await https('POST', '/api/checkins', { token, body: { event_id: 'scale', ticket_id: 'S-1' } });
    expect(repeat.status).toBe(409);
  });
});
