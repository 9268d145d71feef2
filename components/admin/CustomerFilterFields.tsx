import type { ListFilters } from '@/lib/admin/filters';

const FIELD =
  'rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm shadow-sm dark:border-slate-700 dark:bg-slate-950';
const LABEL = 'flex flex-col text-xs font-medium text-slate-600 dark:text-slate-400';

/** The identity part of the list's filters: verified or anonymous, and a customer search (sub, name, e-mail). */
export function CustomerFilterFields({ filters }: { filters: ListFilters }) {
  return (
    <>
      <label className={LABEL}>
        Customer
        <select name="identity" defaultValue={filters.identity ?? ''} className={`${FIELD} mt-1 text-slate-900 dark:text-slate-100`}>
          <option value="">Verified or anonymous</option>
          <option value="verified">Verified only</option>
          <option value="anonymous">Anonymous only</option>
        </select>
      </label>
      <label className={`${LABEL} min-w-44`}>
        Verified customer
        <input
          name="customer"
          type="search"
          defaultValue={filters.customer ?? ''}
          placeholder="id, name or e-mail"
          className={`${FIELD} mt-1 text-slate-900 dark:text-slate-100`}
        />
      </label>
      {filters.sub && <input type="hidden" name="sub" value={filters.sub} />}
    </>
  );
}
