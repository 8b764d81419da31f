// Two real attendance processes (built dist) on one PostgreSQL database behind the portal, 64 gates
// checking in through it, one replica SIGKILLed mid-load and started again (issue 9, item 3).
import { createTestDatabase, type TestDatabase } from '@tixgo/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatFailover, runReplicaFailover } from '../bench/lib/replica-failover.js';

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase('replica_failover');
});

afterAll(async () => {
  await database?.drop();
});

describe('two attendance replicas, one killed with SIGKILL mid-load', () => {
  it('loses no acknowledged check-in, counts none twice, and answers fewer than 1 % with a 5xx', {
    // Generous: on a busy machine the start-up of three processes alone can take a minute.
    timeout: 180_000,
  }, async () => {
    const result = await runReplicaFailover({
      databaseUrl: database.url,
      gates: 64,
      killAtMs: 2500,
      restartAtMs: 4500,
      durationMs: 8000,
    });
    console.log(formatFailover(result));
    // Enough load that the kill lands mid-flight (a busy machine makes fewer than the bench does).
    expect(result.acknowledged).toBeGreaterThan(50);
    expect(result.lost).toEqual([]);
    expect(result.falseDuplicates).toBe(0);
    expect(result.storedDistinct).toBe(result.stored);
    // Every stored check-in was acknowledged, or its gate got no good answer (then it may be stored).
    expect(result.stored).toBeGreaterThanOrEqual(result.acknowledged);
    expect(result.stored - result.acknowledged).toBeLessThanOrEqual(result.answers - result.acknowledged);
    expect(result.failures / result.answers).toBeLessThan(0.01);
    // The portal kept taking check-ins with one replica, and the restarted one came back.
    expect(result.rates.down).toBeGreaterThan(0);
    expect(result.rates.after).toBeGreaterThan(0);
  });
});
