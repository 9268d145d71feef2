'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useRef, useState } from 'react';

/** Milliseconds between polls while the tab is visible; a hidden tab polls five times less often. */
const INTERVAL_MS = 2500;

/**
 * Keeps a server-rendered view current: polls a version route with If-None-Match and, when the
 * version moved, re-renders the page in place (router.refresh keeps scroll, open panels and typed
 * text). Shows whether it is live, and can be paused.
 */
export function LiveUpdates({
  url,
  what,
  intervalMs = INTERVAL_MS,
  version,
}: {
  url: string;
  what: string;
  /**
   * The version the page was rendered from (read before its data). Without it the first poll sets
   * the baseline, and a change landing between the render and that poll is never shown.
   */
  version?: string | null;
  /** Faster where a person is waiting for an answer (the inbox, a conversation with an agent in it). */
  intervalMs?: number;
}) {
  const router = useRouter();
  const [paused, setPaused] = useState(false);
  const [state, setState] = useState<'connecting' | 'live' | 'offline'>('connecting');
  const etag = useRef<string | null>(version ?? null);

  useEffect(() => {
    if (paused) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    async function poll() {
      try {
        const response = await fetch(url, { headers: etag.current ? { 'if-none-match': etag.current } : {}, cache: 'no-store' });
        if (response.status === 200) {
          const tag = response.headers.get('etag');
          if (etag.current && tag !== etag.current) router.refresh();
          etag.current = tag;
        }
        if (!stopped) setState(response.status === 200 || response.status === 304 ? 'live' : 'offline');
      } catch {
        if (!stopped) setState('offline');
      }
      if (!stopped) timer = setTimeout(poll, document.hidden ? intervalMs * 5 : intervalMs);
    }
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [url, paused, router, intervalMs]);

  const label = paused ? 'Paused' : state === 'offline' ? 'Offline' : 'Live';
  const dot = paused ? 'bg-slate-400' : state === 'offline' ? 'bg-red-500' : 'bg-emerald-500';
  return (
    <div className="flex items-center gap-2 text-xs" data-live={paused ? 'paused' : state}>
      <span role="status" className="flex items-center gap-1.5 font-medium text-slate-700 dark:text-slate-300" title={paused ? `Not checking for ${what}` : `Checks for ${what} every few seconds`}>
        <span aria-hidden="true" className={`size-2 rounded-full ${dot} ${!paused && state === 'live' ? 'motion-safe:animate-pulse' : ''}`} />
        {label}
      </span>
      <button
        type="button"
        aria-pressed={paused}
        onClick={() => setPaused((value) => !value)}
        className="rounded-md border border-slate-300 px-2 py-0.5 font-medium text-slate-700 hover:bg-slate-100 dark:border-slate-700 dark:text-slate-300 dark:hover:bg-slate-800"
      >
        {paused ? 'Resume' : 'Pause'}
      </button>
    </div>
  );
}
