'use client';

import Link from 'next/link';
import { usePathname, useSearchParams } from 'next/navigation';
import type { ReactNode } from 'react';

/** A header link that knows whether it is the current page (the flagged view is the sessions list plus a filter). */
export function NavLink({ href, children }: { href: string; children: ReactNode }) {
  const pathname = usePathname();
  const params = useSearchParams();
  const [path, query] = href.split('?');
  const flaggedView = params.get('flagged') === '1';
  const active =
    path === '/admin'
      ? pathname === '/admin'
      : path === '/admin/sessions'
        ? (pathname === path || pathname.startsWith(`${path}/`)) && (query === 'flagged=1') === flaggedView
        : pathname === path || pathname.startsWith(`${path}/`);
  return (
    <Link
      href={href}
      aria-current={active ? 'page' : undefined}
      className={`rounded-md px-2.5 py-1.5 text-sm font-medium whitespace-nowrap ${
        active
          ? 'bg-slate-900 text-white dark:bg-slate-100 dark:text-slate-900'
          : 'text-slate-600 hover:bg-slate-200 hover:text-slate-900 dark:text-slate-400 dark:hover:bg-slate-800 dark:hover:text-slate-100'
      }`}
    >
      {children}
    </Link>
  );
}
