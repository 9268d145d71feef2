'use client';

import { useId, useState, type ReactNode } from 'react';

/**
 * Always shown from the `sm` breakpoint up; on a phone, behind a button, so a long form does not
 * push the content it controls off the first screen.
 */
export function Collapsible({ label, children, initiallyOpen = false }: { label: string; children: ReactNode; initiallyOpen?: boolean }) {
  const [open, setOpen] = useState(initiallyOpen);
  const id = useId();
  return (
    <div>
      <button
        type="button"
        aria-expanded={open}
        aria-controls={id}
        onClick={() => setOpen((value) => !value)}
        className="mb-2 rounded-md border border-slate-300 px-2.5 py-1 text-sm font-medium sm:hidden dark:border-slate-700"
      >
        {label}
      </button>
      <div id={id} className={`${open ? 'block' : 'hidden'} sm:block`}>
        {children}
      </div>
    </div>
  );
}
