import type { ListFilters } from '@/lib/admin/filters';

const FIELD =
  'rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm shadow-sm dark:border-slate-700 dark:bg-slate-950';

/** The list's filters as a plain GET form: every view is a URL an agent can bookmark or share. */
export function FilterBar({ filters, models }: { filters: ListFilters; models: string[] }) {
  return (
    <form method="get" action="/admin" role="search" className="flex flex-wrap items-end gap-2 rounded-lg border border-slate-200 bg-white p-3 dark:border-slate-800 dark:bg-slate-900">
      <label className="flex min-w-56 flex-[2] flex-col text-xs font-medium text-slate-600 dark:text-slate-400">
        Search transcripts
        <input
          id="q"
          name="q"
          type="search"
          defaultValue={filters.q ?? ''}
          placeholder='refund, "order 4711", card -expired'
          aria-keyshortcuts="/"
          className={`${FIELD} mt-1 text-slate-900 dark:text-slate-100`}
        />
      </label>
      <label className="flex flex-col text-xs font-medium text-slate-600 dark:text-slate-400">
        Active from (UTC)
        <input name="from" type="date" defaultValue={filters.from ?? ''} className={`${FIELD} mt-1 text-slate-900 dark:text-slate-100`} />
      </label>
      <label className="flex flex-col text-xs font-medium text-slate-600 dark:text-slate-400">
        to
        <input name="to" type="date" defaultValue={filters.to ?? ''} className={`${FIELD} mt-1 text-slate-900 dark:text-slate-100`} />
      </label>
      <label className="flex flex-col text-xs font-medium text-slate-600 dark:text-slate-400">
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
      <fieldset className="flex flex-wrap items-center gap-x-3 gap-y-1 px-1 pb-1.5 text-sm">
        <legend className="sr-only">Only sessions that</legend>
        {(
          [
            ['errors', 'Has errors', filters.errors],
            ['fallback', 'Memory fallback', filters.fallback],
            ['flagged', 'Flagged', filters.flagged],
          ] as const
        ).map(([name, label, checked]) => (
          <label key={name} className="flex items-center gap-1.5">
            <input type="checkbox" name={name} value="1" defaultChecked={checked} className="size-4 rounded border-slate-300" />
            {label}
          </label>
        ))}
      </fieldset>
      <div className="flex gap-2 pb-px">
        <button type="submit" className="rounded-md bg-blue-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-blue-700">
          Apply
        </button>
        <a href="/admin" className="rounded-md px-3 py-1.5 text-sm font-medium text-slate-600 hover:bg-slate-100 dark:text-slate-400 dark:hover:bg-slate-800">
          Clear
        </a>
      </div>
    </form>
  );
}
