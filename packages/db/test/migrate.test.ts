// The plain-SQL migration runner: order, checksums, skipping, refusing edits, concurrent runners.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runMigrations } from '../src/index.js';
import { createTestDatabase, type TestDatabase } from '../src/testing.js';

const quietLog = { info: () => undefined };

let database: TestDatabase;
let pool: pg.Pool;
let directory: string;

beforeAll(async () => {
  database = await createTestDatabase('migrate');
});

afterAll(async () => {
  await database?.drop();
});

beforeEach(async () => {
  pool = new pg.Pool({ connectionString: database.url, max: 4 });
  directory = await mkdtemp(path.join(tmpdir(), 'tixgo-migrations-'));
  // Each test starts from an empty schema.
  await pool.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
});

afterEach(async () => {
  await pool.end();
  await rm(directory, { recursive: true, force: true });
});

async function writeMigrations(files: Record<string, string>): Promise<void> {
  for (const [name, sql] of Object.entries(files)) await writeFile(path.join(directory, name), sql);
}

const appliedRows = async () =>
  (await pool.query<{ name: string; checksum: string }>('SELECT name, checksum FROM schema_migrations ORDER BY name'))
    .rows;

describe('runMigrations', () => {
  it('applies NNN-name.sql files in order and ignores other files', async () => {
    await writeMigrations({
      '002-add-email.sql': 'ALTER TABLE people ADD COLUMN email text;',
      '001-people.sql': 'CREATE TABLE people (id int PRIMARY KEY, name text);',
      '010-index.sql': 'CREATE INDEX people_email_idx ON people (email);',
      'README.md': 'not a migration',
      'notes.sql': 'this is not valid SQL and must not run',
    });
    const applied = await runMigrations(pool, directory, quietLog);
    expect(applied).toEqual(['001-people.sql', '002-add-email.sql', '010-index.sql']);
    const { rows } = await pool.query(
      "SELECT column_name FROM information_schema.columns WHERE table_name = 'people' ORDER BY ordinal_position",
    );
    expect(rows.map((row) => row.column_name)).toEqual(['id', 'name', 'email']);
  });

  it('records each migration with the SHA-256 of its text', async () => {
    await writeMigrations({ '001-a.sql': 'CREATE TABLE a (id int);' });
    await runMigrations(pool, directory, quietLog);
    const { createHash } = await import('node:crypto');
    expect(await appliedRows()).toEqual([
      { name: '001-a.sql', checksum: createHash('sha256').update('CREATE TABLE a (id int);').digest('hex') },
    ]);
  });

  it('skips migrations that were applied before and applies only new ones', async () => {
    await writeMigrations({ '001-a.sql': 'CREATE TABLE a (id int);' });
    expect(await runMigrations(pool, directory, quietLog)).toEqual(['001-a.sql']);
    expect(await runMigrations(pool, directory, quietLog)).toEqual([]);
    await writeMigrations({ '002-b.sql': 'CREATE TABLE b (id int);' });
    expect(await runMigrations(pool, directory, quietLog)).toEqual(['002-b.sql']);
    expect((await appliedRows()).map((row) => row.name)).toEqual(['001-a.sql', '002-b.sql']);
  });

  it('refuses to start when an applied migration was changed', async () => {
    await writeMigrations({ '001-a.sql': 'CREATE TABLE a (id int);' });
    await runMigrations(pool, directory, quietLog);
    await writeMigrations({ '001-a.sql': 'CREATE TABLE a (id bigint);', '002-b.sql': 'CREATE TABLE b (id int);' });
    await expect(runMigrations(pool, directory, quietLog)).rejects.toThrow(
      'migration 001-a.sql was changed after it was applied',
    );
    // Nothing after the changed file ran.
    const { rows } = await pool.query("SELECT to_regclass('public.b') AS b");
    expect(rows[0].b).toBeNull();
  });

  it('rolls a failing migration back entirely and records nothing for it', async () => {
    await writeMigrations({
      '001-a.sql': 'CREATE TABLE a (id int);',
      '002-broken.sql': 'CREATE TABLE half (id int); INSERT INTO no_such_table VALUES (1);',
    });
    await expect(runMigrations(pool, directory, quietLog)).rejects.toThrow(/^migration 002-broken.sql failed: /);
    expect((await appliedRows()).map((row) => row.name)).toEqual(['001-a.sql']);
    const { rows } = await pool.query("SELECT to_regclass('public.half') AS half");
    expect(rows[0].half).toBeNull();
    // The lock was released: a fixed file applies on the next run.
    await writeMigrations({ '002-broken.sql': 'CREATE TABLE half (id int);' });
    expect(await runMigrations(pool, directory, quietLog)).toEqual(['002-broken.sql']);
  });

  it('applies each file exactly once when several runners start at the same time', async () => {
    const files: Record<string, string> = {};
    for (let index = 1; index <= 6; index++) {
      const name = `${String(index).padStart(3, '0')}-step.sql`;
      // Not idempotent on purpose: a second application fails (CREATE TABLE) or double-counts.
      files[name] =
        index === 1
          ? 'CREATE TABLE runs (migration int NOT NULL); INSERT INTO runs VALUES (1);'
          : `CREATE TABLE t${index} (id int); INSERT INTO runs VALUES (${index});`;
    }
    await writeMigrations(files);
    const pools = Array.from({ length: 5 }, () => new pg.Pool({ connectionString: database.url, max: 1 }));
    try {
      const results = await Promise.all(pools.map((runner) => runMigrations(runner, directory, quietLog)));
      expect(results.flat().sort()).toEqual(Object.keys(files).sort());
      expect(results.filter((applied) => applied.length > 0)).toHaveLength(1);
      const { rows } = await pool.query('SELECT migration, count(*)::int AS n FROM runs GROUP BY migration ORDER BY 1');
      expect(rows).toEqual([1, 2, 3, 4, 5, 6].map((migration) => ({ migration, n: 1 })));
    } finally {
      await Promise.all(pools.map((runner) => runner.end()));
    }
  });

  it('gives the connection back to the pool, also after a failure', async () => {
    await writeMigrations({ '001-broken.sql': 'SELECT * FROM nowhere;' });
    await expect(runMigrations(pool, directory, quietLog)).rejects.toThrow();
    expect(pool.totalCount - pool.idleCount).toBe(0);
    // This database's locks only: other test files migrate their own databases on the same server.
    const { rows } = await pool.query(
      'SELECT count(*)::int AS n FROM pg_locks WHERE locktype = $1 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())',
      ['advisory'],
    );
    expect(rows[0].n).toBe(0);
  });
});
