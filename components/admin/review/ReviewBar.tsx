'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';
import type { ReviewBarData } from '@/lib/review/queue';
import { adminFetch } from '../api-client';
import { Badge } from '../Badge';
import { reasonLabel, reviewStateLabel, reviewStateTone } from './review-words';

type Action = 'take' | 'release' | 'done' | 'add';

const BUTTON =
  'rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium hover:bg-slate-100 disabled:opacity-60 dark:border-slate-700 dark:hover:bg-slate-800';
const PRIMARY = 'rounded-md bg-blue-700 px-3 py-1.5 text-sm font-semibold text-white hover:bg-blue-800 disabled:opacity-60';
const LINK = 'rounded-md px-2 py-1.5 text-sm font-medium text-blue-700 hover:underline dark:text-blue-400';

const isTyping = (target: EventTarget | null) =>
  target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));

/**
 * The conversation's place in the review queue, on its page: state, who reviews it, why it is there,
 * and the reviewer's moves (take, release, mark done, add by hand, previous/next item). Keys (not
 * while typing): t take, d done, n next, p previous. Another reviewer holding it does not stop
 * anyone reading or scoring; their name is shown, and a refused move says why.
 */
export function ReviewBar({ sessionRef, data, isAdmin }: { sessionRef: string; data: ReviewBarData; isAdmin: boolean }) {
  const router = useRouter();
  const [busy, setBusy] = useState<Action | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const { item, mine, previous, next } = data;

  const canTake = item?.state === 'to_review';
  const canRelease = item?.state === 'in_review' && (mine || isAdmin);
  const canFinish = item !== null && item.state !== 'done' && (item.state === 'to_review' || mine || isAdmin);
  const canAdd = item === null || item.state === 'done';

  async function act(action: Action) {
    setBusy(action);
    setProblem(null);
    try {
      if (action === 'add') await adminFetch('/api/admin/review/items', { method: 'POST', body: { ref: sessionRef } });
      else if (item) await adminFetch(`/api/admin/review/items/${item.id}/${action}`, { method: 'POST' });
    } catch (failure) {
      setProblem(failure instanceof Error ? failure.message : String(failure));
    } finally {
      setBusy(null);
      // Refused or not, the bar shows the item as it is now.
      router.refresh();
    }
  }

  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      if (event.metaKey || event.ctrlKey || event.altKey || isTyping(event.target) || busy) return;
      if (event.key === 't' && item) {
        event.preventDefault();
        void act('take');
      } else if (event.key === 'd' && item && item.state !== 'done') {
        event.preventDefault();
        void act('done');
      } else if (event.key === 'n' && next) {
        event.preventDefault();
        router.push(`/admin/sessions/${next}`);
      } else if (event.key === 'p' && previous) {
        event.preventDefault();
        router.push(`/admin/sessions/${previous}`);
      }
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  return (
    <section
      aria-labelledby="review-bar-title"
      className="space-y-2 rounded-lg border border-slate-200 bg-white p-3 text-sm dark:border-slate-800 dark:bg-slate-900"
    >
      <div className="flex flex-wrap items-center gap-2">
        <h2 id="review-bar-title" className="font-semibold">
          Review queue
        </h2>
        {item ? (
          <>
            <Badge tone={reviewStateTone(item.state)}>{reviewStateLabel(item.state, item.assigneeName, mine)}</Badge>
            <ul aria-label="Reasons" className="flex flex-wrap gap-1.5">
              {item.reasons.map((reason) => (
                <li key={reason}>
                  <Badge>{reasonLabel(reason)}</Badge>
                </li>
              ))}
            </ul>
          </>
        ) : (
          <span className="text-slate-600 dark:text-slate-400">Not in the queue</span>
        )}
      </div>
      <div className="flex flex-wrap items-center gap-2">
        {canTake && (
          <button type="button" className={PRIMARY} disabled={busy !== null} onClick={() => void act('take')} aria-keyshortcuts="t">
            {busy === 'take' ? 'Taking…' : 'Take'}
          </button>
        )}
        {item?.state === 'in_review' && !mine && (
          // Still offered: pressing it says who has it (the server's answer), and nothing changes.
          <button type="button" className={BUTTON} disabled={busy !== null} onClick={() => void act('take')} aria-keyshortcuts="t">
            {busy === 'take' ? 'Taking…' : 'Take'}
          </button>
        )}
        {canRelease && (
          <button type="button" className={BUTTON} disabled={busy !== null} onClick={() => void act('release')}>
            {busy === 'release' ? 'Releasing…' : 'Release'}
          </button>
        )}
        {canFinish && (
          <button type="button" className={mine ? PRIMARY : BUTTON} disabled={busy !== null} onClick={() => void act('done')} aria-keyshortcuts="d">
            {busy === 'done' ? 'Saving…' : 'Mark done'}
          </button>
        )}
        {canAdd && (
          <button type="button" className={BUTTON} disabled={busy !== null} onClick={() => void act('add')}>
            {busy === 'add' ? 'Adding…' : 'Add to review queue'}
          </button>
        )}
        {(previous || next) && (
          <span className="ml-auto flex gap-1">
            {previous && (
              <a href={`/admin/sessions/${previous}`} className={LINK} aria-keyshortcuts="p">
                <span aria-hidden="true">← </span>Previous
              </a>
            )}
            {next && (
              <a href={`/admin/sessions/${next}`} className={LINK} aria-keyshortcuts="n">
                Next<span aria-hidden="true"> →</span>
              </a>
            )}
          </span>
        )}
      </div>
      <p className="text-xs text-slate-600 dark:text-slate-400">
        Keys: <kbd>t</kbd> take · <kbd>d</kbd> done · <kbd>n</kbd> next · <kbd>p</kbd> previous
      </p>
      {problem && (
        <p role="alert" className="font-medium text-red-700 dark:text-red-400">
          {problem}
        </p>
      )}
    </section>
  );
}
