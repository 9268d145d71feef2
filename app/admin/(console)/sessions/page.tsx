import type { Metadata } from 'next';
import { Collapsible } from '@/components/admin/Collapsible';
import { ExportMenu } from '@/components/admin/ExportMenu';
import { FilterBar } from '@/components/admin/FilterBar';
import { LiveUpdates } from '@/components/admin/LiveUpdates';
import { SessionTable, type SessionRowView } from '@/components/admin/SessionTable';
import { logAccess } from '@/lib/auth/access-log';
import { decodeCursor } from '@/lib/admin/cursor';
import { filtersToParams, firstValues, readListFilters } from '@/lib/admin/filters';
import { InputProblems } from '@/components/admin/InputProblems';
import { listModels, listSessions } from '@/lib/admin/sessions';
import { pathWithQuery } from '@/lib/auth/page-guard';
import { requirePageAgent } from '@/lib/runtime/auth';
import { getRuntime } from '@/lib/runtime';
import { listCurrentCriteria } from '@/lib/review/rubric';

export const metadata: Metadata = { title: 'Sessions' };
export const dynamic = 'force-dynamic';

type SearchParams = Record<string, string | string[] | undefined>;

export default async function SessionsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const raw = await searchParams;
  const agent = await requirePageAgent(pathWithQuery('/admin/sessions', raw));
  const params = firstValues(raw);
  const { filters, problems } = readListFilters(params);
  const runtime = getRuntime();
  const db = (await runtime.database()).db;
  const [page, models, criteria] = await Promise.all([
    listSessions(db, filters, { after: decodeCursor(params.after), before: decodeCursor(params.before) }),
    listModels(db),
    listCurrentCriteria(db),
  ]);
  // Searching reads across transcripts: who searched for what, and how many matches each page of
  // results showed, is part of the access record.
  if (filters.q || filters.customer) {
    await logAccess(db, agent, 'search', {
      detail: {
        ...(filters.q ? { q: filters.q } : {}),
        filters: Object.fromEntries(filtersToParams(filters)),
        page: params.after ? 'next' : params.before ? 'previous' : 'first',
        results: page.rows.length,
      },
    });
  } else if (page.rows.length > 0) {
    // The plain list shows customers' last messages: who saw which conversations' previews is part
    // of the record too (as a search without words; at most once a minute per filter set and page).
    const filterParams = Object.fromEntries(filtersToParams(filters));
    const position = params.after ? 'next' : params.before ? 'previous' : 'first';
    await runtime.accessLogThrottle.log(
      db,
      agent,
      'search',
      { detail: { q: null, view: 'list', filters: filterParams, page: position, results: page.rows.length, sessions: page.rows.map((row) => row.ref) } },
      JSON.stringify([filterParams, params.after ?? null, params.before ?? null]),
    );
  }

  const query = filtersToParams(filters);
  const pageLink = (key: 'after' | 'before', cursor: string) => {
    const next = new URLSearchParams(query);
    next.set(key, cursor);
    return `/admin/sessions?${next}`;
  };
  const rows: SessionRowView[] = page.rows.map((row) => {
    const open = new URLSearchParams(filters.q ? { q: filters.q } : {});
    const anchor = row.match ? `#turn-${row.match.auditId}` : '';
    return {
      ref: row.ref,
      href: `/admin/sessions/${row.ref}${open.size > 0 ? `?${open}` : ''}${anchor}`,
      createdAt: row.createdAt.toISOString(),
      lastActivityAt: row.lastActivityAt.toISOString(),
      turnCount: row.turnCount,
      preview: row.lastUserText,
      snippet: row.match?.snippet ?? null,
      matches: row.match?.count ?? 0,
      memoryFallbacks: row.memoryFallbacks,
      errorCount: row.errorCount,
      unfinished: row.unfinished,
      feedbackUp: row.feedbackUp,
      feedbackDown: row.feedbackDown,
      openFlags: row.openFlags,
      customer: row.identity,
      state: row.state,
      stateOwnerName: row.stateOwnerName,
      // A yes/no mean reads as the share of yes; a scale's as "mean/max".
      scores: Object.fromEntries(
        row.scores.map((score) => [score.key, score.kind === 'yes_no' ? `${Math.round(score.mean * 100)}% yes` : `${score.mean.toFixed(1)}/${score.scaleMax}`]),
      ),
    };
  });
  // A column per current criterion that someone scored on this page.
  const scoreColumns = criteria.filter((criterion) => page.rows.some((row) => row.scores.some((score) => score.key === criterion.key)));
  const onlyFlagged = filters.flagged && query.size === 1;

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-xl font-semibold">{onlyFlagged ? 'Flagged sessions' : 'Sessions'}</h1>
          <p className="text-sm text-slate-600 dark:text-slate-400">
            Newest activity first.{' '}
            <span className="hidden sm:inline">
              Keys: <kbd className="font-mono">j</kbd>/<kbd className="font-mono">k</kbd> move, <kbd className="font-mono">Enter</kbd> opens,{' '}
              <kbd className="font-mono">/</kbd> searches.
            </span>
          </p>
        </div>
        <div className="flex flex-wrap items-center gap-3">
          <LiveUpdates url="/api/admin/sessions/live" what="new conversations" />
          <ExportMenu basePath="/api/admin/export" query={query.toString()} label="Export this list" />
        </div>
      </div>
      <InputProblems problems={problems} />
      <Collapsible label={`Search and filters${query.size > 0 ? ` (${query.size} on)` : ''}`}>
        <FilterBar
          filters={filters}
          models={models}
          criteria={criteria.map((c) => ({ key: c.key, label: c.label, scale: c.kind === 'yes_no' ? 'no 0 · yes 1' : `${c.scaleMin}–${c.scaleMax}` }))}
        />
      </Collapsible>
      <SessionTable rows={rows} scoreColumns={scoreColumns.map((c) => ({ key: c.key, label: c.label }))} />
      <nav aria-label="Pages" className="flex items-center justify-between text-sm">
        {page.newer ? (
          <a rel="prev" href={pageLink('before', page.newer)} className="rounded-md px-3 py-1.5 font-medium text-blue-700 hover:bg-blue-50 dark:text-blue-400 dark:hover:bg-blue-950/40">
            ← Newer
          </a>
        ) : (
          <span />
        )}
        {page.older && (
          <a rel="next" href={pageLink('after', page.older)} className="rounded-md px-3 py-1.5 font-medium text-blue-700 hover:bg-blue-50 dark:text-blue-400 dark:hover:bg-blue-950/40">
            Older →
          </a>
        )}
      </nav>
    </div>
  );
}
