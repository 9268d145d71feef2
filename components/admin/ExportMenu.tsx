'use client';

import { useId, useState } from 'react';

/**
 * Download links for JSONL and CSV. Internal notes stay out unless the agent ticks the box: an export
 * may be forwarded outside the support team.
 */
export function ExportMenu({ basePath, query, label = 'Export' }: { basePath: string; query: string; label?: string }) {
  const [notes, setNotes] = useState(false);
  const id = useId();
  const href = (format: 'jsonl' | 'csv') => {
    const params = new URLSearchParams(query);
    params.set('format', format);
    if (notes) params.set('notes', '1');
    return `${basePath}?${params}`;
  };
  const link =
    'rounded-md border border-slate-300 px-2.5 py-1 text-sm font-medium hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800';
  return (
    <div role="group" aria-label={label} className="flex flex-wrap items-center gap-2 text-sm">
      <span className="font-medium text-slate-600 dark:text-slate-400">{label}:</span>
      <a href={href('jsonl')} download className={link}>
        JSONL
      </a>
      <a href={href('csv')} download className={link}>
        CSV
      </a>
      <label htmlFor={id} className="flex items-center gap-1.5 text-slate-600 dark:text-slate-400">
        <input id={id} type="checkbox" checked={notes} onChange={(event) => setNotes(event.target.checked)} className="size-4" />
        with internal notes
      </label>
    </div>
  );
}
