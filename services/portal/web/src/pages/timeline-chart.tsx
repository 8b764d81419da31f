// Check-ins over time as a bar chart (uPlot, loaded with the event page only), empty buckets drawn as zero.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { TimelineBucket } from '../api/endpoints.js';
import { formatTime, t } from '../i18n/index.js';

/** Every bucket from the first to the last, the empty ones as 0, as uPlot's columns (seconds, counts). */
export function continuous(timeline: TimelineBucket[], minutes: number): [number[], number[]] {
  if (timeline.length === 0) return [[], []];
  const step = minutes * 60;
  const counts = new Map(timeline.map((bucket) => [Math.round(Date.parse(bucket.start) / 1000), bucket.count]));
  const starts = [...counts.keys()].sort((a, b) => a - b);
  const first = starts[0] as number;
  const last = starts.at(-1) as number;
  const xs: number[] = [];
  const ys: number[] = [];
  for (let at = first; at <= last && xs.length < 5000; at += step) {
    xs.push(at);
    ys.push(counts.get(at) ?? 0);
  }
  return [xs, ys];
}

export default function TimelineChart(props: { timeline: TimelineBucket[]; minutes: number }) {
  const holder = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | undefined>(undefined);

  useEffect(() => {
    const element = holder.current;
    if (!element) return;
    const data = continuous(props.timeline, props.minutes);
    const width = Math.max(280, element.clientWidth);
    chart.current?.destroy();
    chart.current = new uPlot(
      {
        width,
        height: 220,
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        scales: {
          // Half a bucket of room on each side, so the first and last bars are drawn whole.
          x: { time: true, range: (_u, min, max) => [min - props.minutes * 30, max + props.minutes * 30] },
          y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] },
        },
        axes: [
          { values: (_u, splits) => splits.map((value) => formatTime(new Date(value * 1000).toISOString())) },
          { label: t('event.chartCount') },
        ],
        series: [
          {},
          {
            label: t('event.chartCount'),
            stroke: '#1f3a5f',
            fill: '#1f3a5f',
            paths: uPlot.paths.bars?.({ size: [0.8, 60] }),
            points: { show: false },
          },
        ],
      },
      data,
      element,
    );
    const resize = () => chart.current?.setSize({ width: Math.max(280, element.clientWidth), height: 220 });
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      chart.current?.destroy();
      chart.current = undefined;
    };
  }, [props.timeline, props.minutes]);

  // The picture is for the eye; the same numbers are in the table next to it for everyone else.
  return <div ref={holder} class="chart" aria-hidden="true" data-testid="timeline-chart" />;
}
