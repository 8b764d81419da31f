// Every open live stream of the portal: topics by key, the stream limit (LIVE_MAX_STREAMS), and closing them all on shutdown.
import { httpError } from '@tixgo/platform';
import type { UpstreamLog } from '../upstream/upstream-client.js';
import { type LiveSubscriber, LiveTopic, type TopicSource } from './live-topic.js';

export interface LiveHubOptions {
  intervalMs: number;
  maxStreams: number;
  log: UpstreamLog;
}

/** How long a refused client should wait before it tries again. */
const RETRY_AFTER_SECONDS = 10;

export class LiveHub {
  private readonly topics = new Map<string, LiveTopic>();
  private readonly watching = new Map<LiveSubscriber, LiveTopic>();
  private closed = false;

  constructor(private readonly options: LiveHubOptions) {}

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
    let topic = this.topics.get(source.key);
    if (!topic) {
      const created: LiveTopic = new LiveTopic(source, {
        intervalMs: this.options.intervalMs,
        log: this.options.log,
        onIdle: () => {
          if (this.topics.get(source.key) === created) this.topics.delete(source.key);
        },
      });
      this.topics.set(source.key, created);
      topic = created;
    }
    this.watching.set(subscriber, topic);
    // However the topic lets go of the subscriber (expired, not found, ended), it no longer counts.
    return topic.join(subscriber).catch((error: Error) => {
      this.watching.delete(subscriber);
      throw error;
    });
  }

  /** The subscriber's stream closed. */
  leave(subscriber: LiveSubscriber): void {
    const topic = this.watching.get(subscriber);
    this.watching.delete(subscriber);
    topic?.leave(subscriber);
  }

  /** Ends every stream and stops every poll (before the server closes, so close() never waits on a stream). */
  close(): void {
    this.closed = true;
    const error = httpError(503, 'Portal is shutting down');
    for (const topic of [...this.topics.values()]) topic.close(error);
    this.topics.clear();
    this.watching.clear();
  }
}
