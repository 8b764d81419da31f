// Migration 003 on a database that already has tickets and check-ins: positions for old tickets, old check-ins unchanged.
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runMigrations } from '@tixgo/db';
import { createTestDatabase, type TestDatabase } from '@tixgo/db/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR } from '../src/migrations-dir.js';
import { openApp } from './support/attendance-app.js';

const quietLog = { info: () => undefined };

let database: TestDatabase;
let pool: pg.Pool;
let directory: string;

beforeAll(async () => {
  database = await createTestDatabase('offline_migration');
  pool = new pg.Pool({ connectionString: database.url, max: 2 });
  directory = await mkdtemp(path.join(tmpdir(), 'tixgo-attendance-migrations-'));
});
afterAll(async () => {
  await pool.end();
  await database.drop();
  await rm(directory, { recursive: true, force: true });
});

/** Copies the service's migrations whose number is below `before` into the scratch directory. */
async function migrationsBefore(before: number): Promise<void> {
  for (const name of await readdir(MIGRATIONS_DIR)) {
    if (Number.parseInt(name, 10) < before) await copyFile(path.join(MIGRATIONS_DIR, name), path.join(directory, name));
  }
}

describe('migration 004 (offline scans)', () => {
  it('numbers the tickets issued before it in their order and keeps earlier check-ins answering as before', async () => {
    await migrationsBefore(4);
    await runMigrations(pool, directory, quietLog);
    await pool.query(
      "INSERT INTO events (id, title, created_by, ticket_count) VALUES ('old-fest', 'Old', 'admin1', 3)",
    );
    await pool.query(
      "INSERT INTO tickets (event_id, ticket_id, holder_name) VALUES ('old-fest', 'K-3', 'Rina'), ('old-fest', 'K-1', NULL), ('old-fest', 'K-2', 'Tono')",
    );
    await pool.query(
      `INSERT INTO checkins (event_id, ticket_id, checkin_id, checked_in_by, location)
       VALUES ('old-fest', 'K-1', gen_random_uuid(), 'panitia1', 'Gate A')`,
    );
    await pool.query("INSERT INTO event_checkin_counts (event_id, shard, n) VALUES ('old-fest', 0, 1)");

    await migrationsBefore(5);
    expect(await runMigrations(pool, directory, quietLog)).toEqual(['004-offline-scans.sql']);

    const app = await openApp(database);
    try {
      const copy = await app.app.inject({ url: '/events/old-fest/tickets/offline', headers: app.committee() });
      expect(copy.statusCode).toBe(200);
      expect(copy.json()).toMatchObject({
        tickets: [
          ['K-3', 'Rina'],
          ['K-1', null],
          ['K-2', 'Tono'],
        ],
        checkins: [['K-1', expect.any(String), 'panitia1', 'Gate A']],
        complete: true,
      });
      const list = await app.app.inject({ url: '/attendance/old-fest', headers: app.committee() });
      expect(list.statusCode).toBe(200);
      expect(Object.keys(list.json().records[0])).toEqual([
        'event_id',
        'ticket_id',
        'checked_in_by',
        'checked_in_at',
        'checkin_id',
        'location',
      ]);
    } finally {
      await app.close();
    }
  });
});
