import { Suspense, type ReactNode } from 'react';
import { signOutAction, signOutEverywhereAction } from '@/app/admin/auth-actions';
import type { AgentIdentity } from '@/lib/auth/identity';
import { Badge } from './Badge';
import { MenuToggle } from './MenuToggle';
import { NavLink } from './NavLink';

/** The console's frame: navigation by role, who is signed in, and sign-out. */
export function AdminShell({
  agent,
  waiting,
  toReview = null,
  children,
}: {
  agent: AgentIdentity;
  waiting: number | null;
  /** Items in the review queue nobody has taken (null: unknown). */
  toReview?: number | null;
  children: ReactNode;
}) {
  return (
    <div className="min-h-dvh">
      <header className="sticky top-0 z-20 border-b border-slate-200 bg-white/90 backdrop-blur print:hidden dark:border-slate-800 dark:bg-slate-900/90">
        <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-x-4 gap-y-2 px-4 py-2.5">
          <a href="/admin" className="flex items-center gap-2 font-semibold">
            <span aria-hidden="true" className="flex size-7 items-center justify-center rounded-md bg-blue-600 text-sm text-white">
              T
            </span>
            <span>Tether review</span>
          </a>
          <Suspense>
            <MenuToggle>
              <nav aria-label="Console" className="flex min-w-0 flex-col gap-1 sm:flex-1 sm:flex-row sm:flex-wrap">
                <NavLink href="/admin">Overview</NavLink>
                <NavLink href="/admin/inbox">
                  Inbox
                  {waiting !== null && waiting > 0 && (
                    <span className="ml-1 rounded-full bg-amber-500 px-1.5 text-xs font-semibold text-slate-950" data-waiting={waiting}>
                      <span className="sr-only"> </span>
                      {waiting}
                      <span className="sr-only"> waiting</span>
                    </span>
                  )}
                </NavLink>
                <NavLink href="/admin/review">
                  Review
                  {toReview !== null && toReview > 0 && (
                    <span className="ml-1 rounded-full bg-slate-200 px-1.5 text-xs font-semibold text-slate-900 dark:bg-slate-700 dark:text-slate-100" data-to-review={toReview}>
                      <span className="sr-only"> </span>
                      {toReview}
                      <span className="sr-only"> to review</span>
                    </span>
                  )}
                </NavLink>
                <NavLink href="/admin/sessions">Sessions</NavLink>
                <NavLink href="/admin/sessions?flagged=1">Flagged</NavLink>
                {agent.role === 'admin' && <NavLink href="/admin/datasets">Datasets</NavLink>}
                {agent.role === 'admin' && <NavLink href="/admin/replays">Replays</NavLink>}
                {agent.role === 'admin' && <NavLink href="/admin/access-log">Access log</NavLink>}
                {agent.role === 'admin' && <NavLink href="/admin/agents">Agents</NavLink>}
                {agent.role === 'admin' && <NavLink href="/admin/audit">Audit health</NavLink>}
              </nav>
              <div className="flex flex-wrap items-center gap-3 text-sm">
                <span className="max-w-56 truncate text-slate-600 dark:text-slate-400" title={agent.email}>
                  {agent.email}
                </span>
                <Badge tone={agent.role === 'admin' ? 'info' : 'neutral'}>{agent.role}</Badge>
                <form action={signOutAction}>
                  <button
                    type="submit"
                    className="rounded-md border border-slate-300 px-2.5 py-1 font-medium hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800"
                  >
                    Sign out
                  </button>
                </form>
                <form action={signOutEverywhereAction}>
                  <button
                    type="submit"
                    title="End this agent's sessions on every device"
                    className="rounded-md px-2.5 py-1 font-medium text-slate-700 underline-offset-2 hover:underline dark:text-slate-300"
                  >
                    Sign out everywhere
                  </button>
                </form>
              </div>
            </MenuToggle>
          </Suspense>
        </div>
      </header>
      <main className="mx-auto max-w-7xl px-4 py-5">{children}</main>
    </div>
  );
}

/** What an agent sees on an admin-only page: the server refused; the page says why. */
export function AdminOnly() {
  return (
    <div role="alert" className="mx-auto max-w-lg rounded-lg border border-amber-300 bg-amber-50 p-5 text-amber-950 dark:border-amber-700 dark:bg-amber-950/40 dark:text-amber-100">
      <h1 className="text-lg font-semibold">Admins only</h1>
      <p className="mt-1 text-sm">This page needs the admin role. Ask an admin if you need access.</p>
    </div>
  );
}
