// Groups concurrent check-ins into POST /checkins/batch calls to attendance: one upstream request per group, one answer per gate.
//
// Why: a check-in forwarded on its own costs a whole HTTP request cycle in the portal and in
// attendance, and reaches attendance's group commit one by one. Grouped, both sides pay per
// batch, and attendance gets its batches ready-made. No timer, as in attendance's batcher: a
// check-in on an idle portal goes out at once as a batch of one; while `concurrency` batch calls
// are in flight, new check-ins queue and leave together (at most `max`) when a call returns.
// Hand-written: DataLoader-style libraries group what arrives within one tick or a time window,
// and neither groups by "calls in flight", which is what adapts the batch size to the load.
//
// Each item carries the gate's own token (attendance verifies it per item) and an idempotency
// key made here per incoming request, so a retried batch can never count a scan twice.
import type { CheckinBatchItem, CheckinBatchResult, CheckinBatchResults } from '@tixgo/contracts';
import {
  jsonBody,
  type UpstreamClient,
  type UpstreamLog,
  upstreamTimedOut,
  upstreamUnavailable,
} from './upstream-client.js';

export interface CheckinBatchingOptions {
  /** Batch calls in flight at once; later check-ins queue for the next batch. */
  concurrency: number;
  /** Most check-ins in one batch call (attendance takes up to 200). */
  max: number;
}

interface Waiting {
  item: CheckinBatchItem;
  /** The check-in's own deadline, counted from its arrival: queueing spends it too. */
  deadlineAt: number;
  resolve(result: CheckinBatchResult): void;
  reject(error: Error): void;
}

const LABEL = 'Attendance';

export class CheckinCoalescer {
  private queue: Waiting[] = [];
  private inFlight = 0;

  constructor(
    private readonly upstream: UpstreamClient,
    private readonly options: CheckinBatchingOptions & {
      timeoutMs: number;
      /** Told the size of every batch sent (for /metrics). */
      onBatch?: ((size: number) => void) | undefined;
    },
    private readonly log: UpstreamLog,
  ) {}

  /**
   * Checks one item in with the next batch; resolves with the item's own status and body.
   * Rejects with 502 (attendance unreachable after retries, or the batch refused) or 504 (deadline).
   */
  checkIn(item: CheckinBatchItem): Promise<CheckinBatchResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, deadlineAt: Date.now() + this.options.timeoutMs, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.inFlight < this.options.concurrency && this.queue.length > 0) {
      const batch = this.takeBatch();
      if (batch.length === 0) continue;
      this.options.onBatch?.(batch.length);
      this.inFlight++;
      this.send(batch).finally(() => {
        this.inFlight--;
        this.dispatch();
      });
    }
  }

  /** The oldest queued check-ins, at most `max`; those whose deadline passed while queued get their 504 now. */
  private takeBatch(): Waiting[] {
    const now = Date.now();
    let taken = 0;
    const batch: Waiting[] = [];
    while (taken < this.queue.length && batch.length < this.options.max) {
      const waiting = this.queue[taken++] as Waiting;
      if (waiting.deadlineAt > now) batch.push(waiting);
      else waiting.reject(upstreamTimedOut(LABEL));
    }
    this.queue = this.queue.slice(taken);
    return batch;
  }

  /** Never rejects: every outcome is handed to the batch's callers. */
  private async send(batch: Waiting[]): Promise<void> {
    const requestIds = batch.map((waiting) => waiting.item.request_id);
    try {
      const response = await this.upstream.send({
        method: 'POST',
        path: '/checkins/batch',
        ...jsonBody({ checkins: batch.map((waiting) => waiting.item) }),
        isRetrySafe: true,
        requestIds,
        // FIFO: the first check-in has the earliest deadline, and the whole batch answers by then.
        timeoutMs: (batch[0] as Waiting).deadlineAt - Date.now(),
      });
      const results = response.status === 200 ? resultsOf(response.body, batch.length) : undefined;
      if (!results) {
        // Only a portal and an attendance that disagree on the batch API get here.
        this.log.warn(
          { upstream: LABEL, upstreamStatus: response.status, request_ids: requestIds },
          'attendance refused a check-in batch',
        );
        for (const waiting of batch) waiting.reject(upstreamUnavailable(LABEL));
        return;
      }
      batch.forEach((waiting, index) => {
        waiting.resolve(results[index] as CheckinBatchResult);
      });
    } catch (error) {
      // The client already mapped and logged the failure (502 or 504); each caller gets its own copy.
      const { statusCode } = error as { statusCode?: number };
      if (statusCode === undefined)
        this.log.warn({ upstream: LABEL, err: error, request_ids: requestIds }, 'check-in batch failed');
      for (const waiting of batch) {
        waiting.reject(statusCode === 504 ? upstreamTimedOut(LABEL) : upstreamUnavailable(LABEL));
      }
    }
  }
}

/** The per-item results of a 200 answer, when there is one for every item. */
function resultsOf(body: string, expected: number): CheckinBatchResult[] | undefined {
  try {
    const { results } = JSON.parse(body) as CheckinBatchResults;
    return Array.isArray(results) && results.length === expected ? results : undefined;
  } catch {
    return undefined;
  }
}
