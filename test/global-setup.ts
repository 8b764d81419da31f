// Chooses the PostgreSQL server every test file creates its own database on, once per run:
// TEST_DATABASE_URL / DATABASE_URL when set, else a testcontainers PostgreSQL when a Docker
// engine answers, else an embedded PostgreSQL kept under the system temp directory.
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { type EmbeddedServer, startEmbeddedPostgres } from '../packages/db/src/embedded-server.js';
import { TEST_SERVER_ENV } from '../packages/db/src/testing.js';
import { dockerEngineAnswers } from './support/docker.js';

const quietLog = { info: () => undefined, warn: () => undefined };

export default async function setup(_project: TestProject): Promise<() => Promise<void>> {
  const given = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  if (given) {
    process.env[TEST_SERVER_ENV] = given;
    console.log('[tests] PostgreSQL: TEST_DATABASE_URL/DATABASE_URL');
    return async () => undefined;
  }
  if (await dockerEngineAnswers()) {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const container = await new PostgreSqlContainer('postgres:16-alpine').start();
    process.env[TEST_SERVER_ENV] = container.getConnectionUri();
    console.log('[tests] PostgreSQL: testcontainers');
    return async () => {
      await container.stop();
    };
  }
  const server: EmbeddedServer = await startEmbeddedPostgres({
    dataDir: path.join(tmpdir(), 'tixgo-test-postgres'),
    log: quietLog,
  });
  process.env[TEST_SERVER_ENV] = server.url;
  console.log('[tests] PostgreSQL: embedded (no TEST_DATABASE_URL, no Docker engine)');
  return async () => {
    await server.stop();
  };
}
