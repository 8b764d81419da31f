// Every open live stream of the portal: topics by key, the stream limits (in all, per account, per
// address), ending the streams of revoked tokens, closing them all on shutdown, and handing the
// changes attendance announces to the topics they concern.
import { AUTH_MESSAGES, httpError, httpErrors } from '@tixgo/platform';
import type { UpstreamLog } from '../upstream/upstream-client.js';
import { type LiveClock, type LiveSubscriber, LiveTopic, type TopicSource } from './live-topic.js';

/** What attendance announced: these events changed, or anything may have. */
export type LiveChange = { events: string[] } | { all: true };

/** The key of one event's topic. */
export const eventTopicKey = (eventId: string) => `event:${eventId}`;
export const OVERVIEW_TOPIC_KEY = 'overview';

export interface LiveHubOptions {
  /** The least time between two reads of a topic; its polling period while changes are not followed. */
  intervalMs: number;
  /** Reads of a topic while changes are followed and none of its own was announced. */
  safetyPollMs: number;
  maxStreams: number;
  /** LIVE_MAX_STREAMS_PER_USER, LIVE_MAX_STREAMS_PER_CLIENT: one account or address cannot take every slot. */
  maxStreamsPerUser: number;
  maxStreamsPerClient: number;
  /**
   * How often every open stream's token is checked against the revocations (the portal's revocation
   * poll interval: a revoked stream ends within the ~2 polls any other request is refused in).
   */
  revocationCheckMs: number;
  log: UpstreamLog;
  /** Runs `check` every `ms` until the returned stop is called (tests drive it by hand); default setInterval. */
  every?: (ms: number, check: () => void) => () => void;
  /** The topics' timers (tests drive them by hand); default the real ones. */
  clock?: LiveClock;
  /** Called whenever a topic starts (the portal then follows attendance's changes, once). */
  onTopic?: () => void;
}

function everyInterval(ms: number, check: () => void): () => void {
  const timer = setInterval(check, ms);
  timer.unref();
  return () => clearInterval(timer);
}

/** Adds `delta` to `key`'s count, forgetting it at zero. */
function count(counts: Map<string, number>, key: string, delta: number): void {
  const next = (counts.get(key) ?? 0) + delta;
  if (next <= 0) counts.delete(key);
  else counts.set(key, next);
}

/** How long a refused client should wait before it tries again. */
const RETRY_AFTER_SECONDS = 10;

/** One account or address at its cap: 429, the others still get streams. */
const tooManyStreams = (detail: string) =>
  httpError(429, `${detail}; close one or try again later`, undefined, { 'retry-after': String(RETRY_AFTER_SECONDS) });

export class LiveHub {
  private readonly topics = new Map<string, LiveTopic>();
  private readonly watching = new Map<LiveSubscriber, LiveTopic>();
  private readonly perUser = new Map<string, number>();
  private readonly perClient = new Map<string, number>();
  private readonly stopChecks: () => void;
  private closed = false;
  /** Whether attendance's changes are followed now. */
  private following = false;

  constructor(private readonly options: LiveHubOptions) {
    this.stopChecks = (options.every ?? everyInterval)(options.revocationCheckMs, () => this.endRevoked());
  }

  /** Ends every stream whose token identity revoked since it opened (issue 15, item 3). */
  endRevoked(): void {
    for (const [subscriber, topic] of [...this.watching]) {
      if (subscriber.isRevoked()) topic.revoke(subscriber, httpErrors.unauthorized(AUTH_MESSAGES.invalid));
    }
  }

  /** Attendance announced a change: each topic it concerns is read again (the overview shows every event). */
  changed(change: LiveChange): void {
    if ('all' in change) {
      for (const topic of this.topics.values()) topic.changed();
      return;
    }
    this.topics.get(OVERVIEW_TOPIC_KEY)?.changed();
    for (const id of change.events) this.topics.get(eventTopicKey(id))?.changed();
  }

  /** The portal follows attendance's changes from now on (true), or no longer (false: every topic polls). */
  setFollowing(following: boolean): void {
    if (this.following === following) return;
    this.following = following;
    for (const topic of this.topics.values()) topic.setFollowing(following);
  }

  /** Open streams, and topics being polled (for tests and diagnostics). */
  get size(): { streams: number; topics: number } {
    return { streams: this.watching.size, topics: this.topics.size };
  }

  /**
   * Subscribes to the topic of `source` (started on first use). Resolves when the subscriber got its
   * first event; 503 when the portal is at LIVE_MAX_STREAMS or shutting down.
   */
  join(source: TopicSource, subscriber: LiveSubscriber): Promise<void> {
    if (this.closed) return Promise.reject(httpError(503, 'Portal is shutting down'));
    if (this.watching.size >= this.options.maxStreams) {
      return Promise.reject(
        httpError(503, 'Too many live streams open; try again later', undefined, {
          'retry-after': String(RETRY_AFTER_SECONDS),
        }),
      );
    }
    const { user, client } = subscriber.owner;
    if ((this.perUser.get(user) ?? 0) >= this.options.maxStreamsPerUser) {
      return Promise.reject(tooManyStreams('Too many live streams open for this account'));
    }
    if ((this.perClient.get(client) ?? 0) >= this.options.maxStreamsPerClient) {
      return Promise.reject(tooManyStreams('Too many live streams open from this address'));
    }
    let topic = this.topics.get(source.key);
    if (!topic) {
      const created: LiveTopic = new LiveTopic(source, {
        intervalMs: this.options.intervalMs,
        safetyPollMs: this.options.safetyPollMs,
        following: this.following,
        clock: this.options.clock,
        log: this.options.log,
        onIdle: () => {
          if (this.topics.get(source.key) === created) this.topics.delete(source.key);
        },
      });
      this.topics.set(source.key, created);
      topic = created;
      this.options.onTopic?.();
    }
    this.watching.set(subscriber, topic);
    count(this.perUser, user, 1);
    count(this.perClient, client, 1);
    // However the topic lets go of the subscriber (expired, not found, ended), it no longer counts.
    return topic.join(subscriber).catch((error: Error) => {
      this.forget(subscriber);
      throw error;
    });
  }

  /** The subscriber's stream closed. */
  leave(subscriber: LiveSubscriber): void {
    const topic = this.watching.get(subscriber);
    this.forget(subscriber);
    topic?.leave(subscriber);
  }

  private forget(subscriber: LiveSubscriber): void {
    if (!this.watching.delete(subscriber)) return;
    count(this.perUser, subscriber.owner.user, -1);
    count(this.perClient, subscriber.owner.client, -1);
  }

  /** Ends every stream and stops every poll (before the server closes, so close() never waits on a stream). */
  close(): void {
    this.closed = true;
    this.stopChecks();
    const error = httpError(503, 'Portal is shutting down');
    for (const topic of [...this.topics.values()]) topic.close(error);
    this.topics.clear();
    this.watching.clear();
    this.perUser.clear();
    this.perClient.clear();
  }
}
