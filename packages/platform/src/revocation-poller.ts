// Keeps a service's RevocationList in step with identity's GET /auth/revocations, polled every few seconds.
import { RevocationFeed } from '@tixgo/contracts';
import type { FastifyInstance } from 'fastify';
import type { RevocationList } from './revocation-list.js';

export interface RevocationPollerOptions {
  /**
   * identity's base URLs, e.g. http://127.0.0.1:18081 (the feed is /auth/revocations under each):
   * one per replica; they serve the same list (one database, an ETag made from the content).
   */
  identityBaseUrls: readonly string[];
  intervalMs: number;
  /** How long one poll may take before it counts as failed. */
  timeoutMs: number;
  log: { warn(obj: object, msg?: string): void; info(obj: object, msg?: string): void };
}

export interface RevocationPoller {
  /** Polls once now (also what the timer does); never rejects. */
  poll(): Promise<void>;
  stop(): void;
}

/**
 * Polls identity's feed: the first poll at once, then every `intervalMs`; a poll still running
 * when the next is due is not doubled. The ETag makes an unchanged list a bodyless 304. When
 * identity does not answer, the list keeps what it had (its status turns stale in /ready) and
 * one warning is logged per outage, not one per poll. Built on fetch (undici, in Node itself):
 * one small GET every few seconds needs nothing more. With several identity replicas a poll asks
 * the one that answered last, and the next ones in turn when it does not answer: the list is
 * stale only when no replica answers.
 */
export function startRevocationPolling(list: RevocationList, options: RevocationPollerOptions): RevocationPoller {
  const urls = options.identityBaseUrls.map((base) => `${base.replace(/\/+$/, '')}/auth/revocations`);
  if (urls.length === 0) throw new Error('startRevocationPolling: at least one identity URL');
  let current = 0;
  let etag: string | undefined;
  let failing = false;
  let running: Promise<void> | undefined;
  const inFlight = new AbortController();

  async function fetchOnce(url: string): Promise<void> {
    const signal = AbortSignal.any([inFlight.signal, AbortSignal.timeout(options.timeoutMs)]);
    const response = await fetch(url, { headers: etag ? { 'if-none-match': etag } : {}, signal });
    if (response.status === 304) {
      await response.body?.cancel();
      list.confirm();
      return;
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new Error(`answered ${response.status}`);
    }
    const feed = RevocationFeed.parse(await response.json());
    list.replace(feed.revocations);
    etag = response.headers.get('etag') ?? undefined;
  }

  /** Asks the replicas in turn, from the one that answered last; rejects with the last error. */
  async function fetchFromAnyReplica(): Promise<string> {
    let lastError: unknown;
    for (let tried = 0; tried < urls.length; tried++) {
      const index = (current + tried) % urls.length;
      const url = urls[index] as string;
      try {
        await fetchOnce(url);
        current = index;
        return url;
      } catch (error) {
        if (inFlight.signal.aborted) throw error;
        lastError = error;
      }
    }
    throw lastError;
  }

  async function poll(): Promise<void> {
    try {
      const url = await fetchFromAnyReplica();
      if (failing) options.log.info({ url, revocations: list.size }, 'revocation feed answers again');
      failing = false;
    } catch (error) {
      if (inFlight.signal.aborted) return;
      if (!failing) {
        options.log.warn(
          { urls, err: error, status: list.status() },
          'revocation feed unavailable: keeping the last list until identity answers',
        );
      }
      failing = true;
    }
  }

  const pollOnce = () => {
    running ??= poll().finally(() => {
      running = undefined;
    });
    return running;
  };
  void pollOnce();
  const timer = setInterval(() => void pollOnce(), options.intervalMs);
  timer.unref();
  return {
    poll: pollOnce,
    stop() {
      clearInterval(timer);
      inFlight.abort();
    },
  };
}

/** How long one poll may take: never longer than the interval, at most 3 s. */
export const revocationPollTimeoutMs = (pollSeconds: number) => Math.min(3000, pollSeconds * 1000);

/** A list polled every `pollSeconds` counts as stale after two polls in a row missed it. */
export const revocationStaleAfterMs = (pollSeconds: number) =>
  2 * pollSeconds * 1000 + revocationPollTimeoutMs(pollSeconds);

/**
 * Polls identity's feed into `app.revocations` from the moment the app is ready until it closes
 * (attendance and the portal; identity reads its own table instead).
 */
export function pollRevocationsFromIdentity(
  app: FastifyInstance,
  options: { identityBaseUrls: readonly string[]; pollSeconds: number },
): void {
  let poller: RevocationPoller | undefined;
  app.addHook('onReady', async () => {
    poller = startRevocationPolling(app.revocations, {
      identityBaseUrls: options.identityBaseUrls,
      intervalMs: options.pollSeconds * 1000,
      timeoutMs: revocationPollTimeoutMs(options.pollSeconds),
      log: app.log,
    });
  });
  app.addHook('onClose', async () => poller?.stop());
}
