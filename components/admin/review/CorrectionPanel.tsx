'use client';

import { useRouter } from 'next/navigation';
import { type FormEvent, useState } from 'react';
import type { CorrectionData } from '@/lib/review/conversation-review';
import type { DiffPart } from '@/lib/review/diff';
import { adminFetch } from '../api-client';

const BUTTON =
  'rounded-md border border-slate-300 px-2 py-1 text-xs font-medium hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-blue-600 dark:border-slate-700 dark:hover:bg-slate-800';
const MAX_CHARS = 8000;

/** Deleted words struck through, inserted words underlined (not by colour alone), each named for screen readers. */
export function WordDiff({ parts }: { parts: DiffPart[] }) {
  return (
    <p className="whitespace-pre-wrap break-words text-sm" data-testid="correction-diff">
      {parts.map((part, index) => {
        const key = `${index}-${part.kind}`;
        if (part.kind === 'removed') {
          return (
            <del key={key} className="rounded-sm bg-red-100 text-red-900 line-through decoration-2 dark:bg-red-950 dark:text-red-100">
              <span className="sr-only">removed: </span>
              {part.text}
            </del>
          );
        }
        if (part.kind === 'added') {
          return (
            <ins key={key} className="rounded-sm bg-emerald-100 text-emerald-950 underline decoration-2 underline-offset-2 dark:bg-emerald-950 dark:text-emerald-100">
              <span className="sr-only">added: </span>
              {part.text}
            </ins>
          );
        }
        return <span key={key}>{part.text}</span>;
      })}
    </p>
  );
}

/** "What it should have said" for one reply: write, edit, remove; shown beside the original with the diff. */
export function CorrectionPanel({ auditId, original, correction }: { auditId: string; original: string; correction: CorrectionData | null }) {
  const router = useRouter();
  const [editing, setEditing] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function run(work: () => Promise<unknown>) {
    setPending(true);
    setError(null);
    try {
      await work();
      setEditing(false);
      router.refresh();
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    } finally {
      setPending(false);
    }
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    // Kept exactly as typed: no trimming.
    const text = String(new FormData(event.currentTarget).get('correction') ?? '');
    void run(() => adminFetch(`/api/admin/review/corrections/${auditId}`, { method: 'PUT', body: { text } }));
  }

  const fieldId = `correction-${auditId}`;
  return (
    <div className="space-y-2">
      {correction && !editing && (
        <section aria-label="Correction" className="space-y-2 rounded-md border border-emerald-300 p-2 dark:border-emerald-800">
          <div className="grid gap-2 sm:grid-cols-2">
            <div>
              <h3 className="text-xs font-semibold text-slate-600 dark:text-slate-400">Original reply</h3>
              <p className="whitespace-pre-wrap break-words text-sm">{original}</p>
            </div>
            <div>
              <h3 className="text-xs font-semibold text-slate-600 dark:text-slate-400">Should have said ({correction.authorName})</h3>
              <p className="whitespace-pre-wrap break-words text-sm" data-testid="correction-text">
                {correction.text}
              </p>
            </div>
          </div>
          <div>
            <h3 className="text-xs font-semibold text-slate-600 dark:text-slate-400">Changes (struck out: removed · underlined: added)</h3>
            <WordDiff parts={correction.diff} />
          </div>
        </section>
      )}
      {editing ? (
        <form onSubmit={submit} className="space-y-2">
          <label htmlFor={fieldId} className="block text-xs font-medium text-slate-700 dark:text-slate-300">
            What it should have said
          </label>
          <textarea
            id={fieldId}
            name="correction"
            required
            rows={5}
            maxLength={MAX_CHARS}
            defaultValue={correction?.text ?? original}
            className="w-full rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-950"
            autoFocus
          />
          <div className="flex gap-2">
            <button type="submit" disabled={pending} className="rounded-md bg-blue-600 px-2.5 py-1 text-xs font-semibold text-white hover:bg-blue-700 disabled:opacity-60">
              {pending ? 'Saving…' : 'Save correction'}
            </button>
            <button type="button" className={BUTTON} onClick={() => setEditing(false)}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <div className="flex flex-wrap gap-2">
          <button type="button" className={BUTTON} onClick={() => setEditing(true)}>
            {correction ? 'Edit correction' : 'Write correction'}
          </button>
          {correction && (
            <button
              type="button"
              className={BUTTON}
              disabled={pending}
              onClick={() => void run(() => adminFetch(`/api/admin/review/corrections/${auditId}`, { method: 'DELETE' }))}
            >
              Remove correction
            </button>
          )}
        </div>
      )}
      {error && (
        <p role="alert" className="text-xs text-red-700 dark:text-red-300">
          {error}
        </p>
      )}
    </div>
  );
}
