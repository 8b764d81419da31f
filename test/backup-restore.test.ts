// scripts/backup.sh and scripts/restore.sh against real PostgreSQL: an attendance database with
// check-ins and an identity database with users, backed up, restored into fresh databases, and
// read back through the services themselves; the embedded server of `pnpm start` found by its files.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase, startEmbeddedPostgres } from '@tixgo/db';
import { createTestDatabase, type TestDatabase } from '@tixgo/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp, startTestApp, type TestApp } from '../services/attendance/test/support/attendance-app.js';
import { buildApp as buildIdentityApp } from '../services/identity/src/app.js';
import { loadConfig as loadIdentityConfig } from '../services/identity/src/config.js';
import { MIGRATIONS_DIR as IDENTITY_MIGRATIONS } from '../services/identity/src/migrations-dir.js';
import { createPasswordHasher } from '../services/identity/src/users/password-hasher.js';
import { type IdentityHarness, JWT_SECRET, startIdentityApp } from '../services/identity/test/support/identity-app.js';

const root = path.resolve(import.meta.dirname, '..');
const quietLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

interface ScriptRun {
  code: number;
  stdout: string;
  stderr: string;
}

function runScript(script: string, args: string[], env: Record<string, string> = {}): Promise<ScriptRun> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      [path.join(root, 'scripts', script), ...args],
      { cwd: root, env: { ...process.env, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

/**
 * Why this machine cannot run pg_dump against the test server, if it cannot: no client tools at all,
 * or only older ones than the server (pg_dump refuses a newer server). Then the round trip is skipped
 * with that reason, never passed.
 */
function missingTools(run: ScriptRun): string | undefined {
  if (/pg_dump not found/.test(run.stderr)) return 'no pg_dump on this machine';
  if (/server version mismatch/.test(run.stderr)) return 'this machine’s pg_dump is older than the test server';
  return undefined;
}

const workDir = mkdtempSync(path.join(tmpdir(), 'tixgo-backup-'));
const cleanups: (() => Promise<unknown>)[] = [];

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  rmSync(workDir, { recursive: true, force: true });
});

describe('backup and restore of the attendance database', () => {
  let source: TestApp;
  let target: TestDatabase;
  const tickets = Array.from({ length: 250 }, (_, index) => `BK-${index}`);

  beforeAll(async () => {
    source = await startTestApp('backup_source');
    target = await createTestDatabase('backup_target');
    cleanups.push(
      () => source.close(),
      () => target.drop(),
    );
    await source.createEvent('backup-fest', tickets);
    for (const [index, ticket] of tickets.entries()) {
      const answer = await source.checkIn(
        { event_id: 'backup-fest', ticket_id: ticket, location: `Gate ${index % 4}` },
        source.committee(`gate-${index % 5}`),
      );
      if (answer.statusCode !== 201) throw new Error(`set-up check-in ${ticket}: ${answer.body}`);
    }
  });

  it('restores every check-in into a fresh database, where the service finds them all', async (context) => {
    const file = path.join(workDir, 'attendance.dump');
    const backup = await runScript('backup.sh', ['attendance', file, '--url', source.database.url]);
    const why = missingTools(backup);
    if (why) return context.skip(why);
    expect(backup.stderr).toBe('');
    expect(backup.stdout).toMatch(/^backed up attendance to .*attendance\.dump \(\d+ bytes\)\n$/);
    expect(backup.code).toBe(0);
    expect(existsSync(`${file}.partial`)).toBe(false);

    const restore = await runScript('restore.sh', ['attendance', file, '--url', target.url, '--yes']);
    expect(restore.stdout).toContain('restored attendance from');
    expect(restore.code).toBe(0);

    // The restored database served by attendance itself: every check-in, with who scanned it and where.
    const original = await source.app.inject({
      method: 'GET',
      url: '/attendance/backup-fest',
      headers: source.committee(),
    });
    const restored = await openApp(target);
    cleanups.push(() => restored.close());
    const list = await restored.app.inject({
      method: 'GET',
      url: '/attendance/backup-fest',
      headers: restored.committee(),
    });
    expect(list.statusCode).toBe(200);
    const body = list.json() as { total_checked_in: number; records: { ticket_id: string }[] };
    expect(body.total_checked_in).toBe(tickets.length);
    expect(body.records.map((record) => record.ticket_id).sort()).toEqual([...tickets].sort());
    expect(list.body).toBe(original.body);
    // A restored check-in is still checked in: a second scan is a duplicate, not a new one.
    const again = await restored.checkIn({ event_id: 'backup-fest', ticket_id: 'BK-7' });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ detail: 'Ticket already checked in', record: { ticket_id: 'BK-7' } });
  });

  it('refuses to replace a database without --yes when there is no terminal to ask on', async () => {
    const file = path.join(workDir, 'refused.dump');
    writeFileSync(file, 'not read');
    const restore = await runScript('restore.sh', ['attendance', file, '--url', target.url]);
    expect(restore.code).toBe(1);
    expect(restore.stderr).toContain("refusing to replace attendance's tables without --yes");
  });

  it('changes nothing when the backup cannot be restored', async (context) => {
    const file = path.join(workDir, 'broken.dump');
    writeFileSync(file, 'PGDMP this is no dump');
    const restore = await runScript('restore.sh', ['attendance', file, '--url', target.url, '--yes']);
    if (missingTools(restore)) return context.skip(missingTools(restore));
    expect(restore.code).toBe(1);
    expect(restore.stderr).toContain('pg_restore failed: nothing was changed');
  });
});

