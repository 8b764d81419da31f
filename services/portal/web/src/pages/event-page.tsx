// An event: its stats, check-ins over time (buckets counted by attendance), counts per gate, the searchable list, CSV export.
import type { Event } from '@tixgo/contracts';
import { useEffect, useRef, useState } from 'preact/hooks';
import { lazy, useRoute } from 'preact-iso';
import { type CheckinRow, type EventStats, endpoints } from '../api/endpoints.js';
import { ApiError } from '../api/http.js';
import { formatDateTime, formatGateTime, formatNumber, formatPercent, formatTime, language, t } from '../i18n/index.js';
import { useLiveStream } from '../live/live-stream.js';
import { LanePanel } from '../ui/lane-panel.js';
import { Layout } from '../ui/layout.js';
import { useApi } from '../ui/use-api.js';
import { Banner, ErrorBanner, Loading, PageTitle, ProgressBar, TableScroll } from '../ui/widgets.js';
import { isSupervisorRole, TicketHistoryPanel } from './ticket-history.js';

const TimelineChart = lazy(() => import('./timeline-chart.js'));
const BUCKETS = [5, 15, 60] as const;

function Stat(props: { label: string; value: string; testId?: string }) {
  return (
    <div class="stat">
      <dt>{props.label}</dt>
      <dd data-testid={props.testId}>{props.value}</dd>
    </div>
  );
}

