// Idempotency-Key for check-ins (spec: attendance, new): a repeat replays the first answer, a different body is a 422.
import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { CheckinBatcher } from './checkin-batcher.js';
import {
  type CheckinOutcome,
  type CheckinRequest,
  deleteExpiredKeys,
  findCheckin,
  findIdempotencyKey,
} from './checkins-repository.js';

export interface KeyedCheckin {
  key: string;
  /** Which endpoint the request came through: the same key on another endpoint is another request. */
  route: string;
  ttlSeconds: number;
}

/** `replayed`: a repeat of a claimed key, answered as the first request was (counted apart in /metrics). */
export type KeyedOutcome = (CheckinOutcome & { replayed?: true }) | { kind: 'key-reused' };

/**
 * What identifies "the same request": the route and the scan's fields (the device's scan time
 * included: a scan tried online and later uploaded from the offline queue carries the same one),
 * not the caller's generated id, nor admitted_offline, which says what the device did meanwhile.
 * Without a scan time the hash is what it always was, so keys stored before scan times existed
 * still replay.
 */
export function requestHash(
  route: string,
  request: Pick<CheckinRequest, 'eventId' | 'ticketId' | 'location' | 'scannedAt'> & {
    deviceScannedAt?: string | undefined;
  },
): string {
  const fields = [route, request.eventId, request.ticketId, request.location];
  // The time the device sent (also when it was moved to the device's first download): a retry of a scan sent
  // before that bound was known is the same request.
  const scannedAt = request.deviceScannedAt ?? request.scannedAt;
  if (scannedAt !== null) fields.push(scannedAt);
  return createHash('sha256').update(JSON.stringify(fields)).digest('base64url');
}

/**
 * Checks in under an idempotency key. The first request with the key claims it in its own
 * check-in statement. A repeat (even one that raced the first and waited for it) finds the key
 * taken: a different body is 'key-reused'; otherwise the first request's check-in, when it
 * exists, is answered again as created, and any other first answer (409, 404) is recomputed,
 * which gives the same answer, using the first request's check-in id so that even a ticket
 * issued in between leads to one check-in that later repeats replay.
 */
export async function checkInWithKey(
  db: pg.Pool,
  batcher: Pick<CheckinBatcher, 'checkIn'>,
  request: CheckinRequest,
  keyed: KeyedCheckin,
): Promise<KeyedOutcome> {
  const hash = requestHash(keyed.route, request);
  const claim = { key: keyed.key, requestHash: hash, ttlSeconds: keyed.ttlSeconds };
  // Twice at most: a key that expires (or is cleaned up) between the claim and the read is free again.
  for (let attempt = 0; attempt < 2; attempt++) {
    const first = await batcher.checkIn(request, claim);
    if (first.claimed) return first.outcome;
    const stored = await findIdempotencyKey(db, request.byUid, keyed.key, keyed.ttlSeconds);
    if (!stored) continue;
    if (stored.requestHash !== hash) return { kind: 'key-reused' };
    const earlier = await findCheckin(db, stored.eventId, stored.ticketId);
    if (earlier && earlier.checkin_id === stored.checkinId) return { kind: 'created', record: earlier, replayed: true };
    const again = await batcher.checkIn({ ...request, checkinId: stored.checkinId });
    return { ...(again.outcome as CheckinOutcome), replayed: true };
  }
  throw new Error('idempotency key kept expiring while being replayed');
}

/**
 * Deletes expired keys now and then, from inside the service: an operator has no job to
 * remember. Expired keys are already ignored by the check-in statement, so a late cleanup
 * only costs disk. The timer never keeps the process alive.
 */
export function startKeyCleanup(
  db: pg.Pool,
  ttlSeconds: number,
  log: { warn(obj: object, msg?: string): void },
): () => void {
  const everyMs = Math.min(Math.max((ttlSeconds * 1000) / 4, 60_000), 15 * 60_000);
  let running = false;
  const run = () => {
    if (running) return;
    running = true;
    deleteExpiredKeys(db, ttlSeconds)
      .catch((error: unknown) => log.warn({ err: error }, 'idempotency key cleanup failed'))
      .finally(() => {
        running = false;
      });
  };
  const first = setTimeout(run, 10_000);
  const timer = setInterval(run, everyMs);
  first.unref();
  timer.unref();
  return () => {
    clearTimeout(first);
    clearInterval(timer);
  };
}
