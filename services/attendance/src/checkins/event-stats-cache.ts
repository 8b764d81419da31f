// An event's check-ins per location and minute (of the device scan time where there is one),
// kept incrementally so that stats (polled every second by live dashboards) cost the check-ins since
// the last read, not the whole event.
//
// Check-ins are append-only and numbered (seq), but a check-in may commit after one with a higher seq
// is visible. So the counts are kept for the check-ins up to a "settled" position some way behind
// the event's newest one (SETTLE_MARGIN), and every read counts everything after it again, in the
// same snapshot as the event's counter. When settled + recounted = the counter, the answer is exact;
// anything else (a check-in that committed below the settled position, or the event deleted and
// filled again) drops the settled counts and counts the whole event once more. Measured at 100,000
// check-ins: see BENCHMARKS.md (event page).
import { type EventStats, type GateCount, type Lanes, STATS_GATES_MAX, type TimelineBucket } from '@tixgo/contracts';
import type pg from 'pg';
import { registrationStats } from '../events/registration-stats.js';
import { type BinCount, BUCKET_ORIGIN_MS, readStatsDelta, type StatsDeltaRow } from './checkin-stats-repository.js';
import { recordOf } from './checkins-repository.js';
import { laneThroughput, type MinuteCount } from './lane-throughput.js';

/**
 * Positions behind the newest check-in that are taken as settled. A check-in statement that still
 * has to commit holds at most a batch (CHECKIN_BATCH_MAX) per running statement per replica, a few
 * hundred positions; far more margin costs only a few thousand index entries per read.
 */
export const SETTLE_MARGIN = 5000;

/** The lanes' clock moves in steps of this (a pace over minutes needs no finer time). */
export const LANE_CLOCK_STEP_MS = 10_000;

/** Events whose settled counts are kept (least recently read go first). */
const MAX_EVENTS = 1000;

interface Settled {
  /** Check-ins at or before this position are in `bins`. */
  seq: string;
  count: number;
  /** Count per JSON [minute ms, location]. */
  bins: Map<string, number>;
}

const binKey = (bin: number, location: string | null) => JSON.stringify([bin, location]);

function* minuteCounts(bins: Map<string, number>): Iterable<MinuteCount> {
  for (const [key, n] of bins) {
    const [minute, location] = JSON.parse(key) as [number, string | null];
    yield { location, minute, n };
  }
}

function add(bins: Map<string, number>, counts: BinCount[]): number {
  let total = 0;
  for (const { bin, location, n } of counts) {
    const key = binKey(bin, location);
    bins.set(key, (bins.get(key) ?? 0) + n);
    total += n;
  }
  return total;
}

/** The timeline at `bucketMinutes` (5, 15 or 60: minutes nest in them) and the per-gate counts. */
function summarise(
  bins: Map<string, number>,
  bucketMinutes: number,
  exits: StatsDeltaRow['exits'],
): { timeline: TimelineBucket[]; gates: GateCount[]; otherGates: EventStats['other_gates'] } {
  const width = bucketMinutes * 60_000;
  const perBucket = new Map<number, number>();
  const perGate = new Map<string | null, number>();
  for (const [key, n] of bins) {
    const [bin, location] = JSON.parse(key) as [number, string | null];
    const start = BUCKET_ORIGIN_MS + Math.floor((bin - BUCKET_ORIGIN_MS) / width) * width;
    perBucket.set(start, (perBucket.get(start) ?? 0) + n);
    perGate.set(location, (perGate.get(location) ?? 0) + n);
  }
  const timeline = [...perBucket]
    .sort(([a], [b]) => a - b)
    .map(([start, count]) => ({ start: new Date(start).toISOString(), count }));
  // Most first; ties by name, the check-ins without a location last (as the SQL it replaces did).
  // Inside per gate: its check-ins less those that went out since (at any gate).
  const exited = new Map(exits.map((exit) => [exit.location, Number(exit.n)]));
  const gates = [...perGate]
    .map(([location, count]) => ({ location, count, inside: Math.max(0, count - (exited.get(location) ?? 0)) }))
    .sort(
      (a, b) =>
        b.count - a.count ||
        (a.location === null
          ? 1
          : b.location === null
            ? -1
            : a.location < b.location
              ? -1
              : a.location > b.location
                ? 1
                : 0),
    );
  // The busiest gates by name; the long tail as one sum, so an answer stays small however many names.
  const rest = gates.slice(STATS_GATES_MAX);
  const otherGates =
    rest.length === 0
      ? null
      : {
          gates: rest.length,
          count: rest.reduce((sum, gate) => sum + gate.count, 0),
          inside: rest.reduce((sum, gate) => sum + gate.inside, 0),
        };
  return { timeline, gates: gates.slice(0, STATS_GATES_MAX), otherGates };
}

