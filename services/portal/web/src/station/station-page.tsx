// The check-in station: one big input that keeps focus (USB/Bluetooth scanners type a code + Enter), camera scanning,
// manual search, a full-screen answer within a second, the gate's running count, and a banner when the server is away.
import type { Event } from '@tixgo/contracts';
import { useEffect, useRef, useState } from 'preact/hooks';
import { lazy, useLocation } from 'preact-iso';
import { type EventStats, endpoints } from '../api/endpoints.js';
import { ApiError } from '../api/http.js';
import { t } from '../i18n/index.js';
import { useLiveStream } from '../live/live-stream.js';
import { Layout } from '../ui/layout.js';
import { useApi } from '../ui/use-api.js';
import { Banner, ErrorBanner, Loading } from '../ui/widgets.js';
import { signal as feedback } from './feedback.js';
import { type AnswerView, ScanAnswerPanel, viewOf } from './scan-answer.js';
import { newScan, submitScan } from './scan-client.js';
import { type StationSettings, saveStationSettings, stationSettings } from './station-settings.js';
import { StationSetup } from './station-setup.js';
import { TicketSearch } from './ticket-search.js';

// The camera code (and its QR decoder) loads only when someone opens the camera.
const CameraScanner = lazy(() => import('./camera-scanner.js').then((m) => m.CameraScanner));

/** How long an answer stays on screen before the station is ready by itself (a new scan replaces it at once). */
const ANSWER_MS: Record<AnswerView['tone'], number> = { ok: 1800, warn: 4000, error: 4000, pending: 60_000 };
const PENDING_AFTER_MS = 350;

interface RecentScan {
  key: string;
  view: AnswerView;
  at: string;
}

