'use client';

import { useRouter } from 'next/navigation';
import { useId, useState } from 'react';
import type { ReviewRules } from '@/lib/review/rules';
import { adminFetch } from '../api-client';

const RULES: Array<{ key: Exclude<keyof ReviewRules, 'samplePercent'>; label: string; hint: string }> = [
  { key: 'thumbsDown', label: 'Thumbs down', hint: 'a customer rated a reply down' },
  { key: 'modelError', label: 'Model errors', hint: 'a turn ended in a model error' },
  { key: 'memoryFallback', label: 'Memory fallbacks', hint: 'memory could not be loaded for a turn' },
  { key: 'handoff', label: 'Handoffs', hint: 'the conversation waited for a person' },
  { key: 'flag', label: 'Flags', hint: 'an agent flagged the conversation or a turn' },
];

/** Admins: which rules put conversations in the queue, and the random sample's size. */
export function RulesForm({ rules }: { rules: ReviewRules }) {
  const router = useRouter();
  const [draft, setDraft] = useState(rules);
  const [sample, setSample] = useState(String(rules.samplePercent));
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const sampleId = useId();

  async function save(event: React.FormEvent) {
    event.preventDefault();
    const samplePercent = Number(sample);
    if (sample.trim() === '' || !Number.isFinite(samplePercent) || samplePercent < 0 || samplePercent > 100) {
      setStatus({ ok: false, text: 'The sample must be a percentage from 0 to 100.' });
      return;
    }
    setBusy(true);
    setStatus(null);
    try {
      const answer = await adminFetch<{ rules: ReviewRules }>('/api/admin/review/settings', { method: 'PUT', body: { ...draft, samplePercent } });
      setDraft(answer.rules);
      setSample(String(answer.rules.samplePercent));
      setStatus({ ok: true, text: 'Rules saved. They apply to everything that happens from now on.' });
      router.refresh();
    } catch (failure) {
      setStatus({ ok: false, text: failure instanceof Error ? failure.message : String(failure) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={(event) => void save(event)} className="space-y-3 text-sm">
      <fieldset className="space-y-2">
        <legend className="font-medium">Add a conversation when</legend>
        {RULES.map((rule) => (
          <label key={rule.key} className="flex items-start gap-2">
            <input
              type="checkbox"
              className="mt-0.5 size-4"
              checked={draft[rule.key]}
              onChange={(event) => setDraft({ ...draft, [rule.key]: event.target.checked })}
            />
            <span>
              {rule.label} <span className="text-slate-600 dark:text-slate-400">({rule.hint})</span>
            </span>
          </label>
        ))}
      </fieldset>
      <div className="space-y-1">
        <label htmlFor={sampleId} className="block font-medium">
          Random sample of new conversations (%)
        </label>
        <input
          id={sampleId}
          type="number"
          inputMode="decimal"
          min={0}
          max={100}
          step={0.01}
          value={sample}
          onChange={(event) => setSample(event.target.value)}
          className="w-28 rounded-md border border-slate-300 bg-white px-2 py-1 dark:border-slate-700 dark:bg-slate-950"
        />
      </div>
      <div className="flex flex-wrap items-center gap-3">
        <button type="submit" disabled={busy} className="rounded-md bg-blue-700 px-3 py-1.5 font-semibold text-white hover:bg-blue-800 disabled:opacity-60">
          {busy ? 'Saving…' : 'Save rules'}
        </button>
        <p role="status" className={status?.ok === false ? 'text-red-700 dark:text-red-400' : 'text-emerald-800 dark:text-emerald-300'}>
          {status?.text}
        </p>
      </div>
    </form>
  );
}
