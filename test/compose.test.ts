// The Docker path on a real engine, as an operator walks it (issue 14): the development stack
// (`docker compose build`/`up` on a slow first start, smoke-test.sh, a check-in across `restart` and
// `down`/`up`), then production through ./deploy.sh in a folder of its own (.env from .env.example as
// the README says, the smoke test, an upgrade with its backup, the backup restored) and the sequences
// that broke it: both stacks on one box, a changed POSTGRES_PASSWORD, a certbot key only root reads,
// the replicas profile turned off, certbot's live/ mounted alone. Each runs in a temporary copy of the
// checkout on free ports. Without an engine (or with a TixGo stack of its own on it, which the test
// will not touch) it reports itself skipped, saying why. The engine here: ../shared/docker/README.md.
import { execFile } from 'node:child_process';
import { randomInt, X509Certificate } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCertificateAuthority,
  issueServerCertificate,
} from '../services/portal/src/tls/certificate-authority.js';
import { dockerEngineAnswers } from './support/docker.js';
import { copyWorkspace, repositoryRoot } from './support/workspace-copy.js';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Only what docker and the scripts need: the test's own NODE_ENV, JWT_SECRET… must not leak into compose's interpolation. */
function baseEnv(): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'DOCKER_HOST', 'DOCKER_CONFIG', 'TMPDIR', 'LANG'];
  return Object.fromEntries(
    keep.filter((name) => process.env[name] !== undefined).map((name) => [name, process.env[name]]),
  );
}

function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<Result> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      {
        cwd: options.cwd,
        env: { ...baseEnv(), ...options.env },
        timeout: options.timeoutMs ?? 300_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) || 1 : 0, stdout, stderr }),
    );
  });
}

async function skipReason(): Promise<string | undefined> {
  if (!(await dockerEngineAnswers())) {
    const shared = path.resolve(repositoryRoot, '..', 'shared', 'docker');
    return existsSync(shared)
      ? `no Docker engine (run ${shared}/setup-engine.sh and build-standins.sh as root, as .ci/run does)`
      : `no Docker engine (.ci/run prepares one from ${shared}, which is absent here)`;
  }
  const here = process.cwd();
  if ((await run('docker', ['compose', 'version'], { cwd: here })).code !== 0) return 'no docker compose plugin';
  // The test uses the files' own project names (tixgo, tixgo-dev) and removes their volumes at the end.
  const existing = await run(
    'docker',
    [
      'ps',
      '-a',
      '-q',
      '--filter',
      'label=com.docker.compose.project=tixgo',
      '--filter',
      'label=com.docker.compose.project=tixgo-dev',
    ],
    { cwd: here },
  );
  const volumes = await run('docker', ['volume', 'ls', '-q'], { cwd: here });
  if (existing.stdout.trim() !== '' || /^tixgo(-dev)?_/m.test(volumes.stdout)) {
    return 'this engine already has a TixGo compose stack or volume (projects tixgo, tixgo-dev): the test will not touch it';
  }
  return undefined;
}

const skip = await skipReason();

/** Whether nothing listens on `port` (on every address, as docker publishes). */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '0.0.0.0', () => probe.close(() => resolve(true)));
  });
}

/**
 * A free port below Linux's ephemeral range (32768–60999): the ports the kernel hands to outgoing
 * connections and to other tests' port-0 listeners are drawn from that range, and one taken between
 * this choice and docker's bind would fail the stack's start (seen on a busy machine).
 */
async function quietPort(taken: Set<number>): Promise<number> {
  for (;;) {
    const port = 20_000 + randomInt(12_000);
    if (!taken.has(port) && (await portIsFree(port))) {
      taken.add(port);
      return port;
    }
  }
}
const chosen = new Set<number>();

/** Host ports of one stack: the variables the compose files, deploy.sh and smoke-test.sh all read. */
async function ports(): Promise<Record<string, string>> {
  const [identity, attendance, portal, ca] = [
    await quietPort(chosen),
    await quietPort(chosen),
    await quietPort(chosen),
    await quietPort(chosen),
  ];
  return {
    IDENTITY_PORT: String(identity),
    ATTENDANCE_PORT: String(attendance),
    PORTAL_PORT: String(portal),
    PORTAL_CA_HTTP_PORT: String(ca),
  };
}

