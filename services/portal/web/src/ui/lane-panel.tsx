// Live lanes (issue 17): each gate's pace and trend, idle gates, who is still to come, the time the lanes need
// for them at their pace, and "open another lane" when that is past the start. Computed by attendance.
import type { Lane, Lanes } from '@tixgo/contracts';
import { formatDuration, formatNumber, formatTime, t } from '../i18n/index.js';

const rate = (perMinute: number) => t('lanes.rate', { rate: formatNumber(perMinute) });
const minutes = (value: number) => formatDuration(Math.round(value * 60));

function trendText(lane: Lane): string {
  if (lane.trend === 'up') return `↑ ${t('lanes.up')}`;
  if (lane.trend === 'down') return `↓ ${t('lanes.down')}`;
  return `→ ${t('lanes.steady')}`;
}

/** The plain hint when the queue will not be in by the start, else undefined. */
function hintOf(lanes: Lanes): string | undefined {
  if (lanes.more_lanes_needed <= 0 || lanes.minutes_to_clear === null || lanes.minutes_to_start === null) return;
  return t('lanes.openMore', {
    count: lanes.more_lanes_needed,
    late: minutes(lanes.minutes_to_clear - lanes.minutes_to_start),
  });
}

function clearText(lanes: Lanes): string {
  if (lanes.remaining === 0) return t('lanes.allIn');
  if (lanes.minutes_to_clear === null) return t('lanes.noPace');
  return t('lanes.clearIn', { time: minutes(lanes.minutes_to_clear) });
}

/** The numbers of the queue, in one line on the dashboard and as a list on the event page. */
function QueueNumbers({ lanes }: { lanes: Lanes }) {
  return (
    <dl class="lane-numbers">
      {lanes.remaining !== null && (
        <div>
          <dt>{t('lanes.remaining')}</dt>
          <dd data-testid="lanes-remaining">{formatNumber(lanes.remaining)}</dd>
        </div>
      )}
      <div>
        <dt>{t('lanes.arrivals')}</dt>
        <dd data-testid="lanes-rate">{rate(lanes.per_minute)}</dd>
      </div>
      {lanes.remaining !== null && (
        <div>
          <dt>{t('lanes.clear')}</dt>
          <dd data-testid="lanes-clear">{clearText(lanes)}</dd>
        </div>
      )}
      {lanes.minutes_to_start !== null && (
        <div>
          <dt>{t('lanes.start')}</dt>
          <dd>{minutes(lanes.minutes_to_start)}</dd>
        </div>
      )}
    </dl>
  );
}

/** The event page's panel: the queue, the hint, and every lane. */
export function LanePanel({ lanes }: { lanes: Lanes }) {
  const hint = hintOf(lanes);
  return (
    <section class="card lane-panel" aria-labelledby="lanes-title" data-testid="lane-panel">
      <h2 id="lanes-title">{t('lanes.title', { minutes: lanes.window_minutes })}</h2>
      <QueueNumbers lanes={lanes} />
      {hint && (
        <p class="banner banner-warning lane-hint" data-testid="lanes-hint">
          {hint}
        </p>
      )}
      {lanes.lanes.length === 0 ? (
        <p class="muted">{t('lanes.none')}</p>
      ) : (
        <ul class="lane-list" data-testid="lane-list">
          {lanes.lanes.map((lane) => (
            <li key={lane.location ?? ''} class={lane.idle ? 'lane lane-idle' : 'lane'}>
              <span class="lane-name">{lane.location ?? t('event.gateNone')}</span>
              <span class="lane-rate">{rate(lane.per_minute)}</span>
              <span class={`lane-trend lane-trend-${lane.trend}`}>{trendText(lane)}</span>
              {lane.idle && (
                <span class="lane-idle-badge">{t('lanes.idle', { time: formatTime(lane.last_scan_at) })}</span>
              )}
            </li>
          ))}
          {lanes.other && (
            <li class="lane">
              <span class="lane-name">{t('lanes.other', { count: lanes.other.lanes })}</span>
              <span class="lane-rate">{rate(lanes.other.per_minute)}</span>
            </li>
          )}
        </ul>
      )}
    </section>
  );
}

/** The dashboard card's lines: the queue and the hint. */
export function LaneSummary({ lanes }: { lanes: Lanes }) {
  const hint = hintOf(lanes);
  const idle = lanes.lanes.filter((lane) => lane.idle).length;
  return (
    <div class="lane-summary" data-testid="lane-summary">
      <QueueNumbers lanes={lanes} />
      <p class="muted">
        {t('lanes.activeLanes', { count: lanes.active_lanes })}
        {idle > 0 && ` · ${t('lanes.idleLanes', { count: idle })}`}
      </p>
      {hint && (
        <p class="banner banner-warning lane-hint" data-testid="lanes-hint">
          {hint}
        </p>
      )}
    </div>
  );
}
