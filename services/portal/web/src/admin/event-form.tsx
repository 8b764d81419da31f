// Admin: create or edit an event; times are typed in the browser's time zone and sent as ISO-8601 with its offset.
import type { Event } from '@tixgo/contracts';
import { useEffect, useState } from 'preact/hooks';
import { useLocation, useRoute } from 'preact-iso';
import { endpoints } from '../api/endpoints.js';
import { ApiError } from '../api/http.js';
import { t } from '../i18n/index.js';
import { describeError } from '../ui/describe-error.js';
import { Layout } from '../ui/layout.js';
import { Banner, Loading, PageTitle } from '../ui/widgets.js';

/** `2026-12-01T10:30` in local time for <input type="datetime-local">. */
function toLocalInput(iso: string | null): string {
  if (!iso) return '';
  const date = new Date(iso);
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** The local time typed into the form as an ISO instant (null when empty). */
function fromLocalInput(value: string): string | null {
  return value ? new Date(value).toISOString() : null;
}

interface Fields {
  id: string;
  title: string;
  description: string;
  location: string;
  start: string;
  end: string;
  capacity: string;
  timeZone: string;
  /** The event's gates, one per line. */
  gates: string;
}

const EMPTY: Fields = {
  id: '',
  title: '',
  description: '',
  location: '',
  start: '',
  end: '',
  capacity: '',
  timeZone: '',
  gates: '',
};

/** Indonesia's three zones first (WIB, WITA, WIT), then every zone the browser knows. */
const INDONESIA = ['Asia/Jakarta', 'Asia/Makassar', 'Asia/Jayapura'];
const TIME_ZONES = [
  ...INDONESIA,
  ...(typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : []).filter(
    (zone) => !INDONESIA.includes(zone),
  ),
];

function fieldsOf(event: Event): Fields {
  return {
    id: event.id,
    title: event.title,
    description: event.description ?? '',
    location: event.location ?? '',
    start: toLocalInput(event.start_time),
    end: toLocalInput(event.end_time),
    capacity: event.capacity === null ? '' : String(event.capacity),
    timeZone: event.time_zone ?? '',
    gates: (event.gates ?? []).join('\n'),
  };
}

export function EventFormPage() {
  const { params } = useRoute();
  const { route } = useLocation();
  const editing = params.id;
  const [fields, setFields] = useState<Fields>(EMPTY);
  const [loaded, setLoaded] = useState(editing === undefined);
  const [busy, setBusy] = useState(false);
  // Words made when shown, so a language switch translates them too.
  const [error, setError] = useState<(() => string) | undefined>(undefined);

  useEffect(() => {
    if (editing === undefined) return;
    endpoints
      .event(editing)
      .then((event) => {
        setFields(fieldsOf(event));
        setLoaded(true);
      })
      .catch((failure) => setError(() => () => describeError(failure)));
  }, [editing]);

  const set = (name: keyof Fields) => (event: { currentTarget: { value: string } }) =>
    setFields((old) => ({ ...old, [name]: event.currentTarget.value }));

  async function submit(event: globalThis.Event) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    const body: Record<string, unknown> = {
      title: fields.title.trim(),
      description: fields.description.trim() || null,
      location: fields.location.trim() || null,
      start_time: fromLocalInput(fields.start),
      end_time: fromLocalInput(fields.end),
      capacity: fields.capacity === '' ? null : Number(fields.capacity),
      time_zone: fields.timeZone === '' ? null : fields.timeZone,
      // One gate a line; blank lines dropped. An empty list: the stations name their gate themselves.
      gates: fields.gates
        .split('\n')
        .map((gate) => gate.trim())
        .filter((gate) => gate !== ''),
    };
    try {
      const saved =
        editing === undefined
          ? await endpoints.createEvent(fields.id.trim() ? { ...body, id: fields.id.trim() } : body)
          : await endpoints.updateEvent(editing, body);
      route(`/admin/events/${encodeURIComponent(saved.id)}/tickets`);
    } catch (failure) {
      if (failure instanceof ApiError && failure.status === 409) setError(() => () => t('admin.idTaken'));
      else setError(() => () => describeError(failure));
      setBusy(false);
    }
  }

  return (
    <Layout>
      <section class="card" aria-labelledby="page-title">
        <PageTitle>{editing === undefined ? t('admin.newEvent') : t('admin.editEvent')}</PageTitle>
        {error && <Banner kind="error">{error()}</Banner>}
        {!loaded && !error && <Loading />}
        {loaded && (
          <form class="form" onSubmit={submit}>
            <label class="field">
              <span>{t('admin.fieldTitle')}</span>
              <input required maxLength={200} value={fields.title} onInput={set('title')} />
            </label>
            <label class="field">
              <span>{t('admin.fieldDescription')}</span>
              <textarea rows={3} maxLength={5000} value={fields.description} onInput={set('description')} />
            </label>
            <label class="field">
              <span>{t('admin.fieldLocation')}</span>
              <input maxLength={200} value={fields.location} onInput={set('location')} />
            </label>
            <div class="field-row">
              <label class="field">
                <span>{t('admin.fieldStart')}</span>
                <input type="datetime-local" value={fields.start} onInput={set('start')} />
              </label>
              <label class="field">
                <span>{t('admin.fieldEnd')}</span>
                <input type="datetime-local" value={fields.end} min={fields.start} onInput={set('end')} />
              </label>
            </div>
            <label class="field">
              <span>{t('admin.fieldCapacity')}</span>
              <input type="number" min={0} max={10_000_000} value={fields.capacity} onInput={set('capacity')} />
            </label>
            <label class="field">
              <span>{t('admin.fieldTimeZone')}</span>
              <select value={fields.timeZone} onChange={set('timeZone')}>
                <option value="">{t('admin.timeZoneServer')}</option>
                {TIME_ZONES.map((zone) => (
                  <option key={zone} value={zone}>
                    {zone === 'Asia/Jakarta'
                      ? `${zone} (WIB)`
                      : zone === 'Asia/Makassar'
                        ? `${zone} (WITA)`
                        : zone === 'Asia/Jayapura'
                          ? `${zone} (WIT)`
                          : zone}
                  </option>
                ))}
              </select>
            </label>
            <label class="field">
              <span>{t('admin.fieldGates')}</span>
              <textarea rows={4} value={fields.gates} onInput={set('gates')} aria-describedby="gates-hint" />
              <small class="muted" id="gates-hint">
                {t('admin.fieldGatesHint')}
              </small>
            </label>
            {/* The technical id last: most events take the generated one. */}
            {editing === undefined && (
              <label class="field">
                <span>{t('admin.fieldId')}</span>
                <input value={fields.id} maxLength={100} onInput={set('id')} autoCapitalize="none" />
              </label>
            )}
            <button type="submit" class="button-primary" disabled={busy}>
              {busy ? t('admin.saving') : editing === undefined ? t('admin.create') : t('admin.save')}
            </button>
          </form>
        )}
      </section>
    </Layout>
  );
}
