// Server-sent events from the portal (/api/live/…): the latest data, whether the stream is healthy, and renewal when the session expires.
import { useEffect, useState } from 'preact/hooks';
import { renewSession, resumeAfterSignIn } from '../api/session.js';

export type LiveState = 'connecting' | 'live' | 'unavailable';

/**
 * Follows `url`'s `event` messages (JSON). The browser's EventSource reconnects by itself after a
 * network error; an `expired` message means the session's access token ran out: the session is
 * renewed and the stream reopened. `unavailable`: the portal cannot reach attendance right now.
 */
export function useLiveStream<T>(url: string | undefined, event: string): { data: T | undefined; state: LiveState } {
  const [data, setData] = useState<T | undefined>(undefined);
  const [state, setState] = useState<LiveState>('connecting');
  useEffect(() => {
    if (url === undefined) return;
    let source: EventSource | undefined;
    let closed = false;
    let retry: number | undefined;
    const open = () => {
      source?.close();
      source = new EventSource(url, { withCredentials: true });
      source.addEventListener(event, (message) => {
        setData(JSON.parse((message as MessageEvent<string>).data) as T);
        setState('live');
      });
      source.addEventListener('unavailable', () => setState('unavailable'));
      source.addEventListener('expired', async () => {
        source?.close();
        // Renewed, or (the session ended) once the person has signed in again.
        if (!closed && ((await renewSession()) || (await resumeAfterSignIn()))) open();
      });
      source.onerror = () => {
        if (closed) return;
        setState('connecting');
        // A refused stream (401, 503) is closed by the browser for good: try again later ourselves.
        if (source?.readyState === EventSource.CLOSED) {
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
      source?.close();
    };
  }, [url, event]);
  return { data, state };
}
