// Admin: the events with their tickets and check-ins; create, edit, delete (a clear confirmation when it has check-ins).
import { useState } from 'preact/hooks';
import { type EventOverview, endpoints } from '../api/endpoints.js';
import { ApiError } from '../api/http.js';
import { formatDateTime, formatNumber, t } from '../i18n/index.js';
import { ConfirmDialog } from '../ui/confirm-dialog.js';
import { describeError } from '../ui/describe-error.js';
import { Layout } from '../ui/layout.js';
import { useApi } from '../ui/use-api.js';
import { Banner, ErrorBanner, Loading, PageTitle, TableScroll } from '../ui/widgets.js';

export function EventsAdminPage() {
  const overview = useApi(() => endpoints.overview(), []);
  const [deleting, setDeleting] = useState<EventOverview | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ kind: 'success' | 'error'; text: string } | undefined>(undefined);

  async function remove(event: EventOverview) {
    setBusy(true);
    try {
      await endpoints.deleteEvent(event.id, event.total_checked_in > 0);
      setMessage({ kind: 'success', text: t('admin.deleted', { title: event.title }) });
      setDeleting(undefined);
      await overview.reload();
    } catch (error) {
      // Someone checked a ticket in meanwhile: ask again, now with the count.
      if (error instanceof ApiError && error.status === 409) {
        const count = (error.body as { total_checked_in?: number } | null)?.total_checked_in ?? 1;
        setDeleting({ ...event, total_checked_in: count });
      } else {
        setMessage({ kind: 'error', text: describeError(error) });
        setDeleting(undefined);
      }
    } finally {
      setBusy(false);
    }
  }

  const events = overview.data?.events;
  return (
    <Layout wide>
      <div class="page-head">
        <PageTitle>{t('admin.events')}</PageTitle>
        <a class="button-primary" href="/admin/events/new">
          {t('admin.newEvent')}
        </a>
      </div>
      {message && <Banner kind={message.kind}>{message.text}</Banner>}
      {overview.error !== undefined && <ErrorBanner error={overview.error} retry={overview.reload} />}
      {!events && overview.loading && <Loading />}
      {events && events.length === 0 && <p>{t('admin.noEvents')}</p>}
      {events && events.length > 0 && (
        <TableScroll label={t('admin.events')}>
          <table class="data-table stacked-table">
            <thead>
              <tr>
                <th scope="col">{t('admin.colTitle')}</th>
                <th scope="col">{t('admin.colWhen')}</th>
                <th scope="col">{t('admin.colTickets')}</th>
                <th scope="col">{t('admin.colCheckedIn')}</th>
                <th scope="col">{t('admin.colActions')}</th>
              </tr>
            </thead>
            <tbody>
              {events.map((event) => (
                <tr key={event.id}>
                  <th scope="row">
                    <a href={`/events/${encodeURIComponent(event.id)}`}>{event.title}</a>
                  </th>
                  <td data-label={t('admin.colWhen')}>{event.start_time ? formatDateTime(event.start_time) : '—'}</td>
                  <td data-label={t('admin.colTickets')}>{formatNumber(event.total_registered)}</td>
                  <td data-label={t('admin.colCheckedIn')}>{formatNumber(event.total_checked_in)}</td>
                  <td>
                    {/* A flex box inside the cell: a flex <td> would no longer be a table cell. */}
                    <div class="actions">
                      <a
                        href={`/admin/events/${encodeURIComponent(event.id)}/edit`}
                        aria-label={`${t('admin.edit')}: ${event.title}`}
                      >
                        {t('admin.edit')}
                      </a>
                      <a
                        href={`/admin/events/${encodeURIComponent(event.id)}/tickets`}
                        aria-label={`${t('admin.tickets')}: ${event.title}`}
                      >
                        {t('admin.tickets')}
                      </a>
                      <button
                        type="button"
                        class="button-link danger"
                        aria-label={`${t('admin.delete')}: ${event.title}`}
                        onClick={() => setDeleting(event)}
                      >
                        {t('admin.delete')}
                      </button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      {deleting && (
        <ConfirmDialog
          title={t('admin.deleteTitle', { title: deleting.title })}
          confirmLabel={t('admin.deleteConfirm')}
          typeToConfirm={deleting.total_checked_in > 0 ? deleting.title : undefined}
          busy={busy}
          onCancel={() => setDeleting(undefined)}
          onConfirm={() => void remove(deleting)}
        >
          <p>
            {deleting.total_checked_in > 0
              ? t('admin.deleteBodyCheckins', { count: deleting.total_checked_in })
              : t('admin.deleteBody')}
          </p>
        </ConfirmDialog>
      )}
    </Layout>
  );
}