describe('backup and restore of the identity database', () => {
  let source: IdentityHarness;
  let target: TestDatabase;

  beforeAll(async () => {
    source = await startIdentityApp();
    target = await createTestDatabase('backup_identity');
    cleanups.push(
      () => source.close(),
      () => target.drop(),
    );
    const admin = await source.adminToken();
    for (const username of ['gate-north', 'gate-south']) {
      const answer = await source.register({ username, password: 'pass-1234' }, admin);
      if (answer.statusCode !== 200) throw new Error(`set-up register ${username}: ${answer.body}`);
    }
  });

  it('restores every user, who logs in with the same password and keeps their account id', async (context) => {
    const file = path.join(workDir, 'identity.dump');
    const backup = await runScript('backup.sh', ['identity', file, '--url', source.database.url]);
    const why = missingTools(backup);
    if (why) return context.skip(why);
    expect(backup.code).toBe(0);
    const restore = await runScript('restore.sh', ['identity', file, '--url', target.url, '--yes']);
    expect(restore.code).toBe(0);

    // identity started on the restored database, as after a restore on the box.
    const config = loadIdentityConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      JWT_SECRET,
      BCRYPT_COST: '4',
      SEED_DEMO_USERS: 'false',
      DATABASE_URL: target.url,
    });
    const db = await openDatabase({
      databaseUrl: target.url,
      dataDir: workDir,
      migrationsDir: IDENTITY_MIGRATIONS,
      applicationName: 'identity-restored-test',
      log: quietLog,
    });
    const app = await buildIdentityApp(config, { db, hasher: createPasswordHasher(4) });
    cleanups.push(async () => {
      await app.close();
      await db.close();
    });
    const { rows } = await db.pool.query<{ username: string }>('SELECT username FROM users ORDER BY username');
    expect(rows.map((row) => row.username)).toEqual(['gate-north', 'gate-south', 'root-admin']);
    const login = await app.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { username: 'gate-north', password: 'pass-1234' },
    });
    expect(login.statusCode).toBe(200);
    expect(login.json()).toMatchObject({ token_type: 'bearer' });
    const uid = await db.pool.query<{ uid: string }>(
      "SELECT uid::text AS uid FROM users WHERE username = 'gate-north'",
    );
    expect(uid.rows[0]?.uid).toBe(await source.uidOf('gate-north'));
  });
});

