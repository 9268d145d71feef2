'use client';

import { type FormEvent, useId, useState } from 'react';
import type { RubricKind, RubricScope } from '@/lib/db/schema';
import { adminFetch } from '../api-client';
import { useAdminAction } from '../use-admin-action';
import { LocalTime } from '../LocalTime';

export interface RubricRow {
  id: string;
  key: string;
  version: number;
  label: string;
  description: string;
  kind: RubricKind;
  scaleMin: number;
  scaleMax: number;
  appliesTo: RubricScope;
  createdAt: string;
  retiredAt: string | null;
}

const FIELD = 'mt-1 w-full rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-950';
const LABEL = 'block text-xs font-medium text-slate-700 dark:text-slate-300';
const BUTTON =
  'rounded-md border border-slate-300 px-2 py-1 text-xs font-medium hover:bg-slate-100 disabled:opacity-50 dark:border-slate-700 dark:hover:bg-slate-800';
const PRIMARY = 'rounded-md bg-blue-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-blue-700 disabled:opacity-60';

const SCOPE_WORDS: Record<RubricScope, string> = { turn: 'each reply', conversation: 'the conversation', both: 'replies and the conversation' };

export function scaleWords(row: Pick<RubricRow, 'kind' | 'scaleMin' | 'scaleMax'>): string {
  return row.kind === 'yes_no' ? 'yes / no' : `scale ${row.scaleMin}–${row.scaleMax}`;
}

/** The fields of a criterion; the scale's bounds only for a scale. */
function CriterionFields({ row, withKey }: { row?: RubricRow; withKey: boolean }) {
  const id = useId();
  const [kind, setKind] = useState<RubricKind>(row?.kind ?? 'scale');
  return (
    <div className="grid gap-3 sm:grid-cols-2">
      {withKey && (
        <label className={LABEL} htmlFor={`${id}-key`}>
          Key (lower-case, never changes)
          <input id={`${id}-key`} name="key" required pattern="[a-z][a-z0-9_]{0,39}" className={FIELD} placeholder="e.g. empathy" />
        </label>
      )}
      <label className={LABEL} htmlFor={`${id}-label`}>
        Label
        <input id={`${id}-label`} name="label" required maxLength={80} defaultValue={row?.label} className={FIELD} />
      </label>
      <label className={`${LABEL} sm:col-span-2`} htmlFor={`${id}-description`}>
        Description
        <textarea id={`${id}-description`} name="description" rows={2} maxLength={500} defaultValue={row?.description} className={FIELD} />
      </label>
      <label className={LABEL} htmlFor={`${id}-kind`}>
        Kind
        <select id={`${id}-kind`} name="kind" value={kind} onChange={(event) => setKind(event.target.value as RubricKind)} className={FIELD}>
          <option value="scale">Scale</option>
          <option value="yes_no">Yes / no</option>
        </select>
      </label>
      <label className={LABEL} htmlFor={`${id}-applies`}>
        Scored on
        <select id={`${id}-applies`} name="appliesTo" defaultValue={row?.appliesTo ?? 'turn'} className={FIELD}>
          <option value="turn">Each reply</option>
          <option value="conversation">The conversation</option>
          <option value="both">Both</option>
        </select>
      </label>
      {kind === 'scale' && (
        <>
          <label className={LABEL} htmlFor={`${id}-min`}>
            Lowest value
            <input id={`${id}-min`} name="scaleMin" type="number" min={0} max={10} required defaultValue={row?.kind === 'scale' ? row.scaleMin : 1} className={FIELD} />
          </label>
          <label className={LABEL} htmlFor={`${id}-max`}>
            Highest value
            <input id={`${id}-max`} name="scaleMax" type="number" min={0} max={10} required defaultValue={row?.kind === 'scale' ? row.scaleMax : 5} className={FIELD} />
          </label>
        </>
      )}
    </div>
  );
}

function criterionBody(form: HTMLFormElement, withKey: boolean): Record<string, unknown> {
  const data = new FormData(form);
  const kind = String(data.get('kind'));
  return {
    ...(withKey ? { key: String(data.get('key') ?? '') } : {}),
    label: String(data.get('label') ?? ''),
    description: String(data.get('description') ?? ''),
    kind,
    appliesTo: String(data.get('appliesTo')),
    ...(kind === 'scale' ? { scaleMin: Number(data.get('scaleMin')), scaleMax: Number(data.get('scaleMax')) } : {}),
  };
}

/**
 * The rubric for admins: the current criteria (add, edit, remove) and every earlier version. Editing
 * writes a new version; scores given under the old one keep its label and scale.
 */
