// Records one scan at the gate: with or without an Idempotency-Key, answered as an outcome (no HTTP here).
import { randomUUID } from 'node:crypto';
import type { OtherEvent } from '@tixgo/contracts';
import { MAIN_LIST_ID } from '@tixgo/contracts/gate-rules';
import type { ValidationItem } from '@tixgo/platform';
import type pg from 'pg';
import { findOtherEventOfTicket } from '../tickets/tickets-repository.js';
import type { CheckinBatcher } from './checkin-batcher.js';
import type { CheckinMetrics } from './checkin-metrics.js';
import { type CheckinOutcome, checkinAccount } from './checkins-repository.js';
import { recordConflict } from './conflicts-repository.js';
import { boundedScanTime, deviceKeyOf, FirstDownloads, recordScanTimeClamp } from './device-bound.js';
import { addHistory } from './gate-repository.js';
import { type GateAnswer, type GateOutcomeLabel, recordGateScan } from './gate-scan.js';
import { checkInWithKey, type KeyedCheckin, type KeyedOutcome, requestHash } from './idempotency.js';
import { type EventTimes, eventScanTimeIssue } from './scan-time.js';
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
  /** The check-in list (issue 16); 'main' is the compat rule. */
  listId: string;
  direction: 'entry' | 'exit';
  /** A supervisor's override of a full list. */
  override: boolean;
  deviceId: string | null;
  /** The token's role (an override needs a supervisor or an admin). */
  role: string;
  /** The time the device gave, when it was before the device's first ticket download and moved (see withDeviceBound). */
  deviceScannedAt?: string | undefined;
}

/**
 * The outcome, whether it was recorded as a conflict (a scan admitted offline that did not count), and
 * for a code the event did not issue, the other event that did, if any.
 */
export type StatementOutcome = KeyedOutcome & {
  isConflict?: true;
  otherEvent?: OtherEvent;
  cancelReason?: string | null;
};

export type RecordedOutcome =
  | StatementOutcome
  /** A scan the gate transaction answered (a list other than main, an exit): the answer as it is sent. */
  | { kind: 'answered'; answer: GateAnswer; label: GateOutcomeLabel };

/** What recording a scan needs (the routes' options have it all). */
export interface CheckinDeps {
  db: pg.Pool;
  batcher: Pick<CheckinBatcher, 'checkIn'>;
  metrics: Pick<CheckinMetrics, 'countOutcome' | 'countLabel'>;
}

/**
 * The scan's device time checked against its event's own times (see eventScanTimeIssue: the issue, a 422) and
 * bounded by its device's first download of the event's tickets (see withDeviceBound). Asked only for scans that
 * carry a scan time (offline uploads, and the station's own): one primary-key read for both.
 */
export async function checkScanTime(
  db: pg.Pool,
  scan: ScanRequest,
): Promise<{ issue: ValidationItem; scan?: undefined } | { issue?: undefined; scan: ScanRequest }> {
  if (scan.scannedAt === null) return { scan };
  const { rows } = await db.query<EventTimes & { first_ms: string | null }>({
    name: 'event-times-and-device',
    text: `SELECT iso_utc(e.start_time) AS start_time, iso_utc(e.end_time) AS end_time,
             (SELECT floor(extract(epoch FROM d.first_at) * 1000)::int8::text FROM device_downloads d
               WHERE d.event_id = e.id AND d.device_id = $2) AS first_ms
           FROM events e WHERE e.id = $1`,
    values: [scan.eventId, scan.deviceId],
  });
  const row = rows[0];
  const issue = eventScanTimeIssue(scan.scannedAt, row);
  if (issue) return { issue };
  if (!row || row.first_ms === null || scan.deviceId === null) return { scan };
  const firstDownloads = new FirstDownloads(
    new Map([[deviceKeyOf({ eventId: scan.eventId, deviceId: scan.deviceId }), Number(row.first_ms)]]),
  );
  return { scan: withDeviceBound(scan, firstDownloads) };
}

