'use client';

import { useRouter } from 'next/navigation';
import { type FormEvent, useId, useState } from 'react';
import { adminFetch } from './api-client';
import { plural } from './format';

export const FIELD =
  'mt-1 w-full rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm text-slate-900 dark:border-slate-700 dark:bg-slate-950 dark:text-slate-100';
export const LABEL = 'block text-sm font-medium text-slate-700 dark:text-slate-300';
export const PRIMARY =
  'rounded-md bg-blue-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-blue-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-blue-600 disabled:opacity-60';

interface Created {
  dataset: { name: string; version: number; itemCount: number };
  refused: string[];
}

/** A day picked in a date field, as the instant it starts (UTC); `end` gives the next day's start. */
function dayStart(value: string, end: boolean): string | undefined {
  if (!value) return undefined;
  const date = new Date(`${value}T00:00:00Z`);
  if (end) date.setUTCDate(date.getUTCDate() + 1);
  return date.toISOString();
}

/** The create form of /admin/datasets: the next version of a named dataset from reviewed replies. */
export function DatasetForm({ criteria }: { criteria: Array<{ key: string; label: string }> }) {
  const router = useRouter();
  const id = useId();
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const text = (name: string) => String(data.get(name) ?? '').trim();
    setPending(true);
    setError(null);
    setDone(null);
    try {
      const created = await adminFetch<Created>('/api/admin/datasets', {
        method: 'POST',
        body: {
          name: text('name'),
          description: text('description'),
          from: dayStart(text('from'), false),
          to: dayStart(text('to'), true),
          criterion: text('criterion') || undefined,
          correctedOnly: data.get('correctedOnly') === 'on',
          mask: data.get('mask') === 'on',
        },
      });
      const refused = created.refused.length > 0 ? ` ${plural(created.refused.length, 'turn')} refused: the stored prompt no longer matches its hash.` : '';
      setDone(`Created ${created.dataset.name} v${created.dataset.version} with ${plural(created.dataset.itemCount, 'item')}.${refused}`);
      router.refresh();
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    } finally {
      setPending(false);
    }
  }

  return (
    <form onSubmit={submit} aria-labelledby={`${id}-title`} className="space-y-3 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
      <h2 id={`${id}-title`} className="font-semibold">
        New dataset version
      </h2>
      <p className="text-sm text-slate-600 dark:text-slate-400">
        Takes every reviewed reply: corrected, scored, or in a conversation marked done. The same name again makes the next version.
      </p>
      <div className="grid gap-3 sm:grid-cols-2">
        <label className={LABEL}>
          Name
          <input name="name" required maxLength={80} placeholder="support-evals" className={FIELD} />
        </label>
        <label className={LABEL}>
          Description
          <input name="description" maxLength={500} className={FIELD} />
        </label>
        <label className={LABEL}>
          From (day, UTC)
          <input name="from" type="date" className={FIELD} />
        </label>
        <label className={LABEL}>
          To (day, UTC)
          <input name="to" type="date" className={FIELD} />
        </label>
        <label className={LABEL}>
          Scored on
          <select name="criterion" defaultValue="" className={FIELD}>
            <option value="">Any criterion</option>
            {criteria.map((c) => (
              <option key={c.key} value={c.key}>
                {c.label}
              </option>
            ))}
          </select>
        </label>
        <fieldset className="space-y-1 text-sm">
          <legend className="font-medium text-slate-700 dark:text-slate-300">Options</legend>
          <label className="flex items-center gap-2">
            <input type="checkbox" name="correctedOnly" className="size-4" /> Corrected replies only
          </label>
          <label className="flex items-center gap-2">
            <input type="checkbox" name="mask" className="size-4" /> Mask personal data (e-mails, phones, cards, IBANs)
          </label>
        </fieldset>
      </div>
      {error && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-300">
          {error}
        </p>
      )}
      {done && (
        <p role="status" className="text-sm text-emerald-800 dark:text-emerald-300">
          {done}
        </p>
      )}
      <button type="submit" disabled={pending} className={PRIMARY}>
        {pending ? 'Creating…' : 'Create dataset'}
      </button>
    </form>
  );
}
