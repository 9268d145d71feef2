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
      return value < 60_000 ? `${Math.round(value / 1000)} s` : value < 3_600_000 ? `${Math.round(value / 60_000)} min` : `${(value / 3_600_000).toFixed(1)} h`;
    case 'tokens':
      return value >= 1_000_000 ? `${(value / 1_000_000).toFixed(1)}M` : value >= 1000 ? `${(value / 1000).toFixed(1)}k` : String(value);
    default:
      return String(Math.round(value));
  }
}

