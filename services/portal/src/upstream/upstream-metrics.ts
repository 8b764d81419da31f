// The portal's counters of its upstream calls for GET /metrics: requests, retries, time-outs and failures per upstream, and check-in batch sizes.
import { Counter, Histogram, type Registry } from 'prom-client';

/** What one upstream client counts; each method is one add to a series bound up front. */
export interface UpstreamCounters {
  /** A call made for a client (send or stream; /ready's pings are not counted). */
  request(): void;
  /** A retry attempt the retry interceptor is about to make. */
  retry(): void;
  /** A call answered 504: the upstream did not answer before the call's deadline. */
  timeout(): void;
  /** A call answered 502: unreachable, or a 5xx, after the retries. */
  failure(): void;
}

/** Counts nothing (a client built without a registry). */
export const UNCOUNTED: UpstreamCounters = {
  request: () => undefined,
  retry: () => undefined,
  timeout: () => undefined,
  failure: () => undefined,
};

export class UpstreamMetrics {
  private readonly requests: Counter;
  private readonly retries: Counter;
  private readonly timeouts: Counter;
  private readonly failures: Counter;
  private readonly batches: Histogram;

  constructor(registry: Registry) {
    const counter = (name: string, help: string) =>
      new Counter({ name, help, labelNames: ['upstream'], registers: [registry] });
    this.requests = counter('tixgo_upstream_requests_total', 'Calls to an upstream service made for clients');
    this.retries = counter(
      'tixgo_upstream_retries_total',
      'Retry attempts of upstream calls (connection errors, 502-504)',
    );
    this.timeouts = counter('tixgo_upstream_timeouts_total', 'Upstream calls past their deadline (answered 504)');
    this.failures = counter(
      'tixgo_upstream_failures_total',
      'Upstream calls that failed after their retries: unreachable or 5xx (answered 502)',
    );
    this.batches = new Histogram({
      name: 'tixgo_portal_checkin_batch_size',
      help: 'Check-ins sent to attendance in one POST /checkins/batch',
      buckets: [1, 2, 4, 8, 16, 32, 64, 100, 200],
      registers: [registry],
    });
  }

  /** The counters of the upstream named `upstream` (identity, attendance). */
  of(upstream: string): UpstreamCounters {
    const [requests, retries, timeouts, failures] = [this.requests, this.retries, this.timeouts, this.failures].map(
      (counter) => counter.labels(upstream),
    ) as [{ inc(): void }, { inc(): void }, { inc(): void }, { inc(): void }];
    return {
      request: () => requests.inc(),
      retry: () => retries.inc(),
      timeout: () => timeouts.inc(),
      failure: () => failures.inc(),
    };
  }

  /** Records the size of one check-in batch call. */
  observeCheckinBatch = (size: number): void => {
    this.batches.observe(size);
  };
}
