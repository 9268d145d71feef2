import type { Metadata } from 'next';
import { type RubricRow, RubricManager } from '@/components/admin/review/RubricManager';
import { type CriterionView, listCriterionVersions } from '@/lib/review/rubric';
import { requirePageAgent } from '@/lib/runtime/auth';
import { getRuntime } from '@/lib/runtime';

export const metadata: Metadata = { title: 'Rubric' };
export const dynamic = 'force-dynamic';

function row(criterion: CriterionView): RubricRow {
  return { ...criterion, createdAt: criterion.createdAt.toISOString(), retiredAt: criterion.retiredAt?.toISOString() ?? null };
}

/** What reviewers score. Admins change it (each change a new version); agents read it. */
export default async function RubricPage() {
  const agent = await requirePageAgent('/admin/review/rubric');
  const versions = await listCriterionVersions((await getRuntime().database()).db);
  const current = versions.filter((criterion) => criterion.retiredAt === null).sort((a, b) => a.position - b.position || a.key.localeCompare(b.key));
  const retired = versions.filter((criterion) => criterion.retiredAt !== null);
  return (
    <div className="mx-auto max-w-3xl space-y-6">
      <div>
        <a href="/admin/review" className="text-sm text-blue-700 hover:underline dark:text-blue-400">
          ← Review
        </a>
        <h1 className="text-xl font-semibold">Rubric</h1>
        <p className="text-sm text-slate-600 dark:text-slate-400">
          What reviewers score on each reply and on the whole conversation.{' '}
          {agent.role === 'admin' ? 'A change makes a new version: scores already given keep the version they were given under.' : 'Only admins change it.'}
        </p>
      </div>
      <RubricManager current={current.map(row)} retired={retired.map(row)} canEdit={agent.role === 'admin'} />
    </div>
  );
}
