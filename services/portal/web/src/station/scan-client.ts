// Sends scans to the portal — one at once while online, the device's queue in batches after a network gap —
// each with its own Idempotency-Key, so a repeat after a lost answer is replayed, never counted twice.
import type { CheckinRecord, PortalCheckin } from '@tixgo/contracts';
import type { RefusalReason } from '@tixgo/contracts/gate-rules';
import { ApiError, api } from '../api/http.js';
import { deviceId } from '../offline/device-id.js';
import { type Problem, problemsOf } from '../ui/describe-problems.js';

export interface Scan {
  /** The scan's Idempotency-Key: made once, kept across every retry and the offline queue. */
  key: string;
  eventId: string;
  ticketId: string;
  gate: string;
  /** When the code was scanned on this device (scanned_at). */
  scannedAt: string;
  admittedOffline: boolean;
  /** The check-in list (issue 16); absent: main. */
  listId?: string | undefined;
  /** absent: entry. */
  direction?: 'entry' | 'exit' | undefined;
  /** A supervisor lets the person into a full list. */
  override?: boolean | undefined;
}

/** A gate rule's refusal (issue 16): the shared decision's reasons (a code not issued is answered apart). */
export type Refusal = Exclude<RefusalReason, 'not-issued'>;

/** What the server said about a scan, as the gate shows it. */
export type ServerAnswer =
  | { kind: 'ok'; checkin: PortalCheckin }
  /** An exit: the ticket left. */
  | { kind: 'out'; checkin: PortalCheckin }
  | {
      kind: 'refused';
      refusal: Refusal;
      cancelReason: string | null;
      ticketType: string | null;
      conflict: boolean;
      detail: string;
    }
  | { kind: 'duplicate'; first: CheckinRecord; conflict: boolean }
  | { kind: 'unknown'; otherEvent: { id: string; title: string } | undefined; conflict: boolean }
  | { kind: 'no-event' }
  /** A 422 on scanned_at: the device's time is outside the event's times (or the device's clock is wrong). */
  | { kind: 'scan-time' }
  | { kind: 'invalid'; detail: string; problems?: Problem[] };

/** No answer worth showing: the network, the portal or attendance is away (or too slow), or the session ended. */
export class NoAnswer extends Error {
  constructor(
    readonly reason: 'unreachable' | 'signed-out' | 'rate-limited',
    readonly retryAfterSeconds?: number,
    /** The portal answered (502/503): the network is fine, the service behind it is not. */
    readonly serviceDown = false,
  ) {
    super(reason);
  }
}

export function newScan(
  eventId: string,
  gate: string,
  ticketId: string,
  rule: { listId?: string | undefined; direction?: 'entry' | 'exit' | undefined; override?: boolean } = {},
): Scan {
  return {
    key: crypto.randomUUID(),
    eventId,
    gate,
    ticketId,
    scannedAt: new Date().toISOString(),
    admittedOffline: false,
    ...(rule.listId !== undefined && rule.listId !== 'main' && { listId: rule.listId }),
    ...(rule.direction === 'exit' && { direction: 'exit' as const }),
    ...(rule.override === true && { override: true }),
  };
}

function body(scan: Scan): Record<string, unknown> {
  const device = deviceId();
  return {
    event_id: scan.eventId,
    ticket_id: scan.ticketId,
    location: scan.gate || null,
    scanned_at: scan.scannedAt,
    ...(scan.admittedOffline ? { admitted_offline: true } : {}),
    ...(scan.listId !== undefined && { list_id: scan.listId }),
    ...(scan.direction === 'exit' && { direction: 'exit' }),
    ...(scan.override === true && { override: true }),
    ...(device !== undefined && { device_id: device }),
  };
}

/** A 201: in, or (an exit) out. */
function createdAnswer(checkin: PortalCheckin): ServerAnswer {
  return checkin.direction === 'exit' ? { kind: 'out', checkin } : { kind: 'ok', checkin };
}

