import type { Metadata } from 'next';
import { z } from 'zod';
import { AdminOnly } from '@/components/admin/AdminShell';
import { Badge } from '@/components/admin/Badge';
import { LocalTime } from '@/components/admin/LocalTime';
import { listAccessLog, loggedSession } from '@/lib/auth/access-log';
import { sessionIdForRef } from '@/lib/admin/session-lookup';
import { firstValues } from '@/lib/admin/filters';
import { logRefusedPage, pathWithQuery } from '@/lib/auth/page-guard';
import { requirePageAgent } from '@/lib/runtime/auth';
import { ACCESS_ACTIONS, type AccessAction, type AccessLogRow } from '@/lib/db/schema';
import { SESSION_REF_PATTERN } from '@/lib/session-ref';
import { InputProblems } from '@/components/admin/InputProblems';
import { getRuntime } from '@/lib/runtime';

export const metadata: Metadata = { title: 'Access log' };
export const dynamic = 'force-dynamic';

const PAGE = 100;

/** Each filter checked on its own: a malformed one is left out and named on the page (never a 500). */
const FILTERS = {
  before: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  action: z.enum(ACCESS_ACTIONS, { error: 'is not an action of the log' }),
  session: z.string().trim().regex(SESSION_REF_PATTERN, 'must be a conversation reference such as c_abcdefghijklmnop'),
  agent: z.uuid({ error: 'is not an agent id' }),
} as const;

type Query = { before?: number; action?: AccessAction; session?: string; agent?: string };

function readQuery(params: Record<string, string>): { query: Query; problems: string[] } {
  const query: Query = {};
  const problems: string[] = [];
  for (const key of Object.keys(FILTERS) as (keyof typeof FILTERS)[]) {
    const value = params[key];
    if (value === undefined || value.trim() === '') continue;
    const parsed = FILTERS[key].safeParse(value);
    if (parsed.success) Object.assign(query, { [key]: parsed.data });
    else problems.push(`${key}: ${parsed.error.issues[0]?.message ?? 'is not valid'}.`);
  }
  return { query, problems };
}

type SearchParams = Record<string, string | string[] | undefined>;

const FIELD = 'rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-950';

