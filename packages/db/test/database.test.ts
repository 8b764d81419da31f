// openDatabase on DATABASE_URL: pool, migrations at start-up, ping, close; SQLSTATE helpers.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasSqlState, isUniqueViolation, openDatabase, SQLSTATE } from '../src/index.js';
import { createTestDatabase, type TestDatabase } from '../src/testing.js';

const quietLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

let database: TestDatabase;
let migrationsDir: string;

beforeAll(async () => {
  database = await createTestDatabase('database');
  migrationsDir = await mkdtemp(path.join(tmpdir(), 'tixgo-db-migrations-'));
  await writeFile(path.join(migrationsDir, '001-things.sql'), 'CREATE TABLE things (name text PRIMARY KEY);');
});

afterAll(async () => {
  await database?.drop();
  await rm(migrationsDir, { recursive: true, force: true });
});

describe('openDatabase with a databaseUrl', () => {
  it('applies the migrations, answers ping and queries, and has no embedded server', async () => {
    const db = await openDatabase({
      databaseUrl: database.url,
      dataDir: path.join(tmpdir(), 'unused'),
      migrationsDir,
      applicationName: 'db-test',
      log: quietLog,
    });
    try {
      expect(db.embedded).toBeUndefined();
      await expect(db.ping()).resolves.toBeUndefined();
      await db.pool.query("INSERT INTO things VALUES ('a')");
      const { rows } = await db.pool.query(
        'SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()',
      );
      expect(rows[0].application_name).toBe('db-test');
    } finally {
      await db.close();
    }
  });

  it('can be closed twice, and ping fails after close', async () => {
    const db = await openDatabase({
      databaseUrl: database.url,
      dataDir: '.data',
      applicationName: 'db-test',
      log: quietLog,
    });
    await db.close();
    await expect(db.close()).resolves.toBeUndefined();
    await expect(db.ping()).rejects.toThrow();
  });

  it('fails to open, and leaves no pool behind, when a migration fails', async () => {
    const broken = await mkdtemp(path.join(tmpdir(), 'tixgo-db-broken-'));
    await writeFile(path.join(broken, '001-broken.sql'), 'CREATE TABLE oops (;');
    try {
      await expect(
        openDatabase({
          databaseUrl: database.url,
          dataDir: '.data',
          migrationsDir: broken,
          applicationName: 'db-broken',
          log: quietLog,
        }),
      ).rejects.toThrow(/^migration 001-broken.sql failed: /);
    } finally {
      await rm(broken, { recursive: true, force: true });
    }
  });

  it('fails to open with a clear error when the server refuses the database', async () => {
    const url = new URL(database.url);
    url.pathname = '/tixgo_no_such_database';
    await expect(
      openDatabase({
        databaseUrl: url.toString(),
        dataDir: '.data',
        migrationsDir,
        applicationName: 'db-missing',
        log: quietLog,
      }),
    ).rejects.toThrow(/tixgo_no_such_database/);
  });
});

describe('SQLSTATE helpers', () => {
  it('recognise a unique violation raised by PostgreSQL', async () => {
    const db = await openDatabase({
      databaseUrl: database.url,
      dataDir: '.data',
      migrationsDir,
      applicationName: 'db-test',
      log: quietLog,
    });
    try {
      await db.pool.query("INSERT INTO things VALUES ('dup')");
      const error = await db.pool.query("INSERT INTO things VALUES ('dup')").catch((caught: unknown) => caught);
      expect(isUniqueViolation(error)).toBe(true);
      expect(hasSqlState(error, SQLSTATE.uniqueViolation)).toBe(true);
      expect(hasSqlState(error, SQLSTATE.foreignKeyViolation)).toBe(false);
    } finally {
      await db.close();
    }
  });

  it('answer false for things that are not database errors', () => {
    expect(isUniqueViolation(new Error('duplicate key'))).toBe(false);
    expect(isUniqueViolation(undefined)).toBe(false);
    expect(isUniqueViolation('23505')).toBe(false);
  });
});