function Timeline({ stats }: { stats: EventStats }) {
  return (
    <>
      {stats.timeline.length === 0 ? (
        <p class="muted">{t('event.chartEmpty')}</p>
      ) : (
        <TimelineChart timeline={stats.timeline} minutes={stats.bucket_minutes} />
      )}
      {stats.timeline.length > 0 && (
        <details class="chart-table">
          <summary>{t('event.chartTable', { minutes: stats.bucket_minutes })}</summary>
          <table>
            <thead>
              <tr>
                <th scope="col">{t('event.chartStart')}</th>
                <th scope="col">{t('event.chartCount')}</th>
              </tr>
            </thead>
            <tbody>
              {stats.timeline.map((bucket) => (
                <tr key={bucket.start}>
                  <td>{formatDateTime(bucket.start)}</td>
                  <td>{formatNumber(bucket.count)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
    </>
  );
}

/** A gate's check-ins and, of them, who is inside now (issue 16). */
function GateCounts({ count, inside }: { count: number; inside: number }) {
  return (
    <span class="gate-counts">
      <span class="gate-count-value">{formatNumber(count)}</span>{' '}
      <span class="gate-inside">· {t('event.gateInside', { inside })}</span>
    </span>
  );
}

function Gates({ stats }: { stats: EventStats }) {
  if (stats.gates.length === 0) return <p class="muted">{t('event.gatesEmpty')}</p>;
  const most = Math.max(...stats.gates.map((gate) => gate.count));
  return (
    <ul class="gate-list" data-testid="gate-list">
      {stats.gates.map((gate) => {
        const name = gate.location ?? t('event.gateNone');
        return (
          <li key={name}>
            <span class="gate-name">{name}</span>
            <span class="gate-bar" aria-hidden="true">
              <span style={{ width: `${most > 0 ? (gate.count / most) * 100 : 0}%` }} />
            </span>
            <GateCounts count={gate.count} inside={gate.inside} />
          </li>
        );
      })}
      {stats.other_gates && (
        // Past the busiest gates attendance names one by one: the rest together (issue 15, item 11).
        <li key="other-gates" class="gate-other">
          <span class="gate-name">{t('event.otherGates', { count: stats.other_gates.gates })}</span>
          <span class="gate-bar" aria-hidden="true" />
          <GateCounts count={stats.other_gates.count} inside={stats.other_gates.inside} />
        </li>
      )}
    </ul>
  );
}

function CheckinList(props: {
  eventId: string;
  gates: string[];
  version: number;
  onTicket: (ticketId: string) => void;
}) {
  const [q, setQ] = useState('');
  const [gate, setGate] = useState('');
  const [rows, setRows] = useState<CheckinRow[] | undefined>(undefined);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(false);
  const generation = useRef(0);

  async function load(cursor?: string) {
    const mine = ++generation.current;
    setLoading(true);
    try {
      // The server searches from 3 characters on (shorter ones match half an event).
      const search = q.trim().length >= 3 ? q.trim() : undefined;
      const page = await endpoints.checkins(props.eventId, { q: search, gate, cursor, limit: 50 });
      if (mine !== generation.current) return;
      setRows((old) => (cursor ? [...(old ?? []), ...page.records] : page.records));
      setNext(page.next_cursor);
      setError(undefined);
    } catch (failure) {
      if (mine === generation.current) setError(failure);
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }

  // A new search, a new gate, or (on the first page) new check-ins: read the first page again.
  useEffect(() => {
    const timer = window.setTimeout(() => void load(), q ? 250 : 0);
    return () => window.clearTimeout(timer);
  }, [q, gate, props.eventId, props.version]);

  return (
    <section aria-labelledby="list-title" class="card">
      <h2 id="list-title">{t('event.list')}</h2>
      <div class="filters">
        <label class="field">
          <span>{t('event.search')}</span>
          <input type="search" value={q} onInput={(event) => setQ(event.currentTarget.value)} />
        </label>
        <label class="field">
          <span>{t('event.gateFilter')}</span>
          <select value={gate} onChange={(event) => setGate(event.currentTarget.value)}>
            <option value="">{t('event.allGates')}</option>
            {props.gates.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
      </div>
      {error !== undefined && <ErrorBanner error={error} retry={() => void load()} />}
      {rows === undefined && loading && <Loading />}
      {rows && rows.length === 0 && <p>{t('event.listEmpty')}</p>}
      {rows && rows.length > 0 && (
        <TableScroll label={t('event.list')}>
          <table class="data-table stacked-table" data-testid="checkin-table">
            <thead>
              <tr>
                <th scope="col">{t('event.colTime')}</th>
                <th scope="col">{t('event.colTicket')}</th>
                <th scope="col">{t('event.colHolder')}</th>
                <th scope="col">{t('event.colGate')}</th>
                <th scope="col">{t('event.colBy')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.checkin_id}>
                  {/* The time at the gate: an offline scan's own time, not when it reached the server. */}
                  <td data-label={t('event.colTime')}>{formatGateTime(row.scanned_at ?? row.checked_in_at)}</td>
                  <th scope="row">
                    <button
                      type="button"
                      class="button-link"
                      data-testid="ticket-history-open"
                      aria-label={t('history.open', { ticket: row.ticket_id })}
                      onClick={() => props.onTicket(row.ticket_id)}
                    >
                      <code>{row.ticket_id}</code>
                    </button>
                  </th>
                  <td data-label={t('event.colHolder')}>{row.holder_name ?? '—'}</td>
                  <td data-label={t('event.colGate')}>{row.location ?? '—'}</td>
                  <td data-label={t('event.colBy')}>{row.checked_in_by}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
      {next && (
        <button type="button" class="button-secondary" disabled={loading} onClick={() => void load(next)}>
          {t('event.more')}
        </button>
      )}
    </section>
  );
}

const EXPORT_LISTS = ['arrived', 'absent', 'history'] as const;
const EXPORT_WORDS = { arrived: 'export.arrived', absent: 'export.absent', history: 'export.history' } as const;

/**
 * The downloads to open in a spreadsheet: who arrived, who has not yet, or every scan attempt (the history), as
 * Excel or CSV, in the page's language.
 */
function Exports({ eventId }: { eventId: string }) {
  const [list, setList] = useState<(typeof EXPORT_LISTS)[number]>('arrived');
  const href = (format: 'xlsx' | 'csv') => endpoints.exportUrl(eventId, { list, format, lang: language.value });
  return (
    <section class="card exports" aria-labelledby="exports-title">
      <h2 id="exports-title">{t('export.title')}</h2>
      <fieldset class="segmented">
        <legend class="sr-only">{t('export.which')}</legend>
        {EXPORT_LISTS.map((value) => (
          <label key={value}>
            <input
              type="radio"
              name="export-list"
              value={value}
              checked={list === value}
              onChange={() => setList(value)}
            />
            <span>{t(EXPORT_WORDS[value])}</span>
          </label>
        ))}
      </fieldset>
      <p class="page-actions">
        <a class="button-primary" href={href('xlsx')} download>
          {t('export.xlsx')}
        </a>
        <a class="button-secondary" href={href('csv')} download>
          {t('export.csv')}
        </a>
      </p>
      <p class="muted">{t('export.hint')}</p>
    </section>
  );
}

/** One admission of a conflicting ticket: where, when (at the gate) and by whom. */
interface Admission {
  gate: string;
  at: string;
  by: string;
}

/**
 * The two admissions of a ticket in the order they happened at the gates: the one that counts may
 * have been scanned after the offline one that reached the server too late (its queue uploaded later).
 */
function inAdmissionOrder(counted: Admission, refused: Admission): [Admission, Admission] {
  return Date.parse(refused.at) < Date.parse(counted.at) ? [refused, counted] : [counted, refused];
}

/** Tickets admitted twice (or never issued) while gates were offline, for a supervisor. */
function Conflicts({ eventId, version }: { eventId: string; version: number }) {
  const conflicts = useApi(() => endpoints.conflicts(eventId), [eventId, version]);
  const [marking, setMarking] = useState<string | undefined>(undefined);
  const [failure, setFailure] = useState<unknown>(undefined);
  const list = conflicts.data;
  if (!list || list.total === 0) return null;
  const open = list.conflicts.filter((conflict) => !conflict.handled).length;
  // The open ones first: a handled one stays listed, with who dealt with it.
  const ordered = [...list.conflicts].sort((a, b) => Number(Boolean(a.handled)) - Number(Boolean(b.handled)));
  const canResolve = isSupervisorRole();
  async function markHandled(conflictId: string, resolution?: 'keep' | 'annul') {
    setMarking(conflictId);
    try {
      if (resolution) await endpoints.resolveConflict(eventId, conflictId, resolution);
      else await endpoints.markConflictHandled(eventId, conflictId);
      setFailure(undefined);
      await conflicts.reload();
    } catch (error) {
      setFailure(error);
    } finally {
      setMarking(undefined);
    }
  }
  return (
    <section class={open > 0 ? 'card conflicts' : 'card conflicts conflicts-handled'} aria-labelledby="conflicts-title">
      <h2 id="conflicts-title">{t('event.conflicts', { count: list.total })}</h2>
      <p class="muted">
        {t('event.conflictsIntro')}{' '}
        <strong data-testid="conflicts-open">{t('event.conflictsOpen', { count: open })}</strong>
      </p>
      {failure !== undefined && <ErrorBanner error={failure} />}
      <ul data-testid="event-conflicts" class="conflict-list">
        {ordered.map((conflict) => {
          const action = conflict.handled ? (
            <span class="muted conflict-handled">
              {' '}
              — {t('event.conflictHandled', { by: conflict.handled.by, time: formatTime(conflict.handled.at) })}
              {conflict.resolution && ` (${t(`conflict.${conflict.resolution}`)})`}
            </span>
          ) : canResolve ? (
            <span class="conflict-actions">
              <button
                type="button"
                class="button-secondary button-small"
                disabled={marking !== undefined}
                data-testid="conflict-keep"
                onClick={() => void markHandled(conflict.conflict_id, 'keep')}
              >
                {t('conflict.keep')}
              </button>{' '}
              <button
                type="button"
                class="button-danger button-small"
                disabled={marking !== undefined || conflict.first === null}
                data-testid="conflict-annul"
                onClick={() => void markHandled(conflict.conflict_id, 'annul')}
              >
                {t('conflict.annul')}
              </button>
            </span>
          ) : (
            <button
              type="button"
              class="button-secondary button-small"
              disabled={marking !== undefined}
              aria-label={t('event.markHandledLabel', { ticket: conflict.ticket_id })}
              onClick={() => void markHandled(conflict.conflict_id)}
            >
              {t('event.markHandled')}
            </button>
          );
          const { first, second } = conflict;
          const refused: Admission = {
            gate: second.location ?? '—',
            at: second.scanned_at ?? second.received_at,
            by: second.checked_in_by,
          };
          const ticket = conflict.holder_name ? `${conflict.ticket_id} (${conflict.holder_name})` : conflict.ticket_id;
          if (conflict.kind !== 'duplicate' && conflict.kind !== 'not-issued') {
            // A gate rule of a list (issue 16): which rule, where and when the device let the person through.
            return (
              <li key={conflict.conflict_id} class={conflict.handled ? 'handled' : undefined}>
                {t('gate.conflictRule', {
                  ticket: conflict.list_id ? `${ticket} [${conflict.list_id}]` : ticket,
                  gate: refused.gate,
                  time: formatGateTime(refused.at),
                  rule: t(`gate.refused.${conflict.kind}`),
                })}{' '}
                {action}
              </li>
            );
          }
          if (!first) {
            return (
              <li key={conflict.conflict_id} class={conflict.handled ? 'handled' : undefined}>
                {t('event.conflictNotIssued', {
                  ticket,
                  gate: refused.gate,
                  time: formatGateTime(refused.at),
                  by: refused.by,
                })}{' '}
                {action}
              </li>
            );
          }
          const counted: Admission = {
            gate: first.location ?? '—',
            at: first.scanned_at ?? first.checked_in_at,
            by: first.checked_in_by,
          };
          const [earlier, later] = inAdmissionOrder(counted, refused);
          return (
            <li key={conflict.conflict_id} class={conflict.handled ? 'handled' : undefined}>
              {t('event.conflictDuplicate', {
                ticket,
                earlierGate: earlier.gate,
                earlierTime: formatGateTime(earlier.at),
                earlierBy: earlier.by,
                laterGate: later.gate,
                laterTime: formatGateTime(later.at),
                laterBy: later.by,
              })}{' '}
              {action}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

export function EventPage() {
  const { params } = useRoute();
  const eventId = params.id as string;
  const [bucket, setBucket] = useState<number>(15);
  const event = useApi<Event>(() => endpoints.event(eventId), [eventId]);
  const stats = useApi<EventStats>(() => endpoints.stats(eventId, bucket), [eventId, bucket]);
  const live = useLiveStream<EventStats>(`/api/live/events/${encodeURIComponent(eventId)}`, 'stats');
  // The lanes move with the clock as well as with check-ins: taken from every live answer.
  const lanes = live.data?.lanes ?? stats.data?.lanes;
  const [version, setVersion] = useState(0);
  const [historyOf, setHistoryOf] = useState<string | undefined>(undefined);
  const seen = useRef<number | undefined>(undefined);

  // New check-ins arrived: refresh the numbers, the chart and the first page of the list.
  useEffect(() => {
    const total = live.data?.total_checked_in;
    if (total === undefined) return;
    if (seen.current !== undefined && total !== seen.current) {
      void stats.reload();
      setVersion((value) => value + 1);
    }
    seen.current = total;
  }, [live.data?.total_checked_in]);

  if (event.error instanceof ApiError && event.error.status === 404) {
    return (
      <Layout>
        <Banner kind="error">{t('event.notFound')}</Banner>
        <a href="/dashboard">{t('event.back')}</a>
      </Layout>
    );
  }
  const info = event.data;
  const numbers = stats.data;
  return (
    <Layout wide>
      <p>
        <a href="/dashboard">← {t('event.back')}</a>
      </p>
      {event.error !== undefined && <ErrorBanner error={event.error} retry={event.reload} />}
      {!info && event.loading && <Loading />}
      {info && (
        <>
          <div class="page-head">
            <PageTitle>{info.title}</PageTitle>
            <span class="page-actions">
              <a class="button-primary" href={`/station?event=${encodeURIComponent(info.id)}`}>
                {t('event.station')}
              </a>
            </span>
          </div>
          <p class="muted">
            {[info.start_time ? formatDateTime(info.start_time) : undefined, info.location ?? undefined]
              .filter(Boolean)
              .join(' · ')}
          </p>
          {info.description && <p>{info.description}</p>}
        </>
      )}
      {live.state === 'reconnecting' && <Banner kind="warning">{t('live.reconnecting')}</Banner>}
      {stats.error !== undefined && <ErrorBanner error={stats.error} retry={stats.reload} />}
      {numbers && (
        <>
          <dl class="stats">
            <Stat
              label={t('event.checkedIn')}
              value={formatNumber(numbers.total_checked_in)}
              testId="stat-checked-in"
            />
            <Stat label={t('event.registered')} value={formatNumber(numbers.total_registered)} />
            <Stat label={t('event.percentage')} value={formatPercent(numbers.checkin_percentage)} />
            <Stat label={t('event.inside')} value={formatNumber(numbers.inside)} testId="stat-inside" />
          </dl>
          <ProgressBar
            value={numbers.total_checked_in}
            max={numbers.total_registered}
            label={t('dashboard.progressLabel', { title: info?.title ?? eventId })}
          />
          {lanes && <LanePanel lanes={lanes} />}
          <div class="two-columns">
            <section class="card" aria-labelledby="chart-title">
              <div class="section-head">
                <h2 id="chart-title">{t('event.chart')}</h2>
                <fieldset class="segmented">
                  <legend class="sr-only">{t('event.bucket')}</legend>
                  {BUCKETS.map((minutes) => (
                    <label key={minutes}>
                      <input
                        type="radio"
                        name="bucket"
                        value={minutes}
                        checked={bucket === minutes}
                        onChange={() => setBucket(minutes)}
                      />
                      <span>{t('event.bucketMinutes', { minutes })}</span>
                    </label>
                  ))}
                </fieldset>
              </div>
              <Timeline stats={numbers} />
            </section>
            <section class="card" aria-labelledby="gates-title">
              <h2 id="gates-title">{t('event.gates')}</h2>
              <Gates stats={numbers} />
            </section>
          </div>
        </>
      )}
      {info && <Exports eventId={info.id} />}
      <Conflicts eventId={eventId} version={version} />
      {historyOf && (
        <TicketHistoryPanel
          eventId={eventId}
          ticketId={historyOf}
          onClose={() => setHistoryOf(undefined)}
          onChange={() => {
            void stats.reload();
            setVersion((value) => value + 1);
          }}
        />
      )}
      <CheckinList
        eventId={eventId}
        version={version}
        onTicket={setHistoryOf}
        gates={(numbers?.gates ?? []).flatMap((gate) => (gate.location === null ? [] : [gate.location]))}
      />
    </Layout>
  );
}
