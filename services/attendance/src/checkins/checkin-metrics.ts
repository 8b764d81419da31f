// The check-in counters of GET /metrics: outcomes (created, duplicate, refused, replayed, key reused, rate-limited) and group-commit sizes.
import { Counter, Histogram, type Registry } from 'prom-client';
import type { KeyedOutcome } from './idempotency.js';

/** The outcome label of one check-in. */
export type CheckinOutcomeLabel = 'created' | 'duplicate' | 'refused' | 'replayed' | 'key_reused' | 'rate_limited';

const OUTCOMES: readonly CheckinOutcomeLabel[] = [
  'created',
  'duplicate',
  'refused',
  'replayed',
  'key_reused',
  'rate_limited',
];

/**
 * One series per outcome, made up front (each counts from 0, and a count is one add to a bound
 * child: no label hashing on the check-in path).
 */
export class CheckinMetrics {
  private readonly outcomes: Record<CheckinOutcomeLabel, { inc(): void }>;
  private readonly groupCommits: Histogram;

  constructor(registry: Registry) {
    const counter = new Counter({
      name: 'tixgo_checkins_total',
      help:
        'Check-ins by outcome: created (201), duplicate (409), refused (404: event or ticket unknown), ' +
        'replayed (a repeat of an Idempotency-Key answered again), key_reused (422: the key with another body), ' +
        'rate_limited (429)',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.outcomes = Object.fromEntries(OUTCOMES.map((outcome) => [outcome, counter.labels(outcome)])) as Record<
      CheckinOutcomeLabel,
      { inc(): void }
    >;
    this.groupCommits = new Histogram({
      name: 'tixgo_checkin_group_commit_size',
      help: 'Check-ins written by one statement and one commit (the group commit of concurrent scans)',
      buckets: [1, 2, 4, 8, 16, 32, 64, 100, 200],
      registers: [registry],
    });
  }

  /** Counts a scan the gate transaction answered (issue 16), by its label. */
  countLabel(label: CheckinOutcomeLabel): void {
    this.outcomes[label].inc();
  }

  /** Counts the outcome of one recorded check-in. */
  countOutcome(outcome: KeyedOutcome): void {
    if (outcome.kind === 'key-reused') this.outcomes.key_reused.inc();
    else if (outcome.replayed === true) this.outcomes.replayed.inc();
    else this.outcomes[outcome.kind].inc();
  }

  /** Counts one check-in (or, refused for its address, one check-in request) answered 429. */
  countRateLimited = (): void => {
    this.outcomes.rate_limited.inc();
  };

  /** Records the size of one group-commit statement. */
  observeGroupCommit = (size: number): void => {
    this.groupCommits.observe(size);
  };
}
