'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';
import type { QueueItemView } from '@/lib/review/queue';
import { adminFetch } from '../api-client';
import { Badge } from '../Badge';
import { KeyNav } from '../KeyNav';
import { LocalTime } from '../LocalTime';
import { reasonLabel, reviewStateLabel, reviewStateTone } from './review-words';

const BUTTON =
  'rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium hover:bg-slate-100 disabled:opacity-60 dark:border-slate-700 dark:hover:bg-slate-800';

const isTyping = (target: EventTarget | null) =>
  target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));

export interface QueueRow {
  item: QueueItemView;
  /** Whether the signed-in agent holds it. */
  mine: boolean;
}

/**
 * One tab of the review queue, keyboard-first: j/k (or ↓/↑) move through the items (KeyNav), Enter
 * opens the selected one, t takes it. A refused take (someone was faster) is said on the item, in
 * the server's words, and the list reloads to show who has it.
 */
export function QueueList({ rows, emptyText }: { rows: QueueRow[]; emptyText: string }) {
  const router = useRouter();
  const [busy, setBusy] = useState<string | null>(null);
  const [problems, setProblems] = useState<Record<string, string>>({});
  /** Said after a take: the item leaves this tab for "Assigned to me". */
  const [notice, setNotice] = useState('');

  async function take(id: string) {
    setBusy(id);
    setNotice('');
    setProblems((current) => ({ ...current, [id]: '' }));
    try {
      const { item } = await adminFetch<{ item: QueueItemView }>(`/api/admin/review/items/${id}/take`, { method: 'POST' });
      setNotice(`You took ${item.ref}: it is under "Assigned to me".`);
    } catch (failure) {
      setProblems((current) => ({ ...current, [id]: failure instanceof Error ? failure.message : String(failure) }));
    } finally {
      setBusy(null);
      router.refresh();
    }
  }

  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      if (event.key !== 't' || event.metaKey || event.ctrlKey || event.altKey || isTyping(event.target)) return;
      const selected = (document.activeElement as HTMLElement | null)?.closest<HTMLElement>('[data-review-item]');
      const id = selected?.dataset.reviewItem;
      const row = rows.find((candidate) => candidate.item.id === id);
      if (!row || row.item.state !== 'to_review') return;
      event.preventDefault();
      void take(row.item.id);
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  const status = (
    <p role="status" className="text-sm font-medium text-emerald-800 empty:hidden dark:text-emerald-300">
      {notice}
    </p>
  );
  if (rows.length === 0) {
    return (
      <>
        {status}
        <p className="text-sm text-slate-600 dark:text-slate-400">{emptyText}</p>
      </>
    );
  }
  return (
    <>
      {status}
      <KeyNav />
      <ol aria-label="Review items" className="space-y-2">
        {rows.map(({ item, mine }) => (
          <li
            key={item.id}
            data-review-item={item.id}
            aria-label={`Conversation ${item.ref}`}
            className="flex flex-col gap-3 rounded-lg border border-slate-200 bg-white p-4 text-sm focus-within:ring-2 focus-within:ring-blue-500 sm:flex-row sm:items-start sm:justify-between dark:border-slate-800 dark:bg-slate-900"
          >
            <div className="min-w-0 flex-1 space-y-1.5">
              <div className="flex flex-wrap items-center gap-2">
                <a
                  data-nav
                  href={`/admin/sessions/${item.ref}`}
                  className="rounded font-mono text-xs break-all text-blue-700 hover:underline focus:outline-none focus-visible:ring-2 focus-visible:ring-blue-500 dark:text-blue-400"
                >
                  {item.ref}
                </a>
                <Badge tone={reviewStateTone(item.state)}>{reviewStateLabel(item.state, item.assigneeName, mine)}</Badge>
              </div>
              <ul aria-label="Reasons" className="flex flex-wrap gap-1.5">
                {item.reasons.map((reason) => (
                  <li key={reason}>
                    <Badge>{reasonLabel(reason)}</Badge>
                  </li>
                ))}
              </ul>
              <p className="text-slate-600 dark:text-slate-400">
                Entered <LocalTime value={item.enteredAt} />
                {item.assigneeName && (
                  <>
                    {' · '}Assignee: <span className="font-medium text-slate-900 dark:text-slate-100">{mine ? 'you' : item.assigneeName}</span>
                  </>
                )}
              </p>
              {problems[item.id] && (
                <p role="alert" className="font-medium text-red-700 dark:text-red-400">
                  {problems[item.id]}
                </p>
              )}
            </div>
            {item.state === 'to_review' ? (
              <button
                type="button"
                className={BUTTON}
                disabled={busy === item.id}
                onClick={() => void take(item.id)}
                aria-label={`Take ${item.ref}`}
                aria-keyshortcuts="t"
              >
                {busy === item.id ? 'Taking…' : 'Take'}
              </button>
            ) : (
              <a href={`/admin/sessions/${item.ref}`} className={`${BUTTON} self-start`}>
                Open
              </a>
            )}
          </li>
        ))}
      </ol>
    </>
  );
}
