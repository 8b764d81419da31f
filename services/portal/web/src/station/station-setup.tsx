// Choosing the event and the gate of this device, once; changed later from the station, starting from what is set.
import { useState } from 'preact/hooks';
import { endpoints } from '../api/endpoints.js';
import { formatDateTime, t } from '../i18n/index.js';
import { useApi } from '../ui/use-api.js';
import { Banner, ErrorBanner, Loading, PageTitle } from '../ui/widgets.js';
import { type StationList, type StationSettings, saveStationSettings, stationSetupOpen } from './station-settings.js';

export function StationSetup(props: {
  preselect?: string | undefined;
  /** The settings in use: the form starts from them and can be left without a change. */
  current?: StationSettings | undefined;
  onCancel?: (() => void) | undefined;
}) {
  const events = useApi(() => endpoints.events(), []);
  const [eventId, setEventId] = useState(props.preselect ?? props.current?.eventId ?? '');
  const [gate, setGate] = useState(props.current?.gate ?? '');
  const [gateMissing, setGateMissing] = useState(false);
  const [listId, setListId] = useState(props.current?.list?.id ?? 'main');
  // The event's check-in lists (issue 16): main, or an area or a day with rules of its own.
  const lists = useApi(() => (eventId ? endpoints.lists(eventId) : Promise.resolve(undefined)), [eventId]);
  const { current, onCancel } = props;
  // The gates the admin defined for the event (issue 17 item 8): the station picks one, so the stats never see
  // "gerbang utara" beside "Gerbang Utara". Without them, the gate is named here.
  const definedGates = events.data?.find((item) => item.id === eventId)?.gates ?? [];

  return (
    <section class="card narrow" aria-labelledby="page-title">
      <PageTitle>{current ? t('station.changeTitle') : t('station.setup')}</PageTitle>
      <p>{t('station.setupIntro')}</p>
      {events.error !== undefined && <ErrorBanner error={events.error} retry={events.reload} />}
      {events.loading && !events.data && <Loading />}
      {events.data && (
        <form
          class="form"
          onSubmit={(event) => {
            event.preventDefault();
            // A gate of spaces only would label every check-in with nothing: the gate needs a name.
            if (gate.trim() === '' || (definedGates.length > 0 && !definedGates.includes(gate))) {
              setGateMissing(true);
              return;
            }
            const title = events.data?.find((item) => item.id === eventId)?.title;
            if (!eventId) return;
            const chosen = lists.data?.lists.find((item) => item.id === listId && item.id !== 'main');
            const list: StationList | undefined = chosen && {
              id: chosen.id,
              name: chosen.name,
              reentry: chosen.reentry,
              capacity: chosen.capacity,
              ticket_types: chosen.ticket_types,
              opens_at: chosen.opens_at,
              closes_at: chosen.closes_at,
              inside: chosen.inside,
            };
            saveStationSettings({ eventId, gate: gate.trim(), title, list, direction: current?.direction ?? 'entry' });
            stationSetupOpen.value = false;
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
          {definedGates.length > 0 ? (
            <label class="field">
              <span>{t('station.gate')}</span>
              <select
                aria-describedby="gates-defined"
                required
                value={definedGates.includes(gate) ? gate : ''}
                onChange={(event) => {
                  setGate(event.currentTarget.value);
                  setGateMissing(false);
                }}
              >
                <option value="">{t('station.chooseGate')}</option>
                {definedGates.map((name) => (
                  <option key={name} value={name}>
                    {name}
                  </option>
                ))}
              </select>
            </label>
          ) : (
            <label class="field">
              <span>{t('station.gate')}</span>
              <input
                required
                maxLength={200}
                value={gate}
                placeholder={t('station.gateHint')}
                aria-invalid={gateMissing}
                aria-describedby={gateMissing ? 'gate-missing' : undefined}
                onInput={(event) => {
                  setGate(event.currentTarget.value);
                  setGateMissing(false);
                }}
              />
            </label>
          )}
          {definedGates.length > 0 && (
            <p class="muted" id="gates-defined">
              {t('station.gatesDefined')}
            </p>
          )}
          {lists.data && lists.data.lists.length > 1 && (
            <label class="field">
              <span>{t('gate.list')}</span>
              <select
                data-testid="list-choice"
                value={listId}
                onChange={(event) => setListId(event.currentTarget.value)}
              >
                {lists.data.lists.map((item) => (
                  <option key={item.id} value={item.id}>
                    {item.id === 'main' ? t('gate.listMain') : item.name}
                  </option>
                ))}
              </select>
              <small class="muted">{t('gate.listHint')}</small>
            </label>
          )}
          {gateMissing && (
            <div id="gate-missing">
              <Banner kind="error">{t('station.gateMissing')}</Banner>
            </div>
          )}
          <div class="form-actions">
            <button type="submit" class="button-primary">
              {current ? t('station.changeSave') : t('station.start')}
            </button>
            {current && onCancel && (
              <button type="button" class="button-secondary" onClick={onCancel}>
                {t('station.changeCancel')}
              </button>
            )}
          </div>
        </form>
      )}
    </section>
  );
}