/** The own times of the registered events among `eventIds`, in one read (a batch asks once for all its items). */
export async function eventTimesOf(db: pg.Pool, eventIds: string[]): Promise<Map<string, EventTimes>> {
  if (eventIds.length === 0) return new Map();
  const { rows } = await db.query<EventTimes & { id: string }>({
    name: 'event-times',
    text: `SELECT id, iso_utc(start_time) AS start_time, iso_utc(end_time) AS end_time FROM events
           WHERE id = ANY($1::text[])`,
    values: [[...new Set(eventIds)]],
  });
  return new Map(rows.map((row) => [row.id, row]));
}

/**
 * The scan with its time bounded by its device's first download of the event's tickets (issue 15 item 12,
 * see boundedScanTime): a moved scan keeps the device's time in deviceScannedAt.
 */
export function withDeviceBound(scan: ScanRequest, firstDownloads: FirstDownloads): ScanRequest {
  if (scan.scannedAt === null || scan.deviceId === null) return scan;
  const kept = boundedScanTime(scan.scannedAt, firstDownloads.of({ eventId: scan.eventId, deviceId: scan.deviceId }));
  return kept === scan.scannedAt ? scan : { ...scan, scannedAt: kept, deviceScannedAt: scan.scannedAt };
}

export async function recordCheckin(deps: CheckinDeps, scan: ScanRequest): Promise<RecordedOutcome> {
  const outcome = await recordScan(deps, scan);
  if (scan.deviceScannedAt !== undefined && scan.deviceId !== null && scan.scannedAt !== null) {
    // After the scan, whatever its answer: the ticket's history shows the device's own time beside the kept one.
    await recordScanTimeClamp(deps.db, {
      eventId: scan.eventId,
      deviceId: scan.deviceId,
      ticketId: scan.ticketId,
      by: scan.by,
      deviceScannedAt: scan.deviceScannedAt,
      scannedAt: scan.scannedAt,
    });
  }
  return outcome;
}

async function recordScan({ db, batcher, metrics }: CheckinDeps, scan: ScanRequest): Promise<RecordedOutcome> {
  if (scan.listId !== MAIN_LIST_ID || scan.direction === 'exit') {
    const { answer, label } = await recordGateScan(db, { ...scan, admittedOffline: scan.admittedOffline });
    metrics.countLabel(label);
    return { kind: 'answered', answer, label };
  }
  const outcome = await checkInOnce(db, batcher, scan);
  metrics.countOutcome(outcome);
  if (outcome.kind !== 'created' && outcome.kind !== 'key-reused' && outcome.replayed !== true) {
    await recordRefusal(db, scan, outcome);
  }
  return outcome;
}

/**
 * The history line of a refused scan of `main` (already in, not issued, cancelled): written after the
 * statement, on the refusal path only, so an admission costs what it cost before (its history line is its
 * checkins row).
 */
async function recordRefusal(
  db: pg.Pool,
  scan: ScanRequest,
  outcome: KeyedOutcome & { kind: 'duplicate' | 'refused' },
): Promise<void> {
  const verdict =
    outcome.kind === 'duplicate' ? 'already-used' : judgeTicket(outcome.facts, scan.requireRegisteredEvent);
  if (verdict === 'event-not-found') return;
  const refusal = verdict === 'ticket-not-found' ? 'not-issued' : verdict;
  await addHistory(db, {
    eventId: scan.eventId,
    ticketId: scan.ticketId,
    listId: MAIN_LIST_ID,
    action: 'refused',
    direction: 'entry',
    checkinId: null,
    by: scan.by,
    scannedAt: scan.scannedAt,
    location: scan.location,
    deviceId: scan.deviceId,
    refusal,
    detail: null,
    reason: null,
    overridden: false,
    offline: scan.admittedOffline,
  });
}

