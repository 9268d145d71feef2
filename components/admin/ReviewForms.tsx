'use client';

import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { adminFetch } from './api-client';

const BUTTON =
  'rounded-md border border-slate-300 px-2 py-1 text-xs font-medium hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800';
const FIELD =
  'w-full rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-950';

function useSubmit(send: (value: string) => Promise<unknown>, done: () => void) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const value = String(new FormData(form).get('text') ?? '').trim();
    if (!value) return;
    setPending(true);
    setError(null);
    try {
      await send(value);
      form.reset();
      done();
      router.refresh();
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    } finally {
      setPending(false);
    }
  }
  return { submit, error, pending };
}

function InlineForm(props: {
  label: string;
  placeholder: string;
  submitLabel: string;
  multiline?: boolean;
  onSubmit: (value: string) => Promise<unknown>;
  onDone: () => void;
}) {
  const { submit, error, pending } = useSubmit(props.onSubmit, props.onDone);
  return (
    <form onSubmit={submit} className="mt-2 space-y-2">
      <label className="block text-xs font-medium text-slate-600 dark:text-slate-400">
        {props.label}
        {props.multiline ? (
          <textarea name="text" required rows={3} maxLength={5000} placeholder={props.placeholder} className={`${FIELD} mt-1`} autoFocus />
        ) : (
          <input name="text" required maxLength={500} placeholder={props.placeholder} className={`${FIELD} mt-1`} autoFocus />
        )}
      </label>
      {error && (
        <p role="alert" className="text-xs text-red-700 dark:text-red-300">
          {error}
        </p>
      )}
      <div className="flex gap-2">
        <button type="submit" disabled={pending} className="rounded-md bg-blue-600 px-2.5 py-1 text-xs font-semibold text-white hover:bg-blue-700 disabled:opacity-60">
          {pending ? 'Saving…' : props.submitLabel}
        </button>
        <button type="button" onClick={props.onDone} className={BUTTON}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** Flag and note buttons of a turn (auditId) or of the whole session (auditId null). */
export function ReviewActions({ sessionRef, auditId, subject }: { sessionRef: string; auditId: string | null; subject: string }) {
  const [open, setOpen] = useState<'flag' | 'note' | null>(null);
  return (
    <div>
      <div className="flex flex-wrap gap-2">
        <button type="button" aria-expanded={open === 'flag'} onClick={() => setOpen(open === 'flag' ? null : 'flag')} className={BUTTON}>
          ⚑ Flag {subject}
        </button>
        <button type="button" aria-expanded={open === 'note'} onClick={() => setOpen(open === 'note' ? null : 'note')} className={BUTTON}>
          ✎ Note
        </button>
      </div>
      {open === 'flag' && (
        <InlineForm
          label={`Why flag this ${subject}?`}
          placeholder="e.g. promised a refund we do not offer"
          submitLabel="Flag"
          onSubmit={(reason) => adminFetch('/api/admin/flags', { method: 'POST', body: { session: sessionRef, auditId, reason } })}
          onDone={() => setOpen(null)}
        />
      )}
      {open === 'note' && (
        <InlineForm
          label="Internal note (never shown to the customer)"
          placeholder="What should the next reviewer know?"
          submitLabel="Add note"
          multiline
          onSubmit={(body) => adminFetch('/api/admin/notes', { method: 'POST', body: { session: sessionRef, auditId, body } })}
          onDone={() => setOpen(null)}
        />
      )}
    </div>
  );
}

export function ResolveFlagButton({ flagId }: { flagId: string }) {
  const router = useRouter();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <>
      <button
        type="button"
        disabled={pending}
        className={BUTTON}
        onClick={async () => {
          setPending(true);
          try {
            await adminFetch(`/api/admin/flags/${flagId}`, { method: 'PATCH', body: { resolved: true } });
            router.refresh();
          } catch (failure) {
            setError(failure instanceof Error ? failure.message : String(failure));
          } finally {
            setPending(false);
          }
        }}
      >
        Resolve
      </button>
      {error && <span role="alert" className="text-xs text-red-700 dark:text-red-300">{error}</span>}
    </>
  );
}
