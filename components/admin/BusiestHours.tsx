'use client';

import { useEffect, useState } from 'react';
import { TimeChart } from './TimeChart';
import { plural } from './format';

/**
 * Turns by hour of the day, in the agent's own time zone: the server counts by UTC hour, the
 * browser turns the 24 counts by its zone's offset (whole hours; a half-hour zone rounds).
 */
export function BusiestHours({ utcHours, href }: { utcHours: number[]; href: string }) {
  const [offset, setOffset] = useState<number | null>(null);
  useEffect(() => setOffset(Math.round(-new Date().getTimezoneOffset() / 60)), []);
  const shift = offset ?? 0;
  const local = Array.from({ length: 24 }, (_, hour) => utcHours[(((hour - shift) % 24) + 24) % 24] ?? 0);
  const zone = offset === null ? 'UTC' : 'your time';
  const busiest = local.reduce((best, n, hour) => (n > (local[best] ?? 0) ? hour : best), 0);
  const total = local.reduce((a, b) => a + b, 0);
  return (
    <>
      <p className="text-sm text-slate-700 dark:text-slate-300">
        {total > 0 ? (
          <>
            Busiest hour: <strong data-figure="busiest-hour">{String(busiest).padStart(2, '0')}:00</strong> ({zone}), {plural(local[busiest] ?? 0, 'turn')}.
          </>
        ) : (
          'No turns in this period.'
        )}
      </p>
      <TimeChart
        label={`Turns by hour of the day (${zone})`}
        x={local.map((_, hour) => hour)}
        series={[{ label: 'Turns', values: local, color: { light: '#2563eb', dark: '#60a5fa' } }]}
        format="count"
        kind="bars"
        xAxis="hour-of-day"
        hrefs={local.map(() => href)}
      />
      <details className="text-sm">
        <summary className="cursor-pointer text-blue-700 dark:text-blue-400">Table of turns by hour</summary>
        <table className="mt-2 text-left">
          <caption className="sr-only">Turns by hour of the day ({zone})</caption>
          <thead>
            <tr>
              <th scope="col" className="pr-4">Hour ({zone})</th>
              <th scope="col" className="text-right">Turns</th>
            </tr>
          </thead>
          <tbody>
            {local.map((n, hour) => (
              <tr key={hour}>
                <th scope="row" className="pr-4 font-normal">{String(hour).padStart(2, '0')}:00</th>
                <td className="text-right tabular-nums">{n}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </>
  );
}
