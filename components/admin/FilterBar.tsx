import type { ListFilters } from '@/lib/admin/filters';
import { CustomerFilterFields } from './CustomerFilterFields';

const FIELD =
  'rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm shadow-sm dark:border-slate-700 dark:bg-slate-950';
const LABEL = 'flex flex-col text-xs font-medium text-slate-600 dark:text-slate-400';

/** A rubric criterion the list can filter on (its current version). */
export interface ScoreCriterionOption {
  key: string;
  label: string;
  scale: string;
}

/** The list's filters as a plain GET form: every view is a URL an agent can bookmark or share. */
export function FilterBar({ filters, models, criteria = [] }: { filters: ListFilters; models: string[]; criteria?: ScoreCriterionOption[] }) {
  return (
    <form method="get" action="/admin/sessions" role="search" className="flex flex-wrap items-end gap-2 rounded-lg border border-slate-200 bg-white p-3 dark:border-slate-800 dark:bg-slate-900">
      <label className={`${LABEL} min-w-56 flex-[2] max-sm:min-w-full`}>
        Search transcripts or a reference
        <input
          id="q"
          name="q"
          type="search"
          defaultValue={filters.q ?? ''}
          placeholder='refund, "order 4711", c_…'
          aria-keyshortcuts="/"
          className={`${FIELD} mt-1 text-slate-900 dark:text-slate-100`}
        />
      </label>
      <label className={LABEL}>
        Active from (UTC)
        <input name="from" type="date" defaultValue={filters.from ?? ''} className={`${FIELD} mt-1 text-slate-900 dark:text-slate-100`} />
      </label>
      <label className={LABEL}>
        to
        <input name="to" type="date" defaultValue={filters.to ?? ''} className={`${FIELD} mt-1 text-slate-900 dark:text-slate-100`} />
      </label>
      <label className={LABEL}>
        Model
        <select name="model" defaultValue={filters.model ?? ''} className={`${FIELD} mt-1 text-slate-900 dark:text-slate-100`}>
          <option value="">All models</option>
          {models.map((model) => (
            <option key={model} value={model}>
              {model}
            </option>
          ))}
        </select>
      </label>
      <label className={LABEL}>
        Feedback
        <select name="feedback" defaultValue={filters.feedback ?? ''} className={`${FIELD} mt-1 text-slate-900 dark:text-slate-100`}>
          <option value="">Any</option>
          <option value="up">Has thumbs up</option>
          <option value="down">Has thumbs down</option>
        </select>
      </label>
      <label className={LABEL}>
        Memory
        <select name="memory" defaultValue={filters.memory ?? ''} className={`${FIELD} mt-1 text-slate-900 dark:text-slate-100`}>
          <option value="">Any</option>
          <option value="expired">A turn with expired memory</option>
          <option value="unavailable">A turn with memory unavailable</option>
        </select>
      </label>
      <CustomerFilterFields filters={filters} />
      {criteria.length > 0 && (
        <fieldset className="flex flex-wrap items-end gap-2">
          <legend className="sr-only">Review score (mean of the conversation's scores)</legend>
          <label className={LABEL}>
            Score
            <select name="score" defaultValue={filters.score ?? ''} className={`${FIELD} mt-1 text-slate-900 dark:text-slate-100`}>
              <option value="">Any or none</option>
              {criteria.map((criterion) => (
                <option key={criterion.key} value={criterion.key}>
                  {criterion.label} ({criterion.scale})
                </option>
              ))}
            </select>
          </label>
          <label className={LABEL}>
            Score at least
            <input name="scoreMin" type="number" min={0} max={10} step="any" defaultValue={filters.scoreMin ?? ''} className={`${FIELD} mt-1 w-24 text-slate-900 dark:text-slate-100`} />
          </label>
          <label className={LABEL}>
            Score at most
            <input name="scoreMax" type="number" min={0} max={10} step="any" defaultValue={filters.scoreMax ?? ''} className={`${FIELD} mt-1 w-24 text-slate-900 dark:text-slate-100`} />
          </label>
        </fieldset>
      )}
      {filters.code && (
        <label className={LABEL}>
          Error code
          <input name="code" defaultValue={filters.code} className={`${FIELD} mt-1 font-mono text-slate-900 dark:text-slate-100`} />
        </label>
      )}
      <fieldset className="flex flex-wrap items-center gap-x-3 gap-y-1 px-1 pb-1.5 text-sm">
        <legend className="sr-only">Only sessions that</legend>
        {(
          [
            ['errors', 'Has problems', filters.errors, 'Errors or unfinished turns'],
            ['unfinished', 'Unfinished turns', filters.unfinished, 'Pending or abandoned: the turn never finished'],
            ['fallback', 'Memory fallback', filters.fallback, undefined],
            ['flagged', 'Flagged', filters.flagged, undefined],
          ] as const
        ).map(([name, label, checked, title]) => (
          <label key={name} className="flex items-center gap-1.5" title={title}>
            <input type="checkbox" name={name} value="1" defaultChecked={checked} className="size-4 rounded border-slate-300" />
            {label}
          </label>
        ))}
      </fieldset>
      <div className="flex gap-2 pb-px">
        <button type="submit" className="rounded-md bg-blue-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-blue-700">
          Apply
        </button>
        <a href="/admin/sessions" className="rounded-md px-3 py-1.5 text-sm font-medium text-slate-600 hover:bg-slate-100 dark:text-slate-400 dark:hover:bg-slate-800">
          Clear
        </a>
      </div>
    </form>
  );
}