export function RubricManager({ current, retired, canEdit }: { current: RubricRow[]; retired: RubricRow[]; canEdit: boolean }) {
  const { busy, error, run } = useAdminAction();
  const [editing, setEditing] = useState<string | null>(null);
  const [removing, setRemoving] = useState<string | null>(null);

  async function add(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    if (await run(() => adminFetch('/api/admin/review/rubric', { method: 'POST', body: criterionBody(form, true) }))) form.reset();
  }

  async function save(event: FormEvent<HTMLFormElement>, key: string) {
    event.preventDefault();
    const body = criterionBody(event.currentTarget, false);
    if (await run(() => adminFetch(`/api/admin/review/rubric/${key}`, { method: 'PATCH', body }))) setEditing(null);
  }

  return (
    <div className="space-y-6">
      {error && (
        <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800 dark:bg-red-950/50 dark:text-red-200">
          {error}
        </p>
      )}
      <section aria-labelledby="current-criteria" className="space-y-3">
        <h2 id="current-criteria" className="text-base font-semibold">
          Current criteria
        </h2>
        {current.length === 0 && <p className="text-sm text-slate-600 dark:text-slate-400">No criteria: reviewers have nothing to score.</p>}
        <ul className="space-y-3">
          {current.map((row) => (
            <li key={row.id} aria-label={row.label} className="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
              <div className="flex flex-wrap items-start justify-between gap-2">
                <div className="min-w-0">
                  <h3 className="font-semibold">
                    {row.label} <span className="text-xs font-normal text-slate-600 dark:text-slate-400">v{row.version}</span>
                  </h3>
                  <p className="text-xs text-slate-600 dark:text-slate-400">
                    <span className="font-mono">{row.key}</span> · {scaleWords(row)} · scored on {SCOPE_WORDS[row.appliesTo]}
                  </p>
                  {row.description && <p className="mt-1 text-sm">{row.description}</p>}
                </div>
                {canEdit && (
                  <div className="flex gap-2">
                    <button type="button" className={BUTTON} aria-expanded={editing === row.key} onClick={() => setEditing(editing === row.key ? null : row.key)}>
                      Edit {row.label}
                    </button>
                    {removing === row.key ? (
                      <>
                        <button
                          type="button"
                          className={`${BUTTON} border-red-400 text-red-800 dark:border-red-700 dark:text-red-300`}
                          disabled={busy}
                          onClick={() => void run(() => adminFetch(`/api/admin/review/rubric/${row.key}`, { method: 'DELETE' })).then(() => setRemoving(null))}
                        >
                          Confirm remove
                        </button>
                        <button type="button" className={BUTTON} onClick={() => setRemoving(null)}>
                          Keep
                        </button>
                      </>
                    ) : (
                      <button type="button" className={BUTTON} onClick={() => setRemoving(row.key)}>
                        Remove {row.label}
                      </button>
                    )}
                  </div>
                )}
              </div>
              {canEdit && editing === row.key && (
                <form onSubmit={(event) => void save(event, row.key)} className="mt-3 space-y-3 border-t border-slate-200 pt-3 dark:border-slate-800" aria-label={`Edit ${row.label}`}>
                  <p className="text-xs text-slate-600 dark:text-slate-400">Saving makes version {row.version + 1}; scores given under v{row.version} keep its label and scale.</p>
                  <CriterionFields row={row} withKey={false} />
                  <div className="flex gap-2">
                    <button type="submit" className={PRIMARY} disabled={busy}>
                      Save as v{row.version + 1}
                    </button>
                    <button type="button" className={BUTTON} onClick={() => setEditing(null)}>
                      Cancel
                    </button>
                  </div>
                </form>
              )}
            </li>
          ))}
        </ul>
      </section>

      {canEdit && (
        <section aria-labelledby="add-criterion" className="rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
          <h2 id="add-criterion" className="mb-3 text-base font-semibold">
            Add a criterion
          </h2>
          <form onSubmit={(event) => void add(event)} className="space-y-3" aria-label="Add a criterion">
            <CriterionFields withKey />
            <button type="submit" className={PRIMARY} disabled={busy}>
              Add criterion
            </button>
          </form>
        </section>
      )}

      <section aria-labelledby="earlier-versions" className="space-y-2">
        <h2 id="earlier-versions" className="text-base font-semibold">
          Earlier versions
        </h2>
        {retired.length === 0 ? (
          <p className="text-sm text-slate-600 dark:text-slate-400">None yet. A change or removal keeps the old version here, with its scores.</p>
        ) : (
          <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
            <table className="w-full text-left text-sm">
              <thead className="border-b border-slate-200 bg-slate-50 text-xs text-slate-600 uppercase dark:border-slate-800 dark:bg-slate-900/60 dark:text-slate-400">
                <tr>
                  <th scope="col" className="px-3 py-2">Criterion</th>
                  <th scope="col" className="px-3 py-2">Version</th>
                  <th scope="col" className="px-3 py-2">Scale</th>
                  <th scope="col" className="px-3 py-2">Retired</th>
                </tr>
              </thead>
              <tbody>
                {retired.map((row) => (
                  <tr key={row.id} className="border-b border-slate-100 last:border-0 dark:border-slate-800">
                    <td className="px-3 py-2">
                      {row.label} <span className="font-mono text-xs text-slate-600 dark:text-slate-400">{row.key}</span>
                    </td>
                    <td className="px-3 py-2">v{row.version}</td>
                    <td className="px-3 py-2">{scaleWords(row)}</td>
                    <td className="px-3 py-2">{row.retiredAt ? <LocalTime value={row.retiredAt} /> : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
