'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useRef, useState } from 'react';
import { splitMarked } from '@/lib/admin/highlight';
import { Badge } from './Badge';
import { CustomerBadge, type CustomerView } from './CustomerBadge';
import { LocalTime } from './LocalTime';
import { Thumb } from './Thumb';
import { Highlighted } from './Highlighted';
import { plural } from './format';
import { stateLabel, stateTone } from './handoff-words';
import type { ConversationState } from '@/lib/db/schema';

export interface SessionRowView {
  /** The conversation's reference (never its id). */
  ref: string;
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
  unfinished: number;
  feedbackUp: number;
  feedbackDown: number;
  openFlags: number;
  /** The verified customer; null or absent: anonymous. */
  customer?: CustomerView | null;
  /** Who answers it; absent: the assistant. */
  state?: ConversationState;
  stateOwnerName?: string | null;
  /** Mean review score per current criterion, by key (absent: not scored). */
  scores?: Record<string, string>;
}

/** A score column: a current rubric criterion someone scored on this page. */
export interface ScoreColumn {
  key: string;
  label: string;
}

/** Marks a conversation with a person in it (or resolved); the assistant answering is the usual case, unmarked. */
function StateBadge({ row }: { row: SessionRowView }) {
  if (!row.state || row.state === 'assistant') return null;
  return (
    <span data-conversation-state={row.state}>
      <Badge tone={stateTone(row.state)}>{stateLabel(row.state, row.stateOwnerName ?? null)}</Badge>
    </span>
  );
}

function Count({ value, tone, label }: { value: number; tone: 'warn' | 'bad'; label?: string }) {
  return value > 0 ? <Badge tone={tone}>{label ? `${label} ${value}` : value}</Badge> : <span className="text-slate-600 dark:text-slate-400">0</span>;
}

function Feedback({ up, down }: { up: number; down: number }) {
  if (up === 0 && down === 0) return <span className="text-slate-600 dark:text-slate-400">—</span>;
  return (
    <span className="whitespace-nowrap tabular-nums">
      {up > 0 && (
        <span className="mr-2 text-emerald-800 dark:text-emerald-300">
          <Thumb rating="up" />
          <span className="sr-only">thumbs up:</span> {up}
        </span>
      )}
      {down > 0 && (
        <span className="text-red-800 dark:text-red-300">
          <Thumb rating="down" />
          <span className="sr-only">thumbs down:</span> {down}
        </span>
      )}
    </span>
  );
}

function Preview({ row }: { row: SessionRowView }) {
  return row.snippet ? (
    <span className="line-clamp-2 text-slate-700 dark:text-slate-300">
      <Highlighted parts={splitMarked(row.snippet)} />
      {row.matches > 1 && <span className="ml-1 text-xs text-slate-600 dark:text-slate-400">({plural(row.matches, 'turn')} match)</span>}
    </span>
  ) : (
    <span className="line-clamp-2 text-slate-700 md:line-clamp-1 dark:text-slate-300">{row.preview ?? '—'}</span>
  );
}

const isTyping = (target: EventTarget | null) =>
  target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));

/**
 * The sessions table, driven from the keyboard as well: j/k or the arrow keys move, Enter or o
 * opens, / jumps to the search box.
 */
