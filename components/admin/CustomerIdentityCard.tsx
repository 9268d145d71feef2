import { Badge } from './Badge';
import { customerHref, type CustomerView } from './CustomerBadge';

/**
 * Who the customer is, at the top of a transcript: as the host site signed them, with a link to all
 * of their conversations; or that nobody vouched for them.
 */
export function CustomerIdentityCard({ customer, linkAll = true }: { customer: CustomerView | null; linkAll?: boolean }) {
  if (!customer) {
    return (
      <p className="mt-2 text-sm text-slate-600 dark:text-slate-400">
        <Badge>Anonymous</Badge> <span className="ml-1">The site did not say who this customer is: any name they typed is unverified.</span>
      </p>
    );
  }
  return (
    <section
      aria-label="Verified customer"
      className="mt-2 rounded-lg border border-emerald-200 bg-emerald-50/60 p-3 text-sm dark:border-emerald-900 dark:bg-emerald-950/30"
    >
      <div className="flex flex-wrap items-center gap-2">
        <Badge tone="good" title="The site signed who this customer is (identity verification)">
          Verified
        </Badge>
        <span className="font-semibold text-slate-900 dark:text-slate-100">{customer.name ?? customer.email ?? customer.sub}</span>
      </div>
      <dl className="mt-2 grid grid-cols-[auto_1fr] items-baseline gap-x-3 gap-y-0.5">
        <dt className="text-slate-600 dark:text-slate-400">Name</dt>
        <dd className="break-words">{customer.name ?? '—'}</dd>
        <dt className="text-slate-600 dark:text-slate-400">E-mail</dt>
        <dd className="break-all">{customer.email ?? '—'}</dd>
        <dt className="text-slate-600 dark:text-slate-400">Site's user id</dt>
        <dd className="font-mono text-xs break-all select-all">{customer.sub}</dd>
      </dl>
      {linkAll && (
        <a href={customerHref(customer.sub)} className="mt-2 inline-block text-blue-700 hover:underline dark:text-blue-400">
          All conversations of this customer →
        </a>
      )}
    </section>
  );
}
