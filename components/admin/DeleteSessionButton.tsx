'use client';

import { useRouter } from 'next/navigation';
import { useRef, useState } from 'react';
import { adminFetch } from './api-client';
import { plural } from './format';

/** Admin-only delete, behind a confirmation dialog that says exactly what goes. */
export function DeleteSessionButton({ sessionRef, turns }: { sessionRef: string; turns: number }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const router = useRouter();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function confirm() {
    setPending(true);
    setError(null);
    try {
      await adminFetch(`/api/admin/sessions/${sessionRef}`, { method: 'DELETE', body: { confirm: sessionRef } });
      dialog.current?.close();
      router.push('/admin/sessions');
      router.refresh();
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    } finally {
      setPending(false);
    }
  }

  return (
    <>
      <button
        type="button"
        onClick={() => dialog.current?.showModal()}
        className="rounded-md border border-red-300 px-2.5 py-1 text-sm font-medium text-red-700 hover:bg-red-50 dark:border-red-800 dark:text-red-300 dark:hover:bg-red-950/40"
      >
        Delete…
      </button>
      <dialog
        ref={dialog}
        aria-labelledby="delete-title"
        className="m-auto max-w-md rounded-xl border border-slate-200 bg-white p-5 text-slate-900 shadow-xl backdrop:bg-slate-950/50 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100"
      >
        <h2 id="delete-title" className="text-lg font-semibold">
          Delete this session?
        </h2>
        <p className="mt-2 text-sm text-slate-600 dark:text-slate-400">
          Its {plural(turns, 'audited turn')}, their flags and notes, and the customer&apos;s conversation memory are removed for good. The access
          log keeps a record that you deleted it.
        </p>
        {error && (
          <p role="alert" className="mt-3 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800 dark:bg-red-950/50 dark:text-red-200">
            {error}
          </p>
        )}
        <div className="mt-5 flex justify-end gap-2">
          <button
            type="button"
            autoFocus
            onClick={() => dialog.current?.close()}
            className="rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800"
          >
            Cancel
          </button>
          <button
            type="button"
            disabled={pending}
            onClick={confirm}
            className="rounded-md bg-red-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-red-700 disabled:opacity-60"
          >
            {pending ? 'Deleting…' : 'Delete session'}
          </button>
        </div>
      </dialog>
    </>
  );
}