async function json(url: string, init: { method?: string; body?: unknown; token?: string } = {}) {
  const response = await fetch(url, {
    method: init.method ?? (init.body ? 'POST' : 'GET'),
    headers: {
      ...(init.body !== undefined && { 'content-type': 'application/json' }),
      ...(init.token && { authorization: `Bearer ${init.token}` }),
    },
    ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>) };
}

async function login(p: Record<string, string>, username: string, password: string): Promise<string> {
  const answer = await json(`http://127.0.0.1:${p.IDENTITY_PORT}/auth/login`, { body: { username, password } });
  expect(answer.status, `login ${username}`).toBe(200);
  return answer.body?.access_token as string;
}

const checkin = (p: Record<string, string>, token: string, event: string, ticket: string) =>
  json(`http://127.0.0.1:${p.ATTENDANCE_PORT}/checkins`, { body: { event_id: event, ticket_id: ticket }, token });

async function checkedIn(p: Record<string, string>, token: string, event: string): Promise<string[]> {
  const answer = await json(`http://127.0.0.1:${p.ATTENDANCE_PORT}/attendance/${event}`, { token });
  expect(answer.status).toBe(200);
  return ((answer.body?.records ?? answer.body?.checkins ?? []) as { ticket_id: string }[])
    .map((r) => r.ticket_id)
    .sort();
}

/** The SHA-256 fingerprint of the certificate the portal serves. */
function servedFingerprint(port: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // Only the certificate is read (compared with the one the test made): no trust decision here.
    const socket = connect(
      { host: '127.0.0.1', port: Number(port), servername: 'localhost', rejectUnauthorized: false },
      () => {
        resolve(socket.getPeerCertificate().fingerprint256);
        socket.end();
      },
    );
    socket.once('error', reject);
  });
}

const dirs: string[] = [];
let dev = '';
let prod = '';
let devPorts: Record<string, string> = {};
let prodPorts: Record<string, string> = {};
const composeDev = (args: string[], env: NodeJS.ProcessEnv = devPorts, cwd = dev) =>
  run('docker', ['compose', ...args], { cwd, env });
const composeProd = (args: string[]) =>
  run('docker', ['compose', '-f', 'docker-compose.prod.yml', ...args], { cwd: prod });
const deploy = () => run('bash', ['./deploy.sh'], { cwd: prod, timeoutMs: 400_000 });
const smokeTest = (p: Record<string, string>, cwd: string, extra: Record<string, string> = {}) =>
  run('bash', ['./smoke-test.sh'], { cwd, env: { ...p, ...extra }, timeoutMs: 120_000 });

/** Rewrites (or adds, or with undefined removes) variables of prod's .env. */
function setEnv(values: Record<string, string | undefined>): void {
  const file = path.join(prod, '.env');
  let text = readFileSync(file, 'utf8');
  for (const [name, value] of Object.entries(values)) {
    const line = new RegExp(`^#?\\s*${name}=.*$`, 'm');
    const replacement = value === undefined ? '' : `${name}=${value}`;
    text = line.test(text) ? text.replace(line, replacement) : `${text}\n${replacement}\n`;
  }
  writeFileSync(file, text);
}
const envValue = (name: string) =>
  new RegExp(`^${name}=(.*)$`, 'm').exec(readFileSync(path.join(prod, '.env'), 'utf8'))?.[1] ?? '';

async function containerIds(project: string): Promise<string> {
  const listed = await run(
    'docker',
    ['ps', '-a', '-q', '--no-trunc', '--filter', `label=com.docker.compose.project=${project}`],
    {
      cwd: prod || process.cwd(),
    },
  );
  return listed.stdout.split('\n').filter(Boolean).sort().join(',');
}

beforeAll(() => {
  if (skip) return;
  dev = copyWorkspace('tixgo-compose-dev-');
  prod = copyWorkspace('tixgo-compose-prod-');
  dirs.push(dev, prod);
});

