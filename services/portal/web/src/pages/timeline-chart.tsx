// Check-ins over time as a bar chart (uPlot, loaded with the event page only), empty buckets drawn as zero.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { TimelineBucket } from '../api/endpoints.js';
import { formatDayTime, formatNumber, formatTime, t } from '../i18n/index.js';
import { bucketTicks, countRange, countTicks, spansDays, timelineColumns } from './timeline-scale.js';

const HEIGHT = 220;

/** The plot area's size in CSS pixels (uPlot's bbox is in device pixels). */
const plotSize = (chart: uPlot) => ({
  width: chart.bbox.width / uPlot.pxRatio,
  height: chart.bbox.height / uPlot.pxRatio,
});

export default function TimelineChart(props: { timeline: TimelineBucket[]; minutes: number }) {
  const holder = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | undefined>(undefined);

  useEffect(() => {
    const element = holder.current;
    if (!element) return;
    const columns = timelineColumns(props.timeline, props.minutes);
    const withDate = spansDays(columns.from, columns.to);
    const label = (seconds: number) => {
      const iso = new Date(seconds * 1000).toISOString();
      return withDate ? formatDayTime(iso) : formatTime(iso);
    };
    const width = Math.max(280, element.clientWidth);
    chart.current?.destroy();
    chart.current = new uPlot(
      {
        width,
        height: HEIGHT,
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        scales: {
          // Bucket boundaries at both ends: each bar sits in the middle of its own bucket.
          x: { time: true, range: () => [columns.from, columns.to] },
          y: { range: () => countRange(columns.ys) },
        },
        axes: [
          {
            splits: (self) => bucketTicks(columns.from, columns.to, columns.step, plotSize(self).width),
            values: (_self, splits) => splits.map(label),
          },
          {
            label: t('event.chartCount'),
            splits: (self, _axis, _min, max) => countTicks(max, plotSize(self).height),
            values: (_self, splits) => splits.map(formatNumber),
          },
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
      [columns.xs, columns.ys],
      element,
    );
    const resize = () => chart.current?.setSize({ width: Math.max(280, element.clientWidth), height: HEIGHT });
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
