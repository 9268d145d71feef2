'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { adminFetch } from './api-client';
import { plural } from './format';

/** Runs the retention policy now, after a confirm: it deletes data for good. */
export function RetentionButton({ days }: { days: number }) {
  const router = useRouter();
  const [result, setResult] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  return (
    <div className="flex flex-wrap items-center gap-3">
      <button
        type="button"
        disabled={pending}
        className="rounded-md border border-red-300 px-3 py-1.5 text-sm font-medium text-red-700 hover:bg-red-50 disabled:opacity-60 dark:border-red-800 dark:text-red-300 dark:hover:bg-red-950/40"
        onClick={async () => {
          if (!window.confirm(`Delete every session idle for more than ${plural(days, 'day')}, with its turns, flags and notes?`)) return;
          setPending(true);
          try {
            const report = await adminFetch<{ sessions: number; turns: number; cutoff: string }>('/api/admin/retention', { method: 'POST', body: { confirm: true } });
            setResult(`Deleted ${plural(report.sessions, 'session')} and ${plural(report.turns, 'turn')} from before ${report.cutoff.slice(0, 10)}.`);
            router.refresh();
          } catch (failure) {
            setResult(failure instanceof Error ? failure.message : String(failure));
          } finally {
            setPending(false);
          }
        }}
      >
        {pending ? 'Running…' : 'Run retention now'}
      </button>
      {result && <p role="status" className="text-sm">{result}</p>}
    </div>
  );
}
