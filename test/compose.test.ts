// The Docker path end to end: docker compose up, then the smoke test. Needs a Docker engine;
// without one the test reports itself skipped ("no Docker engine") instead of passing.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { dockerEngineAnswers } from './support/docker.js';

const root = path.resolve(import.meta.dirname, '..');

const hasDocker = await dockerEngineAnswers();

describe('docker compose stack', () => {
  it('starts with docker compose and passes the smoke test', { timeout: 15 * 60_000 }, async (context) => {
    if (!hasDocker) {
      context.skip('skipped: no Docker engine');
      return;
    }
    const { DockerComposeEnvironment, Wait } = await import('testcontainers');
    const environment = await new DockerComposeEnvironment(root, 'docker-compose.yml')
      .withBuild()
      .withWaitStrategy('portal-1', Wait.forHealthCheck())
      .up();
    try {
      const { stdout } = await promisify(execFile)('bash', [path.join(root, 'smoke-test.sh')], { timeout: 120_000 });
      expect(stdout).toContain('smoke test passed');
    } finally {
      await environment.down({ removeVolumes: true });
    }
  });
});
