// Manual lookup at the gate for a damaged code: search the event's tickets by holder name or code (3+ characters) —
// on the server, and on the device's copy of the tickets when offline or while the server is slow to answer.
import { useEffect, useState } from 'preact/hooks';
import { endpoints } from '../api/endpoints.js';
import { formatTime, t } from '../i18n/index.js';
import { searchDeviceTickets } from '../offline/device-store.js';
import { ErrorBanner } from '../ui/widgets.js';

/** Online, the device's copy answers when the server has not within this long. */
const SERVER_PATIENCE_MS = 800;
/** As many results as the server's search gives. */
const RESULTS_KEPT = 20;

interface Row {
  ticketId: string;
  holderName: string | null;
  checkedInAt: string | null;
  /** Known from the server only (the device's copy has no more than the time). */
  checkedInBy?: string | null;
  location?: string | null;
  /** The admission to the list main that counts: a supervisor may undo it (issue 16). */
  checkinId?: string | null;
  exited?: boolean;
}

/** Where the rows on screen came from: the server, or the device's copy (offline, or the server slow or away). */
type Source = 'server' | 'device-offline' | 'device-slow';

export function TicketSearch(props: {
  eventId: string;
  /** The station answers from the device (no network, or the server away): the server is not asked. */
  offline: boolean;
  onCheckIn: (ticketId: string) => Promise<void>;
  /** A supervisor's or admin's station: the found admissions get "Undo check-in". */
  canUndo: boolean;
  onUndo: (admission: { checkinId: string; ticketId: string }) => void;
  /** Changes when an admission was undone elsewhere on the station: the results are asked again. */
  refreshKey: number;
}) {
  const [query, setQuery] = useState('');
  // Asked again after a check-in from the list, so each ticket's state is the latest.
  const [version, setVersion] = useState(0);
  const [results, setResults] = useState<{ rows: Row[]; source: Source } | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);

  useEffect(() => {
    const text = query.trim();
    if (text.length < 3) {
      setResults(undefined);
      return;
    }
    let current = true;
    let serverAnswered = false;
    const onDevice = () => searchDeviceTickets(props.eventId, text, RESULTS_KEPT).catch(() => undefined);
    const showDevice = async (source: Source, failure?: unknown) => {
      const rows = await onDevice();
      if (!current || serverAnswered) return;
      // No copy of the tickets on this device (or nothing found there while the server failed): say the failure.
      if (rows === undefined || (rows.length === 0 && failure !== undefined)) {
        if (failure !== undefined) setError(failure);
        return;
      }
      setResults({ rows, source });
      setError(undefined);
    };
    // Wait for the typing to pause before searching.
    const timer = window.setTimeout(async () => {
      if (props.offline) {
        await showDevice('device-offline');
        return;
      }
      const slow = window.setTimeout(() => void showDevice('device-slow'), SERVER_PATIENCE_MS);
      try {
        const found = await endpoints.searchTickets(props.eventId, text);
        serverAnswered = true;
        if (current) {
          setResults({
            rows: found.tickets.map((ticket) => ({
              ticketId: ticket.ticket_id,
              holderName: ticket.holder_name,
              checkedInAt: ticket.checked_in ? ticket.checked_in_at : null,
              checkedInBy: ticket.checked_in_by,
              location: ticket.location,
              checkinId: ticket.checkin_id,
              exited: ticket.exited,
            })),
            source: 'server',
          });
          setError(undefined);
        }
      } catch (failure) {
        await showDevice('device-offline', failure);
      } finally {
        window.clearTimeout(slow);
      }
    }, 250);
    return () => {
      current = false;
      window.clearTimeout(timer);
    };
  }, [query, props.eventId, props.offline, version, props.refreshKey]);

  return (
    <section class="card search-panel" aria-labelledby="search-title">
      <h2 id="search-title">{t('station.search')}</h2>
      <label class="field">
        <span>{t('station.searchLabel')}</span>
        <input type="search" value={query} onInput={(event) => setQuery(event.currentTarget.value)} />
      </label>
      {error !== undefined && <ErrorBanner error={error} />}
      {query.trim().length > 0 && query.trim().length < 3 && <p class="muted">{t('station.searchShort')}</p>}
      {results && results.source !== 'server' && (
        <p class="muted" data-testid="search-source">
          {t(results.source === 'device-slow' ? 'station.searchFromDeviceSlow' : 'station.searchFromDevice')}
        </p>
      )}
      {results && results.rows.length === 0 && <p>{t('station.searchEmpty')}</p>}
      {results && results.rows.length > 0 && (
        <ul class="search-results" aria-live="polite">
          {results.rows.map((ticket) => (
            <li key={ticket.ticketId}>
              <span>
                <strong>{ticket.holderName ?? '—'}</strong> <code>{ticket.ticketId}</code>
                {ticket.checkedInAt && (
                  <span class="muted"> · {t('station.searchCheckedIn', { time: formatTime(ticket.checkedInAt) })}</span>
                )}
                {ticket.checkedInAt && ticket.checkedInBy && (
                  <span class="muted search-state" data-testid="search-state">
                    {' '}
                    {t('station.searchAdmission', { by: ticket.checkedInBy, gate: ticket.location ?? '—' })}
                    {ticket.exited && ` · ${t('station.searchExited')}`}
                  </span>
                )}
              </span>
              {props.canUndo && ticket.checkinId && (
                <button
                  type="button"
                  class="button-small button-secondary"
                  onClick={() => props.onUndo({ checkinId: ticket.checkinId as string, ticketId: ticket.ticketId })}
                >
                  {t('station.searchUndo')}
                </button>
              )}
              <button
                type="button"
                class="button-small"
                onClick={() => void props.onCheckIn(ticket.ticketId).then(() => setVersion((v) => v + 1))}
              >
                {t('station.searchCheckIn')}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