function StationScanner({ settings, event }: { settings: StationSettings; event: Event }) {
  const input = useRef<HTMLInputElement>(null);
  const [code, setCode] = useState('');
  const [answer, setAnswer] = useState<AnswerView | undefined>(undefined);
  const [announcement, setAnnouncement] = useState('');
  const [recent, setRecent] = useState<RecentScan[]>([]);
  const [unreachable, setUnreachable] = useState(false);
  const [camera, setCamera] = useState(false);
  const [search, setSearch] = useState(false);
  const hideTimer = useRef<number | undefined>(undefined);
  const latest = useRef<string | undefined>(undefined);
  const live = useLiveStream<EventStats>(`/api/live/events/${encodeURIComponent(settings.eventId)}`, 'stats');

  const focusInput = () => input.current?.focus({ preventScroll: true });

  const show = (view: AnswerView) => {
    window.clearTimeout(hideTimer.current);
    setAnswer(view);
    hideTimer.current = window.setTimeout(() => setAnswer(undefined), ANSWER_MS[view.tone]);
  };

  async function checkIn(raw: string) {
    const ticketId = raw.trim();
    if (ticketId === '') return;
    const scan = newScan(settings.eventId, settings.gate, ticketId);
    latest.current = scan.key;
    // Only a slow answer shows "sending": a quick one goes straight to its colour.
    const pending = window.setTimeout(() => {
      if (latest.current === scan.key) show({ tone: 'pending', title: t('station.sending'), detail: ticketId });
    }, PENDING_AFTER_MS);
    const result = await submitScan(scan, (attempt) => {
      setUnreachable(true);
      if (latest.current === scan.key) {
        show({ tone: 'pending', title: t('station.retrying', { attempt }), detail: ticketId });
      }
    });
    window.clearTimeout(pending);
    setUnreachable(result.kind === 'failed');
    const view = viewOf(result);
    feedback(view.tone === 'ok' ? 'ok' : view.tone === 'warn' ? 'warn' : 'error');
    setAnnouncement(`${view.title}. ${view.detail}`);
    setRecent((list) => [{ key: scan.key, view, at: scan.scannedAt }, ...list].slice(0, 8));
    // An older scan's late answer does not cover a newer one's; it is in the recent list and was announced.
    if (latest.current === scan.key || result.kind === 'failed') show(view);
  }

  useEffect(() => {
    focusInput();
    return () => window.clearTimeout(hideTimer.current);
  }, []);

  const myGate = live.data?.gates.find((gate) => (gate.location ?? '') === settings.gate);
  return (
    <div class="station">
      <div class="station-head">
        <div>
          <h1 id="page-title" class="station-title">
            {event.title}
          </h1>
          <p class="station-gate">
            {t('station.gate')}: <strong>{settings.gate}</strong>{' '}
            <button type="button" class="button-link" onClick={() => saveStationSettings(undefined)}>
              {t('station.change')}
            </button>
          </p>
        </div>
        <div class="station-counts" aria-live="off">
          <p class="gate-count" data-testid="gate-count">
            {t('station.gateCount', { count: myGate?.count ?? 0, gate: settings.gate })}
          </p>
          {live.data && (
            <p class="muted">
              {t('station.eventCount', {
                checked: live.data.total_checked_in,
                registered: live.data.total_registered,
              })}
            </p>
          )}
        </div>
      </div>
      {(unreachable || live.state === 'unavailable') && <Banner kind="warning">{t('station.unreachable')}</Banner>}

      <form
        class="scan-form"
        onSubmit={(submitted) => {
          submitted.preventDefault();
          const value = code;
          setCode('');
          void checkIn(value);
          focusInput();
        }}
      >
        <label class="scan-label" for="ticket-code">
          {t('station.code')}
        </label>
        <input
          id="ticket-code"
          ref={input}
          class="scan-input"
          value={code}
          autoComplete="off"
          autoCapitalize="characters"
          spellcheck={false}
          enterKeyHint="go"
          aria-describedby="ticket-code-hint"
          onInput={(typed) => {
            setCode(typed.currentTarget.value);
            if (answer && answer.tone !== 'pending') setAnswer(undefined);
          }}
          onBlur={(blurred) => {
            // Keep the focus for the scanner unless the person moved it to another control on purpose.
            if (blurred.relatedTarget === null && !camera && !search) window.setTimeout(focusInput, 0);
          }}
        />
        <p id="ticket-code-hint" class="muted">
          {t('station.codeHint')}
        </p>
        <button type="submit" class="button-primary">
          {t('station.submit')}
        </button>
      </form>

      <div class="station-tools">
        <button type="button" class="button-secondary" aria-pressed={camera} onClick={() => setCamera(!camera)}>
          {camera ? t('station.cameraStop') : t('station.camera')}
        </button>
        <button type="button" class="button-secondary" aria-expanded={search} onClick={() => setSearch(!search)}>
          {t('station.search')}
        </button>
      </div>
      {camera && <CameraScanner onCode={(value: string) => void checkIn(value)} />}
      {search && <TicketSearch eventId={settings.eventId} onCheckIn={(value) => void checkIn(value)} />}

      <section aria-labelledby="recent-title" class="recent">
        <h2 id="recent-title">{t('station.recent')}</h2>
        {recent.length === 0 ? (
          <p class="muted">{t('station.recentEmpty')}</p>
        ) : (
          <ul>
            {recent.map((item) => (
              <li key={item.key} class={`recent-item recent-${item.view.tone}`}>
                <strong>{item.view.title}</strong> — {item.view.detail}
              </li>
            ))}
          </ul>
        )}
      </section>

      <div class="sr-only" aria-live="assertive" aria-atomic="true" data-testid="scan-announcement">
        {announcement}
      </div>
      {answer && (
        <ScanAnswerPanel
          view={answer}
          onDismiss={() => {
            setAnswer(undefined);
            focusInput();
          }}
        />
      )}
    </div>
  );
}

export function StationPage() {
  const { query } = useLocation();
  const settings = stationSettings.value;
  // A link from the dashboard names an event: set the station up for it unless it already is.
  const mismatched = query.event !== undefined && settings !== undefined && settings.eventId !== query.event;
  const event = useApi(
    () => (settings ? endpoints.event(settings.eventId) : Promise.resolve(undefined)),
    [settings?.eventId],
  );
  if (!settings || mismatched) {
    return (
      <Layout>
        <StationSetup preselect={query.event} current={mismatched ? undefined : settings} />
      </Layout>
    );
  }
  const gone = event.error instanceof ApiError && event.error.status === 404;
  return (
    <Layout wide>
      {gone && (
        <>
          <Banner kind="error">{t('station.noEventDetail')}</Banner>
          <StationSetup />
        </>
      )}
      {!gone && event.error !== undefined && <ErrorBanner error={event.error} retry={event.reload} />}
      {!gone && !event.data && event.loading && <Loading />}
      {event.data && <StationScanner settings={settings} event={event.data} />}
    </Layout>
  );
}