export function SessionTable({ rows, scoreColumns = [] }: { rows: SessionRowView[]; scoreColumns?: ScoreColumn[] }) {
  const router = useRouter();
  const [selected, setSelected] = useState(0);
  const body = useRef<HTMLDivElement>(null);

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
    // The cards (phones) and the table (wider screens) both carry the index; only one is displayed.
    const shown = [...(body.current?.querySelectorAll<HTMLElement>(`[data-index="${selected}"]`) ?? [])].find((el) => el.offsetParent !== null);
    shown?.scrollIntoView({ block: 'nearest' });
  }, [selected]);

  if (rows.length === 0) {
    return (
      <p className="rounded-lg border border-dashed border-slate-300 p-8 text-center text-sm text-slate-600 dark:border-slate-700 dark:text-slate-400">
        No sessions match.
      </p>
    );
  }

  const rowClass = (index: number) =>
    index === selected ? 'bg-blue-50 dark:bg-blue-950/40' : 'hover:bg-slate-50 dark:hover:bg-slate-800/50';

  return (
    <div ref={body}>
      {/* Phones: one card per conversation, nothing scrolls sideways. */}
      <ul aria-label="Sessions" className="space-y-2 md:hidden">
        {rows.map((row, index) => (
          <li
            key={row.ref}
            data-index={index}
            aria-current={index === selected ? true : undefined}
            className={`rounded-lg border border-slate-200 bg-white p-3 text-sm dark:border-slate-800 dark:bg-slate-900 ${rowClass(index)}`}
          >
            <div className="flex items-center justify-between gap-2">
              <span className="flex flex-wrap items-center gap-1.5">
                <a href={row.href} className="font-mono text-xs font-medium text-blue-700 hover:underline dark:text-blue-400">
                  {row.ref}
                </a>
                <StateBadge row={row} />
              </span>
              <span className="text-xs text-slate-600 dark:text-slate-400">
                <LocalTime value={row.lastActivityAt} />
              </span>
            </div>
            <p className="mt-1 text-xs">
              <CustomerBadge customer={row.customer} compact />
            </p>
            <p className="mt-1">
              <Preview row={row} />
            </p>
            <div className="mt-2 flex flex-wrap items-center gap-2 text-xs text-slate-600 dark:text-slate-400">
              <span>{plural(row.turnCount, 'turn')}</span>
              {row.errorCount > 0 && <Badge tone="bad">errors {row.errorCount}</Badge>}
              {row.unfinished > 0 && <Badge tone="warn">unfinished {row.unfinished}</Badge>}
              {row.memoryFallbacks > 0 && <Badge tone="warn">fallbacks {row.memoryFallbacks}</Badge>}
              {row.openFlags > 0 && <Badge tone="bad">⚑ {row.openFlags}</Badge>}
              <Feedback up={row.feedbackUp} down={row.feedbackDown} />
              {scoreColumns.map((column) =>
                row.scores?.[column.key] ? (
                  <span key={column.key} className="whitespace-nowrap">
                    {column.label} {row.scores[column.key]}
                  </span>
                ) : null,
              )}
            </div>
          </li>
        ))}
      </ul>
      <div className="hidden overflow-x-auto rounded-lg border border-slate-200 bg-white md:block dark:border-slate-800 dark:bg-slate-900">
        <table className="w-full text-left text-sm">
          <caption className="sr-only">Sessions, newest activity first. Keys: j and k move, Enter opens, slash searches.</caption>
          <thead className="border-b border-slate-200 bg-slate-50 text-xs text-slate-600 uppercase dark:border-slate-800 dark:bg-slate-900/60 dark:text-slate-400">
            <tr>
              <th scope="col" className="px-3 py-2 font-semibold">Session</th>
              <th scope="col" className="px-3 py-2 font-semibold">Customer</th>
              <th scope="col" className="hidden px-3 py-2 font-semibold xl:table-cell">Started</th>
              <th scope="col" className="px-3 py-2 font-semibold">Last activity</th>
              <th scope="col" className="px-3 py-2 text-right font-semibold">Turns</th>
              <th scope="col" className="px-3 py-2 font-semibold">
                {/* A search shows the matched excerpt there, not the last message. */}
                {rows.some((row) => row.snippet) ? 'Match' : 'Last message'}
              </th>
              <th scope="col" className="hidden px-3 py-2 text-right font-semibold lg:table-cell">Fallbacks</th>
              <th scope="col" className="px-3 py-2 text-right font-semibold">Errors</th>
              <th scope="col" className="px-3 py-2 text-right font-semibold">Unfinished</th>
              <th scope="col" className="px-3 py-2 font-semibold">Feedback</th>
              <th scope="col" className="px-3 py-2 text-right font-semibold">Flags</th>
              {scoreColumns.map((column) => (
                <th key={column.key} scope="col" className="px-3 py-2 text-right font-semibold" title="Mean review score">
                  {column.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row, index) => (
              <tr
                key={row.ref}
                data-index={index}
                aria-current={index === selected ? true : undefined}
                onClick={(event) => {
                  if (!(event.target instanceof HTMLAnchorElement)) router.push(row.href);
                }}
                onMouseEnter={() => setSelected(index)}
                className={`cursor-pointer border-b border-slate-100 last:border-0 dark:border-slate-800 ${rowClass(index)}`}
              >
                <td className="px-3 py-2 font-mono text-xs whitespace-nowrap">
                  <a href={row.href} className="text-blue-700 hover:underline dark:text-blue-400">
                    {row.ref}
                  </a>
                  <span className="ml-1.5 font-sans">
                    <StateBadge row={row} />
                  </span>
                </td>
                <td className="px-3 py-2 whitespace-nowrap">
                  <CustomerBadge customer={row.customer} compact />
                </td>
                <td className="hidden px-3 py-2 whitespace-nowrap text-slate-600 xl:table-cell dark:text-slate-400">
                  <LocalTime value={row.createdAt} />
                </td>
                <td className="px-3 py-2 whitespace-nowrap">
                  <LocalTime value={row.lastActivityAt} />
                </td>
                <td className="px-3 py-2 text-right tabular-nums">{row.turnCount}</td>
                <td className="max-w-md min-w-48 px-3 py-2">
                  <Preview row={row} />
                </td>
                <td className="hidden px-3 py-2 text-right lg:table-cell">
                  <Count value={row.memoryFallbacks} tone="warn" />
                </td>
                <td className="px-3 py-2 text-right">
                  <Count value={row.errorCount} tone="bad" />
                </td>
                <td className="px-3 py-2 text-right">
                  <Count value={row.unfinished} tone="warn" />
                </td>
                <td className="px-3 py-2">
                  <Feedback up={row.feedbackUp} down={row.feedbackDown} />
                </td>
                <td className="px-3 py-2 text-right">
                  {row.openFlags > 0 ? <Badge tone="bad">⚑ {row.openFlags}</Badge> : <span className="text-slate-600 dark:text-slate-400">—</span>}
                </td>
                {scoreColumns.map((column) => (
                  <td key={column.key} className="px-3 py-2 text-right tabular-nums" data-score={column.key}>
                    {row.scores?.[column.key] ?? <span className="text-slate-600 dark:text-slate-400">—</span>}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
