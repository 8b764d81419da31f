// Choosing the event and the gate of this device, once.
import { useState } from 'preact/hooks';
import { endpoints } from '../api/endpoints.js';
import { formatDateTime, t } from '../i18n/index.js';
import { useApi } from '../ui/use-api.js';
import { ErrorBanner, Loading, PageTitle } from '../ui/widgets.js';
import { type StationSettings, saveStationSettings } from './station-settings.js';

export function StationSetup(props: { preselect?: string | undefined; current?: StationSettings | undefined }) {
  const events = useApi(() => endpoints.events(), []);
  const [eventId, setEventId] = useState(props.current?.eventId ?? props.preselect ?? '');
  const [gate, setGate] = useState(props.current?.gate ?? '');

  return (
    <section class="card narrow" aria-labelledby="page-title">
      <PageTitle>{t('station.setup')}</PageTitle>
      <p>{t('station.setupIntro')}</p>
      {events.error !== undefined && <ErrorBanner error={events.error} retry={events.reload} />}
      {events.loading && !events.data && <Loading />}
      {events.data && (
        <form
          class="form"
          onSubmit={(event) => {
            event.preventDefault();
            const title = events.data?.find((item) => item.id === eventId)?.title;
            if (eventId) saveStationSettings({ eventId, gate: gate.trim(), title });
          }}
        >
          <label class="field">
            <span>{t('station.event')}</span>
            <select required value={eventId} onChange={(event) => setEventId(event.currentTarget.value)}>
              <option value="">{t('station.chooseEvent')}</option>
              {events.data.map((item) => (
                <option key={item.id} value={item.id}>
                  {item.title}
                  {item.start_time ? ` — ${formatDateTime(item.start_time)}` : ''}
                </option>
              ))}
            </select>
          </label>
          <label class="field">
            <span>{t('station.gate')}</span>
            <input
              required
              maxLength={200}
              value={gate}
              placeholder={t('station.gateHint')}
              onInput={(event) => setGate(event.currentTarget.value)}
            />
          </label>
          <button type="submit" class="button-primary">
            {t('station.start')}
          </button>
        </form>
      )}
    </section>
  );
}
