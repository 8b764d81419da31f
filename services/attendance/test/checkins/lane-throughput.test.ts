// The live lanes' arithmetic: pace per gate over the window and its trend, idle gates, the queue and the hint.
import { describe, expect, it } from 'vitest';
import { LANE_MAX_LISTED, laneThroughput, type MinuteCount } from '../../src/checkins/lane-throughput.js';

const MINUTE = 60_000;
const NOW = Date.parse('2026-05-01T10:00:30Z');
/** The minute `ago` whole minutes before NOW's minute (10:00). */
const at = (ago: number) => Date.parse('2026-05-01T10:00:00Z') - ago * MINUTE;
const counts = (location: string | null, ago: number, n: number): MinuteCount => ({ location, minute: at(ago), n });

describe('laneThroughput', () => {
  it('measures each gate over the last five minutes (the current one as far as it has gone) against the five before', () => {
    const lanes = laneThroughput({
      // Gate A: 9 a minute at 09:57-09:59; gate B: 10 at 09:52, nothing since.
      counts: [counts('A', 3, 9), counts('A', 2, 9), counts('A', 1, 9), counts('B', 8, 10)],
      now: NOW,
      registered: 100,
      checkedIn: 37,
      startsAt: NOW + 20 * MINUTE,
    });
    expect(lanes).toEqual({
      window_minutes: 5,
      at: '2026-05-01T10:00:30.000Z',
      lanes: [
        {
          location: 'A',
          per_minute: 6,
          previous_per_minute: 0,
          trend: 'up',
          last_scan_at: '2026-05-01T09:59:00.000Z',
          idle: false,
        },
        {
          location: 'B',
          per_minute: 0,
          previous_per_minute: 2,
          trend: 'down',
          last_scan_at: '2026-05-01T09:52:00.000Z',
          idle: true,
        },
      ],
      other: null,
      remaining: 63,
      per_minute: 6,
      active_lanes: 1,
      minutes_to_clear: 10.5,
      minutes_to_start: 20,
      more_lanes_needed: 0,
    });
  });

  it('asks for more lanes when the rest cannot be in by the start at the current lanes’ pace', () => {
    const lanes = laneThroughput({
      counts: [counts('A', 1, 27)],
      now: NOW,
      registered: 100,
      checkedIn: 37,
      startsAt: NOW + 5 * MINUTE,
    });
    // 63 to come at 6 a minute: 10.5 minutes, the start in 5. One lane does 6 a minute: 3 lanes needed, 2 more.
    expect(lanes).toMatchObject({ minutes_to_clear: 10.5, minutes_to_start: 5, more_lanes_needed: 2 });
  });

  it('has no pace, no time to clear and no hint with no scans; nothing to clear with nothing registered', () => {
    expect(
      laneThroughput({ counts: [], now: NOW, registered: 50, checkedIn: 0, startsAt: NOW + MINUTE }),
    ).toMatchObject({ lanes: [], per_minute: 0, remaining: 50, minutes_to_clear: null, more_lanes_needed: 0 });
    expect(
      laneThroughput({ counts: [counts('A', 0, 3)], now: NOW, registered: 0, checkedIn: 3, startsAt: null }),
    ).toMatchObject({ remaining: null, minutes_to_clear: null, minutes_to_start: null });
    // Started already: no time left to compare with.
    expect(
      laneThroughput({ counts: [counts('A', 0, 3)], now: NOW, registered: 10, checkedIn: 3, startsAt: NOW - MINUTE }),
    ).toMatchObject({ minutes_to_start: null, more_lanes_needed: 0 });
  });

  it('leaves out gates silent for an hour, calls a steady pace steady, and sums the gates past the listed ones', () => {
    const many = Array.from({ length: LANE_MAX_LISTED + 3 }, (_, i) => counts(`G${i}`, 1, i + 1));
    const lanes = laneThroughput({
      counts: [...many, counts('old', 61, 50), counts('S', 7, 10), counts('S', 2, 10)],
      now: NOW,
      registered: 0,
      checkedIn: 0,
      startsAt: null,
    });
    expect(lanes.lanes).toHaveLength(LANE_MAX_LISTED);
    expect(lanes.lanes.map((lane) => lane.location)).not.toContain('old');
    expect(lanes.other?.lanes).toBe(4);
    const steady = laneThroughput({
      counts: [counts('S', 7, 10), counts('S', 2, 9)],
      now: NOW,
      registered: 0,
      checkedIn: 0,
      startsAt: null,
    });
    expect(steady.lanes[0]).toMatchObject({ per_minute: 2, previous_per_minute: 2, trend: 'steady' });
  });
});
