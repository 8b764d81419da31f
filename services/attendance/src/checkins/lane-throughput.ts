// Live lanes (issue 17): each gate's scans per minute over the last minutes and its trend, idle gates, and
// the queue — who is still to come, the time the current lanes need for them at their measured pace, and
// whether that is past the start. A pure function of per-minute counts and the clock.
import type { Lane, Lanes } from '@tixgo/contracts';

/** The window a lane's pace is measured over, in minutes. */
export const LANE_WINDOW_MINUTES = 5;
/** A gate with no scan for this long is idle (a lane someone left, or a device that went quiet). */
export const LANE_IDLE_MINUTES = 3;
/** Gates with a scan within this long are lanes; older ones are gone. */
export const LANE_RECENT_MINUTES = 60;
/** Lanes listed one by one; the rest are summed (a stats answer stays small whatever the gates). */
export const LANE_MAX_LISTED = 12;
/** A pace this much higher (or lower) than the window before, and by a whole scan a minute, is a trend. */
const TREND_RATIO = 1.2;

const MINUTE = 60_000;

/** Scans of one gate in one minute (the minute's start in ms since the epoch). */
export interface MinuteCount {
  location: string | null;
  minute: number;
  n: number;
}

export interface LaneInputs {
  counts: Iterable<MinuteCount>;
  now: number;
  /** Registered tickets (or the capacity); 0 when the event has neither. */
  registered: number;
  checkedIn: number;
  /** The event's start in ms, or null. */
  startsAt: number | null;
}

const round1 = (value: number) => Math.round(value * 10) / 10;

function trendOf(now: number, before: number): Lane['trend'] {
  if (now >= before * TREND_RATIO && now - before >= 1) return 'up';
  if (now * TREND_RATIO <= before && before - now >= 1) return 'down';
  return 'steady';
}

/**
 * The lanes at `now`. The window is the last LANE_WINDOW_MINUTES whole minutes up to now, the current
 * minute counted for the part of it that has passed (so a pace does not drop at each minute's start);
 * the previous window is the LANE_WINDOW_MINUTES before it.
 */
export function laneThroughput({ counts, now, registered, checkedIn, startsAt }: LaneInputs): Lanes {
  const currentMinute = Math.floor(now / MINUTE) * MINUTE;
  const windowStart = currentMinute - (LANE_WINDOW_MINUTES - 1) * MINUTE;
  const windowMinutes = Math.max(1, (now - windowStart) / MINUTE);
  const previousStart = windowStart - LANE_WINDOW_MINUTES * MINUTE;
  const recentStart = currentMinute - LANE_RECENT_MINUTES * MINUTE;

  const gates = new Map<string | null, { now: number; before: number; last: number }>();
  for (const { location, minute, n } of counts) {
    // A device clock ahead of the server's counts in the current minute, not in the future.
    const at = Math.min(minute, currentMinute);
    if (at < recentStart || n <= 0) continue;
    const gate = gates.get(location) ?? { now: 0, before: 0, last: 0 };
    if (at >= windowStart) gate.now += n;
    else if (at >= previousStart) gate.before += n;
    gate.last = Math.max(gate.last, at);
    gates.set(location, gate);
  }

  const all: Lane[] = [...gates].map(([location, gate]) => {
    const perMinute = gate.now / windowMinutes;
    const previous = gate.before / LANE_WINDOW_MINUTES;
    return {
      location,
      per_minute: round1(perMinute),
      previous_per_minute: round1(previous),
      trend: trendOf(perMinute, previous),
      last_scan_at: new Date(gate.last).toISOString(),
      idle: gate.last <= currentMinute - LANE_IDLE_MINUTES * MINUTE,
    };
  });
  all.sort((a, b) => b.per_minute - a.per_minute || Date.parse(b.last_scan_at) - Date.parse(a.last_scan_at));
  const listed = all.slice(0, LANE_MAX_LISTED);
  const rest = all.slice(LANE_MAX_LISTED);

  const perMinute = [...gates.values()].reduce((sum, gate) => sum + gate.now, 0) / windowMinutes;
  const activeLanes = all.filter((lane) => !lane.idle).length;
  const remaining = registered > 0 ? Math.max(0, registered - checkedIn) : null;
  const minutesToClear =
    remaining === null ? null : remaining === 0 ? 0 : perMinute > 0 ? round1(remaining / perMinute) : null;
  const minutesToStart = startsAt !== null && startsAt > now ? round1((startsAt - now) / MINUTE) : null;
  // At the current lanes' average pace, how many lanes would bring everyone in by the start.
  let moreLanes = 0;
  if (remaining && minutesToStart && minutesToClear !== null && minutesToClear > minutesToStart && activeLanes > 0) {
    const perLane = perMinute / activeLanes;
    moreLanes = Math.max(1, Math.ceil(remaining / (perLane * minutesToStart)) - activeLanes);
  }
  return {
    window_minutes: LANE_WINDOW_MINUTES,
    at: new Date(now).toISOString(),
    lanes: listed,
    other:
      rest.length > 0
        ? { lanes: rest.length, per_minute: round1(rest.reduce((sum, lane) => sum + lane.per_minute, 0)) }
        : null,
    remaining,
    per_minute: round1(perMinute),
    active_lanes: activeLanes,
    minutes_to_clear: minutesToClear,
    minutes_to_start: minutesToStart,
    more_lanes_needed: moreLanes,
  };
}
