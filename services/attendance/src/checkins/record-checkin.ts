// Records one scan at the gate: with or without an Idempotency-Key, answered as an outcome (no HTTP here).
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { CheckinBatcher } from './checkin-batcher.js';
import type { CheckinMetrics } from './checkin-metrics.js';
import type { CheckinOutcome } from './checkins-repository.js';
import { checkInWithKey, type KeyedCheckin, type KeyedOutcome } from './idempotency.js';

export interface ScanRequest {
  eventId: string;
  ticketId: string;
  location: string | null;
  /** The token's sub: never taken from the body. */
  by: string;
  /** The token's uid (the account). */
  byUid: string;
  requireRegisteredEvent: boolean;
  idempotency?: KeyedCheckin | undefined;
}

/** What recording a scan needs (the routes' options have it all). */
export interface CheckinDeps {
  db: pg.Pool;
  batcher: Pick<CheckinBatcher, 'checkIn'>;
  metrics: Pick<CheckinMetrics, 'countOutcome'>;
}

export async function recordCheckin({ db, batcher, metrics }: CheckinDeps, scan: ScanRequest): Promise<KeyedOutcome> {
  const outcome = await checkInOnce(db, batcher, scan);
  metrics.countOutcome(outcome);
  return outcome;
}

async function checkInOnce(
  db: pg.Pool,
  batcher: Pick<CheckinBatcher, 'checkIn'>,
  scan: ScanRequest,
): Promise<KeyedOutcome> {
  const request = {
    eventId: scan.eventId,
    ticketId: scan.ticketId,
    location: scan.location,
    by: scan.by,
    byUid: scan.byUid,
    checkinId: randomUUID(),
    requireRegisteredEvent: scan.requireRegisteredEvent,
  };
  if (scan.idempotency) return checkInWithKey(db, batcher, request, scan.idempotency);
  const { outcome } = await batcher.checkIn(request);
  return outcome as CheckinOutcome;
}