/** Who viewed, searched, flagged, exported or deleted what: admins only. */
export default async function AccessLogPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const raw = await searchParams;
  const agent = await requirePageAgent(pathWithQuery('/admin/access-log', raw));
  if (agent.role !== 'admin') {
    logRefusedPage(agent, '/admin/access-log');
    return <AdminOnly />;
  }
  const { query, problems } = readQuery(firstValues(raw));
  const db = (await getRuntime().database()).db;
  // Entries name sessions by reference; ones written before references hold the id, found through it.
  const legacyId = query.session ? await sessionIdForRef(db, query.session) : null;
  const page = await listAccessLog(db, {
    before: query.before,
    action: query.action,
    sessionKeys: query.session ? [query.session, ...(legacyId ? [legacyId] : [])] : undefined,
    agentId: query.agent,
    limit: PAGE,
  });
  const older = new URLSearchParams();
  if (query.action) older.set('action', query.action);
  if (query.session) older.set('session', query.session);
  if (query.agent) older.set('agent', query.agent);
  if (page.nextBefore) older.set('before', String(page.nextBefore));

  return (
    <div className="space-y-4">
      <div>
        <h1 className="text-xl font-semibold">Access log</h1>
        <p className="text-sm text-slate-600 dark:text-slate-400">Every view, search, flag, note, export and deletion, newest first.</p>
      </div>
      <form method="get" className="flex flex-wrap items-end gap-2 rounded-lg border border-slate-200 bg-white p-3 dark:border-slate-800 dark:bg-slate-900">
        <label className="flex flex-col text-xs font-medium text-slate-600 dark:text-slate-400">
          Action
          <select name="action" defaultValue={query.action ?? ''} className={`${FIELD} mt-1`}>
            <option value="">All actions</option>
            {ACCESS_ACTIONS.map((action) => (
              <option key={action} value={action}>
                {action.replace(/_/g, ' ')}
              </option>
            ))}
          </select>
        </label>
        <label className="flex min-w-64 flex-1 flex-col text-xs font-medium text-slate-600 dark:text-slate-400">
          Conversation reference
          <input name="session" defaultValue={query.session ?? ''} className={`${FIELD} mt-1 font-mono`} />
        </label>
        {query.agent && <input type="hidden" name="agent" value={query.agent} />}
        <button type="submit" className="rounded-md bg-blue-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-blue-700">
          Filter
        </button>
        <a href="/admin/access-log" className="rounded-md px-3 py-1.5 text-sm font-medium text-slate-600 hover:bg-slate-100 dark:text-slate-400 dark:hover:bg-slate-800">
          Clear
        </a>
      </form>
      <InputProblems problems={problems} />
      {page.entries.length === 0 ? (
        <p className="rounded-lg border border-slate-200 bg-white p-6 text-center text-sm text-slate-600 dark:border-slate-800 dark:bg-slate-900 dark:text-slate-400">
          Nothing logged yet.
        </p>
      ) : (
        <>
          {/* Phones: one stacked entry each, the action first; nothing scrolls sideways. */}
          <ul aria-label="Access log entries" className="space-y-2 md:hidden">
            {page.entries.map((entry) => (
              <li key={entry.id} data-entry={entry.id} className="rounded-lg border border-slate-200 bg-white p-3 text-sm dark:border-slate-800 dark:bg-slate-900">
                <div className="flex flex-wrap items-center justify-between gap-2">
                  <ActionBadge entry={entry} />
                  <span className="text-xs text-slate-600 dark:text-slate-400">
                    <LocalTime value={entry.at} />
                  </span>
                </div>
                <dl className="mt-2 grid grid-cols-[auto_minmax(0,1fr)] gap-x-3 gap-y-1 text-xs">
                  <dt className="text-slate-600 dark:text-slate-400">Who</dt>
                  <dd className="break-all">
                    <Who entry={entry} />
                  </dd>
                  <dt className="text-slate-600 dark:text-slate-400">Session</dt>
                  <dd className="font-mono break-all">
                    <SessionLink entry={entry} />
                  </dd>
                  {Object.keys(entry.detail).length > 0 && (
                    <>
                      <dt className="text-slate-600 dark:text-slate-400">Details</dt>
                      <dd className="font-mono break-all text-slate-600 dark:text-slate-400">{JSON.stringify(entry.detail)}</dd>
                    </>
                  )}
                </dl>
              </li>
            ))}
          </ul>
          <div className="hidden overflow-x-auto rounded-lg border border-slate-200 bg-white md:block dark:border-slate-800 dark:bg-slate-900">
            <table className="w-full text-left text-sm">
              <caption className="sr-only">Access log, newest first</caption>
              <thead className="border-b border-slate-200 bg-slate-50 text-xs text-slate-600 uppercase dark:border-slate-800 dark:bg-slate-900/60 dark:text-slate-400">
                <tr>
                  <th scope="col" className="px-3 py-2">When</th>
                  <th scope="col" className="px-3 py-2">Who</th>
                  <th scope="col" className="px-3 py-2">Action</th>
                  <th scope="col" className="px-3 py-2">Session</th>
                  <th scope="col" className="px-3 py-2">Details</th>
                </tr>
              </thead>
              <tbody>
                {page.entries.map((entry) => (
                  <tr key={entry.id} className="border-b border-slate-100 last:border-0 dark:border-slate-800">
                    <td className="px-3 py-2 whitespace-nowrap">
                      <LocalTime value={entry.at} />
                    </td>
                    <td className="px-3 py-2">
                      <Who entry={entry} />
                    </td>
                    <td className="px-3 py-2 whitespace-nowrap">
                      <ActionBadge entry={entry} />
                    </td>
                    <td className="px-3 py-2 font-mono text-xs">
                      <SessionLink entry={entry} />
                    </td>
                    <td className="max-w-md truncate px-3 py-2 font-mono text-xs text-slate-600 dark:text-slate-400" title={JSON.stringify(entry.detail)}>
                      {Object.keys(entry.detail).length > 0 ? JSON.stringify(entry.detail) : ''}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
      {page.nextBefore && (
        <div className="text-right text-sm">
          <a rel="next" href={`/admin/access-log?${older}`} className="rounded-md px-3 py-1.5 font-medium text-blue-700 hover:bg-blue-50 dark:text-blue-400 dark:hover:bg-blue-950/40">
            Older →
          </a>
        </div>
      )}
    </div>
  );
}

/** Refused attempts are logged under the action that was attempted, with detail.refused. */
function ActionBadge({ entry }: { entry: AccessLogRow }) {
  const refused = typeof entry.detail.refused === 'string';
  const bad = refused || entry.action === 'delete_session' || entry.action === 'sign_in_failed';
  return (
    <Badge tone={bad ? 'bad' : 'neutral'}>
      {entry.action.replace(/_/g, ' ')}
      {refused ? ' · refused' : ''}
    </Badge>
  );
}

function Who({ entry }: { entry: AccessLogRow }) {
  return entry.agentId ? (
    <a href={`/admin/access-log?agent=${entry.agentId}`} className="hover:underline">
      {entry.agentEmail}
    </a>
  ) : (
    <>{entry.agentEmail}</>
  );
}

function SessionLink({ entry }: { entry: AccessLogRow }) {
  if (!entry.sessionId) return <>—</>;
  const ref = loggedSession(entry.sessionId);
  return (
    <a href={`/admin/sessions/${ref}`} className="text-blue-700 hover:underline dark:text-blue-400">
      {ref}
    </a>
  );
}
