// Keeps the event's ticket codes (and holder names, and the check-ins known so far) on the device, downloading
// only what changed since the last time, so the station can answer without network.
import { ApiError, api } from '../api/http.js';
import { deviceId } from './device-id.js';
import {
  type DownloadState,
  downloadState,
  dropEventData,
  forgetSentScans,
  storeDownloadPage,
  storeListPasses,
} from './device-store.js';

/** One page of GET /api/events/{id}/tickets/offline: compact rows, a cursor for "what changed since". */
interface OfflinePage {
  event_id: string;
  has_tickets: boolean;
  /** [code, holder] plus, issue 16, the type and (cancelled) the reason, and (issue 17) an attention note. */
  tickets: (
    | [string, string | null]
    | [string, string | null, string | null]
    | [string, string | null, string | null, string]
    // issue 17: an attention ticket's note for the gate
    | [string, string | null, string | null, string | null, string]
  )[];
  checkins: [string, string, string, string | null][];
  next_cursor: string | null;
  complete: boolean;
  /** The check-ins come again from the start (issue 16: one was annulled): forget the kept ones. */
  checkins_restarted?: true;
}

/** Downloads what changed since the last download of `eventId`; `onProgress` hears the running ticket count. */
export async function refreshTickets(
  eventId: string,
  onProgress: (state: DownloadState) => void = () => undefined,
): Promise<DownloadState> {
  let state: DownloadState = (await downloadState(eventId)) ?? {
    eventId,
    cursor: null,
    hasTickets: false,
    complete: false,
    ticketCount: 0,
    downloadedAt: new Date(0).toISOString(),
  };
  // Bounded: a page carries up to ~20,000 entries, so 100 pages is far beyond any event.
  for (let pages = 0; pages < 100; pages++) {
    const params = new URLSearchParams();
    if (state.cursor) params.set('cursor', state.cursor);
    // The device's id: attendance bounds this device's offline scan times by its first download (issue 15 item 12).
    const device = deviceId();
    if (device !== undefined) params.set('device_id', device);
    const query = params.toString() === '' ? '' : `?${params}`;
    let page: OfflinePage;
    try {
      page = await api<OfflinePage>(`/api/events/${encodeURIComponent(eventId)}/tickets/offline${query}`, {
        timeoutMs: 30_000,
      });
    } catch (error) {
      // The event is gone: its codes must not answer scans any more.
      if (error instanceof ApiError && error.status === 404) await dropEventData(eventId);
      throw error;
    }
    state = {
      eventId,
      cursor: page.next_cursor ?? state.cursor,
      hasTickets: page.has_tickets,
      complete: page.complete,
      ticketCount: state.ticketCount + page.tickets.length,
      downloadedAt: new Date().toISOString(),
    };
    await storeDownloadPage(
      state,
      page.tickets.map(([ticketId, holderName, type, cancelReason, note]) => ({
        eventId,
        ticketId,
        holderName,
        type: type ?? null,
        cancelReason: cancelReason ?? null,
        note: note ?? null,
      })),
      page.checkins.map(([ticketId, at, by, location]) => ({ eventId, ticketId, at, by, location })),
      page.checkins_restarted === true,
    );
    if (page.checkins_restarted === true) await forgetSentScans(eventId);
    onProgress(state);
    if (page.complete) break;
  }
  return state;
}

/** Most pages of a list's passes asked for at once (20,000 each: far beyond any area). */
const PASS_PAGES_MAX = 50;

/**
 * Keeps the server's copy of every ticket's state on a list other than main (issue 16): an offline station on
 * that list then knows who the other stations let in (and out), as a station on main knows their check-ins.
 */
export async function refreshListPasses(eventId: string, listId: string): Promise<void> {
  // Asked-for time: a scan answered while the pages come may be missing from them, so it is applied on top.
  const at = new Date().toISOString();
  const passes: [string, number, boolean][] = [];
  let after: string | null = null;
  for (let pages = 0; pages < PASS_PAGES_MAX; pages++) {
    const query: string = after === null ? '' : `?after=${encodeURIComponent(after)}`;
    const page: { passes: [string, number, boolean][]; next_after: string | null } = await api(
      `/api/events/${encodeURIComponent(eventId)}/lists/${encodeURIComponent(listId)}/passes${query}`,
      { timeoutMs: 30_000 },
    );
    passes.push(...page.passes);
    after = page.next_after;
    if (after === null) break;
  }
  await storeListPasses(eventId, listId, passes, at);
}
