import type { Metadata } from 'next';
import { AdminOnly } from '@/components/admin/AdminShell';
import { AgentsManager } from '@/components/admin/AgentsManager';
import { RetentionButton } from '@/components/admin/RetentionButton';
import { listAgents } from '@/lib/auth/agents';
import { logRefusedPage } from '@/lib/auth/page-guard';
import { requirePageAgent } from '@/lib/runtime/auth';
import { PASSWORD_MIN_LENGTH } from '@/lib/auth/password';
import { getRuntime } from '@/lib/runtime';
import { plural } from '@/components/admin/format';

export const metadata: Metadata = { title: 'Agents' };
export const dynamic = 'force-dynamic';

/** Admins only: who may sign in, with which role, and the audit retention policy. */
export default async function AgentsPage() {
  const agent = await requirePageAgent('/admin/agents');
  if (agent.role !== 'admin') {
    logRefusedPage(agent, '/admin/agents');
    return <AdminOnly />;
  }
  const runtime = getRuntime();
  const agents = await listAgents((await runtime.database()).db);
  const retentionDays = runtime.config.audit.retentionDays;
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-xl font-semibold">Agents</h1>
        <p className="text-sm text-slate-600 dark:text-slate-400">
          Agents read, flag and annotate transcripts; admins also manage agents, delete sessions and run retention.
        </p>
      </div>
      <AgentsManager
        selfId={agent.id}
        minPasswordLength={PASSWORD_MIN_LENGTH}
        agents={agents.map((row) => ({
          id: row.id,
          email: row.email,
          name: row.name,
          role: row.role,
          hasPassword: row.hasPassword,
          lastSignInAt: row.lastSignInAt?.toISOString() ?? null,
          disabled: row.disabledAt !== null,
        }))}
      />
      <section aria-labelledby="retention" className="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
        <h2 id="retention" className="text-sm font-semibold">
          Retention
        </h2>
        {retentionDays === undefined ? (
          <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">
            AUDIT_RETENTION_DAYS is not set: audit data is kept until someone deletes it.
          </p>
        ) : (
          <div className="mt-2 space-y-2">
            <p className="text-sm text-slate-600 dark:text-slate-400">Sessions idle for more than {plural(retentionDays, 'day')} are deleted.</p>
            <RetentionButton days={retentionDays} />
          </div>
        )}
      </section>
    </div>
  );
}
