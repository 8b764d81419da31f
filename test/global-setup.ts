// Chooses the PostgreSQL server every test file creates its own database on, once per run:
// TEST_DATABASE_URL / DATABASE_URL when set, else a testcontainers PostgreSQL when a Docker
// engine answers, else an embedded PostgreSQL kept under the system temp directory. It also lists
// the checkout's files before the run and fails the run if a test left anything behind.
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { type EmbeddedServer, startEmbeddedPostgres } from '../packages/db/src/embedded-server.js';
import { TEST_SERVER_ENV } from '../packages/db/src/testing.js';
import { checkoutChanges, checkoutEntries } from './support/checkout-files.js';
import { dockerEngineAnswers } from './support/docker.js';
import { repositoryRoot } from './support/workspace-copy.js';

const quietLog = { info: () => undefined, warn: () => undefined };

/** Fails the run (and says so in test-results/, which .ci/run counts) when the checkout changed. */
function checkoutGuard(): () => void {
  const before = checkoutEntries(repositoryRoot);
  return () => {
    const changes = checkoutChanges(before, checkoutEntries(repositoryRoot));
    const report = path.join(repositoryRoot, 'test-results', 'checkout-changes.json');
    mkdirSync(path.dirname(report), { recursive: true });
    writeFileSync(report, `${JSON.stringify(changes, null, 2)}\n`);
    if (changes.added.length === 0 && changes.removed.length === 0) return;
    // Vitest reports a teardown error but keeps its exit status: set it, so `pnpm test` fails.
    process.exitCode = 1;
    throw new Error(
      `the tests changed the checkout (a test must write only to temporary folders):\n${[
        ...changes.added.map((entry) => `  + ${entry}`),
        ...changes.removed.map((entry) => `  - ${entry}`),
      ].join('\n')}`,
    );
  };
}

async function chooseDatabase(): Promise<() => Promise<void>> {
  const given = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  if (given) {
    process.env[TEST_SERVER_ENV] = given;
    console.log('[tests] PostgreSQL: TEST_DATABASE_URL/DATABASE_URL');
    return async () => undefined;
  }
  if (await dockerEngineAnswers()) {
    // No image registry may be reachable (testcontainers' Ryuk helper would be pulled from Docker
    // Hub); the teardown below stops the container itself.
    process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
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

export default async function setup(_project: TestProject): Promise<() => Promise<void>> {
  const checkCheckout = checkoutGuard();
  const stopDatabase = await chooseDatabase();
  return async () => {
    await stopDatabase();
    checkCheckout();
  };
}
