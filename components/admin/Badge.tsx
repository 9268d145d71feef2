import type { ReactNode } from 'react';

export type Tone = 'neutral' | 'good' | 'warn' | 'bad' | 'info';

const TONES: Record<Tone, string> = {
  neutral: 'bg-slate-100 text-slate-700 ring-slate-300 dark:bg-slate-800 dark:text-slate-300 dark:ring-slate-700',
  good: 'bg-emerald-50 text-emerald-800 ring-emerald-300 dark:bg-emerald-950/50 dark:text-emerald-300 dark:ring-emerald-800',
  warn: 'bg-amber-50 text-amber-900 ring-amber-300 dark:bg-amber-950/50 dark:text-amber-200 dark:ring-amber-800',
  bad: 'bg-red-50 text-red-800 ring-red-300 dark:bg-red-950/50 dark:text-red-300 dark:ring-red-800',
  info: 'bg-blue-50 text-blue-800 ring-blue-300 dark:bg-blue-950/50 dark:text-blue-300 dark:ring-blue-800',
};

export function Badge({ tone = 'neutral', children, title }: { tone?: Tone; children: ReactNode; title?: string }) {
  return (
    <span title={title} className={`inline-flex items-center rounded-md px-1.5 py-0.5 text-xs font-medium ring-1 ring-inset ${TONES[tone]}`}>
      {children}
    </span>
  );
}

export function statusTone(status: string): Tone {
  if (status === 'ok') return 'good';
  if (status === 'pending') return 'warn';
  // The customer pressed Stop: not an error (the list and the overview do not count it as one).
  if (status === 'aborted') return 'neutral';
  // Written while a person had the conversation: the model was not asked, by design.
  if (status === 'held') return 'info';
  return 'bad';
}

export function memoryTone(status: string): Tone {
  if (status === 'expired' || status === 'unavailable') return 'warn';
  return status === 'new' ? 'info' : 'neutral';
}
