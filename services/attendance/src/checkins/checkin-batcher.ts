// Groups concurrent check-ins into one statement per transaction ("group commit" in the service).
//
// Why: a durable commit, a round trip and a wake-up of a PostgreSQL backend cost far more than
// inserting one more row. On the 2-core target box one check-in per transaction tops out near
// 4-5k/s in PostgreSQL alone; 8 check-ins per statement reach ~20k rows/s. So scans that arrive
// while earlier batches are running wait for the next batch (no timer: a scan on an idle
// service goes out at once; scans queued in one turn of the event loop, such as the items of
// one POST /checkins/batch, go out together), and each batch is one statement, as exactly-once
// as a single one: the primary key decides, and an acknowledgement (201) is only sent after the
// batch committed.
import type { CheckinRecord } from '@tixgo/contracts';
import { hasSqlState } from '@tixgo/db';
import type pg from 'pg';
import {
  type BatchItem,
  type BatchRow,
  type CheckinRequest,
  findCheckin,
  type IdempotencyClaim,
  recordOf,
  runCheckinBatch,
  type StatementResult,
} from './checkins-repository.js';
import { judgeTicket } from './ticket-policy.js';

export interface BatcherOptions {
  /** Most scans in one statement. */
  maxBatch: number;
  /** Most statements running at once (each holds one pooled connection). */
  maxConcurrent: number;
  /** Told the size of every batch sent (for /metrics). */
  onBatch?: ((size: number) => void) | undefined;
}

interface Pending extends BatchItem {
  /** How many times this scan was sent already (see settle). */
  attempt: number;
  resolve(result: StatementResult): void;
  reject(error: unknown): void;
}

const DEADLOCK = '40P01';
const naturalKey = (eventId: string, ticketId: string) => `${eventId}\u0000${ticketId}`;

export class CheckinBatcher {
  private queue: Pending[] = [];
  private running = 0;
  private isDispatchScheduled = false;

  constructor(
    private readonly db: pg.Pool,
    private readonly options: BatcherOptions,
  ) {}

  /**
   * Checks a ticket in, exactly once per event. With `claim`, also claims the idempotency key in
   * the same statement; `claimed: false` then means the key was already taken (nothing written).
   */
  checkIn(request: CheckinRequest, claim?: IdempotencyClaim): Promise<StatementResult> {
    return this.enqueue(request, claim, 0);
  }

  private enqueue(request: CheckinRequest, claim: IdempotencyClaim | undefined, attempt: number) {
    return new Promise<StatementResult>((resolve, reject) => {
      this.queue.push({ request, claim, attempt, resolve, reject });
      this.scheduleDispatch();
    });
  }

  /** Dispatches once the current synchronous work is done, so scans queued together share a statement. */
  private scheduleDispatch(): void {
    if (this.isDispatchScheduled) return;
    this.isDispatchScheduled = true;
    queueMicrotask(() => {
      this.isDispatchScheduled = false;
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.running < this.options.maxConcurrent && this.queue.length > 0) {
      const batch = this.takeBatch();
      this.options.onBatch?.(batch.length);
      this.running++;
      this.execute(batch).finally(() => {
        this.running--;
        this.dispatch();
      });
    }
  }

  /** The oldest queued scans, at most maxBatch, never two claims of one key (they wait for the next batch). */
  private takeBatch(): Pending[] {
    const batch: Pending[] = [];
    const rest: Pending[] = [];
    const claimedKeys = new Set<string>();
    for (const item of this.queue) {
      // Keys belong to the account (uid), as the statement claims them.
      const key = item.claim ? `${item.request.byUid}\u0000${item.claim.key}` : undefined;
      if (batch.length >= this.options.maxBatch || (key !== undefined && claimedKeys.has(key))) {
        rest.push(item);
        continue;
      }
      if (key !== undefined) claimedKeys.add(key);
      batch.push(item);
    }
    this.queue = rest;
    return batch;
  }

  /** Never rejects: every failure is handed to the scans of the batch (a settled promise ignores later calls). */
  private async execute(batch: Pending[]): Promise<void> {
    try {
      const rows = await this.runWithRetry(batch);
      // Scans of one ticket in one batch: the one that inserted is the "earlier" check-in of the others.
      const insertedHere = new Map<string, CheckinRecord>();
      const results = batch.map((item, index) => {
        const result = this.outcomeOf(item, rows[index] as BatchRow);
        if (result !== 'reread' && result.outcome?.kind === 'created') {
          insertedHere.set(naturalKey(item.request.eventId, item.request.ticketId), result.outcome.record);
        }
        return result;
      });
      batch.forEach((item, index) => {
        const result = results[index] as StatementResult | 'reread';
        if (result !== 'reread') item.resolve(result);
        else this.settle(item, insertedHere).then(item.resolve, item.reject);
      });
    } catch (error) {
      for (const item of batch) item.reject(error);
    }
  }

  /** A deadlock cannot come from our lock order, but a retry is cheap insurance: the batch was rolled back. */
  private async runWithRetry(batch: Pending[]): Promise<BatchRow[]> {
    try {
      return await runCheckinBatch(this.db, batch);
    } catch (error) {
      if (!hasSqlState(error, DEADLOCK)) throw error;
      return runCheckinBatch(this.db, batch);
    }
  }

  private outcomeOf(item: Pending, row: BatchRow): StatementResult | 'reread' {
    const { request } = item;
    if (!row.claimed) return { outcome: undefined, claimed: false };
    if (row.created_at !== null) {
      return {
        claimed: true,
        outcome: {
          kind: 'created',
          record: recordOf({
            event_id: request.eventId,
            ticket_id: request.ticketId,
            checked_in_by: request.by,
            checked_in_at: row.created_at,
            checkin_id: request.checkinId,
            location: request.location,
            scanned_at: request.scannedAt,
          }),
        },
      };
    }
    const facts = {
      isRegistered: row.registered,
      hasTickets: row.has_tickets,
      isIssued: row.issued,
      isCancelled: row.cancelled,
    };
    if (judgeTicket(facts, request.requireRegisteredEvent) !== 'accept') {
      return { claimed: true, outcome: { kind: 'refused', facts } };
    }
    if (row.checkin_id !== null) {
      return {
        claimed: true,
        outcome: {
          kind: 'duplicate',
          record: recordOf({
            event_id: row.event_id as string,
            ticket_id: row.ticket_id as string,
            checked_in_by: row.checked_in_by as string,
            checked_in_at: row.checked_in_at as string,
            checkin_id: row.checkin_id,
            location: row.location,
            scanned_at: row.scanned_at,
          }),
        },
      };
    }
    return 'reread';
  }

  /** A duplicate whose first check-in the statement could not see: it was inserted in this batch or committed meanwhile. */
  private async settle(item: Pending, insertedHere: Map<string, CheckinRecord>): Promise<StatementResult> {
    const { eventId, ticketId } = item.request;
    const earlier = insertedHere.get(naturalKey(eventId, ticketId)) ?? (await findCheckin(this.db, eventId, ticketId));
    if (earlier) return { claimed: true, outcome: { kind: 'duplicate', record: earlier } };
    // The conflicting check-in was deleted in between (a forced event delete): scan again. The
    // key (if any) is ours already, so it is not claimed a second time.
    if (item.attempt >= 2)
      throw new Error(`check-in of ${item.request.ticketId} kept conflicting with a vanishing row`);
    return this.enqueue(item.request, undefined, item.attempt + 1);
  }
}
