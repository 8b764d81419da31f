// deploy.sh as an upgrade: when the stack already runs, both databases are backed up (backup.sh
// --compose) before the new version is started, and a failed backup stops the upgrade. No Docker
// engine here: a stand-in `docker` on PATH answers as the compose plugin would and logs each call.
import { execFile } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '@tixgo/db';
import { afterEach, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');

// Answers what deploy.sh and backup.sh ask; STACK_RUNNING says whether postgres runs already,
// DUMP_FAILS makes pg_dump in the container fail.
const FAKE_DOCKER = `#!/usr/bin/env bash
echo "docker $*" >>"$DOCKER_LOG"
case "$*" in
  info | "compose version") exit 0 ;;
  *" config -q") exit 0 ;;
  *" config") echo "name: tixgo"; exit 0 ;;
  "ps --filter publish="*) exit 0 ;;
  # No replica, second portal or balancer runs yet (the profiles are off in the deployed .env).
  *" ps -a -q attendance-2" | *" ps -a -q balancer portal-2") exit 0 ;;
  inspect*RestartCount*) echo "running healthy 0"; exit 0 ;;
  inspect*) echo healthy; exit 0 ;;
  *" ps -q --status running postgres") [ "$STACK_RUNNING" = true ] && echo running-postgres-id; exit 0 ;;
  *" ps -q "* | *" ps -a -q "*) echo "id-\${*##* }"; exit 0 ;;
  *"exec -T -e PGPASSWORD postgres psql -h 127.0.0.1"*) echo 1; exit 0 ;;
  *"exec -T postgres pg_dump"*) [ "$DUMP_FAILS" = true ] && { echo "pg_dump: error: connection refused" >&2; exit 1; }; printf 'PGDMP-fake-dump'; exit 0 ;;
  *"exec -T postgres pg_restore --list"*) cat >/dev/null; exit 0 ;;
  *" up -d postgres") exit 0 ;;
  *" up -d --build --remove-orphans") exit 0 ;;
esac
echo "unexpected: docker $*" >&2
exit 1
`;

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A copy of what deploy.sh needs, with a .env of its own and the stand-in docker first on PATH. */
async function deployCopy(): Promise<string> {
  const ports = [await freePort(), await freePort(), await freePort(), await freePort()];
  const dir = mkdtempSync(path.join(tmpdir(), 'tixgo-deploy-'));
  dirs.push(dir);
  for (const file of ['deploy.sh', 'docker-compose.prod.yml', '.env.example', 'smoke-test.sh']) {
    copyFileSync(path.join(root, file), path.join(dir, file));
  }
  cpSync(path.join(root, 'scripts'), path.join(dir, 'scripts'), { recursive: true });
  writeFileSync(
    path.join(dir, '.env'),
    // SMOKE_TEST=false: no stack answers here (the stand-in docker starts nothing).
    `JWT_SECRET=${'s'.repeat(40)}x\nPOSTGRES_PASSWORD=pw\nADMIN_USERNAME=root\nADMIN_PASSWORD=root-pass\nSEED_DEMO_USERS=false\nSMOKE_TEST=false\n` +
      // Ports nothing listens on (deploy.sh checks that the stack's host ports are free).
      ports
        .map(
          (port, index) =>
            `${['IDENTITY_PORT', 'ATTENDANCE_PORT', 'PORTAL_PORT', 'PORTAL_CA_HTTP_PORT'][index]}=${port}\n`,
        )
        .join(''),
  );
  writeFileSync(path.join(dir, 'docker'), FAKE_DOCKER);
  chmodSync(path.join(dir, 'docker'), 0o755);
  return dir;
}

function deploy(dir: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      [path.join(dir, 'deploy.sh')],
      {
        cwd: dir,
        env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, DOCKER_LOG: path.join(dir, 'docker.log'), ...env },
        timeout: 30_000,
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const dockerCalls = (dir: string) => readFileSync(path.join(dir, 'docker.log'), 'utf8').trim().split('\n');

describe('deploy.sh', () => {
  it('backs up identity and attendance before starting the new version when the stack runs', async () => {
    const dir = await deployCopy();
    const result = await deploy(dir, { STACK_RUNNING: 'true' });
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('backing up identity and attendance into backups/ before the upgrade');
    expect(result.code).toBe(0);
    const calls = dockerCalls(dir);
    const dumps = calls.flatMap((call, index) => (call.includes('pg_dump') ? [index] : []));
    const upgrade = calls.findIndex((call) => call.endsWith('up -d --build --remove-orphans'));
    expect(dumps).toHaveLength(2);
    expect(calls[dumps[0] as number]).toContain('--dbname identity');
    expect(calls[dumps[1] as number]).toContain('--dbname attendance');
    expect(Math.max(...dumps)).toBeLessThan(upgrade);
    const backups = readdirSync(path.join(dir, 'backups')).sort();
    expect(backups).toHaveLength(2);
    expect(backups[0]).toMatch(/^attendance-\d{8}-\d{6}\.dump$/);
    expect(backups[1]).toMatch(/^identity-\d{8}-\d{6}\.dump$/);
    expect(readFileSync(path.join(dir, 'backups', backups[1] as string), 'utf8')).toBe('PGDMP-fake-dump');
  });

  it('takes no backup on the first deploy, when nothing runs yet', async () => {
    const dir = await deployCopy();
    const result = await deploy(dir, { STACK_RUNNING: 'false' });
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('backing up');
    expect(dockerCalls(dir).some((call) => call.includes('pg_dump'))).toBe(false);
    expect(dockerCalls(dir)).toContain('docker compose -f docker-compose.prod.yml up -d --build --remove-orphans');
  });

  it('on its first run writes .env (fresh secrets, a first admin) and stops, starting nothing', async () => {
    const dir = await deployCopy();
    rmSync(path.join(dir, '.env'));
    const result = await deploy(dir, { STACK_RUNNING: 'false' });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('then run ./deploy.sh again');
    const env = readFileSync(path.join(dir, '.env'), 'utf8');
    expect(env).toMatch(/^JWT_SECRET=\S{32,}$/m);
    expect(env).toMatch(/^ADMIN_USERNAME=admin$/m);
    expect(dockerCalls(dir).some((call) => call.includes(' up '))).toBe(false);
  });

  it('refuses a host port another program holds, naming the variable, before starting anything', async () => {
    const dir = await deployCopy();
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as AddressInfo).port;
    writeFileSync(path.join(dir, '.env'), `${readFileSync(path.join(dir, '.env'), 'utf8')}PORTAL_PORT=${port}\n`);
    try {
      const result = await deploy(dir, { STACK_RUNNING: 'false' });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`port ${port} (PORTAL_PORT) is in use by another program on this machine`);
      expect(dockerCalls(dir).some((call) => call.includes(' up '))).toBe(false);
    } finally {
      busy.close();
    }
  });

  it('upgrades nothing when a backup fails', async () => {
    const dir = await deployCopy();
    const result = await deploy(dir, { STACK_RUNNING: 'true', DUMP_FAILS: 'true' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('the backup of identity failed: nothing was upgraded');
    expect(dockerCalls(dir).some((call) => call.includes(' up -d '))).toBe(false);
    expect(readdirSync(path.join(dir, 'backups'))).toEqual([]);
  });
});
