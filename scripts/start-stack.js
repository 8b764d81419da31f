// `pnpm start`: runs identity, attendance and portal natively on embedded defaults, shows where
// they answer, and stops all three cleanly on Ctrl-C. Plain JavaScript so it runs before any build.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { networkInterfaces } from 'node:os';
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

/** 127.0.0.0/8, ::1, localhost: only this machine reaches the stack. */
function isLoopback(address) {
  const bare = address.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d+\.\d+\.\d+$/.test(bare);
}

/**
 * A stack reachable from the network (HOST not loopback: the event Wi-Fi) is a venue stack: no demo
 * users, registration closed, a first admin of its own, identity and attendance on loopback unless
 * published. Explicit settings in the environment win; the console says what was done.
 */
const venue = !isLoopback(host);
const publish = process.env.PUBLISH_SERVICES === 'true';
const serviceHost = (name) => process.env[`${name}_HOST`] ?? (venue && !publish ? '127.0.0.1' : host);
const hosts = { identity: serviceHost('IDENTITY'), attendance: serviceHost('ATTENDANCE'), portal: host };

/** Where this script (and the portal) reach a service: its own address, or loopback when it listens on all of them. */
function reachable(address) {
  if (address === '0.0.0.0' || address === '::' || address === '[::]') return '127.0.0.1';
  return address.includes(':') && !address.startsWith('[') ? `[${address}]` : address;
}

const common = { ...process.env, JWT_SECRET: sharedSecret() };
const local = (name) => `http://${reachable(hosts[name])}:${ports[name]}`;
const portalHttp = process.env.PORTAL_HTTP === 'true';

/**
 * The venue stack's first admin when ADMIN_USERNAME/ADMIN_PASSWORD are not given: `admin` with a
 * password generated once, shown once on the console and kept in DATA_DIR/first-admin.txt (mode 0600)
 * while it still signs in: a later start removes the file once it does not (the account deleted, or
 * replaced). identity is given the account until it has been seen to sign in (the file then says when
 * it was shown), never after, so a deleted `admin` is not made again.
 */
const FIRST_ADMIN_FILE = path.join(dataDir, 'first-admin.txt');

function generatedPassword() {
  // Typed on a phone at the gate: no look-alike characters, four groups of four (about 79 bits).
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  const characters = Array.from({ length: 16 }, () => alphabet[randomInt(alphabet.length)]);
  return [0, 4, 8, 12].map((start) => characters.slice(start, start + 4).join('')).join('-');
}

function writeFirstAdmin(account) {
  const lines = [
    '# The first admin of this TixGo stack, made by pnpm start. Removed once this password no longer signs in.',
    `username: ${account.username}`,
    `password: ${account.password}`,
    ...(account.shownAt ? [`shown: ${account.shownAt}`] : []),
  ];
  writeFileSync(FIRST_ADMIN_FILE, `${lines.join('\n')}\n`, { mode: 0o600 });
}

function firstAdmin() {
  if (!venue || (process.env.ADMIN_USERNAME && process.env.ADMIN_PASSWORD)) return undefined;
  if (existsSync(FIRST_ADMIN_FILE)) {
    const text = readFileSync(FIRST_ADMIN_FILE, 'utf8');
    const field = (name) => new RegExp(`^${name}: (.+)$`, 'm').exec(text)?.[1];
    const [username, password] = [field('username'), field('password')];
    if (username && password) return { username, password, shownAt: field('shown') };
  }
  const made = { username: 'admin', password: generatedPassword(), shownAt: undefined };
  writeFirstAdmin(made);
  return made;
}

/** One JSON POST to identity (loopback); resolves with the status and parsed body, or status 0. */
function postToIdentity(pathname, body) {
  const payload = JSON.stringify(body);
  return new Promise((resolve) => {
    const request = http.request(
      `${local('identity')}${pathname}`,
      { method: 'POST', headers: { 'content-type': 'application/json' }, timeout: 10_000 },
      (response) => {
        let text = '';
        response.on('data', (chunk) => {
          text += chunk;
        });
        response.on('end', () => {
          let parsed;
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = undefined;
          }
          resolve({ status: response.statusCode ?? 0, body: parsed });
        });
      },
    );
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve({ status: 0, body: undefined }));
    request.end(payload);
  });
}