export class EventStatsCache {
  private readonly settled = new Map<string, Settled>();

  constructor(
    private readonly db: pg.Pool,
    private readonly settleMargin = SETTLE_MARGIN,
    /** The clock the lanes are measured by (tests move it). */
    private readonly now: () => number = Date.now,
  ) {}

  /** The event's stats, exact as of one snapshot; undefined when it was never registered. */
  async read(eventId: string, bucketMinutes: number, latest: number): Promise<EventStats | undefined> {
    const known = this.settled.get(eventId);
    let base = known;
    let row = await readStatsDelta(this.db, eventId, known?.seq ?? '0', this.settleMargin, latest);
    if (row && known && known.count + row.bins.reduce((sum, bin) => sum + bin.n, 0) !== Number(row.checked_in)) {
      base = undefined;
      row = await readStatsDelta(this.db, eventId, '0', this.settleMargin, latest);
    }
    if (!row) {
      this.settled.delete(eventId);
      return undefined;
    }
    return this.answer(eventId, row, base, bucketMinutes);
  }

  /** Settled counts kept, for tests and diagnostics. */
  get size(): number {
    return this.settled.size;
  }

  private answer(eventId: string, row: StatsDeltaRow, base: Settled | undefined, bucketMinutes: number): EventStats {
    // New maps: a read running concurrently may still be using the ones it started from.
    const settledBins = new Map(base?.bins);
    const settledCount =
      (base?.count ?? 0) +
      add(
        settledBins,
        row.bins.filter((bin) => bin.settles),
      );
    this.keep(eventId, { seq: row.settle_to, count: settledCount, bins: settledBins });
    const allBins = new Map(settledBins);
    add(
      allBins,
      row.bins.filter((bin) => !bin.settles),
    );
    const { timeline, gates, otherGates } = summarise(allBins, bucketMinutes, row.exits);
    return {
      event_id: eventId,
      ...registrationStats(row, Number(row.checked_in)),
      bucket_minutes: bucketMinutes,
      timeline,
      gates,
      other_gates: otherGates,
      // As in every list: scanned_at only on check-ins that gave one.
      latest: row.latest.map(({ holder_name, ...stored }) => ({ ...recordOf(stored), holder_name })),
      conflicts: Number(row.conflicts),
      inside: Math.max(0, Number(row.checked_in) - Number(row.main_exited)),
      lists: [
        {
          id: 'main',
          name: 'Main',
          capacity: null,
          checked_in: Number(row.checked_in),
          inside: Math.max(0, Number(row.checked_in) - Number(row.main_exited)),
        },
        ...row.lists.map((list) => ({ ...list, checked_in: Number(list.checked_in), inside: Number(list.inside) })),
      ],
      lanes: laneThroughput({
        counts: minuteCounts(allBins),
        // In steps of LANE_CLOCK_STEP_MS: between check-ins the answer stays the same for that long, so a
        // live topic sends a quiet event's screens nothing new each second.
        now: Math.floor(this.now() / LANE_CLOCK_STEP_MS) * LANE_CLOCK_STEP_MS,
        registered: registrationStats(row, 0).total_registered,
        checkedIn: Number(row.checked_in),
        startsAt: row.starts_at === null ? null : Number(row.starts_at),
      }),
    };
  }

  /** The time by the cache's clock (the lanes'), in ms. */
  clock(): number {
    return this.now();
  }

  /** The event's lanes only (the dashboard's), from the same counts. */
  async lanes(eventId: string): Promise<Lanes | undefined> {
    return (await this.read(eventId, 60, 0))?.lanes;
  }

  private keep(eventId: string, entry: Settled): void {
    // Map keeps insertion order: re-inserting makes this the most recently read.
    this.settled.delete(eventId);
    this.settled.set(eventId, entry);
    if (this.settled.size > MAX_EVENTS) {
      const oldest = this.settled.keys().next().value;
      if (oldest !== undefined) this.settled.delete(oldest);
    }
  }
}
