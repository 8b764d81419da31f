// Manual lookup at the gate for a damaged code: search the event's tickets by holder name or code (3+ characters).
import type { TicketState } from '@tixgo/contracts';
import { useEffect, useState } from 'preact/hooks';
import { endpoints } from '../api/endpoints.js';
import { formatTime, t } from '../i18n/index.js';
import { ErrorBanner } from '../ui/widgets.js';

export function TicketSearch(props: { eventId: string; onCheckIn: (ticketId: string) => Promise<void> }) {
  const [query, setQuery] = useState('');
  // Asked again after a check-in from the list, so each ticket's state is the server's.
  const [version, setVersion] = useState(0);
  const [results, setResults] = useState<TicketState[] | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);

  useEffect(() => {
    const text = query.trim();
    if (text.length < 3) {
      setResults(undefined);
      return;
    }
    let current = true;
    // Wait for the typing to pause before asking the server.
    const timer = window.setTimeout(async () => {
      try {
        const found = await endpoints.searchTickets(props.eventId, text);
        if (current) {
          setResults(found.tickets);
          setError(undefined);
        }
      } catch (failure) {
        if (current) setError(failure);
      }
    }, 250);
    return () => {
      current = false;
      window.clearTimeout(timer);
    };
  }, [query, props.eventId, version]);

  return (
    <section class="card search-panel" aria-labelledby="search-title">
      <h2 id="search-title">{t('station.search')}</h2>
      <label class="field">
        <span>{t('station.searchLabel')}</span>
        <input type="search" value={query} onInput={(event) => setQuery(event.currentTarget.value)} />
      </label>
      {error !== undefined && <ErrorBanner error={error} />}
      {query.trim().length > 0 && query.trim().length < 3 && <p class="muted">{t('station.searchShort')}</p>}
      {results && results.length === 0 && <p>{t('station.searchEmpty')}</p>}
      {results && results.length > 0 && (
        <ul class="search-results" aria-live="polite">
          {results.map((ticket) => (
            <li key={ticket.ticket_id}>
              <span>
                <strong>{ticket.holder_name ?? '—'}</strong> <code>{ticket.ticket_id}</code>
                {ticket.checked_in && ticket.checked_in_at && (
                  <span class="muted">
                    {' '}
                    · {t('station.searchCheckedIn', { time: formatTime(ticket.checked_in_at) })}
                  </span>
                )}
              </span>
              <button
                type="button"
                class="button-small"
                onClick={() => void props.onCheckIn(ticket.ticket_id).then(() => setVersion((v) => v + 1))}
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
