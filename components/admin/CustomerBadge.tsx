import { Badge } from './Badge';

/** A verified customer as the host site signed them (lib/admin/identity.ts), without server imports. */
export interface CustomerView {
  sub: string;
  name: string | null;
  email: string | null;
}

export function customerHref(sub: string): string {
  return `/admin/customers/${encodeURIComponent(sub)}`;
}

/**
 * "Verified" and who, linking to every conversation of that customer; "Anonymous" otherwise. The
 * link's text is plain (no inner elements) so a table row's click handler sees the anchor itself.
 */
export function CustomerBadge({ customer, compact = false }: { customer: CustomerView | null | undefined; compact?: boolean }) {
  if (!customer) return <span className="text-xs text-slate-600 dark:text-slate-400">Anonymous</span>;
  const who = customer.name ?? customer.email ?? customer.sub;
  return (
    <span className="inline-flex min-w-0 items-center gap-1.5">
      <Badge tone="good" title="The site signed who this customer is (identity verification)">
        Verified
      </Badge>
      <a
        href={customerHref(customer.sub)}
        className={`truncate text-blue-700 hover:underline dark:text-blue-400 ${compact ? 'max-w-32' : 'max-w-48'}`}
        title={[customer.name, customer.email, `id ${customer.sub}`].filter(Boolean).join(' · ')}
      >
        {who}
      </a>
    </span>
  );
}
