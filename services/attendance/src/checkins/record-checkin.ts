// Records one scan at the gate: with or without an Idempotency-Key, answered as an outcome (no HTTP here).
import { randomUUID } from 'node:crypto';
import type { OtherEvent } from '@tixgo/contracts';
import type pg from 'pg';
import { findOtherEventOfTicket } from '../tickets/tickets-repository.js';
import type { CheckinBatcher } from './checkin-batcher.js';
import type { CheckinMetrics } from './checkin-metrics.js';
import { type CheckinOutcome, checkinAccount } from './checkins-repository.js';
import { recordConflict } from './conflicts-repository.js';
import { checkInWithKey, type KeyedCheckin, type KeyedOutcome } from './idempotency.js';
import { judgeTicket } from './ticket-policy.js';

export interface ScanRequest {
  eventId: string;
  ticketId: string;
  location: string | null;
  /** When the device scanned the code (normalised, within bounds), or null. */
  scannedAt: string | null;
  /** The device already let the person in while offline: a refusal becomes a conflict for a supervisor. */
  admittedOffline: boolean;
  /** The token's sub: never taken from the body. */
  by: string;
  /** The token's uid (the account). */
  byUid: string;
  requireRegisteredEvent: boolean;
  idempotency?: KeyedCheckin | undefined;
}

/**
 * The outcome, whether it was recorded as a conflict (a scan admitted offline that did not count), and
 * for a code the event did not issue, the other event that did, if any.
 */
export type RecordedOutcome = KeyedOutcome & { isConflict?: true; otherEvent?: OtherEvent };

/** What recording a scan needs (the routes' options have it all). */
export interface CheckinDeps {
  db: pg.Pool;
  batcher: Pick<CheckinBatcher, 'checkIn'>;
  metrics: Pick<CheckinMetrics, 'countOutcome'>;
}

export async function recordCheckin(
  { db, batcher, metrics }: CheckinDeps,
  scan: ScanRequest,
): Promise<RecordedOutcome> {
  const outcome = await checkInOnce(db, batcher, scan);
  metrics.countOutcome(outcome);
  return outcome;
}

async function checkInOnce(
  db: pg.Pool,
  batcher: Pick<CheckinBatcher, 'checkIn'>,
  scan: ScanRequest,
): Promise<RecordedOutcome> {
  const request = {
    eventId: scan.eventId,
    ticketId: scan.ticketId,
    location: scan.location,
    scannedAt: scan.scannedAt,
    by: scan.by,
    byUid: scan.byUid,
    checkinId: randomUUID(),
    requireRegisteredEvent: scan.requireRegisteredEvent,
  };
  const checkedIn = scan.idempotency
    ? await checkInWithKey(db, batcher, request, scan.idempotency)
    : ((await batcher.checkIn(request)).outcome as CheckinOutcome);
  const outcome = (await isOwnEarlierCheckin(db, scan, checkedIn))
    ? { kind: 'created' as const, record: (checkedIn as Extract<KeyedOutcome, { kind: 'duplicate' }>).record }
    : checkedIn;
  const recorded = scan.admittedOffline ? await recordIfConflict(db, scan, outcome) : outcome;
  return isNotIssued(scan, recorded) ? withOtherEvent(db, scan, recorded) : recorded;
}

/** The event has tickets and this code is not one of them (not: the event is unregistered). */
function isNotIssued(scan: ScanRequest, outcome: KeyedOutcome): boolean {
  return outcome.kind === 'refused' && judgeTicket(outcome.facts, scan.requireRegisteredEvent) === 'ticket-not-found';
}

/**
 * A code refused as not issued that another registered event did issue: a guest at the wrong gate or
 * on the wrong day, which the gate can say ("not for this event: it is for X"). Looked up only on this
 * refusal, after the check-in statement, which stays as it was for every scan.
 */
async function withOtherEvent(db: pg.Pool, scan: ScanRequest, outcome: RecordedOutcome): Promise<RecordedOutcome> {
  const otherEvent = await findOtherEventOfTicket(db, scan.ticketId, scan.eventId);
  return otherEvent ? { ...outcome, otherEvent } : outcome;
}

/**
 * A "duplicate" that is this very scan, checked in before: the same person, ticket, gate and device
 * scan time (to the millisecond). It is answered as its first answer was (201), as a replay of its
 * Idempotency-Key is. This matters after the key is gone: a scan tried online whose answer was lost,
 * then uploaded from the offline queue after IDEMPOTENCY_TTL_HOURS (an offline scan may be up to
 * OFFLINE_SCAN_MAX_AGE_HOURS old), or sent without a key, must not meet itself as "already checked in"
 * (and, admitted offline, as a conflict).
 */
async function isOwnEarlierCheckin(db: pg.Pool, scan: ScanRequest, outcome: KeyedOutcome): Promise<boolean> {
  if (outcome.kind !== 'duplicate' || scan.scannedAt === null) return false;
  const first = outcome.record;
  const looksSame =
    first.scanned_at === scan.scannedAt && first.checked_in_by === scan.by && first.location === scan.location;
  // The same account, not only the same name (issue 15, item 15): asked only when all else matches.
  return looksSame && (await checkinAccount(db, first.checkin_id)) === scan.byUid;
}

/**
 * A scan the device admitted offline that the server refuses is a conflict: the ticket was checked in
 * by another scan first (its own replay answers 'created', never 'duplicate'), or the event never
 * issued it. Recorded before the answer is sent, so a device that got "conflict" can rely on the
 * supervisor's list holding it; recorded once per scan however often the upload is retried.
 */
async function recordIfConflict(db: pg.Pool, scan: ScanRequest, outcome: KeyedOutcome): Promise<RecordedOutcome> {
  const isDuplicate = outcome.kind === 'duplicate';
  if (!isDuplicate && !isNotIssued(scan, outcome)) return outcome;
  await recordConflict(db, {
    eventId: scan.eventId,
    ticketId: scan.ticketId,
    kind: isDuplicate ? 'duplicate' : 'not-issued',
    first: isDuplicate ? outcome.record : null,
    secondBy: scan.by,
    secondLocation: scan.location,
    secondScannedAt: scan.scannedAt,
    secondKey: scan.idempotency?.key,
  });
  return { ...outcome, isConflict: true };
}