afterAll(async () => {
  if (skip) return;
  await composeDev(['--profile', 'replicas', 'down', '-v', '--remove-orphans']);
  if (prod) {
    await run(
      'docker',
      ['compose', '-f', 'docker-compose.prod.yml', '--profile', 'replicas', 'down', '-v', '--remove-orphans'],
      { cwd: prod },
    );
    await run('docker', ['compose', 'down', '-v'], { cwd: prod });
  }
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}, 180_000);

describe.sequential('the Docker path on an engine', () => {
  // A cold build (no layer cached, a loaded machine) took up to 311 s of this test's time here.
  it('dev stack: build, up on a slow first start, smoke test, a check-in across restart and down/up, the CA kept', {
    timeout: 720_000,
  }, async (context) => {
    if (skip) return context.skip(`skipped: ${skip}`);
    devPorts = await ports();
    // A first start whose init scripts take a while (a slow box): the services must wait for the
    // real server instead of meeting the socket-only one PostgreSQL runs the scripts on.
    writeFileSync(path.join(dev, 'slow-init.sh'), '#!/bin/sh\necho slow init; sleep 12\n');
    chmodSync(path.join(dev, 'slow-init.sh'), 0o755);
    writeFileSync(
      path.join(dev, 'compose.slow.yml'),
      'services:\n  postgres:\n    volumes:\n      - ./slow-init.sh:/docker-entrypoint-initdb.d/20-slow.sh:ro\n',
    );
    const files = ['-f', 'docker-compose.yml', '-f', 'compose.slow.yml'];
    const build = await composeDev([...files, 'build'], devPorts);
    expect(build.code, build.stderr.slice(-3000)).toBe(0);
    const up = await composeDev([...files, 'up', '-d', '--wait'], devPorts);
    expect(up.code, up.stderr.slice(-3000)).toBe(0);
    for (const service of ['identity', 'attendance']) {
      const logs = await composeDev(['logs', service]);
      expect(logs.stdout, `${service} met a database that was not up yet`).not.toMatch(
        /ECONNREFUSED [\d.]+:5432|could not start/,
      );
      const id = (await composeDev(['ps', '-q', service])).stdout.trim();
      const restarts = await run('docker', ['inspect', '-f', '{{.RestartCount}}', id], { cwd: dev });
      expect(restarts.stdout.trim(), `${service} restarts`).toBe('0');
    }

    const smoke = await smokeTest(devPorts, dev);
    expect(smoke.stdout).toContain('smoke test passed');
    expect(smoke.code).toBe(0);

    const ca = await fetch(`http://127.0.0.1:${devPorts.PORTAL_CA_HTTP_PORT}/ca.crt`).then((r) => r.text());
    expect(ca).toContain('BEGIN CERTIFICATE');
    const token = await login(devPorts, 'panitia1', 'secret');
    expect((await checkin(devPorts, token, 'compose-dev', 'T-1')).status).toBe(201);

    const restart = await composeDev(['restart']);
    expect(restart.code, restart.stderr).toBe(0);
    expect((await composeDev(['up', '-d', '--wait'])).code).toBe(0);
    const afterRestart = await login(devPorts, 'panitia1', 'secret');
    expect((await checkin(devPorts, afterRestart, 'compose-dev', 'T-1')).status).toBe(409);

    expect((await composeDev(['down'])).code).toBe(0);
    const again = await composeDev(['up', '-d', '--wait']);
    expect(again.code, again.stderr.slice(-3000)).toBe(0);
    const afterDownUp = await login(devPorts, 'panitia1', 'secret');
    expect(await checkedIn(devPorts, afterDownUp, 'compose-dev')).toEqual(['T-1']);
    // The portal's CA lives in its data volume: the phones installed it once.
    expect(await fetch(`http://127.0.0.1:${devPorts.PORTAL_CA_HTTP_PORT}/ca.crt`).then((r) => r.text())).toBe(ca);
  });

  it('deploy.sh: the first run only writes .env; the dev stack on the ports is named, then production deploys', {
    timeout: 420_000,
  }, async (context) => {
    if (skip) return context.skip(`skipped: ${skip}`);
    const first = await deploy();
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('then run ./deploy.sh again');
    expect(envValue('NODE_ENV')).toBe('production');
    expect(envValue('ADMIN_USERNAME')).toBe('admin');
    expect(envValue('JWT_SECRET').length).toBeGreaterThanOrEqual(32);
    expect(await containerIds('tixgo')).toBe('');

    // The development stack still holds its ports: deploy.sh says so and starts nothing.
    setEnv(devPorts);
    const refused = await deploy();
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`port ${devPorts.IDENTITY_PORT} (IDENTITY_PORT) is taken by`);
    expect(refused.stderr).toContain('of the development stack (docker-compose.yml, project tixgo-dev)');
    expect(await containerIds('tixgo')).toBe('');
    expect((await composeDev(['down', '-v'])).code).toBe(0);

    prodPorts = await ports();
    setEnv(prodPorts);
    const deployed = await deploy();
    expect(deployed.stdout + deployed.stderr).toContain('smoke test passed');
    expect(deployed.code, deployed.stderr.slice(-3000)).toBe(0);
    for (const service of ['postgres', 'identity', 'attendance', 'portal'])
      expect(deployed.stdout).toContain(`${service}: healthy`);

    const admin = await login(prodPorts, 'admin', envValue('ADMIN_PASSWORD'));
    expect(
      (
        await json(`http://127.0.0.1:${prodPorts.ATTENDANCE_PORT}/events`, {
          body: { id: 'gala', title: 'Gala' },
          token: admin,
        })
      ).status,
    ).toBe(201);
    expect((await checkin(prodPorts, admin, 'gala', 'G-1')).status).toBe(201);
    const demo = await json(`http://127.0.0.1:${prodPorts.IDENTITY_PORT}/auth/login`, {
      body: { username: 'admin1', password: 'secret' },
    });
    expect(demo.status).toBe(401);
  });

  it("the dev file's up and down on the production box touch nothing of production", {
    timeout: 300_000,
  }, async (context) => {
    if (skip) return context.skip(`skipped: ${skip}`);
    const before = await containerIds('tixgo');
    // The README's dev command, in production's folder (its .env names production's ports).
    const up = await composeDev(['up', '-d'], {}, prod);
    expect(up.code).not.toBe(0);
    expect(up.stderr).toMatch(/already (allocated|in use)|address already in use/);
    const down = await composeDev(['down', '-v'], {}, prod);
    expect(down.code, down.stderr).toBe(0);
    expect(await containerIds('tixgo')).toBe(before);
    expect(await containerIds('tixgo-dev')).toBe('');
    const demo = await json(`http://127.0.0.1:${prodPorts.IDENTITY_PORT}/auth/login`, {
      body: { username: 'admin1', password: 'secret' },
    });
    expect(demo.status).toBe(401);
    const admin = await login(prodPorts, 'admin', envValue('ADMIN_PASSWORD'));
    expect(await checkedIn(prodPorts, admin, 'gala')).toEqual(['G-1']);
  });

  it('an upgrade with a changed POSTGRES_PASSWORD and the replicas profile: backed up, then the backup restored', {
    timeout: 420_000,
  }, async (context) => {
    if (skip) return context.skip(`skipped: ${skip}`);
    setEnv({
      POSTGRES_PASSWORD: `changed-${Date.now()}-pw`,
      COMPOSE_PROFILES: 'replicas',
      ATTENDANCE_BASE_URLS: 'http://attendance:18082,http://attendance-2:18082',
    });
    const upgrade = await deploy();
    expect(upgrade.code, upgrade.stderr.slice(-3000)).toBe(0);
    expect(upgrade.stdout).toContain('backing up identity and attendance into backups/ before the upgrade');
    expect(upgrade.stdout).toContain("POSTGRES_PASSWORD in .env is not the database's");
    expect(upgrade.stdout).toContain('attendance-2: healthy');
    expect(upgrade.stdout).toContain('smoke test passed');
    const backups = readdirSync(path.join(prod, 'backups')).sort();
    expect(backups.map((file) => file.replace(/-\d{8}-\d{6}\.dump$/, ''))).toEqual(['attendance', 'identity']);

    const admin = await login(prodPorts, 'admin', envValue('ADMIN_PASSWORD'));
    expect(await checkedIn(prodPorts, admin, 'gala')).toEqual(['G-1']);
    expect((await checkin(prodPorts, admin, 'gala', 'G-2')).status).toBe(201);

    // Going back to the backup: the portal stopped, attendance's tables replaced, the services restarted.
    expect((await composeProd(['stop', 'portal'])).code).toBe(0);
    const restore = await run(
      'bash',
      ['scripts/restore.sh', 'attendance', path.join('backups', backups[0] as string), '--compose', '--yes'],
      { cwd: prod },
    );
    expect(restore.code, restore.stderr).toBe(0);
    expect((await composeProd(['restart', 'attendance', 'attendance-2', 'portal'])).code).toBe(0);
    expect((await composeProd(['up', '-d', '--wait'])).code).toBe(0);
    expect(await checkedIn(prodPorts, admin, 'gala')).toEqual(['G-1']);
  });

  it('the replicas profile turned off and a certbot key only root reads: attendance-2 removed, the certificate served', {
    timeout: 420_000,
  }, async (context) => {
    if (skip) return context.skip(`skipped: ${skip}`);
    // certbot's layout: live/<name>/*.pem are links into ../../archive/<name>/, the key mode 0600.
    const letsencrypt = path.join(prod, 'letsencrypt');
    const now = new Date();
    const ca = await createCertificateAuthority({ now, hostname: 'compose-test' });
    const pair = await issueServerCertificate(ca, { dns: ['localhost'], ips: ['127.0.0.1'] }, now);
    mkdirSync(path.join(letsencrypt, 'archive', 'box'), { recursive: true });
    mkdirSync(path.join(letsencrypt, 'live', 'box'), { recursive: true });
    writeFileSync(path.join(letsencrypt, 'archive', 'box', 'fullchain1.pem'), pair.cert);
    writeFileSync(path.join(letsencrypt, 'archive', 'box', 'privkey1.pem'), pair.key, { mode: 0o600 });
    symlinkSync('../../archive/box/fullchain1.pem', path.join(letsencrypt, 'live', 'box', 'fullchain.pem'));
    symlinkSync('../../archive/box/privkey1.pem', path.join(letsencrypt, 'live', 'box', 'privkey.pem'));
    setEnv({
      COMPOSE_PROFILES: undefined,
      ATTENDANCE_BASE_URLS: undefined,
      TLS_DIR: letsencrypt,
      TLS_CERT_FILE: '/tls/live/box/fullchain.pem',
      TLS_KEY_FILE: '/tls/live/box/privkey.pem',
    });
    const deployed = await deploy();
    expect(deployed.code, deployed.stderr.slice(-3000)).toBe(0);
    expect(deployed.stdout).toContain('the replicas profile is off: removing attendance-2');
    expect(deployed.stdout).toContain('smoke test passed');
    expect((await composeProd(['--profile', 'replicas', 'ps', '-a', '-q', 'attendance-2'])).stdout.trim()).toBe('');
    expect(await servedFingerprint(prodPorts.PORTAL_PORT as string)).toBe(
      new X509Certificate(pair.cert).fingerprint256,
    );
    const logs = await composeProd(['logs', 'portal']);
    expect(logs.stdout).toContain('now running as node');
  });

  it("certbot's live/ folder mounted alone: deploy.sh stops with the portal's reason; down -v then leaves nothing", {
    timeout: 420_000,
  }, async (context) => {
    if (skip) return context.skip(`skipped: ${skip}`);
    setEnv({
      TLS_DIR: path.join(prod, 'letsencrypt', 'live', 'box'),
      TLS_CERT_FILE: '/tls/fullchain.pem',
      TLS_KEY_FILE: '/tls/privkey.pem',
    });
    const failed = await deploy();
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/portal keeps stopping|portal is \S+ after 180 s/);
    expect(failed.stderr).toContain(
      'is a symbolic link to ../../archive/box/fullchain1.pem, which does not exist here',
    );
    expect(failed.stderr).toContain('mount the whole letsencrypt folder');

    const down = await composeProd(['down', '-v']);
    expect(down.code, down.stderr).toBe(0);
    expect(await containerIds('tixgo')).toBe('');
  });
});
