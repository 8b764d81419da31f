// Dashboard: every event with checked-in / registered and a percentage bar, live from the portal's event stream.
import { type EventOverview, endpoints, type Overview } from '../api/endpoints.js';
import { session } from '../api/session.js';
import { formatDateTime, formatPercent, t } from '../i18n/index.js';
import { useLiveStream } from '../live/live-stream.js';
import { LaneSummary } from '../ui/lane-panel.js';
import { Layout } from '../ui/layout.js';
import { useApi } from '../ui/use-api.js';
import { Banner, ErrorBanner, Loading, PageTitle, ProgressBar } from '../ui/widgets.js';
import { PhoneSetupCard } from './phone-setup-card.js';

function EventCard({ event }: { event: EventOverview }) {
  const counted =
    event.total_registered > 0
      ? t('dashboard.checkedIn', { checked: event.total_checked_in, registered: event.total_registered })
      : t('dashboard.checkedInNoRegistered', { checked: event.total_checked_in });
  return (
    <li class="card event-card">
      <h2>
        <a href={`/events/${encodeURIComponent(event.id)}`}>{event.title}</a>
      </h2>
      <p class="muted">
        {[event.start_time ? formatDateTime(event.start_time) : undefined, event.location ?? undefined]
          .filter(Boolean)
          .join(' · ')}
      </p>
      <p class="count" data-testid="event-count">
        <strong>{counted}</strong>
        {event.total_registered > 0 && <span class="percentage"> · {formatPercent(event.checkin_percentage)}</span>}
      </p>
      <ProgressBar
        value={event.total_checked_in}
        max={event.total_registered}
        label={t('dashboard.progressLabel', { title: event.title })}
      />
      {event.lanes && <LaneSummary lanes={event.lanes} />}
      <p class="card-actions">
        <a href={`/events/${encodeURIComponent(event.id)}`}>{t('dashboard.open')}</a>
        <a href={`/station?event=${encodeURIComponent(event.id)}`}>{t('dashboard.station')}</a>
      </p>
    </li>
  );
}

export function DashboardPage() {
  const initial = useApi(() => endpoints.overview(), []);
  const live = useLiveStream<Overview>('/api/live/overview', 'overview');
  const overview = live.data ?? initial.data;
  const isAdmin = session.value?.role === 'admin';
  return (
    <Layout wide>
      <div class="page-head">
        <PageTitle>{t('dashboard.title')}</PageTitle>
        <span class={`live-badge live-${live.state}`}>
          {live.state === 'live' ? t('dashboard.live') : t('dashboard.paused')}
        </span>
      </div>
      <p class="muted">{t('dashboard.intro')}</p>
      {live.state === 'reconnecting' && <Banner kind="warning">{t('live.reconnecting')}</Banner>}
      {live.state === 'unavailable' && <Banner kind="warning">{t('banner.offline')}</Banner>}
      {initial.error !== undefined && overview === undefined && (
        <ErrorBanner error={initial.error} retry={initial.reload} />
      )}
      {overview === undefined && initial.loading && <Loading />}
      {overview && overview.events.length === 0 && (
        <p>
          {t('dashboard.empty')} {isAdmin && <a href="/admin/events/new">{t('dashboard.emptyAdmin')}</a>}
        </p>
      )}
      {overview && overview.events.length > 0 && (
        <ul class="event-grid" aria-live="off">
          {overview.events.map((event) => (
            <EventCard key={event.id} event={event} />
          ))}
        </ul>
      )}
      {isAdmin && <PhoneSetupCard />}
    </Layout>
  );
}
