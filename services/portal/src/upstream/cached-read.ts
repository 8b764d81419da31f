// One upstream read shared by every caller for a while: for answers that change only when the upstream restarts (identity's public settings).
import type { UpstreamResponse } from './upstream-client.js';

export interface CachedReadOptions {
  /** How long a 200 answer is served again without asking. */
  ttlMs: number;
  /** The clock (tests move it). */
  now?: () => number;
}

/**
 * get() answers the kept 200 while it is younger than ttlMs, else reads again; callers that arrive
 * during a read share it. Anything but a 200 (the upstream down, a 5xx) is passed on and not kept,
 * so the next caller asks again.
 */
export class CachedRead {
  private kept: { answer: UpstreamResponse; at: number } | undefined;
  private reading: Promise<UpstreamResponse> | undefined;
  private readonly now: () => number;

  constructor(
    private readonly read: () => Promise<UpstreamResponse>,
    private readonly options: CachedReadOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  get(): Promise<UpstreamResponse> {
    const { kept } = this;
    if (kept && this.now() - kept.at < this.options.ttlMs) return Promise.resolve(kept.answer);
    this.reading ??= this.read()
      .then((answer) => {
        if (answer.status === 200) this.kept = { answer, at: this.now() };
        return answer;
      })
      .finally(() => {
        this.reading = undefined;
      });
    return this.reading;
  }
}