/** Does the generated password sign in? (The session it opens is closed again at once.) */
async function checkFirstAdmin(account) {
  const answer = await postToIdentity('/auth/login', { username: account.username, password: account.password });
  if (answer.status === 200 && answer.body?.refresh_token) {
    await postToIdentity('/auth/logout', { refresh_token: answer.body.refresh_token });
  }
  return answer.status;
}

/** What the venue stack does differently, each in a few words, for the console. */
const venueNotes = [];
const identityVenueEnv = {};
if (venue) {
  const demo = process.env.SEED_DEMO_USERS ?? 'false';
  const registration = process.env.OPEN_REGISTRATION ?? 'false';
  identityVenueEnv.SEED_DEMO_USERS = demo;
  identityVenueEnv.OPEN_REGISTRATION = registration;
  venueNotes.push(
    demo === 'true'
      ? 'demo users ON (SEED_DEMO_USERS=true): admin1/secret works from every device on the network'
      : 'no demo users',
  );
  venueNotes.push(
    registration === 'true'
      ? 'registration OPEN (OPEN_REGISTRATION=true)'
      : 'registration closed (an admin creates accounts)',
  );
  for (const name of ['identity', 'attendance']) {
    venueNotes.push(isLoopback(hosts[name]) ? `${name} on ${hosts[name]} only` : `${name} published on ${hosts[name]}`);
  }
}

