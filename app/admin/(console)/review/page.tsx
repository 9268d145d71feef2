import type { Metadata } from 'next';
import { QueueList } from '@/components/admin/review/QueueList';
import { REASON_LABELS, TAB_LABELS } from '@/components/admin/review/review-words';
import { RulesForm } from '@/components/admin/review/RulesForm';
import { firstValues } from '@/lib/admin/filters';
import { pathWithQuery } from '@/lib/auth/page-guard';
import { REVIEW_REASONS } from '@/lib/db/schema';
import { itemView, listQueue, QUEUE_TABS, type QueueTab, queueCounts, queueQuerySchema } from '@/lib/review/queue';
import { readRules } from '@/lib/review/rules';
import { getRuntime } from '@/lib/runtime';
import { requirePageAgent } from '@/lib/runtime/auth';

export const metadata: Metadata = { title: 'Review' };
export const dynamic = 'force-dynamic';

type SearchParams = Record<string, string | string[] | undefined>;

const EMPTY: Record<QueueTab, string> = {
  to_review: 'Nothing to review.',
  in_review: 'Nobody is reviewing anything right now.',
  done: 'Nothing reviewed yet.',
  mine: 'You are not reviewing anything. Take an item from "To review".',
};

function tabHref(tab: QueueTab, reason: string | undefined): string {
  const query = new URLSearchParams({ tab, ...(reason ? { reason } : {}) });
  return `/admin/review?${query}`;
}

/**
 * The review queue: conversations rules (or agents) put up for review, oldest first, by tab; an
 * agent takes one and it is theirs ("Assigned to me"). Admins set the rules below the list.
 */
export default async function ReviewPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const raw = await searchParams;
  const agent = await requirePageAgent(pathWithQuery('/admin/review', raw));
  const values = firstValues(raw);
  // A hand-edited URL that does not parse shows the first tab rather than an error page.
  const parsed = queueQuerySchema.safeParse({ tab: values.tab, reason: values.reason || undefined, after: values.after || undefined });
  const query = parsed.success ? parsed.data : { tab: 'to_review' as const };
  const db = (await getRuntime().database()).db;
  const [page, counts, rules] = await Promise.all([
    listQueue(db, agent.id, query),
    queueCounts(db, agent.id, query.reason),
    agent.role === 'admin' ? readRules(db) : Promise.resolve(null),
  ]);
  const rows = page.items.map((item) => ({ item: itemView(item), mine: item.state !== 'to_review' && item.assigneeId === agent.id }));

  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-xl font-semibold">Review</h1>
        <p className="text-sm text-slate-600 dark:text-slate-400">
          Conversations to review, oldest first. Keys: <kbd>j</kbd>/<kbd>k</kbd> or <kbd>↓</kbd>/<kbd>↑</kbd> move, <kbd>Enter</kbd> opens,{' '}
          <kbd>t</kbd> takes.
        </p>
        <p className="mt-1 text-sm">
          <a href="/admin/review/rubric" className="font-medium text-blue-700 hover:underline dark:text-blue-400">
            Rubric
          </a>{' '}
          <span className="text-slate-600 dark:text-slate-400">— what reviewers score{agent.role === 'admin' ? ' (you can change it)' : ''}.</span>
        </p>
      </div>

      <nav aria-label="Review tabs" className="flex flex-wrap gap-1 border-b border-slate-200 dark:border-slate-800">
        {QUEUE_TABS.map((tab) => {
          const current = tab === query.tab;
          return (
            <a
              key={tab}
              href={tabHref(tab, query.reason)}
              aria-current={current ? 'page' : undefined}
              className={`-mb-px rounded-t-md border-b-2 px-3 py-2 text-sm font-medium whitespace-nowrap ${
                current
                  ? 'border-blue-700 text-blue-800 dark:border-blue-400 dark:text-blue-300'
                  : 'border-transparent text-slate-600 hover:text-slate-900 dark:text-slate-400 dark:hover:text-slate-100'
              }`}
            >
              {TAB_LABELS[tab]} <span data-count={tab}>({counts[tab]})</span>
            </a>
          );
        })}
      </nav>

      <form method="get" action="/admin/review" className="flex flex-wrap items-end gap-2 text-sm">
        <input type="hidden" name="tab" value={query.tab} />
        <label className="flex flex-col gap-1">
          <span className="font-medium">Reason</span>
          <select
            name="reason"
            defaultValue={query.reason ?? ''}
            className="rounded-md border border-slate-300 bg-white px-2 py-1.5 dark:border-slate-700 dark:bg-slate-950"
          >
            <option value="">Any reason</option>
            {REVIEW_REASONS.map((reason) => (
              <option key={reason} value={reason}>
                {REASON_LABELS[reason]}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="rounded-md border border-slate-300 px-3 py-1.5 font-medium hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800">
          Filter
        </button>
      </form>

      <section aria-label={TAB_LABELS[query.tab]} className="space-y-3">
        <QueueList rows={rows} emptyText={EMPTY[query.tab]} />
        {page.next && (
          <a
            href={`/admin/review?${new URLSearchParams({ tab: query.tab, ...(query.reason ? { reason: query.reason } : {}), after: page.next })}`}
            className="inline-block text-sm text-blue-700 hover:underline dark:text-blue-400"
          >
            More items →
          </a>
        )}
      </section>

      {rules && (
        <section aria-labelledby="rules-title" className="max-w-xl space-y-3 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
          <h2 id="rules-title" className="font-semibold">
            Queue rules
          </h2>
          <RulesForm rules={rules} />
        </section>
      )}
    </div>
  );
}
