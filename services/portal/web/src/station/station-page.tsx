// The check-in station: one big input that keeps focus (USB/Bluetooth scanners type a code + Enter), camera scanning,
// manual search, a full-screen answer within a second, the gate's running count, and answers from the device
// (with a queue that sends itself) when the network is away.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { lazy, useLocation } from 'preact-iso';
import { type EventStats, endpoints } from '../api/endpoints.js';
import { ApiError } from '../api/http.js';
import { session, sessionLost, sessionPromptDeferred, sessionPromptOpen } from '../api/session.js';
import { formatGateTime, formatTime, t } from '../i18n/index.js';
import { useLiveStream } from '../live/live-stream.js';
import type { StoredScan } from '../offline/device-store.js';
import { offlineMode } from '../offline/service-worker.js';
import { ConfirmDialog } from '../ui/confirm-dialog.js';
import { Layout } from '../ui/layout.js';
import { useApi } from '../ui/use-api.js';
import { Banner, ErrorBanner, Loading } from '../ui/widgets.js';
import { signal as feedback } from './feedback.js';
import { keepCounts, keptCounts } from './kept-counts.js';
import { type AnswerView, answeredView, ScanAnswerPanel, savedView, type Tone, viewOf } from './scan-answer.js';
import type { Refusal } from './scan-client.js';
import { ScannerBurst } from './scanner-burst.js';
import { type RecentHere, StationEngine } from './station-engine.js';
import { type StationSettings, saveStationSettings, stationSettings, stationSetupOpen } from './station-settings.js';
import { StationSetup } from './station-setup.js';
import { TicketSearch } from './ticket-search.js';

// The camera code (and its QR decoder) loads only when someone opens the camera.
const CameraScanner = lazy(() => import('./camera-scanner.js').then((m) => m.CameraScanner));

/** How long an answer stays on screen before the station is ready by itself (a new scan replaces it at once). */
const ANSWER_MS: Record<Tone, number> = {
  ok: 1800,
  out: 1800,
  repeat: 1800,
  saved: 2500,
  warn: 4000,
  error: 4000,
  pending: 60_000,
};
/** How many scans the recent list shows. */
const RECENT_KEPT = 8;
/** Only a slow answer shows "sending": a quick one goes straight to its colour. */
const PENDING_AFTER_MS = 350;

interface RecentScan {
  /** The scan's idempotency key. */
  key: string;
  /** An admission the server counted (issue 16): a supervisor may undo it from here. */
  undo?: { checkinId: string; ticketId: string } | undefined;
  /** Saved on the device and not yet answered by the server. */
  saved: boolean;
  /** Worded when shown, so a language switch rewords the whole list. */
  view: () => AnswerView;
  /** When its answer was shown (ISO). */
  at: string;
}

/** A scan of the recent list as the device kept it, worded again (see StationEngine.recentHere). */
function restoredScan(item: RecentHere, answered: StoredScan | undefined, isSupervisor: boolean): RecentScan {
  const { key, at, result, scan } = item;
  // A saved scan the server has answered since: what became of it.
  const sent = answered ?? (scan?.admittedOffline && scan.state === 'sent' ? scan : undefined);
  if (sent) return { key, at, saved: false, view: () => answeredView(sent) };
  if (!result) return { key, at, saved: true, view: () => savedView(scan?.ticketId ?? '') };
  const counted = result.answer.source === 'server' && result.answer.kind === 'ok' ? result.answer.checkin : undefined;
  return {
    key,
    at,
    saved: viewOf(result, isSupervisor).tone === 'saved',
    view: () => viewOf(result, isSupervisor),
    undo: counted && { checkinId: counted.checkin_id, ticketId: counted.ticket_id },
  };
}

function QueueStatus({ engine }: { engine: StationEngine }) {
  const download = engine.download.value;
  const waiting = engine.waiting.value;
  return (
    <div class="queue-status" data-testid="queue-status">
      <p>
        <strong data-testid="waiting-count">
          {waiting > 0 ? t('station.waiting', { count: waiting }) : t('station.allSent')}
        </strong>
        {engine.lastSync.value && (
          <span class="muted"> · {t('station.lastSync', { time: formatTime(engine.lastSync.value) })}</span>
        )}
      </p>
      <p class="muted" data-testid="ticket-copy">
        {!download || download.ticketCount === 0
          ? download && !download.complete
            ? t('station.ticketsLoading', { count: 0 })
            : t('station.ticketsNone')
          : download.complete
            ? t('station.tickets', { count: download.ticketCount, time: formatTime(download.downloadedAt) })
            : t('station.ticketsLoading', { count: download.ticketCount })}
      </p>
    </div>
  );
}

