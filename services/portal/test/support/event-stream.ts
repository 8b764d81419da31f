// A server-sent-events client for the tests: opens a stream over HTTP and hands out its events as they arrive.
import { Agent, request } from 'undici';
import { eventStreamParser } from '../../src/live/event-stream-parser.js';

export { eventStreamParser };

export interface StreamEvent {
  event: string;
  /** The data parsed as JSON. */
  data: unknown;
  /** When it arrived (ms since the epoch). */
  at: number;
}

export interface OpenStream {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body when the answer was not a stream (an error), parsed as JSON. */
  body: unknown;
  /** Every event so far, in order. */
  events: StreamEvent[];
  /** Comment lines so far (heartbeats). */
  comments: string[];
  /** The next event (named `event` when given) arriving after the ones already read; rejects after `timeoutMs`. */
  next(event?: string, timeoutMs?: number): Promise<StreamEvent>;
  /** Resolves when the server ended the stream. */
  ended: Promise<void>;
  close(): void;
}

// Many streams at once: a dispatcher of their own, so they never queue behind each other.
const streams = new Agent({ connections: 256, keepAliveTimeout: 1000 });

export async function openStream(
  baseUrl: string,
  urlPath: string,
  auth: { token?: string; cookie?: string; headers?: Record<string, string> } = {},
): Promise<OpenStream> {
  const headers: Record<string, string> = { accept: 'text/event-stream', ...auth.headers };
  if (auth.token !== undefined) headers.authorization = `Bearer ${auth.token}`;
  if (auth.cookie !== undefined) headers.cookie = auth.cookie;
  const controller = new AbortController();
  const response = await request(`${baseUrl}${urlPath}`, {
    headers,
    dispatcher: streams,
    signal: controller.signal,
  });
  const events: StreamEvent[] = [];
  const comments: string[] = [];
  const waiters: (() => void)[] = [];
  const wake = () => {
    for (const waiter of waiters.splice(0)) waiter();
  };
  const type = String(response.headers['content-type'] ?? '');
  if (!type.startsWith('text/event-stream')) {
    const text = await response.body.text();
    return {
      status: response.statusCode,
      headers: response.headers,
      body: text === '' ? undefined : JSON.parse(text),
      events,
      comments,
      next: () => Promise.reject(new Error(`not a stream: ${response.statusCode} ${text}`)),
      ended: Promise.resolve(),
      close: () => undefined,
    };
  }
  const feed = eventStreamParser(
    (event, data) => {
      events.push({ event, data: JSON.parse(data), at: Date.now() });
      wake();
    },
    (comment) => {
      comments.push(comment);
      wake();
    },
  );
  let done = false;
  const ended = (async () => {
    try {
      for await (const chunk of response.body) feed(chunk.toString());
    } catch {
      // Closed by the test (abort): nothing more will come.
    }
    done = true;
    wake();
  })();
  let read = 0;
  const next = async (event?: string, timeoutMs = 5000): Promise<StreamEvent> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (read < events.length) {
        const candidate = events[read++] as StreamEvent;
        if (event === undefined || candidate.event === event) return candidate;
      }
      if (done) throw new Error(`stream ended before ${event ?? 'an event'}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${event ?? 'event'} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  };
  return {
    status: response.statusCode,
    headers: response.headers,
    body: undefined,
    events,
    comments,
    next,
    ended,
    close: () => controller.abort(),
  };
}
