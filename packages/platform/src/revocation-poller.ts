// Keeps a service's RevocationList in step with identity's GET /auth/revocations, polled every few seconds.
import { RevocationFeed } from '@tixgo/contracts';
import type { FastifyInstance } from 'fastify';
import type { RevocationList } from './revocation-list.js';

export interface RevocationPollerOptions {
  /** identity's base URL, e.g. http://127.0.0.1:18081 (the feed is /auth/revocations under it). */
  identityBaseUrl: string;
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
 * one small GET every few seconds needs nothing more.
 */
export function startRevocationPolling(list: RevocationList, options: RevocationPollerOptions): RevocationPoller {
  const url = `${options.identityBaseUrl.replace(/\/+$/, '')}/auth/revocations`;
  let etag: string | undefined;
  let failing = false;
  let running: Promise<void> | undefined;
  const inFlight = new AbortController();

  async function fetchOnce(): Promise<void> {
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

  async function poll(): Promise<void> {
    try {
      await fetchOnce();
      if (failing) options.log.info({ url, revocations: list.size }, 'revocation feed answers again');
      failing = false;
    } catch (error) {
      if (inFlight.signal.aborted) return;
      if (!failing) {
        options.log.warn(
          { url, err: error, status: list.status() },
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
  options: { identityBaseUrl: string; pollSeconds: number },
): void {
  let poller: RevocationPoller | undefined;
  app.addHook('onReady', async () => {
    poller = startRevocationPolling(app.revocations, {
      identityBaseUrl: options.identityBaseUrl,
      intervalMs: options.pollSeconds * 1000,
      timeoutMs: revocationPollTimeoutMs(options.pollSeconds),
      log: app.log,
    });
  });
  app.addHook('onClose', async () => poller?.stop());
}
