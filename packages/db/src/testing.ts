// Test support: a fresh, empty database per test file on the test PostgreSQL server.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Set by the root vitest global set-up to the server the tests use (see test/global-setup.ts). */
export const TEST_SERVER_ENV = 'TIXGO_TEST_SERVER_URL';

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

function serverUrl(): string {
  const url = process.env[TEST_SERVER_ENV] ?? process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  if (!url) throw new Error(`${TEST_SERVER_ENV} is not set: run the tests through vitest (pnpm test)`);
  return url;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Creates an empty database named after `label`; `drop()` removes it even with open connections. */
export async function createTestDatabase(label = 'test'): Promise<TestDatabase> {
  const server = serverUrl();
  const name = `tixgo_${label
    .replace(/[^a-z0-9]/gi, '_')
    .toLowerCase()
    .slice(0, 30)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: withDatabase(server, name),
    async drop() {
      const client = new pg.Client({ connectionString: server });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
