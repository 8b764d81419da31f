// The event page's chart scales (the uPlot axes are drawn into a canvas, so their ticks are tested here, where they are made).
import { describe, expect, it } from 'vitest';
import {
  bucketTicks,
  countRange,
  countTicks,
  MIN_BUCKETS,
  spansDays,
  timelineColumns,
} from '../../web/src/pages/timeline-scale.js';

const at = (iso: string) => Date.parse(iso) / 1000;
const hhmm = (seconds: number) =>
  new Intl.DateTimeFormat('id-ID', { hour: '2-digit', minute: '2-digit', timeZone: 'UTC' }).format(seconds * 1000);

describe('the check-in chart of a new event (one bucket)', () => {
  const columns = timelineColumns([{ start: '2026-12-01T00:45:00.000Z', count: 7 }], 15);

  it('pads one bucket with empty ones on both sides and puts its bar in the middle of its own bucket', () => {
    expect(columns.xs).toHaveLength(MIN_BUCKETS);
    expect(columns.ys).toEqual([0, 0, 0, 7, 0, 0, 0]);
    expect(columns.xs[3]).toBe(at('2026-12-01T00:52:30Z'));
    expect(columns.from).toBe(at('2026-12-01T00:00:00Z'));
    expect(columns.to).toBe(at('2026-12-01T01:45:00Z'));
    expect(columns.step).toBe(900);
  });

  it('labels the x axis at bucket boundaries, each label different, on a laptop and on a phone', () => {
    const laptop = bucketTicks(columns.from, columns.to, columns.step, 480);
    expect(laptop.map(hhmm)).toEqual(['00.00', '00.15', '00.30', '00.45', '01.00', '01.15', '01.30', '01.45']);
    const phone = bucketTicks(columns.from, columns.to, columns.step, 230);
    expect(phone.map(hhmm)).toEqual(['00.00', '00.30', '01.00', '01.30']);
  });

  it('counts whole check-ins on the y axis: 0, 1, 2 for a single check-in, never 0.5', () => {
    const one = timelineColumns([{ start: '2026-12-01T00:45:00.000Z', count: 1 }], 5);
    const [min, max] = countRange(one.ys);
    expect([min, max]).toEqual([0, 2]);
    expect(countTicks(max, 170)).toEqual([0, 1, 2]);
  });
});

describe('the check-in chart of a running event', () => {
  it('fills empty buckets between check-ins with 0 and pads nothing once there are enough buckets', () => {
    const columns = timelineColumns(
      [
        { start: '2026-12-01T22:00:00.000Z', count: 1 },
        { start: '2026-12-02T00:30:00.000Z', count: 2 },
      ],
      15,
    );
    expect(columns.ys).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
    expect(columns.from).toBe(at('2026-12-01T22:00:00Z'));
    expect(columns.to).toBe(at('2026-12-02T00:45:00Z'));
  });

  it('keeps y ticks whole and few for any count', () => {
    for (const most of [1, 2, 3, 7, 9, 10, 47, 100, 1234, 99_999]) {
      const [, max] = countRange([most]);
      const ticks = countTicks(max, 170);
      expect(ticks[0]).toBe(0);
      expect(ticks.every(Number.isInteger)).toBe(true);
      expect(ticks.length).toBeLessThanOrEqual(7);
      expect(ticks.length).toBeGreaterThanOrEqual(2);
      expect(max).toBeGreaterThanOrEqual(most);
    }
  });

  it('thins the x ticks of a long day to whole multiples of the bucket, with the date when it spans days', () => {
    const from = at('2026-12-01T06:00:00Z');
    const to = at('2026-12-01T22:00:00Z');
    const ticks = bucketTicks(from, to, 300, 480);
    expect(ticks.length).toBeLessThanOrEqual(9);
    expect(new Set(ticks.map(hhmm)).size).toBe(ticks.length);
    expect(ticks.every((tick) => (tick - from) % 300 === 0)).toBe(true);
    expect(spansDays(from, to)).toBe(false);
    expect(spansDays(at('2026-12-01T06:00:00Z'), at('2026-12-03T06:00:00Z'))).toBe(true);
  });
});
