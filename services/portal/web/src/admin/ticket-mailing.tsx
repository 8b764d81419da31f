// Send the tickets by e-mail: each holder with an address gets their QR ticket; the progress and each address's
// result while attendance sends them in the background, and the failed ones sent again with one click.
import { useEffect, useState } from 'preact/hooks';
import { endpoints, type Mailing } from '../api/endpoints.js';
import { formatTime, t } from '../i18n/index.js';
import { Banner, ErrorBanner } from '../ui/widgets.js';

/** How often the progress is asked while addresses wait. */
const POLL_MS = 1000;

export function TicketMailing(props: { eventId: string }) {
  const [mailing, setMailing] = useState<Mailing | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);

  // The latest mailing, as it was left (also after a reload).
  useEffect(() => {
    let current = true;
    endpoints.mailings(props.eventId).then(
      async (list) => {
        const latest = list.mailings[0];
        if (latest && current) setMailing(await endpoints.mailing(props.eventId, latest.mailing_id));
      },
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [props.eventId]);

  // Followed until nothing waits.
  useEffect(() => {
    if (!mailing || mailing.finished_at !== null) return;
    const timer = window.setTimeout(async () => {
      try {
        setMailing(await endpoints.mailing(props.eventId, mailing.mailing_id));
      } catch (failure) {
        setError(failure);
      }
    }, POLL_MS);
    return () => window.clearTimeout(timer);
  }, [mailing, props.eventId]);

  async function send(ticketIds?: string[]) {
    setBusy(true);
    setError(undefined);
    try {
      const started = await endpoints.sendTickets(props.eventId, ticketIds);
      setMailing({ ...started, items: [] });
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  const failed = mailing?.items?.filter((item) => item.status === 'failed') ?? [];
  const running = mailing !== undefined && mailing.finished_at === null;
  return (
    <section class="card" aria-labelledby="mailing-title" data-testid="ticket-mailing">
      <h2 id="mailing-title">{t('mailing.title')}</h2>
      <p class="muted">{t('mailing.hint')}</p>
      {error !== undefined && <ErrorBanner error={error} />}
      <button type="button" class="button-primary" disabled={busy || running} onClick={() => void send()}>
        {t('mailing.send')}
      </button>
      {mailing && (
        <div data-testid="mailing-progress">
          <p role="status">
            {running
              ? t('mailing.progress', { done: mailing.sent + mailing.failed, total: mailing.total })
              : t('mailing.done', {
                  sent: mailing.sent,
                  total: mailing.total,
                  time: formatTime(mailing.finished_at ?? ''),
                })}
          </p>
          <progress max={mailing.total} value={mailing.sent + mailing.failed} aria-label={t('mailing.title')} />
          {failed.length > 0 && (
            <Banner kind="warning">
              {t('mailing.failed', { count: failed.length })}
              <ul data-testid="mailing-failed">
                {failed.map((item) => (
                  <li key={item.ticket_id}>
                    <code>{item.ticket_id}</code> {item.email}: {item.error ?? ''}
                  </li>
                ))}
              </ul>
              {!running && (
                <button
                  type="button"
                  class="button-secondary"
                  disabled={busy}
                  onClick={() => void send(failed.map((item) => item.ticket_id))}
                >
                  {t('mailing.retry', { count: failed.length })}
                </button>
              )}
            </Banner>
          )}
        </div>
      )}
    </section>
  );
}
