// Identity's own revocation list, kept from its revocations table: its own changes at once, other replicas' by polling.
import type { RevocationEntry } from '@tixgo/contracts';
import { CLOCK_TOLERANCE_SECONDS, RevocationList, revocationStaleAfterMs } from '@tixgo/platform';
import type pg from 'pg';
import { purgeRevocations, readLiveRevocations } from './revocations-repository.js';

export interface RevocationSyncOptions {
  /** The access-token lifetime: a revocation is kept this long (plus margins), then purged. */
  tokenExpireMinutes: number;
  pollSeconds: number;
  log: { warn(obj: object, msg?: string): void; info(obj: object, msg?: string): void };
}

/** The feed is re-read from the table when a request finds it older than this (other replicas' changes). */
const FEED_MAX_AGE_MS = 1000;
const PURGE_EVERY_MS = 60_000;
/** Own changes are re-applied over every re-read for this long, in case a read began before they committed. */
const RECENT_MS = 60_000;

/** How long a revocation must be kept: until every token issued before it has expired (clock skew and a minute of margin). */
export const revocationKeepSeconds = (tokenExpireMinutes: number) =>
  tokenExpireMinutes * 60 + 2 * CLOCK_TOLERANCE_SECONDS + 60;

export class RevocationSync {
  readonly list: RevocationList;
  private readonly keepSeconds: number;
  private body: string | undefined;
  private bodyAt = 0;
  /** Raised by every own change; a feed body read before the latest change is not served. */
  private generation = 0;
  private bodyGeneration = -1;
  private reading: Promise<void> | undefined;
  private recent: { entry: RevocationEntry; at: number }[] = [];
  private lastPurge = 0;
  private failing = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: RevocationSyncOptions,
  ) {
    this.list = new RevocationList(revocationStaleAfterMs(options.pollSeconds));
    this.keepSeconds = revocationKeepSeconds(options.tokenExpireMinutes);
  }

  /** A change this replica committed: refused here at once, and in the next feed. */
  applied(entry: RevocationEntry): void {
    this.list.add(entry);
    this.recent.push({ entry, at: Date.now() });
    this.generation++;
  }

  /** Re-reads the table (one read at a time; callers during a read share it). */
  refresh(): Promise<void> {
    this.reading ??= this.read().finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }

  /** The JSON body of GET /auth/revocations: read from the table at most FEED_MAX_AGE_MS ago, and never before an own change. */
  async feed(): Promise<string> {
    for (let attempt = 0; attempt < 3; attempt++) {
      if (
        this.body !== undefined &&
        this.bodyGeneration === this.generation &&
        Date.now() - this.bodyAt < FEED_MAX_AGE_MS
      )
        return this.body;
      await this.refresh();
    }
    return this.body as string;
  }

  /** Re-reads every REVOCATION_POLL_SECONDS (changes made by other identity replicas); warns once per outage. */
  start(): void {
    void this.poll();
    this.timer = setInterval(() => void this.poll(), this.options.pollSeconds * 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async poll(): Promise<void> {
    try {
      await this.refresh();
      if (this.failing) this.options.log.info({}, 'revocation table readable again');
      this.failing = false;
    } catch (error) {
      if (!this.failing) this.options.log.warn({ err: error }, 'revocation table unreadable: keeping the last list');
      this.failing = true;
    }
  }

  private async read(): Promise<void> {
    const generation = this.generation;
    const now = Date.now();
    if (now - this.lastPurge >= PURGE_EVERY_MS) {
      await purgeRevocations(this.pool, this.keepSeconds);
      this.lastPurge = now;
    }
    const entries = await readLiveRevocations(this.pool, this.keepSeconds);
    this.list.replace(entries);
    this.recent = this.recent.filter((item) => now - item.at < RECENT_MS);
    for (const { entry } of this.recent) this.list.add(entry);
    this.body = JSON.stringify({ revocations: entries });
    this.bodyAt = now;
    this.bodyGeneration = generation;
  }
}
