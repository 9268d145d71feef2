import type { Metadata } from 'next';
import { CustomerIdentityCard } from '@/components/admin/CustomerIdentityCard';
import { ExportMenu } from '@/components/admin/ExportMenu';
import { LocalTime } from '@/components/admin/LocalTime';
import { SessionTable, type SessionRowView } from '@/components/admin/SessionTable';
import { decodeCursor } from '@/lib/admin/cursor';
import { filtersToParams, firstValues, parseListFilters } from '@/lib/admin/filters';
import { openCustomer } from '@/lib/admin/identity';
import { listSessions } from '@/lib/admin/sessions';
import { pathWithQuery } from '@/lib/auth/page-guard';
import { requirePageAgent } from '@/lib/runtime/auth';
import { getRuntime } from '@/lib/runtime';

export const metadata: Metadata = { title: 'Customer' };
export const dynamic = 'force-dynamic';

type SearchParams = Record<string, string | string[] | undefined>;

/** Every conversation of one verified customer (by the site's user id), newest activity first. */
export default async function CustomerPage({
  params,
  searchParams,
}: {
  params: Promise<{ sub: string }>;
  searchParams: Promise<SearchParams>;
}) {
  const sub = safeDecode((await params).sub);
  const raw = await searchParams;
  const agent = await requirePageAgent(pathWithQuery(`/admin/customers/${encodeURIComponent(sub)}`, raw));
  const query = firstValues(raw);
  const db = (await getRuntime().database()).db;
  const customer = await openCustomer(db, agent, sub);
  // An id no customer signed in with (a typo, a customer not seen yet) is an answer, not an error page.
  if (!customer) return <UnknownCustomer sub={sub} />;
  const filters = parseListFilters({ sub });
  const page = await listSessions(db, filters, { after: decodeCursor(query.after), before: decodeCursor(query.before) });
  const rows: SessionRowView[] = page.rows.map((row) => ({
    ref: row.ref,
    href: `/admin/sessions/${row.ref}`,
    createdAt: row.createdAt.toISOString(),
    lastActivityAt: row.lastActivityAt.toISOString(),
    turnCount: row.turnCount,
    preview: row.lastUserText,
    snippet: null,
    matches: 0,
    memoryFallbacks: row.memoryFallbacks,
    errorCount: row.errorCount,
    unfinished: row.unfinished,
    feedbackUp: row.feedbackUp,
    feedbackDown: row.feedbackDown,
    openFlags: row.openFlags,
    customer: row.identity,
  }));
  const base = `/admin/customers/${encodeURIComponent(sub)}`;
  const linkClass = 'rounded-md px-3 py-1.5 font-medium text-blue-700 hover:bg-blue-50 dark:text-blue-400 dark:hover:bg-blue-950/40';

  return (
    <div className="space-y-4">
      <div>
        <a href="/admin/sessions?identity=verified" className="text-sm text-blue-700 hover:underline dark:text-blue-400">
          ← Verified customers' sessions
        </a>
        <h1 className="mt-1 text-xl font-semibold">Customer</h1>
        <CustomerIdentityCard customer={customer} linkAll={false} />
        <p className="mt-2 text-sm text-slate-600 dark:text-slate-400">
          First signed in <LocalTime value={customer.firstSeenAt} />, last <LocalTime value={customer.lastSeenAt} />. Name and e-mail are
          as the site last signed them.
        </p>
      </div>
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h2 className="text-lg font-semibold">Conversations</h2>
        <ExportMenu basePath="/api/admin/export" query={filtersToParams(filters).toString()} label="Export these conversations" />
      </div>
      <SessionTable rows={rows} />
      <nav aria-label="Pages" className="flex items-center justify-between text-sm">
        {page.newer ? (
          <a rel="prev" href={`${base}?${new URLSearchParams({ before: page.newer })}`} className={linkClass}>
            ← Newer
          </a>
        ) : (
          <span />
        )}
        {page.older && (
          <a rel="next" href={`${base}?${new URLSearchParams({ after: page.older })}`} className={linkClass}>
            Older →
          </a>
        )}
      </nav>
    </div>
  );
}

/** Next may hand the segment over still percent-encoded; a sub with a bare "%" must not throw. */
function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function UnknownCustomer({ sub }: { sub: string }) {
  return (
    <div className="space-y-2">
      <a href="/admin/sessions?identity=verified" className="text-sm text-blue-700 hover:underline dark:text-blue-400">
        ← Verified customers' sessions
      </a>
      <h1 className="text-xl font-semibold">Customer</h1>
      <p className="rounded-lg border border-dashed border-slate-300 p-6 text-sm text-slate-600 dark:border-slate-700 dark:text-slate-400">
        No verified customer has signed in with the id <span className="font-mono break-all">{sub}</span>.
      </p>
    </div>
  );
}