/** The answer for a non-2xx status and body, or undefined when it is no answer about the ticket. */
export function answerOf(status: number, payload: unknown, detail: string): ServerAnswer | undefined {
  const value = payload as {
    record?: CheckinRecord;
    other_event?: { id: string; title: string };
    conflict?: boolean;
    refusal?: Refusal;
    cancel_reason?: string | null;
    ticket_type?: string;
  } | null;
  if (status === 409 && value?.refusal) {
    return {
      kind: 'refused',
      refusal: value.refusal,
      cancelReason: value.cancel_reason ?? null,
      ticketType: value.ticket_type ?? null,
      conflict: value.conflict === true,
      detail,
    };
  }
  if (status === 404 && detail === 'Check-in list not found') return { kind: 'invalid', detail };
  if (status === 409 && value?.record)
    return { kind: 'duplicate', first: value.record, conflict: value.conflict === true };
  if (status === 404 && detail === 'Event not found') return { kind: 'no-event' };
  if (status === 404) return { kind: 'unknown', otherEvent: value?.other_event, conflict: value?.conflict === true };
  if (status === 422 && isScanTimeProblem(payload)) return { kind: 'scan-time' };
  if (status === 422 || status === 400) return { kind: 'invalid', detail, problems: problemsOf(payload) };
  return undefined;
}

/** A 422 about the scan time only (its bounds: the event's times, the server's clock, OFFLINE_SCAN_MAX_AGE_HOURS). */
function isScanTimeProblem(payload: unknown): boolean {
  const problems = problemsOf(payload);
  return (
    problems !== undefined && problems.length > 0 && problems.every((problem) => problem.loc?.at(-1) === 'scanned_at')
  );
}

function noAnswer(error: ApiError): NoAnswer {
  if (error.status === 401) return new NoAnswer('signed-out');
  if (error.status === 429) return new NoAnswer('rate-limited', error.retryAfterSeconds);
  return new NoAnswer('unreachable', undefined, error.status === 502 || error.status === 503);
}

/** One online attempt; rejects with NoAnswer when there is no answer about the ticket within `timeoutMs`. */
export async function sendScan(scan: Scan, timeoutMs: number): Promise<ServerAnswer> {
  try {
    const checkin = await api<PortalCheckin>('/api/checkins', {
      method: 'POST',
      headers: { 'idempotency-key': scan.key },
      json: body(scan),
      timeoutMs,
      // An ended session: the device answers the scan and keeps it; the queue goes once the person signs in again.
      resumeAfterSignIn: false,
    });
    return createdAnswer(checkin);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    const answer = answerOf(error.status, error.body, error.detail);
    if (answer) return answer;
    throw noAnswer(error);
  }
}

interface BatchResult {
  status: number;
  body: unknown;
}

/** Uploads queued scans in one call; resolves with one answer (or NoAnswer) per scan, in order. */
export async function sendScanBatch(scans: Scan[]): Promise<(ServerAnswer | NoAnswer)[]> {
  let results: BatchResult[];
  try {
    ({ results } = await api<{ results: BatchResult[] }>('/api/checkins/batch', {
      method: 'POST',
      json: { checkins: scans.map((scan) => ({ ...body(scan), idempotency_key: scan.key })) },
      timeoutMs: 20_000,
      resumeAfterSignIn: false,
    }));
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    throw noAnswer(error);
  }
  return results.map((result) => {
    if (result.status === 201) return createdAnswer(result.body as PortalCheckin);
    const detail =
      typeof (result.body as { detail?: unknown })?.detail === 'string'
        ? (result.body as { detail: string }).detail
        : '';
    const answer = answerOf(result.status, result.body, detail);
    if (answer) return answer;
    const retryAfter = Number((result.body as { retry_after?: number } | null)?.retry_after);
    if (result.status === 429) return new NoAnswer('rate-limited', Number.isFinite(retryAfter) ? retryAfter : 5);
    if (result.status === 401) return new NoAnswer('signed-out');
    return new NoAnswer('unreachable');
  });
}