function Conflicts({ engine }: { engine: StationEngine }) {
  const list = engine.conflicts.value;
  if (list.length === 0) return null;
  return (
    <section aria-labelledby="conflicts-title" class="card conflicts">
      <h2 id="conflicts-title">{t('station.conflicts')}</h2>
      <ul data-testid="conflict-list">
        {list.map((scan) => (
          <li key={scan.key}>
            {scan.refusal
              ? t('gate.conflictRule', {
                  ticket: scan.ticketId,
                  gate: scan.gate,
                  time: formatTime(scan.scannedAt),
                  rule: t(`gate.refused.${scan.refusal as Refusal}`),
                })
              : scan.firstAt
                ? t('station.conflictLine', {
                    ticket: scan.ticketId,
                    firstGate: scan.firstGate ?? '—',
                    firstTime: formatTime(scan.firstAt),
                    firstBy: scan.firstBy ?? '',
                    gate: scan.gate,
                    time: formatTime(scan.scannedAt),
                  })
                : t('station.conflictUnknown', {
                    ticket: scan.ticketId,
                    gate: scan.gate,
                    time: formatTime(scan.scannedAt),
                  })}
          </li>
        ))}
      </ul>
    </section>
  );
}

function StationScanner({ settings, title, owner }: { settings: StationSettings; title: string; owner: string }) {
  const input = useRef<HTMLInputElement>(null);
  const [code, setCode] = useState('');
  const [answer, setAnswer] = useState<AnswerView | undefined>(undefined);
  const [announcement, setAnnouncement] = useState('');
  const [recent, setRecent] = useState<RecentScan[]>([]);
  const [camera, setCamera] = useState(false);
  const [search, setSearch] = useState(false);
  const hideTimer = useRef<number | undefined>(undefined);
  /** The attention ticket's answer waiting for the gate's confirmation (issue 17 item 9). */
  const attention = useRef<AnswerView | undefined>(undefined);
  /** Scans refused while it waits: the panel says so. */
  const [heldScans, setHeldScans] = useState(0);
  const latest = useRef(0);
  const engine = useMemo(
    () => new StationEngine(settings.eventId, settings.gate, owner),
    [settings.eventId, settings.gate, owner],
  );
  // The list and its rules, In or Out, and the role (a supervisor's override is decided offline too).
  engine.list = settings.list;
  engine.role = session.value?.role ?? 'committee';
  const isSupervisor = engine.role === 'supervisor' || engine.role === 'admin';
  const direction = settings.direction ?? 'entry';
  engine.direction.value = direction;
  const [undoing, setUndoing] = useState<{ checkinId: string; ticketId: string } | undefined>(undefined);
  const [undoReason, setUndoReason] = useState('');
  const [undoBusy, setUndoBusy] = useState(false);
  // Counts undos done here: the search asks again, so a found ticket shows its state after the undo.
  const [undoneCount, setUndoneCount] = useState(0);
  const [lastTicket, setLastTicket] = useState<string | undefined>(undefined);
  const live = useLiveStream<EventStats>(`/api/live/events/${encodeURIComponent(settings.eventId)}`, 'stats');
  // The last counts the server sent, kept on the device: what the station shows until the stream speaks again.
  const [kept, setKept] = useState(() => keptCounts(settings.eventId));
  useEffect(() => {
    if (!live.data) return;
    keepCounts(settings.eventId, live.data);
    setKept(undefined);
  }, [live.data, settings.eventId]);
  const stats = live.data ?? kept?.stats;

  // A saved scan in the recent list takes the server's answer once its upload has one.
  const answered = engine.answered.value;
  useEffect(() => {
    if (answered.size === 0) return;
    setRecent((list) =>
      list.map((item) => {
        const after = item.saved ? answered.get(item.key) : undefined;
        return after ? { key: item.key, saved: false, at: item.at, view: () => answeredView(after) } : item;
      }),
    );
  }, [answered]);

  // Signed in again after the session ended: the scans kept meanwhile go out at once.
  const lost = sessionLost.value;
  useEffect(() => {
    if (!lost) engine.signedInAgain();
  }, [lost, engine]);

  useEffect(() => {
    // The session's end is said by a banner here: a dialog over the station would take the scanner's codes.
    sessionPromptDeferred.value = true;
    return () => {
      sessionPromptDeferred.value = false;
    };
  }, []);

  useEffect(() => {
    engine.start();
    // After a reload the recent list comes back from the device (issue 17 item 17): every answer shown here, with
    // its colour and time; a saved scan whose upload has been answered since is listed with that answer.
    void engine.recentHere(RECENT_KEPT).then((items) => {
      const restored = items.map((item) => restoredScan(item, engine.answered.value.get(item.key), isSupervisor));
      setRecent((list) => (list.length === 0 ? restored : list));
    });
    return () => engine.stop();
  }, [engine]);

  const focusInput = () => input.current?.focus({ preventScroll: true });

  const show = (view: AnswerView) => {
    window.clearTimeout(hideTimer.current);
    setAnswer(view);
    // An attention ticket's answer stays until the gate taps to confirm: no timer takes it away.
    if (view.attention) {
      attention.current = view;
      return;
    }
    hideTimer.current = window.setTimeout(() => setAnswer(undefined), ANSWER_MS[view.tone]);
  };

  async function checkIn(raw: string, override = false) {
    if (raw.trim() === '') return;
    // The station stops at an attention ticket: a scan before the gate confirmed it is not taken (scan it again
    // after), and the note is said again.
    if (attention.current) {
      feedback('attention');
      setHeldScans((count) => count + 1);
      setAnnouncement(`${t('station.attentionFirst')} ${attention.current.attention ?? ''}`);
      return;
    }
    const mine = ++latest.current;
    const pending = window.setTimeout(() => {
      if (latest.current === mine) show({ tone: 'pending', title: t('station.sending'), detail: raw.trim() });
    }, PENDING_AFTER_MS);
    const result = await engine.scan(raw, { override });
    window.clearTimeout(pending);
    setLastTicket(result.ticketId);
    const view = viewOf(result, isSupervisor);
    feedback(
      view.attention
        ? 'attention'
        : view.tone === 'ok' || view.tone === 'out' || view.tone === 'repeat' || view.tone === 'saved'
          ? 'ok'
          : view.tone === 'warn'
            ? 'warn'
            : 'error',
    );
    const who = [view.holderName, view.ticketType].filter(Boolean).join(', ');
    setAnnouncement(who ? `${view.title}. ${who}. ${view.detail}` : `${view.title}. ${view.detail}`);
    const counted =
      result.answer.source === 'server' && result.answer.kind === 'ok' ? result.answer.checkin : undefined;
    const at = new Date().toISOString();
    const entry = {
      key: result.scanKey,
      saved: view.tone === 'saved',
      at,
      view: () => viewOf(result, isSupervisor),
      undo: counted && { checkinId: counted.checkin_id, ticketId: counted.ticket_id },
    };
    void engine.keepShown(result, at);
    setRecent((list) => [entry, ...list].slice(0, RECENT_KEPT));
    // An older scan's late answer does not cover a newer one's: it is in the recent list and was announced.
    if (latest.current === mine) show(view);
  }

  const checkInLatest = useRef(checkIn);
  checkInLatest.current = checkIn;

  useEffect(() => {
    focusInput();
    const burst = new ScannerBurst();
    // A scanner types wherever the focus is: after a tap on a button (search, the language, a search result's
    // check-in) its code would be lost and its Enter would press that button again. A printable key that does not
    // go to a text field brings the focus back to the code field first, so the whole scan lands there. In another
    // text field (the name search) the scan is told by its rhythm: its characters come out of that field and are
    // checked in. The code field's own Enter checks in what it holds, as always (a rhythm is no reason to cut it).
    const reclaim = (event: KeyboardEvent) => {
      const scanned = burst.keydown(event.key, event.timeStamp);
      if (scanned !== undefined) {
        takeScan(event, scanned);
        return;
      }
      if (event.key.length !== 1 || event.ctrlKey || event.metaKey || event.altKey) return;
      if (takesText(event.target) || input.current === null) return;
      focusInput();
    };
    const takeScan = (event: KeyboardEvent, scanned: string) => {
      const field = event.target;
      if (field === input.current) return;
      event.preventDefault();
      event.stopPropagation();
      if (field instanceof HTMLInputElement && takesText(field) && field.value.endsWith(scanned)) {
        // Give the field back what the person typed there, through its own input handler.
        field.value = field.value.slice(0, -scanned.length);
        field.dispatchEvent(new Event('input', { bubbles: true }));
      }
      void checkInLatest.current(scanned);
    };
    document.addEventListener('keydown', reclaim, true);
    return () => {
      document.removeEventListener('keydown', reclaim, true);
      window.clearTimeout(hideTimer.current);
    };
  }, []);

  const myGate = stats?.gates.find((gate) => (gate.location ?? '') === settings.gate);
  const onOtherList = settings.list !== undefined && settings.list !== null && settings.list.id !== 'main';
  // Inside the station's list now (issue 16), from the live stats (or the last kept); its capacity from the list's rules.
  const listNow = stats?.lists?.find((list) => list.id === (settings.list?.id ?? 'main'));
  if (listNow && engine.list) engine.list.inside = listNow.inside;
  const setDirection = (next: 'entry' | 'exit') => {
    saveStationSettings({ ...settings, direction: next });
    focusInput();
  };
  // Offline the server's count stands still: the people let in on the device's word count too until they are sent.
  const savedHere = engine.savedHere.value;
  const offline = engine.mode.value === 'offline';
  return (
    <div class="station">
      <div class="station-head">
        <div>
          <h1 id="page-title" class="station-title">
            {title}
          </h1>
          <p class="station-gate">
            {t('station.gate')}: <strong>{settings.gate}</strong>{' '}
            <button type="button" class="button-link" onClick={() => (stationSetupOpen.value = true)}>
              {t('station.change')}
            </button>
          </p>
          <p class="station-list" data-testid="station-list">
            {t('gate.list')}: <strong>{settings.list ? settings.list.name : t('gate.listMain')}</strong>
            {listNow && (
              <span class="muted" data-testid="inside-count">
                {' · '}
                {settings.list?.capacity !== null && settings.list?.capacity !== undefined
                  ? t('gate.insideCapacity', { inside: listNow.inside, capacity: settings.list.capacity })
                  : t('gate.inside', { inside: listNow.inside })}
              </span>
            )}
          </p>
          <fieldset class="direction-toggle" data-testid="direction-toggle">
            <legend class="sr-only">{t('gate.direction')}</legend>
            <button
              type="button"
              class={direction === 'entry' ? 'button-primary' : 'button-secondary'}
              aria-pressed={direction === 'entry'}
              onClick={() => setDirection('entry')}
            >
              {t('gate.in')}
            </button>
            <button
              type="button"
              class={direction === 'exit' ? 'button-exit' : 'button-secondary'}
              aria-pressed={direction === 'exit'}
              data-testid="direction-out"
              onClick={() => setDirection('exit')}
            >
              {t('gate.out')}
            </button>
          </fieldset>
        </div>
        <div class="station-counts" aria-live="off">
          {/* Past the 50 busiest gates the stats name none (issue 15, item 11): no count rather than a false 0. */}
          {onOtherList
            ? // A station on an area or day list counts that list's admissions, not the gate's on the list main.
              listNow && (
                <p class="gate-count" data-testid="gate-count">
                  {t('station.listCount', { count: listNow.checked_in + savedHere, list: settings.list?.name ?? '' })}
                </p>
              )
            : (myGate !== undefined || !stats?.other_gates) && (
                <p class="gate-count" data-testid="gate-count">
                  {t('station.gateCount', { count: (myGate?.count ?? 0) + savedHere, gate: settings.gate })}
                </p>
              )}
          {savedHere > 0 && (
            <p class="muted" data-testid="gate-count-saved">
              {t('station.gateCountSaved', { count: savedHere })}
            </p>
          )}
          {stats && (
            <p class="muted" data-testid="event-count">
              {t('station.eventCount', {
                checked: stats.total_checked_in,
                registered: stats.total_registered,
              })}
            </p>
          )}
          {!live.data && kept && (
            <p class="muted" data-testid="counts-as-of">
              {t('station.countsAsOf', { time: formatTime(kept.at) })}
            </p>
          )}
        </div>
      </div>
      {offline && !engine.needsSignIn.value && (
        <p class="banner banner-offline" role="status" data-testid="offline-banner">
          {t(engine.serviceDown.value ? 'station.offlineServiceDown' : 'station.offline')}
        </p>
      )}
      {offlineMode.value === 'unavailable' && (
        <div class="banner banner-warning" role="status" data-testid="offline-mode-missing">
          <span>
            <strong>{t('station.offlineModeMissing')}</strong> {t('station.offlineModeMissingDetail')}{' '}
            <a href="/ca">{t('station.offlineModeHowTo')}</a>
          </span>
        </div>
      )}
      {(engine.needsSignIn.value || lost) && (
        <div class="banner banner-warning" role="status" data-testid="station-signed-out">
          <span>{t('station.signInToSend', { count: engine.waiting.value })}</span>{' '}
          <button type="button" class="button-small" onClick={() => (sessionPromptOpen.value = true)}>
            {t('station.signInLink')}
          </button>
        </div>
      )}
      {direction === 'exit' && (
        <p class="banner banner-exit" role="status" data-testid="exit-mode">
          {t('gate.outMode')}
        </p>
      )}
      <QueueStatus engine={engine} />

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
            // Typing hides an answer, not an attention ticket's: that one waits for the gate's tap.
            if (answer && answer.tone !== 'pending' && !answer.attention) setAnswer(undefined);
          }}
          onBlur={(blurred) => {
            // Keep the focus for the scanner unless the person moved it to another control on purpose (a tap on
            // empty space moves it to the page itself). With the camera open, a phone's keyboard is not wanted.
            if (!isControl(blurred.relatedTarget) && !camera) window.setTimeout(focusInput, 0);
          }}
        />
        <p id="ticket-code-hint" class="muted">
          {t('station.codeHint')}
        </p>
        <button type="submit" class="button-primary">
          {direction === 'exit' ? t('gate.out') : t('station.submit')}
        </button>
      </form>

      <div class="station-tools">
        <button type="button" class="button-secondary" aria-pressed={camera} onClick={() => setCamera(!camera)}>
          {camera ? t('station.cameraStop') : t('station.camera')}
        </button>
        <button
          type="button"
          class="button-secondary"
          aria-expanded={search}
          onClick={() => {
            if (search) focusInput();
            setSearch(!search);
          }}
        >
          {t('station.search')}
        </button>
      </div>
      {camera && <CameraScanner onCode={(value: string) => void checkIn(value)} />}
      {search && (
        <TicketSearch
          eventId={settings.eventId}
          offline={offline}
          onCheckIn={async (value) => {
            focusInput();
            await checkIn(value);
          }}
          canUndo={isSupervisor && !offline}
          onUndo={(admission) => {
            setUndoReason('');
            setUndoing(admission);
          }}
          refreshKey={undoneCount}
        />
      )}

      <Conflicts engine={engine} />
      <section aria-labelledby="recent-title" class="recent">
        <h2 id="recent-title">{t('station.recent')}</h2>
        {recent.length === 0 ? (
          <p class="muted">{t('station.recentEmpty')}</p>
        ) : (
          <ul>
            {recent.map((item) => {
              const view = item.view();
              return (
                <li key={item.key} class={`recent-item recent-${view.tone}`}>
                  <strong>{view.title}</strong> — {view.detail}{' '}
                  <time class="muted recent-time" dateTime={item.at}>
                    · {formatGateTime(item.at)}
                  </time>
                  {isSupervisor && item.undo && (
                    <>
                      {' '}
                      <button
                        type="button"
                        class="button-small"
                        data-testid="undo"
                        onClick={() => {
                          setUndoReason('');
                          setUndoing(item.undo);
                        }}
                      >
                        {t('gate.undo')}
                      </button>
                    </>
                  )}
                </li>
              );
            })}
          </ul>
        )}
      </section>

      <div class="sr-only" aria-live="assertive" aria-atomic="true" data-testid="scan-announcement">
        {announcement}
      </div>
      {answer && (
        <ScanAnswerPanel
          view={answer}
          heldScans={answer.attention ? heldScans : 0}
          onDismiss={() => {
            attention.current = undefined;
            setHeldScans(0);
            setAnswer(undefined);
            focusInput();
          }}
          onOverride={() => {
            if (lastTicket) void checkIn(lastTicket, true);
            focusInput();
          }}
        />
      )}
      {undoing && (
        <ConfirmDialog
          title={t('gate.undoTitle', { ticket: undoing.ticketId })}
          confirmLabel={t('gate.undo')}
          ready={undoReason.trim() !== ''}
          busy={undoBusy}
          onCancel={() => {
            setUndoing(undefined);
            focusInput();
          }}
          onConfirm={() => {
            setUndoBusy(true);
            void endpoints
              .annul(settings.eventId, undoing.checkinId, undoReason.trim())
              .then(() => {
                const done = t('gate.undone', { ticket: undoing.ticketId });
                setAnnouncement(done);
                setUndoneCount((count) => count + 1);
                setRecent((list) =>
                  list.map((item) =>
                    item.undo?.checkinId === undoing.checkinId
                      ? {
                          ...item,
                          undo: undefined,
                          view: () => ({ tone: 'warn', title: t('gate.undo'), detail: done }),
                        }
                      : item,
                  ),
                );
              })
              .catch((error: unknown) => setAnnouncement(error instanceof Error ? error.message : String(error)))
              .finally(() => {
                setUndoBusy(false);
                setUndoing(undefined);
                focusInput();
              });
          }}
        >
          <p>{t('gate.undoIntro')}</p>
          <label class="field">
            <span>{t('gate.reason')}</span>
            <input
              data-testid="undo-reason"
              value={undoReason}
              maxLength={500}
              onInput={(event) => setUndoReason(event.currentTarget.value)}
            />
          </label>
        </ConfirmDialog>
      )}
    </div>
  );
}

