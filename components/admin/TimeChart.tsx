'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatValue, tickSteps, type ValueFormat } from './chart-format';


export interface ChartSeries {
  label: string;
  values: Array<number | null>;
  /** Colours for light and dark backgrounds (both at least 3:1 against them). */
  color: { light: string; dark: string };
}

export interface TimeChartProps {
  /** Bucket starts, as seconds since the epoch; or plain numbers (hours of the day) when `time` is false. */
  x: number[];
  series: ChartSeries[];
  format: ValueFormat;
  /** Where a click on a bucket goes (the sessions list filtered to it). */
  hrefs?: string[];
  kind?: 'line' | 'bars';
  /** Label x as UTC days (day buckets are UTC days), local hours, or plain hours of the day. */
  xAxis: 'utc-day' | 'local-hour' | 'hour-of-day';
  /** The chart's name for assistive technology; the table beside it carries the figures. */
  label: string;
}

const dark = () => typeof window !== 'undefined' && window.matchMedia('(prefers-color-scheme: dark)').matches;

/**
 * One uPlot chart (canvas; about 20 KB gzipped for every chart of the console), sized to its box,
 * redrawn when the theme changes. Clicking a bucket opens its sessions. The canvas is hidden from
 * assistive technology: each chart has a table with the same figures and links.
 */
export function TimeChart({ x, series, format, hrefs, kind = 'line', xAxis, label }: TimeChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const router = useRouter();
  const data = JSON.stringify({ x, series, format, hrefs, kind, xAxis });

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const parsed = JSON.parse(data) as Omit<TimeChartProps, 'label'>;
    let chart: uPlot | null = null;

    const draw = () => {
      chart?.destroy();
      const isDark = dark();
      const axis = {
        stroke: isDark ? '#cbd5e1' : '#334155',
        grid: { stroke: isDark ? '#1e293b' : '#e2e8f0', width: 1 },
        ticks: { stroke: isDark ? '#334155' : '#cbd5e1', width: 1 },
      };
      const time = parsed.xAxis !== 'hour-of-day';
      const steps = tickSteps(parsed.format);
      const bars = parsed.kind === 'bars' ? uPlot.paths.bars?.({ size: [0.7, 40] }) : undefined;
      const options: uPlot.Options = {
        width: Math.max(200, element.clientWidth),
        height: 200,
        legend: { show: parsed.series.length > 1, live: false },
        cursor: { points: { size: 6 } },
        ...(parsed.xAxis === 'utc-day' ? { tzDate: (ts: number) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC') } : {}),
        scales: { x: { time }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
        axes: [
          {
            ...axis,
            ...(parsed.xAxis === 'hour-of-day' ? { values: (_u: uPlot, ticks: number[]) => ticks.map((t) => `${String(t).padStart(2, '0')}h`) } : {}),
          },
          {
            ...axis,
            size: parsed.format === 'ms' || parsed.format === 'wait' ? 72 : 56,
            ...(steps ? { incrs: steps } : {}),
            values: (_u: uPlot, ticks: number[]) => ticks.map((t) => formatValue(t, parsed.format)),
          },
        ],
        series: [
          {},
          ...parsed.series.map((s) => ({
            label: s.label,
            stroke: isDark ? s.color.dark : s.color.light,
            fill: parsed.kind === 'bars' ? (isDark ? s.color.dark : s.color.light) : undefined,
            width: 2,
            spanGaps: false,
            ...(bars ? { paths: bars, points: { show: false } } : {}),
            value: (_u: uPlot, v: number | null) => formatValue(v, parsed.format),
          })),
        ],
      };
      chart = new uPlot(options, [parsed.x, ...parsed.series.map((s) => s.values)] as uPlot.AlignedData, element);
      chart.over.style.cursor = parsed.hrefs ? 'pointer' : 'default';
      chart.over.addEventListener('click', () => {
        const index = chart?.cursor.idx;
        const href = index !== null && index !== undefined ? parsed.hrefs?.[index] : undefined;
        if (href) router.push(href);
      });
    };

    draw();
    const media = window.matchMedia('(prefers-color-scheme: dark)');
    media.addEventListener('change', draw);
    const resize = new ResizeObserver(() => chart?.setSize({ width: Math.max(200, element.clientWidth), height: 200 }));
    resize.observe(element);
    return () => {
      media.removeEventListener('change', draw);
      resize.disconnect();
      chart?.destroy();
    };
  }, [data, router]);

  return <div ref={box} role="img" aria-label={label} className="w-full min-w-0 overflow-hidden" />;
}
