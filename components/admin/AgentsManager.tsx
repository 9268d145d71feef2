'use client';

import type { FormEvent } from 'react';
import { Badge } from './Badge';
import { adminFetch } from './api-client';
import { useAdminAction } from './use-admin-action';
import { LocalTime } from './LocalTime';

export interface AgentRowView {
  id: string;
  email: string;
  name: string | null;
  role: 'agent' | 'admin';
  hasPassword: boolean;
  lastSignInAt: string | null;
  disabled: boolean;
}

const FIELD = 'rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-950';
const BUTTON =
  'rounded-md border border-slate-300 px-2 py-1 text-xs font-medium hover:bg-slate-100 disabled:opacity-50 dark:border-slate-700 dark:hover:bg-slate-800';

/** Admins create agents, change roles, disable accounts and set new passwords. */
export function AgentsManager({ agents, selfId, minPasswordLength }: { agents: AgentRowView[]; selfId: string; minPasswordLength: number }) {
  const { busy, error, run } = useAdminAction();

  async function create(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const password = String(data.get('password') ?? '');
    const ok = await run(() =>
      adminFetch('/api/admin/agents', {
        method: 'POST',
        body: {
          email: data.get('email'),
          name: data.get('name') || null,
          role: data.get('role'),
          ...(password ? { password } : {}),
        },
      }),
    );
    if (ok) form.reset();
  }

  const update = (id: string, body: Record<string, unknown>) => run(() => adminFetch(`/api/admin/agents/${id}`, { method: 'PATCH', body }));

  return (
    <div className="space-y-4">
      {error && (
        <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800 dark:bg-red-950/50 dark:text-red-200">
          {error}
        </p>
      )}
      <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
        <table className="w-full text-left text-sm">
          <thead className="border-b border-slate-200 bg-slate-50 text-xs text-slate-600 uppercase dark:border-slate-800 dark:bg-slate-900/60 dark:text-slate-400">
            <tr>
              <th scope="col" className="px-3 py-2">Agent</th>
              <th scope="col" className="px-3 py-2">Role</th>
              <th scope="col" className="hidden px-3 py-2 md:table-cell">Last sign-in</th>
              <th scope="col" className="px-3 py-2">Actions</th>
            </tr>
          </thead>
          <tbody>
            {agents.map((agent) => (
              <tr key={agent.id} className={`border-b border-slate-100 last:border-0 dark:border-slate-800 ${agent.disabled ? 'opacity-60' : ''}`}>
                <td className="px-3 py-2">
                  <div className="font-medium">{agent.email}</div>
                  <div className="text-xs text-slate-600 dark:text-slate-400">
                    {agent.name ?? '—'}
                    {!agent.hasPassword && ' · provider sign-in only'}
                    {agent.disabled && ' · disabled'}
                  </div>
                </td>
                <td className="px-3 py-2">
                  <Badge tone={agent.role === 'admin' ? 'info' : 'neutral'}>{agent.role}</Badge>
                </td>
                <td className="hidden px-3 py-2 whitespace-nowrap md:table-cell"><LocalTime value={agent.lastSignInAt} /></td>
                <td className="px-3 py-2">
                  <div className="flex flex-wrap gap-1.5">
                    <button type="button" disabled={busy} className={BUTTON} onClick={() => update(agent.id, { role: agent.role === 'admin' ? 'agent' : 'admin' })}>
                      {agent.role === 'admin' ? 'Make agent' : 'Make admin'}
                    </button>
                    <button
                      type="button"
                      disabled={busy || agent.id === selfId}
                      title={agent.id === selfId ? 'You cannot disable yourself' : undefined}
                      className={BUTTON}
                      onClick={() => update(agent.id, { disabled: !agent.disabled })}
                    >
                      {agent.disabled ? 'Enable' : 'Disable'}
                    </button>
                    <button
                      type="button"
                      disabled={busy}
                      className={BUTTON}
                      onClick={() => {
                        const password = window.prompt(`New password for ${agent.email} (at least ${minPasswordLength} characters)`);
                        if (password) void update(agent.id, { password });
                      }}
                    >
                      Set password…
                    </button>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <form onSubmit={create} className="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
        <h2 className="mb-3 text-sm font-semibold">Add an agent</h2>
        <div className="flex flex-wrap items-end gap-2">
          <label className="flex min-w-56 flex-1 flex-col text-xs font-medium text-slate-600 dark:text-slate-400">
            E-mail
            <input name="email" type="email" required className={`${FIELD} mt-1`} />
          </label>
          <label className="flex flex-col text-xs font-medium text-slate-600 dark:text-slate-400">
            Name
            <input name="name" maxLength={120} className={`${FIELD} mt-1`} />
          </label>
          <label className="flex flex-col text-xs font-medium text-slate-600 dark:text-slate-400">
            Role
            <select name="role" defaultValue="agent" className={`${FIELD} mt-1`}>
              <option value="agent">agent</option>
              <option value="admin">admin</option>
            </select>
          </label>
          <label className="flex flex-col text-xs font-medium text-slate-600 dark:text-slate-400">
            Password (empty: provider sign-in only)
            <input name="password" type="password" minLength={minPasswordLength} autoComplete="new-password" className={`${FIELD} mt-1`} />
          </label>
          <button type="submit" disabled={busy} className="rounded-md bg-blue-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-blue-700 disabled:opacity-60">
            Add
          </button>
        </div>
      </form>
    </div>
  );
}
