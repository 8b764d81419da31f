// Server-sent events from the portal (/api/live/…): the latest data, whether the stream is healthy, and renewal when the session expires.
import { useEffect, useState } from 'preact/hooks';
import { renewSession, resumeAfterSignIn } from '../api/session.js';

/**
 * `connecting`: the first data is on its way. `live`: data flows. `reconnecting`: the stream broke
 * (the portal went away, or fell silent) and is being opened again, through the balancer to another
 * portal if there is one; `live` again with the first data it sends. `unavailable`: the portal is
 * there but cannot reach attendance right now.
 */
export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'unavailable';

/** The portal's heartbeat until its first `ping` says otherwise (LIVE_HEARTBEAT_MS's default). */
const DEFAULT_PING_MS = 15_000;
/** Heartbeats missed before a silent stream is taken for a dead portal. */
const MISSED_PINGS = 3;

/**
 * Follows `url`'s `event` messages (JSON). The browser's EventSource reconnects by itself after a
 * network error; a stream that falls silent (no `ping` for MISSED_PINGS heartbeats: a portal that
 * died without closing its connection) is closed and opened again here. An `expired` message means
 * the session's access token ran out: the session is renewed and the stream reopened.
 */
export function useLiveStream<T>(url: string | undefined, event: string): { data: T | undefined; state: LiveState } {
  const [data, setData] = useState<T | undefined>(undefined);
  const [state, setState] = useState<LiveState>('connecting');
  useEffect(() => {
    if (url === undefined) return;
    let source: EventSource | undefined;
    let closed = false;
    let retry: number | undefined;
    let watchdog: number | undefined;
    let pingMs = DEFAULT_PING_MS;
    /** Whether data came at least once: a break after that is a reconnection. */
    let hadData = false;
    const broken = () => setState(hadData ? 'reconnecting' : 'connecting');
    const watch = () => {
      window.clearTimeout(watchdog);
      watchdog = window.setTimeout(() => {
        if (closed) return;
        broken();
        open();
      }, pingMs * MISSED_PINGS);
    };
    const open = () => {
      source?.close();
      source = new EventSource(url, { withCredentials: true });
      watch();
      source.addEventListener(event, (message) => {
        watch();
        hadData = true;
        setData(JSON.parse((message as MessageEvent<string>).data) as T);
        setState('live');
      });
      source.addEventListener('ping', (message) => {
        const every = (JSON.parse((message as MessageEvent<string>).data) as { every_ms?: unknown }).every_ms;
        if (typeof every === 'number' && every > 0) pingMs = every;
        watch();
      });
      source.addEventListener('unavailable', () => {
        watch();
        setState('unavailable');
      });
      source.addEventListener('expired', async () => {
        window.clearTimeout(watchdog);
        source?.close();
        // Renewed, or (the session ended) once the person has signed in again.
        if (!closed && ((await renewSession()) || (await resumeAfterSignIn()))) open();
      });
      source.onerror = () => {
        if (closed) return;
        broken();
        // A refused stream (401, 503, or no portal behind the balancer) is closed by the browser
        // for good: try again later ourselves.
        if (source?.readyState === EventSource.CLOSED) {
          window.clearTimeout(watchdog);
          window.clearTimeout(retry);
          retry = window.setTimeout(async () => {
            await renewSession();
            if (!closed) open();
          }, 3000);
        }
      };
    };
    open();
    return () => {
      closed = true;
      window.clearTimeout(retry);
      window.clearTimeout(watchdog);
      source?.close();
    };
  }, [url, event]);
  return { data, state };
}
