'use client';

import { usePathname, useSearchParams } from 'next/navigation';
import { useEffect, useState, type ReactNode } from 'react';

/**
 * The console menu: a row on wider screens; on a phone, behind a "Menu" button so nothing is cut
 * off or scrolls sideways. It closes again when the agent goes to another page.
 */
export function MenuToggle({ children }: { children: ReactNode }) {
  const [open, setOpen] = useState(false);
  const pathname = usePathname();
  const params = useSearchParams();
  useEffect(() => setOpen(false), [pathname, params]);
  return (
    <>
      <button
        type="button"
        aria-expanded={open}
        aria-controls="console-menu"
        onClick={() => setOpen((value) => !value)}
        className="ml-auto rounded-md border border-slate-300 px-2.5 py-1 text-sm font-medium sm:hidden dark:border-slate-700"
      >
        <span aria-hidden="true">☰</span> Menu
      </button>
      <div
        id="console-menu"
        className={`${open ? 'flex' : 'hidden'} w-full flex-col gap-2 sm:flex sm:w-auto sm:flex-1 sm:flex-row sm:items-center sm:gap-4`}
      >
        {children}
      </div>
    </>
  );
}
