/** How the overview prints a figure, in charts and tables alike (plain module: server and client use it). */

/** `wait`: milliseconds a person took, in seconds, minutes or hours (a wait is rarely under a second). */
export type ValueFormat = 'count' | 'percent' | 'ms' | 'wait' | 'tokens';

export function formatValue(value: number | null | undefined, format: ValueFormat): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  switch (format) {
    case 'percent':
      return `${(value * 100).toFixed(value > 0 && value < 0.1 ? 1 : 0)}%`;
    case 'ms':
      return value < 1000 ? `${Math.round(value)} ms` : `${(value / 1000).toFixed(1)} s`;
    case 'wait':
      if (value < 60_000) return `${Math.round(value / 1000)} s`;
      return value < 3_600_000 ? `${Number((value / 60_000).toFixed(1))} min` : `${Number((value / 3_600_000).toFixed(1))} h`;
    case 'tokens':
      return value >= 1_000_000 ? `${(value / 1_000_000).toFixed(1)}M` : value >= 1000 ? `${(value / 1000).toFixed(1)}k` : String(value);
    default:
      return String(Math.round(value));
  }
}


/**
 * Steps between a chart's value ticks: whole numbers for counts (no "1, 1, 1" from rounding 0.5
 * steps) and whole seconds, minutes and hours for waits; undefined lets the chart choose.
 */
export function tickSteps(format: ValueFormat): number[] | undefined {
  if (format === 'count') return Array.from({ length: 9 }, (_, power) => [1, 2, 5].map((step) => step * 10 ** power)).flat();
  if (format === 'wait') {
    const [second, minute, hour] = [1000, 60_000, 3_600_000];
    return [1, 5, 10, 15, 30].map((n) => n * second).concat([1, 2, 5, 10, 15, 30].map((n) => n * minute), [1, 2, 3, 6, 12, 24, 48].map((n) => n * hour));
  }
  return undefined;
}
