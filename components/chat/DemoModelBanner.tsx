'use client';

import { useEffect, useState } from 'react';
import type { ChatStrings } from '@/lib/copy/strings';

/** Remembered for this tab, so a dismissed banner stays dismissed on the next page of a shop. */
const DISMISSED_KEY = 'tether.demoBannerDismissed';

function wasDismissed(): boolean {
  try {
    return window.sessionStorage.getItem(DISMISSED_KEY) === '1';
  } catch {
    return false;
  }
}

/**
 * Makes it unmistakable that replies are canned, and says how to connect a real model. One line on
 * a phone (details behind "How to connect a model"), and dismissible: it must not eat the chat.
 */
export function DemoModelBanner({ strings }: { strings: ChatStrings }) {
  const [dismissed, setDismissed] = useState(false);
  // Read after hydration, so the server's HTML and the first client render agree.
  useEffect(() => setDismissed(wasDismissed()), []);
  if (dismissed) return null;

  const dismiss = () => {
    setDismissed(true);
    try {
      window.sessionStorage.setItem(DISMISSED_KEY, '1');
    } catch {
      // Without storage it comes back on the next page; that is all.
    }
  };

  return (
    <aside
      aria-labelledby="demo-model-title"
      className="flex items-start gap-2 border-b border-amber-300 bg-amber-50 px-4 py-1.5 text-sm text-amber-950 dark:border-amber-700/60 dark:bg-amber-950/40 dark:text-amber-100"
    >
      <details className="min-w-0 flex-1">
        <summary className="cursor-pointer py-1">
          <span id="demo-model-title" className="font-semibold">
            {strings.demoBanner.title}
          </span>
        </summary>
        <p className="mt-1 mb-1 text-pretty">
          {strings.demoBanner.short} To use a real model, set <Code>OPENAI_API_KEY</Code> (or <Code>OPENAI_BASE_URL</Code>{' '}
          for an OpenAI-compatible server) and <Code>OPENAI_MODEL</Code>, then restart the server. See the README for
          details.
        </p>
      </details>
      <button
        type="button"
        onClick={dismiss}
        title={strings.dismissBanner}
        className="-mr-2 flex size-8 shrink-0 items-center justify-center rounded-md text-amber-950 hover:bg-amber-100 dark:text-amber-100 dark:hover:bg-amber-900/50"
      >
        <span className="sr-only">{strings.dismissBanner}</span>
        <svg aria-hidden="true" viewBox="0 0 20 20" fill="currentColor" className="size-4">
          <path d="M6.28 5.22a.75.75 0 0 0-1.06 1.06L8.94 10l-3.72 3.72a.75.75 0 1 0 1.06 1.06L10 11.06l3.72 3.72a.75.75 0 1 0 1.06-1.06L11.06 10l3.72-3.72a.75.75 0 0 0-1.06-1.06L10 8.94 6.28 5.22Z" />
        </svg>
      </button>
    </aside>
  );
}

function Code({ children }: { children: string }) {
  return (
    <code className="rounded bg-amber-100 px-1 py-0.5 font-mono text-[0.8125rem] dark:bg-amber-900/50">{children}</code>
  );
}
