// The check-in chart's columns, ranges and ticks (pure, no uPlot): whole check-ins on the y axis, bucket boundaries on the x axis.
import type { TimelineBucket } from '@tixgo/contracts';

/** A timeline shorter than this many buckets is padded with empty ones around it, so one bucket is not a lone edge. */
export const MIN_BUCKETS = 7;
/** Ticks closer than this (CSS pixels) would make their labels run into each other. */
const TIME_LABEL_SPACE = 56;
const DAY_TIME_LABEL_SPACE = 96;
const COUNT_LABEL_SPACE = 30;
/** A chart of more buckets than this is cut there (months of 5-minute buckets helps nobody). */
const MAX_BUCKETS = 5000;

export interface TimelineColumns {
  /** uPlot's columns: each bucket's middle (seconds), so its bar is drawn centred on the bucket. */
  xs: number[];
  /** Check-ins in each bucket; an empty bucket (or a padding one) is 0. */
  ys: number[];
  /** The x range: from the first bucket's start to the last bucket's end (seconds). */
  from: number;
  to: number;
  /** The bucket length in seconds. */
  step: number;
}

/** Every bucket from the first to the last (the empty ones as 0), padded to at least MIN_BUCKETS around the data. */
export function timelineColumns(timeline: TimelineBucket[], minutes: number): TimelineColumns {
  const step = minutes * 60;
  const counts = new Map(timeline.map((bucket) => [Math.round(Date.parse(bucket.start) / 1000), bucket.count]));
  const starts = [...counts.keys()].sort((a, b) => a - b);
  const first = starts[0];
  const last = starts.at(-1);
  if (first === undefined || last === undefined) return { xs: [], ys: [], from: 0, to: step, step };
  const spanned = Math.min(MAX_BUCKETS, Math.round((last - first) / step) + 1);
  const missing = Math.max(0, MIN_BUCKETS - spanned);
  const from = first - Math.floor(missing / 2) * step;
  const buckets = spanned + missing;
  const xs: number[] = [];
  const ys: number[] = [];
  for (let index = 0; index < buckets; index++) {
    const start = from + index * step;
    xs.push(start + step / 2);
    ys.push(counts.get(start) ?? 0);
  }
  return { xs, ys, from, to: from + buckets * step, step };
}

/** The y range: from 0, with room above the highest bar, always whole check-ins. */
export function countRange(ys: number[]): [number, number] {
  const most = Math.max(0, ...ys);
  return [0, Math.max(1, Math.ceil(most * 1.1))];
}

/** Whole-number ticks from 0 to `max`, every 1, 2, 5, 10, 20, 50… as the height allows: never 0.5 check-ins. */
export function countTicks(max: number, plotHeight: number): number[] {
  const fit = Math.max(1, Math.floor(plotHeight / COUNT_LABEL_SPACE));
  let every = 1;
  for (let magnitude = 1; max / every > fit; magnitude *= 10) {
    every = [1, 2, 5].map((factor) => factor * magnitude).find((candidate) => max / candidate <= fit) ?? magnitude * 10;
  }
  const ticks: number[] = [];
  for (let value = 0; value <= max; value += every) ticks.push(value);
  return ticks;
}

/** True when the x range covers more than a day: its tick labels then carry the date too. */
export function spansDays(from: number, to: number): boolean {
  return to - from > 24 * 3600;
}

/**
 * Ticks on bucket boundaries (each labels the start of the bucket right of it), every 1, 2, 3, 4, 6,
 * 12… buckets as the width allows, so neighbouring labels never collide or read the same.
 */
export function bucketTicks(from: number, to: number, step: number, plotWidth: number): number[] {
  const buckets = Math.max(1, Math.round((to - from) / step));
  const space = spansDays(from, to) ? DAY_TIME_LABEL_SPACE : TIME_LABEL_SPACE;
  const fit = Math.max(1, Math.floor(plotWidth / space));
  const every =
    [1, 2, 3, 4, 6, 8, 12, 24, 48, 96, 288].find((candidate) => buckets / candidate <= fit) ?? Math.ceil(buckets / fit);
  const ticks: number[] = [];
  for (let index = 0; index <= buckets; index += every) ticks.push(from + index * step);
  return ticks;
}
