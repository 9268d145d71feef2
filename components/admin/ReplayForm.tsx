'use client';

import { useRouter } from 'next/navigation';
import { type FormEvent, useId, useState } from 'react';
import { adminFetch } from './api-client';
import { FIELD, LABEL, PRIMARY } from './DatasetForm';

export interface ReplayFormProps {
  datasets: Array<{ id: string; name: string; version: number; itemCount: number }>;
  endpoints: Array<{ name: string; models: string[] }>;
  /** The deployment's configured system prompt (what the textarea starts with). */
  systemPrompt: string;
  /** A turn to replay, from ?auditId= (the conversation page can link here). */
  auditId: string | null;
  /** Models with a price: a dollar budget needs one. */
  pricedModels: string[];
}

/** The new-replay form of /admin/replays: a dataset or one turn, a candidate prompt and model, a budget. */
export function ReplayForm({ datasets, endpoints, systemPrompt, auditId, pricedModels }: ReplayFormProps) {
  const router = useRouter();
  const id = useId();
  const [target, setTarget] = useState<'dataset' | 'turn'>(auditId || datasets.length === 0 ? 'turn' : 'dataset');
  const [keepPrompt, setKeepPrompt] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const choices = endpoints.flatMap((e) => e.models.map((model) => ({ value: `${e.name}\n${model}`, label: `${e.name} · ${model}` })));

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const text = (name: string) => String(data.get(name) ?? '').trim();
    const [endpoint = '', model = ''] = text('candidate').split('\n');
    const dollars = text('budgetUsd');
    const tokens = text('budgetTokens');
    setPending(true);
    setError(null);
    try {
      const started = await adminFetch<{ id: string }>('/api/admin/replays', {
        method: 'POST',
        body: {
          ...(target === 'dataset' ? { datasetId: text('datasetId') } : { auditId: text('auditId') }),
          // Kept apart from the text: an unchanged textarea still replaces the system message (with the same prompt).
          systemPrompt: keepPrompt ? null : String(data.get('systemPrompt') ?? ''),
          endpoint,
          model,
          ...(dollars ? { budgetUsd: Number(dollars) } : {}),
          ...(tokens ? { budgetTokens: Number(tokens) } : {}),
        },
      });
      router.push(`/admin/replays/${started.id}`);
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
      setPending(false);
    }
  }

  return (
    <form onSubmit={submit} aria-labelledby={`${id}-title`} className="space-y-3 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
      <h2 id={`${id}-title`} className="font-semibold">
        New replay
      </h2>
      <fieldset className="space-y-2">
        <legend className="text-sm font-medium text-slate-700 dark:text-slate-300">Replay</legend>
        <div className="flex flex-wrap gap-4 text-sm">
          <label className="flex items-center gap-2">
            <input type="radio" name="target" value="dataset" checked={target === 'dataset'} onChange={() => setTarget('dataset')} className="size-4" />
            A dataset
          </label>
          <label className="flex items-center gap-2">
            <input type="radio" name="target" value="turn" checked={target === 'turn'} onChange={() => setTarget('turn')} className="size-4" />
            One turn
          </label>
        </div>
        {target === 'dataset' ? (
          // A label beside (not around) the select: its name is "Dataset", not the chosen option's text too.
          <div>
            <label htmlFor={`${id}-dataset`} className={LABEL}>
              Dataset
            </label>
            <select id={`${id}-dataset`} name="datasetId" required className={FIELD}>
              {datasets.map((d) => (
                <option key={d.id} value={d.id}>
                  {d.name} v{d.version} ({d.itemCount} items)
                </option>
              ))}
            </select>
          </div>
        ) : (
          <label className={LABEL}>
            Turn (audit id)
            <input name="auditId" required defaultValue={auditId ?? ''} pattern="[0-9a-fA-F-]{36}" className={`${FIELD} font-mono`} />
          </label>
        )}
      </fieldset>
      <label className={LABEL}>
        Candidate system prompt
        <textarea
          name="systemPrompt"
          rows={6}
          maxLength={20_000}
          defaultValue={systemPrompt}
          disabled={keepPrompt}
          aria-describedby={`${id}-prompt-help`}
          className={`${FIELD} font-mono text-xs disabled:opacity-60`}
        />
      </label>
      <p id={`${id}-prompt-help`} className="text-xs text-slate-600 dark:text-slate-400">
        Replaces only the system message of each recorded prompt; the context rules are appended as in a live turn. Every other message is sent exactly as recorded.
      </p>
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" checked={keepPrompt} onChange={(e) => setKeepPrompt(e.target.checked)} className="size-4" />
        Keep each turn&apos;s recorded system prompt (compare models only)
      </label>
      <div className="grid gap-3 sm:grid-cols-3">
        <label className={LABEL}>
          Endpoint and model
          <select name="candidate" required className={FIELD}>
            {choices.map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
              </option>
            ))}
          </select>
        </label>
        <label className={LABEL}>
          Budget (US$)
          <input name="budgetUsd" type="number" min="0.0001" step="any" inputMode="decimal" placeholder={pricedModels.length > 0 ? '1.00' : 'no prices set'} className={FIELD} />
        </label>
        <label className={LABEL}>
          Budget (tokens)
          <input name="budgetTokens" type="number" min="1" step="1" inputMode="numeric" defaultValue="200000" className={FIELD} />
        </label>
      </div>
      {error && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-300">
          {error}
        </p>
      )}
      <button type="submit" disabled={pending || (target === 'dataset' && datasets.length === 0)} className={PRIMARY}>
        {pending ? 'Starting…' : 'Start replay'}
      </button>
    </form>
  );
}
