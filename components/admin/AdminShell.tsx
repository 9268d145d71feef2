import { Suspense, type ReactNode } from 'react';
import { signOutAction, signOutEverywhereAction } from '@/app/admin/auth-actions';
import type { AgentIdentity } from '@/lib/auth/agents';
import { Badge } from './Badge';
import { NavLink } from './NavLink';

/** The console's frame: navigation by role, who is signed in, and sign-out. */
export function AdminShell({ agent, children }: { agent: AgentIdentity; children: ReactNode }) {
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
          <nav aria-label="Console" className="flex min-w-0 flex-1 gap-1 overflow-x-auto">
            <Suspense>
              <NavLink href="/admin">Sessions</NavLink>
              <NavLink href="/admin?flagged=1">Flagged</NavLink>
              {agent.role === 'admin' && <NavLink href="/admin/access-log">Access log</NavLink>}
              {agent.role === 'admin' && <NavLink href="/admin/agents">Agents</NavLink>}
            </Suspense>
          </nav>
          <div className="flex items-center gap-3 text-sm">
            <span className="hidden max-w-56 truncate text-slate-600 sm:inline dark:text-slate-400" title={agent.email}>
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
