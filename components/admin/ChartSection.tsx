import type { ReactNode } from 'react';
import { formatValue, type ValueFormat } from './chart-format';
import { TimeChart, type TimeChartProps } from './TimeChart';

export interface TableColumn {
  label: string;
  values: Array<number | null>;
  format: ValueFormat;
}

export interface ChartSectionProps {
  id: string;
  title: string;
  summary: ReactNode;
  /** The sessions list filtered to what this chart counts, over the whole period. */
  openHref: string;
  chart: Omit<TimeChartProps, 'label'>;
  /** Row labels (one per bucket) with their own links, and the figures as columns. */
  rows: Array<{ label: ReactNode; href: string }>;
  columns: TableColumn[];
  extraLinks?: Array<{ label: string; href: string }>;
}

/**
 * One overview chart: a heading, the figures in words, the chart, and the same figures as a table
 * (collapsed; it is what screen readers and keyboard users read), each bucket linking to its sessions.
 */
export function ChartSection({ id, title, summary, openHref, chart, rows, columns, extraLinks = [] }: ChartSectionProps) {
  return (
    <section aria-labelledby={id} className="min-w-0 space-y-2 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 id={id} className="font-semibold">
          {title}
        </h2>
        <a data-nav href={openHref} className="text-sm font-medium text-blue-700 hover:underline dark:text-blue-400">
          Open these sessions →
        </a>
      </div>
      <div className="text-sm text-slate-700 dark:text-slate-300">{summary}</div>
      {extraLinks.length > 0 && (
        <ul className="flex flex-wrap gap-x-3 gap-y-1 text-sm">
          {extraLinks.map((link) => (
            <li key={link.href}>
              <a data-nav href={link.href} className="text-blue-700 hover:underline dark:text-blue-400">
                {link.label}
              </a>
            </li>
          ))}
        </ul>
      )}
      <TimeChart {...chart} label={`${title}: chart (the table below has the same figures)`} />
      <details className="text-sm">
        <summary className="cursor-pointer text-blue-700 dark:text-blue-400">Table of {title.toLowerCase()}</summary>
        <div className="mt-2 overflow-x-auto">
          <table className="w-full text-left">
            <caption className="sr-only">{title}</caption>
            <thead className="text-xs text-slate-600 dark:text-slate-400">
              <tr>
                <th scope="col" className="py-1 pr-3">Period</th>
                {columns.map((column) => (
                  <th key={column.label} scope="col" className="py-1 pr-3 text-right">
                    {column.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((row, index) => (
                <tr key={row.href + index} className="border-t border-slate-100 dark:border-slate-800">
                  <th scope="row" className="py-1 pr-3 font-normal whitespace-nowrap">
                    <a href={row.href} className="text-blue-700 hover:underline dark:text-blue-400">
                      {row.label}
                    </a>
                  </th>
                  {columns.map((column) => (
                    <td key={column.label} className="py-1 pr-3 text-right tabular-nums">
                      {formatValue(column.values[index], column.format)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </section>
  );
}