const services = [
  {
    name: 'identity',
    entry: 'services/identity/dist/server.js',
    env: {
      HOST: hosts.identity,
      PORT: String(ports.identity),
      DATA_DIR: path.join(dataDir, 'identity'),
      ...identityVenueEnv,
      // Logins come through the portal on loopback: count attempts per real client address.
      TRUST_PROXY: process.env.TRUST_PROXY ?? '127.0.0.1',
    },
    health: `${local('identity')}/health`,
  },
  {
    name: 'attendance',
    entry: 'services/attendance/dist/server.js',
    env: {
      HOST: hosts.attendance,
      PORT: String(ports.attendance),
      DATA_DIR: path.join(dataDir, 'attendance'),
      // Revocations (role changes, deletions, logouts) come from identity's feed.
      IDENTITY_BASE_URL: local('identity'),
      // Check-ins come through the portal on loopback: count each scan's own address.
      TRUST_PROXY: process.env.TRUST_PROXY ?? '127.0.0.1',
    },
    health: `${local('attendance')}/health`,
  },
  {
    name: 'portal',
    entry: 'services/portal/dist/server.js',
    env: {
      HOST: hosts.portal,
      PORT: String(ports.portal),
      DATA_DIR: path.join(dataDir, 'portal'),
      IDENTITY_BASE_URL: local('identity'),
      ATTENDANCE_BASE_URL: local('attendance'),
    },
    health: `${portalHttp ? 'http' : 'https'}://${reachable(hosts.portal)}:${ports.portal}/health`,
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

// How long each service may take to answer /health (STACK_START_TIMEOUT_SECONDS: a slow box, or
// `pnpm bench arm64` under emulation, needs more than the default minute).
const startTimeoutMs = Number(process.env.STACK_START_TIMEOUT_SECONDS ?? 60) * 1000 || 60_000;

async function waitHealthy(service, timeoutMs = startTimeoutMs) {
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

// After the build: a failed build leaves no account-less password file behind.
const admin = firstAdmin();
if (admin && !admin.shownAt) {
  services[0].env.ADMIN_USERNAME = admin.username;
  services[0].env.ADMIN_PASSWORD = admin.password;
}

console.log(`TixGo: starting the stack (data in ${dataDir}, logs in ${logDir})`);
if (venue) {
  console.log(
    `Venue mode (HOST=${host} is reachable from the network): ${venueNotes.join(', ')}.` +
      (publish || venueNotes.some((note) => note.includes('published'))
        ? ''
        : ' PUBLISH_SERVICES=true publishes identity and attendance.'),
  );
}
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

/** A path as the person at the console reads it best: relative below the working directory, else absolute. */
function shown(file) {
  const relative = path.relative(process.cwd(), file);
  return relative === '' || relative.startsWith('..') ? file : relative;
}

/** The line about the first admin, after checking that its password signs in; the file goes when it does not. */
async function firstAdminLine() {
  if (!admin) return undefined;
  const status = await checkFirstAdmin(admin);
  const where = shown(FIRST_ADMIN_FILE);
  if (status === 200 && !admin.shownAt) {
    writeFirstAdmin({ ...admin, shownAt: new Date().toISOString() });
    return `First admin: ${admin.username} / ${admin.password}   (shown once; kept in ${where}, mode 0600, while it signs in)`;
  }
  if (status === 200) {
    return `First admin: ${admin.username}, its generated password in ${where} (mode 0600; removed once it no longer signs in)`;
  }
  if (status === 401) {
    rmSync(FIRST_ADMIN_FILE, { force: true });
    return admin.shownAt
      ? `The generated password of ${admin.username} no longer signs in (account deleted or replaced): removed ${where}.`
      : `An account named ${admin.username} existed already: the generated password was not used. Sign in with that account, or start with ADMIN_USERNAME/ADMIN_PASSWORD.`;
  }
  return `Could not check the first admin ${admin.username} (identity answered ${status || 'nothing'}); its password is in ${where}.`;
}

/** Where phones reach the portal: the address HOST names, or this machine's first LAN address when it is every address. */
function networkAddress() {
  if (!['0.0.0.0', '::', '[::]'].includes(host)) return reachable(host);
  for (const addresses of Object.values(networkInterfaces())) {
    for (const info of addresses ?? []) if (info.family === 'IPv4' && !info.internal) return info.address;
  }
  return 'localhost';
}

if (!stopping) {
  const scheme = portalHttp ? 'http' : 'https';
  const caPort = Number(process.env.PORTAL_CA_HTTP_PORT ?? 18080);
  const caFile = path.join(dataDir, 'portal', 'tls', 'ca-cert.pem');
  const portalAt = venue ? networkAddress() : 'localhost';
  const serviceNote = (name) => (isLoopback(hosts[name]) && venue ? '   (this machine only)' : '');
  const lines = [
    '',
    venue ? 'TixGo is running (venue mode):' : 'TixGo is running:',
    `  portal (web UI + /api)  ${scheme}://${portalAt}:${ports.portal}` +
      (portalHttp
        ? '   (plain HTTP: behind a TLS proxy)'
        : process.env.TLS_CERT_FILE
          ? ''
          : venue && caPort > 0
            ? "   (certificate from the portal's own CA: phones install it from the address below)"
            : `   (certificate from the portal's own CA: accept it once, or trust ${shown(caFile)})`),
  ];
  if (venue && !portalHttp && caPort > 0) {
    lines.push(
      `  gate phones             http://${portalAt}:${caPort}   (install the portal's certificate, then open https)`,
    );
  }
  lines.push(
    `  identity API            ${local('identity')}/docs${serviceNote('identity')}`,
    `  attendance API          ${local('attendance')}/docs${serviceNote('attendance')}`,
  );
  const demoUsers = venue ? process.env.SEED_DEMO_USERS === 'true' : process.env.SEED_DEMO_USERS !== 'false';
  if (demoUsers) lines.push('Demo logins: panitia1 / secret (committee), admin1 / secret (admin)');
  const adminLine = await firstAdminLine();
  if (adminLine) lines.push(adminLine);
  lines.push('Press Ctrl-C to stop all three.');
  console.log(lines.join('\n'));
}
