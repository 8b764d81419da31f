// `pnpm start`: runs identity, attendance and portal natively on embedded defaults, shows where
// they answer, and stops all three cleanly on Ctrl-C. Plain JavaScript so it runs before any build.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = path.resolve(root, process.env.DATA_DIR ?? '.data');
const logDir = path.join(dataDir, 'logs');
mkdirSync(logDir, { recursive: true });

const ports = {
  identity: Number(process.env.IDENTITY_PORT ?? 18081),
  attendance: Number(process.env.ATTENDANCE_PORT ?? 18082),
  portal: Number(process.env.PORTAL_PORT ?? 18443),
};
for (const [name, port] of Object.entries(ports)) {
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    console.error(`${name.toUpperCase()}_PORT must be a port number, got "${port}"`);
    process.exit(1);
  }
}

/** The stack's shared JWT secret: from the environment, else generated once into DATA_DIR. */
function sharedSecret() {
  if (process.env.JWT_SECRET) return process.env.JWT_SECRET;
  const file = path.join(dataDir, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

const host = process.env.HOST ?? '127.0.0.1';
const common = { ...process.env, JWT_SECRET: sharedSecret(), HOST: host };
const local = (port) => `http://127.0.0.1:${port}`;
const portalHttp = process.env.PORTAL_HTTP === 'true';

const services = [
  {
    name: 'identity',
    entry: 'services/identity/dist/server.js',
    env: {
      PORT: String(ports.identity),
      DATA_DIR: path.join(dataDir, 'identity'),
      // Logins come through the portal on loopback: count attempts per real client address.
      TRUST_PROXY: process.env.TRUST_PROXY ?? '127.0.0.1',
    },
    health: `${local(ports.identity)}/health`,
  },
  {
    name: 'attendance',
    entry: 'services/attendance/dist/server.js',
    env: {
      PORT: String(ports.attendance),
      DATA_DIR: path.join(dataDir, 'attendance'),
      // Revocations (role changes, deletions, logouts) come from identity's feed.
      IDENTITY_BASE_URL: local(ports.identity),
    },
    health: `${local(ports.attendance)}/health`,
  },
  {
    name: 'portal',
    entry: 'services/portal/dist/server.js',
    env: {
      PORT: String(ports.portal),
      DATA_DIR: path.join(dataDir, 'portal'),
      IDENTITY_BASE_URL: local(ports.identity),
      ATTENDANCE_BASE_URL: local(ports.attendance),
    },
    health: `${portalHttp ? 'http' : 'https'}://127.0.0.1:${ports.portal}/health`,
  },
];

// A database URL given to the stack would be shared by both services' tables: refuse, since
// each service owns its own database (use IDENTITY_DATABASE_URL / ATTENDANCE_DATABASE_URL).
delete common.DATABASE_URL;
if (process.env.IDENTITY_DATABASE_URL) services[0].env.DATABASE_URL = process.env.IDENTITY_DATABASE_URL;
if (process.env.ATTENDANCE_DATABASE_URL) services[1].env.DATABASE_URL = process.env.ATTENDANCE_DATABASE_URL;

const LEVELS = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
const verbose = process.env.STACK_VERBOSE === 'true';

/** Shows a child's pino line on the console when it matters (warnings and worse, or verbose). */
function relay(name, line) {
  if (line.trim() === '') return;
  let entry;
  try {
    entry = JSON.parse(line);
  } catch {
    console.log(`[${name}] ${line}`);
    return;
  }
  if (!verbose && (entry.level ?? 30) < 40) return;
  const detail = entry.err?.message ? ` (${entry.err.message})` : '';
  console.log(`[${name}] ${LEVELS[entry.level] ?? entry.level}: ${entry.msg ?? ''}${detail}`);
}

const children = new Map();
let stopping = false;

function start(service) {
  const logFile = createWriteStream(path.join(logDir, `${service.name}.log`), { flags: 'a' });
  const child = spawn(process.execPath, [path.join(root, service.entry)], {
    cwd: root,
    env: { ...common, ...service.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Own process group: a terminal's Ctrl-C reaches only this script, which then stops the
    // services once each, in order (a second signal would cut a service's graceful stop short).
    detached: true,
  });
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = '';
    stream.on('data', (chunk) => {
      logFile.write(chunk);
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) relay(service.name, line);
    });
  }
  child.on('exit', (code, signal) => {
    children.delete(service.name);
    logFile.end();
    if (!stopping) {
      console.error(
        `\n${service.name} exited unexpectedly (${signal ?? `code ${code}`}); see ${path.join(logDir, `${service.name}.log`)}`,
      );
      void stopAll(1);
    } else if (children.size === 0) {
      console.log('All services stopped.');
      process.exit(process.exitCode ?? 0);
    }
  });
  children.set(service.name, child);
}

/** One GET of a health URL; the portal's self-signed certificate is accepted (loopback only). */
function probe(url) {
  const client = url.startsWith('https') ? https : http;
  return new Promise((resolve) => {
    const request = client.get(url, { rejectUnauthorized: false, timeout: 1000 }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}

async function waitHealthy(service, timeoutMs = 60_000) {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (!children.has(service.name)) return false;
    if (await probe(service.health)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

async function stopAll(code) {
  if (stopping) return;
  stopping = true;
  process.exitCode = code;
  if (children.size === 0) process.exit(code);
  console.log('\nStopping: finishing requests in flight…');
  // The portal first, so nothing new reaches the services behind it.
  const portal = children.get('portal');
  if (portal) {
    portal.kill('SIGTERM');
    await new Promise((resolve) => portal.once('exit', resolve));
  }
  for (const child of children.values()) child.kill('SIGTERM');
}

process.on('SIGINT', () => {
  if (stopping) {
    console.log('Second Ctrl-C: killing the services now.');
    for (const child of children.values()) child.kill('SIGKILL');
    process.exit(130);
  }
  void stopAll(0);
});
process.on('SIGTERM', () => void stopAll(0));

/** The newest modification time under `dir` (ms), skipping node_modules and build output. */
function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** Runs a build step, showing its output only when it fails. */
function buildStep(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.status === 0) return;
  console.log('failed\n');
  process.stdout.write(result.stdout ?? '');
  process.stderr.write(result.stderr ?? '');
  process.exit(1);
}

// Build first (incremental: quick when nothing changed), so `pnpm start` always runs the sources as they are.
if (process.env.STACK_SKIP_BUILD !== 'true') {
  process.stdout.write('TixGo: building… ');
  const t0 = Date.now();
  buildStep(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b']);
  // The web UI (vite): rebuilt only when a source is newer than the last build.
  const web = path.join(root, 'services', 'portal', 'web');
  const builtAt = existsSync(path.join(web, 'dist', 'index.html'))
    ? statSync(path.join(web, 'dist', 'index.html')).mtimeMs
    : 0;
  if (newestMtime(web) > builtAt) {
    buildStep(process.execPath, [
      path.join(web, 'node_modules', 'vite', 'bin', 'vite.js'),
      'build',
      web,
      '--logLevel',
      'warn',
    ]);
  }
  console.log(`done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
for (const service of services) {
  if (!existsSync(path.join(root, service.entry))) {
    console.error(`${service.entry} is missing: the build did not produce it.`);
    process.exit(1);
  }
}

console.log(`TixGo: starting the stack (data in ${dataDir}, logs in ${logDir})`);
for (const service of services) {
  const t0 = Date.now();
  process.stdout.write(`  ${service.name.padEnd(11)} starting… `);
  start(service);
  if (!(await waitHealthy(service))) {
    console.log('failed');
    await stopAll(1);
    break;
  }
  console.log(`ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

if (!stopping) {
  const scheme = portalHttp ? 'http' : 'https';
  console.log(`
TixGo is running:
  portal (web UI + /api)  ${scheme}://localhost:${ports.portal}   (self-signed certificate: accept it once)
  identity API            ${local(ports.identity)}/docs
  attendance API          ${local(ports.attendance)}/docs
Demo logins: panitia1 / secret (committee), admin1 / secret (admin)
Press Ctrl-C to stop all three.`);
}
