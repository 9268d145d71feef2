'use client';

import { useEffect, useState } from 'react';
import { formatTime } from './format';

type Style = 'datetime' | 'clock';

/** In the browser's own time zone, e.g. "3 Jan 2026, 14:05" or "14:05:09". */
export function formatLocal(date: Date, style: Style, timeZone?: string): string {
  const options: Intl.DateTimeFormatOptions =
    style === 'clock'
      ? { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZone }
      : { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone };
  return new Intl.DateTimeFormat(undefined, options).format(date);
}

/**
 * A time as the agent reads it: in their browser's time zone, with UTC on hover. Pages render on the
 * server, which does not know the zone: the first paint says UTC, and the browser rewrites it once
 * (same width, so nothing jumps). Exports stay in UTC.
 */
export function LocalTime({ value, style = 'datetime' }: { value: Date | string | null | undefined; style?: Style }) {
  const date = value ? (typeof value === 'string' ? new Date(value) : value) : null;
  const utc = date ? formatTime(date) : '—';
  const [text, setText] = useState<string | null>(null);
  const iso = date?.toISOString();
  useEffect(() => {
    if (iso) setText(formatLocal(new Date(iso), style));
  }, [iso, style]);
  if (!date || !iso) return <span>—</span>;
  return (
    <time dateTime={iso} title={utc} data-local={text ? 'true' : 'false'}>
      {text ?? (style === 'clock' ? `${iso.slice(11, 19)} UTC` : utc)}
    </time>
  );
}