async function checkInOnce(
  db: pg.Pool,
  batcher: Pick<CheckinBatcher, 'checkIn'>,
  scan: ScanRequest,
): Promise<StatementOutcome> {
  const request = {
    eventId: scan.eventId,
    ticketId: scan.ticketId,
    location: scan.location,
    scannedAt: scan.scannedAt,
    deviceScannedAt: scan.deviceScannedAt,
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
  if (isCancelled(scan, recorded)) return { ...recorded, cancelReason: await readCancelReason(db, scan) };
  return isNotIssued(scan, recorded) ? withOtherEvent(db, scan, recorded) : recorded;
}

/** An admin cancelled the ticket (issue 16). */
function isCancelled(scan: ScanRequest, outcome: KeyedOutcome): boolean {
  return outcome.kind === 'refused' && judgeTicket(outcome.facts, scan.requireRegisteredEvent) === 'cancelled';
}

/** Why the ticket was cancelled (read on that refusal only: the gate shows it to a supervisor). */
async function readCancelReason(db: pg.Pool, scan: ScanRequest): Promise<string | null> {
  const { rows } = await db.query<{ cancel_reason: string | null }>({
    name: 'cancel-reason',
    text: 'SELECT cancel_reason FROM tickets WHERE event_id = $1 AND ticket_id = $2',
    values: [scan.eventId, scan.ticketId],
  });
  return rows[0]?.cancel_reason ?? null;
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
async function withOtherEvent(db: pg.Pool, scan: ScanRequest, outcome: StatementOutcome): Promise<StatementOutcome> {
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
  if (outcome.kind !== 'duplicate') return false;
  if (scan.idempotency && isGatewayKey(scan.idempotency.key)) {
    const hash = requestHash(scan.idempotency.route, scan);
    if (await takeUndeliveredGatewayKey(db, scan.byUid, outcome.record.checkin_id, scan.idempotency, hash)) return true;
  }
  if (scan.scannedAt === null) return false;
  const first = outcome.record;
  const looksSame =
    first.scanned_at === scan.scannedAt && first.checked_in_by === scan.by && first.location === scan.location;
  // The same account, not only the same name (issue 15, item 15): asked only when all else matches.
  return looksSame && (await checkinAccount(db, first.checkin_id)) === scan.byUid;
}

/** A key the gateway made because its caller sent none (see migration 022). */
export const isGatewayKey = (key: string) => key.startsWith('gw:');

/**
 * A key-less scan retried through another gateway after the first one died with the answer: the
 * first gateway's key for this very check-in, by this very account and request, was never marked
 * delivered. Taken (deleted) so that it answers one retry; a later scan of the same ticket is the
 * duplicate it is.
 */
async function takeUndeliveredGatewayKey(
  db: pg.Pool,
  owner: string,
  checkinId: string,
  keyed: KeyedCheckin,
  hash: string,
): Promise<boolean> {
  const { rowCount } = await db.query({
    name: 'take-undelivered-gateway-key',
    text: `DELETE FROM idempotency_keys
            WHERE owner = $1 AND checkin_id = $2::uuid AND key LIKE 'gw:%' AND key <> $3 AND request_hash = $4
              AND created_at > now() - make_interval(secs => $5)`,
    values: [owner, checkinId, keyed.key, hash, keyed.ttlSeconds],
  });
  return (rowCount ?? 0) > 0;
}

/**
 * A scan the device admitted offline that the server refuses is a conflict: the ticket was checked in
 * by another scan first (its own replay answers 'created', never 'duplicate'), or the event never
 * issued it. Recorded before the answer is sent, so a device that got "conflict" can rely on the
 * supervisor's list holding it; recorded once per scan however often the upload is retried.
 */
async function recordIfConflict(db: pg.Pool, scan: ScanRequest, outcome: KeyedOutcome): Promise<StatementOutcome> {
  const isDuplicate = outcome.kind === 'duplicate';
  const cancelled = isCancelled(scan, outcome);
  if (!isDuplicate && !cancelled && !isNotIssued(scan, outcome)) return outcome;
  await recordConflict(db, {
    eventId: scan.eventId,
    ticketId: scan.ticketId,
    kind: isDuplicate ? 'duplicate' : cancelled ? 'cancelled' : 'not-issued',
    first: isDuplicate ? outcome.record : null,
    secondBy: scan.by,
    secondLocation: scan.location,
    secondScannedAt: scan.scannedAt,
    secondKey: scan.idempotency?.key,
  });
  return { ...outcome, isConflict: true };
}
