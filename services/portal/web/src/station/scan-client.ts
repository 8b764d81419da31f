// Sends one scan to the portal and turns the answer into what the gate shows. A scan is retried with
// its own Idempotency-Key until it gets an answer, so a lost answer is replayed, never a false "already checked in".
import type { CheckinRecord, PortalCheckin } from '@tixgo/contracts';
import { ApiError, api } from '../api/http.js';

export interface Scan {
  /** The scan's Idempotency-Key: made once, kept across every retry of this scan. */
  key: string;
  eventId: string;
  ticketId: string;
  gate: string;
  /** When the code was scanned on this device. */
  scannedAt: string;
}

export type ScanAnswer =
  | { kind: 'ok'; scan: Scan; checkin: PortalCheckin }
  | { kind: 'duplicate'; scan: Scan; first: CheckinRecord }
  | { kind: 'unknown'; scan: Scan; otherEvent: { id: string; title: string } | undefined }
  | { kind: 'no-event'; scan: Scan }
  | { kind: 'invalid'; scan: Scan; detail: string }
  | { kind: 'failed'; scan: Scan; detail: string };

export function newScan(eventId: string, gate: string, ticketId: string): Scan {
  return { key: crypto.randomUUID(), eventId, gate, ticketId, scannedAt: new Date().toISOString() };
}

/**
 * Waits between attempts (ms): quick at first, then backing off; about 7 s of waiting in all (plus
 * each attempt's own time-out) before the gate is told the scan was not recorded.
 */
const RETRY_DELAYS = [250, 500, 1000, 2000, 3000];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function answerOf(scan: Scan, error: ApiError): ScanAnswer | undefined {
  const body = error.body as { record?: CheckinRecord; other_event?: { id: string; title: string } } | null;
  if (error.status === 409 && body?.record) return { kind: 'duplicate', scan, first: body.record };
  if (error.status === 404 && error.detail === 'Event not found') return { kind: 'no-event', scan };
  if (error.status === 404) return { kind: 'unknown', scan, otherEvent: body?.other_event };
  if (error.status === 422 || error.status === 400) return { kind: 'invalid', scan, detail: error.detail };
  return undefined;
}

/**
 * Checks `scan` in; `onRetry(attempt)` is told before each new attempt. Resolves with the answer of
 * the server, or `failed` when it could not be reached for the whole retry budget.
 */
export async function submitScan(scan: Scan, onRetry: (attempt: number) => void): Promise<ScanAnswer> {
  let lastDetail = 'unreachable';
  for (let attempt = 0; attempt <= RETRY_DELAYS.length; attempt++) {
    if (attempt > 0) {
      onRetry(attempt + 1);
      await sleep(RETRY_DELAYS[attempt - 1] ?? 5000);
    }
    try {
      const checkin = await api<PortalCheckin>('/api/checkins', {
        method: 'POST',
        headers: { 'idempotency-key': scan.key },
        json: { event_id: scan.eventId, ticket_id: scan.ticketId, location: scan.gate || null },
        timeoutMs: 6000,
      });
      return { kind: 'ok', scan, checkin };
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const answer = answerOf(scan, error);
      if (answer) return answer;
      lastDetail = error.detail;
      // Too fast (a rate limit): wait as long as the server asks, then send the same scan again.
      if (error.status === 429 && error.retryAfterSeconds) await sleep(error.retryAfterSeconds * 1000);
      else if (!error.isUnreachable && error.status !== 429 && error.status !== 401) {
        return { kind: 'failed', scan, detail: error.detail };
      }
    }
  }
  return { kind: 'failed', scan, detail: lastDetail };
}