/** Where typed characters are meant to go: a text field, a text area, a list, an editable element. */
function takesText(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) {
    return true;
  }
  return (
    target instanceof HTMLInputElement && !['button', 'checkbox', 'radio', 'submit', 'reset'].includes(target.type)
  );
}

/** A control the person chose by moving the focus there (not the page or an empty area of it). */
function isControl(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && target.matches('a[href], button, input, select, textarea, [contenteditable]');
}

export function StationPage() {
  const { query, route } = useLocation();
  const settings = stationSettings.value;
  // A link from the dashboard names an event: set the station up for it unless it already is.
  const mismatched = query.event !== undefined && settings !== undefined && settings.eventId !== query.event;
  const event = useApi(
    () => (settings ? endpoints.event(settings.eventId) : Promise.resolve(undefined)),
    [settings?.eventId],
  );
  // The title is remembered for the station's offline openings.
  useEffect(() => {
    if (event.data && settings && event.data.title !== settings.title) {
      saveStationSettings({ ...settings, title: event.data.title });
    }
  }, [event.data, settings]);
  if (!settings || mismatched || stationSetupOpen.value) {
    return (
      <Layout>
        <StationSetup
          preselect={mismatched ? query.event : undefined}
          current={settings}
          onCancel={() => {
            stationSetupOpen.value = false;
            if (mismatched) route('/station');
          }}
        />
      </Layout>
    );
  }
  const gone = event.error instanceof ApiError && event.error.status === 404;
  // Without network the station still opens, with the title remembered when it was set up.
  const offline = event.error instanceof ApiError && event.error.isUnreachable;
  const title = event.data?.title ?? (offline ? settings.title : undefined);
  return (
    <Layout wide>
      {gone && (
        <>
          <Banner kind="error">{t('station.noEventDetail')}</Banner>
          <StationSetup />
        </>
      )}
      {!gone && event.error !== undefined && title === undefined && (
        <ErrorBanner error={event.error} retry={event.reload} />
      )}
      {!gone && title === undefined && event.loading && <Loading />}
      {!gone && title !== undefined && session.value && (
        <StationScanner settings={settings} title={title} owner={session.value.username} />
      )}
    </Layout>
  );
}
