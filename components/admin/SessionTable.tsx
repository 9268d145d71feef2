'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useRef, useState } from 'react';
import { splitMarked } from '@/lib/admin/highlight';
import { Badge } from './Badge';
import { formatTime, shortId } from './format';
import { Highlighted } from './Highlighted';

export interface SessionRowView {
  id: string;
  href: string;
  createdAt: string;
  lastActivityAt: string;
  turnCount: number;
  preview: string | null;
  /** A search snippet with match markers, when the list is a search. */
  snippet: string | null;
  matches: number;
  memoryFallbacks: number;
  errorCount: number;
  openFlags: number;
}

const isTyping = (target: EventTarget | null) =>
  target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));

/**
 * The sessions table, driven from the keyboard as well: j/k or the arrow keys move, Enter or o
 * opens, / jumps to the search box.
 */
export function SessionTable({ rows }: { rows: SessionRowView[] }) {
  const router = useRouter();
  const [selected, setSelected] = useState(0);
  const body = useRef<HTMLTableSectionElement>(null);

  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      if (event.metaKey || event.ctrlKey || event.altKey) return;
      if (event.key === '/' && !isTyping(event.target)) {
        event.preventDefault();
        document.getElementById('q')?.focus();
        return;
      }
      if (isTyping(event.target) || rows.length === 0) return;
      if (event.key === 'j' || event.key === 'ArrowDown') {
        event.preventDefault();
        setSelected((index) => Math.min(rows.length - 1, index + 1));
      } else if (event.key === 'k' || event.key === 'ArrowUp') {
        event.preventDefault();
        setSelected((index) => Math.max(0, index - 1));
      } else if (event.key === 'Enter' || event.key === 'o') {
        const row = rows[selected];
        if (row && !(event.target instanceof HTMLAnchorElement)) {
          event.preventDefault();
          router.push(row.href);
        }
      }
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [rows, selected, router]);

  useEffect(() => {
    body.current?.querySelector<HTMLElement>(`[data-index="${selected}"]`)?.scrollIntoView({ block: 'nearest' });
  }, [selected]);

  if (rows.length === 0) {
    return (
      <p className="rounded-lg border border-dashed border-slate-300 p-8 text-center text-sm text-slate-600 dark:border-slate-700 dark:text-slate-400">
        No sessions match.
      </p>
    );
  }

  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
      <table className="w-full text-left text-sm">
        <caption className="sr-only">Sessions, newest activity first. Keys: j and k move, Enter opens, slash searches.</caption>
        <thead className="border-b border-slate-200 bg-slate-50 text-xs text-slate-600 uppercase dark:border-slate-800 dark:bg-slate-900/60 dark:text-slate-400">
          <tr>
            <th scope="col" className="px-3 py-2 font-semibold">Session</th>
            <th scope="col" className="hidden px-3 py-2 font-semibold lg:table-cell">Started</th>
            <th scope="col" className="px-3 py-2 font-semibold">Last activity</th>
            <th scope="col" className="px-3 py-2 text-right font-semibold">Turns</th>
            <th scope="col" className="px-3 py-2 font-semibold">Last message</th>
            <th scope="col" className="hidden px-3 py-2 text-right font-semibold md:table-cell">Fallbacks</th>
            <th scope="col" className="hidden px-3 py-2 text-right font-semibold md:table-cell">Errors</th>
            <th scope="col" className="px-3 py-2 text-right font-semibold">Flags</th>
          </tr>
        </thead>
        <tbody ref={body}>
          {rows.map((row, index) => (
            <tr
              key={row.id}
              data-index={index}
              aria-current={index === selected ? true : undefined}
              onClick={(event) => {
                if (!(event.target instanceof HTMLAnchorElement)) router.push(row.href);
              }}
              onMouseEnter={() => setSelected(index)}
              className={`cursor-pointer border-b border-slate-100 last:border-0 dark:border-slate-800 ${
                index === selected ? 'bg-blue-50 dark:bg-blue-950/40' : 'hover:bg-slate-50 dark:hover:bg-slate-800/50'
              }`}
            >
              <td className="px-3 py-2 font-mono text-xs whitespace-nowrap">
                <a href={row.href} className="text-blue-700 hover:underline dark:text-blue-400" title={row.id}>
                  {shortId(row.id)}
                </a>
              </td>
              <td className="hidden px-3 py-2 whitespace-nowrap text-slate-600 lg:table-cell dark:text-slate-400">{formatTime(row.createdAt)}</td>
              <td className="px-3 py-2 whitespace-nowrap">{formatTime(row.lastActivityAt)}</td>
              <td className="px-3 py-2 text-right tabular-nums">{row.turnCount}</td>
              <td className="max-w-md min-w-48 px-3 py-2">
                {row.snippet ? (
                  <span className="line-clamp-2 text-slate-700 dark:text-slate-300">
                    <Highlighted parts={splitMarked(row.snippet)} />
                    {row.matches > 1 && <span className="ml-1 text-xs text-slate-500">({row.matches} turns match)</span>}
                  </span>
                ) : (
                  <span className="line-clamp-1 text-slate-700 dark:text-slate-300">{row.preview ?? '—'}</span>
                )}
              </td>
              <td className="hidden px-3 py-2 text-right md:table-cell">
                {row.memoryFallbacks > 0 ? <Badge tone="warn">{row.memoryFallbacks}</Badge> : <span className="text-slate-400">0</span>}
              </td>
              <td className="hidden px-3 py-2 text-right md:table-cell">
                {row.errorCount > 0 ? <Badge tone="bad">{row.errorCount}</Badge> : <span className="text-slate-400">0</span>}
              </td>
              <td className="px-3 py-2 text-right">
                {row.openFlags > 0 ? <Badge tone="bad">⚑ {row.openFlags}</Badge> : <span className="text-slate-400">—</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