describe('the embedded PostgreSQL of pnpm start', () => {
  const dataDir = path.join(workDir, 'stack');

  it('is found through DATA_DIR/<service>: postmaster.pid for the port, the stored password', async (context) => {
    // Run as root, the embedded server runs as the postgres user, which must enter these directories.
    chmodSync(workDir, 0o711);
    const server = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'attendance'), log: quietLog });
    cleanups.push(() => server.stop());
    const db = await openDatabase({ databaseUrl: server.url, dataDir, applicationName: 'backup-test', log: quietLog });
    await db.pool.query('CREATE TABLE kept (ticket_id text PRIMARY KEY)');
    await db.pool.query("INSERT INTO kept VALUES ('E-1'), ('E-2')");
    await db.close();

    const file = path.join(workDir, 'embedded.dump');
    const backup = await runScript('backup.sh', ['attendance', file, '--data-dir', dataDir]);
    if (/server version mismatch/.test(backup.stderr)) {
      // The connection was found (pg_dump reached the server and read its version), but this
      // machine's pg_dump is older than the embedded server: the script says what to install.
      expect(backup.code).toBe(1);
      expect(backup.stderr).toContain('ships the server without pg_dump');
      expect(backup.stderr).toContain('set PG_BIN');
      return context.skip('the round trip needs a pg_dump as new as the embedded server');
    }
    if (missingTools(backup)) return context.skip(missingTools(backup));
    expect(backup.code).toBe(0);
    const fresh = `restored_${randomUUID().slice(0, 8).replace(/-/g, '')}`;
    const admin = await openDatabase({
      databaseUrl: server.url.replace(/\/tixgo$/, '/postgres'),
      dataDir,
      applicationName: 'backup-test',
      log: quietLog,
    });
    await admin.pool.query(`CREATE DATABASE ${fresh}`);
    await admin.close();
    const restore = await runScript('restore.sh', [
      'attendance',
      file,
      '--url',
      server.url.replace(/\/tixgo$/, `/${fresh}`),
      '--yes',
    ]);
    expect(restore.code).toBe(0);
    const restored = await openDatabase({
      databaseUrl: server.url.replace(/\/tixgo$/, `/${fresh}`),
      dataDir,
      applicationName: 'backup-test',
      log: quietLog,
    });
    const { rows } = await restored.pool.query<{ ticket_id: string }>('SELECT ticket_id FROM kept ORDER BY 1');
    await restored.close();
    expect(rows.map((row) => row.ticket_id)).toEqual(['E-1', 'E-2']);
  });

  it('copies the stopped service’s files with --offline, refused while its server runs, and unpacks them back', async () => {
    const file = path.join(workDir, 'embedded.tar.gz');
    const serviceDir = path.join(dataDir, 'attendance');
    const running = await runScript('backup.sh', ['attendance', file, '--data-dir', dataDir, '--offline']);
    expect(running.code).toBe(1);
    expect(running.stderr).toContain('the embedded PostgreSQL of attendance is running: stop the stack');

    let server = await startEmbeddedPostgres({ dataDir: serviceDir, log: quietLog });
    await server.stop();
    const backup = await runScript('backup.sh', ['attendance', file, '--data-dir', dataDir, '--offline']);
    expect(backup.stderr).toBe('');
    expect(backup.stdout).toMatch(/^backed up attendance to .*embedded\.tar\.gz \(\d+ bytes\)\n$/);
    expect(backup.code).toBe(0);

    // Lose the data after the backup: the restore brings back what the backup held.
    server = await startEmbeddedPostgres({ dataDir: serviceDir, log: quietLog });
    const db = await openDatabase({ databaseUrl: server.url, dataDir, applicationName: 'backup-test', log: quietLog });
    await db.pool.query("DELETE FROM kept WHERE ticket_id = 'E-2'");
    await db.close();
    await server.stop();
    const restore = await runScript('restore.sh', ['attendance', file, '--data-dir', dataDir, '--offline', '--yes']);
    expect(restore.stdout).toContain('the previous files are kept in');
    expect(restore.code).toBe(0);

    server = await startEmbeddedPostgres({ dataDir: serviceDir, log: quietLog });
    cleanups.push(() => server.stop());
    const restored = await openDatabase({
      databaseUrl: server.url,
      dataDir,
      applicationName: 'backup-test',
      log: quietLog,
    });
    const { rows } = await restored.pool.query<{ ticket_id: string }>('SELECT ticket_id FROM kept ORDER BY 1');
    await restored.close();
    expect(rows.map((row) => row.ticket_id)).toEqual(['E-1', 'E-2']);
  });

  it('says to start the stack when its embedded server is not running', async () => {
    const backup = await runScript('backup.sh', ['identity', path.join(workDir, 'none.dump'), '--data-dir', dataDir]);
    expect(backup.code).toBe(1);
    expect(backup.stderr).toContain('no embedded PostgreSQL is running for identity');
    expect(backup.stderr).toContain('start the stack (pnpm start) first');
  });
});

describe('what a backup exposes (issue 15, item 14)', () => {
  /** A PG_BIN whose pg_dump writes what it was given (arguments, PGPASSWORD) and a small dump; pg_restore --list reads it. */
  function recordingTools(): { bin: string; log: string } {
    const bin = mkdtempSync(path.join(workDir, 'fake-pg-'));
    const log = path.join(bin, 'calls.log');
    writeFileSync(
      path.join(bin, 'pg_dump'),
      `#!/usr/bin/env bash\nprintf 'args=%s\\n' "$*" >>"${log}"\nprintf 'password=%s\\n' "\${PGPASSWORD:-}" >>"${log}"\n` +
        'while [ $# -gt 0 ]; do if [ "$1" = --file ]; then printf dump >"$2"; fi; shift; done\n',
    );
    writeFileSync(path.join(bin, 'pg_restore'), '#!/usr/bin/env bash\nexit 0\n');
    chmodSync(path.join(bin, 'pg_dump'), 0o755);
    chmodSync(path.join(bin, 'pg_restore'), 0o755);
    return { bin, log };
  }

  it('hands pg_dump the password in PGPASSWORD, not on its command line, and writes the dump readable by its owner only', async () => {
    const { bin, log } = recordingTools();
    const file = path.join(workDir, 'private', 'identity.dump');
    const run = await runScript(
      'backup.sh',
      ['identity', file, '--url', 'postgres://tixgo:s3cr%40t-pass@127.0.0.1:5432/identity'],
      { PG_BIN: bin },
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const calls = readFileSync(log, 'utf8');
    expect(calls).toContain('args=--format custom --dbname postgres://tixgo@127.0.0.1:5432/identity --file');
    expect(calls).not.toMatch(/args=.*s3cr/);
    expect(calls).toContain('password=s3cr@t-pass');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
  });

  it('takes the connection string from DATABASE_URL with --url-from-env: nothing secret on any command line', async () => {
    const { bin, log } = recordingTools();
    const file = path.join(workDir, 'from-env.dump');
    const run = await runScript('backup.sh', ['attendance', file, '--url-from-env'], {
      PG_BIN: bin,
      DATABASE_URL: 'postgres://tixgo:env-secret@127.0.0.1:5432/attendance',
    });
    expect(run.code).toBe(0);
    const calls = readFileSync(log, 'utf8');
    expect(calls).not.toMatch(/args=.*env-secret/);
    expect(calls).toContain('password=env-secret');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});
