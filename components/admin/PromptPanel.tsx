'use client';

import { useState } from 'react';
import type { TurnPrompt } from '@/lib/admin/prompt';
import { Badge } from './Badge';
import { adminFetch } from './api-client';
import { plural } from './format';

type State = { kind: 'idle' } | { kind: 'loading' } | { kind: 'error'; message: string } | { kind: 'ready'; prompt: TurnPrompt };

const ROLE_STYLE: Record<string, string> = {
  system: 'border-violet-300 bg-violet-50 dark:border-violet-800 dark:bg-violet-950/30',
  user: 'border-blue-300 bg-blue-50 dark:border-blue-800 dark:bg-blue-950/30',
  assistant: 'border-slate-300 bg-slate-50 dark:border-slate-700 dark:bg-slate-900',
};

/** "What the model saw": the exact messages array of one turn, fetched the first time it is opened. */
export function PromptPanel({ auditId }: { auditId: string }) {
  const [state, setState] = useState<State>({ kind: 'idle' });
  const [copied, setCopied] = useState(false);

  async function load() {
    if (state.kind === 'ready' || state.kind === 'loading') return;
    setState({ kind: 'loading' });
    try {
      setState({ kind: 'ready', prompt: await adminFetch<TurnPrompt>(`/api/admin/turns/${auditId}/prompt`, { method: 'GET' }) });
    } catch (failure) {
      setState({ kind: 'error', message: failure instanceof Error ? failure.message : String(failure) });
    }
  }

  return (
    <details
      className="group mt-2 rounded-md border border-slate-200 dark:border-slate-800"
      onToggle={(event) => {
        if (event.currentTarget.open) void load();
      }}
    >
      <summary className="cursor-pointer px-3 py-1.5 text-xs font-medium text-slate-600 select-none hover:text-slate-900 dark:text-slate-400 dark:hover:text-slate-100">
        What the model saw
      </summary>
      <div className="border-t border-slate-200 p-3 dark:border-slate-800">
        {state.kind === 'loading' && <p className="text-xs text-slate-600 dark:text-slate-400">Loading…</p>}
        {state.kind === 'error' && (
          <p role="alert" className="text-xs text-red-700 dark:text-red-300">
            {state.message}
          </p>
        )}
        {state.kind === 'ready' && (
          <div className="space-y-2">
            <div className="flex flex-wrap items-center gap-2 text-xs text-slate-600 dark:text-slate-400">
              <span>
                {plural(state.prompt.messages.length, 'message')}, {plural(state.prompt.contextAuditIds.length, 'remembered turn')}
              </span>
              {state.prompt.verified ? (
                <Badge tone="good" title="The stored SHA-256 matches these messages">
                  hash verified
                </Badge>
              ) : (
                <Badge tone="bad" title="These messages no longer match the hash stored with the turn">
                  hash mismatch
                </Badge>
              )}
              <button
                type="button"
                className="ml-auto rounded-md border border-slate-300 px-2 py-0.5 font-medium hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800"
                onClick={async () => {
                  await navigator.clipboard.writeText(state.prompt.rendered);
                  setCopied(true);
                }}
              >
                {copied ? 'Copied' : 'Copy as text'}
              </button>
            </div>
            <ol className="space-y-2">
              {state.prompt.messages.map((message, index) => (
                <li key={index} className={`rounded-md border p-2 ${ROLE_STYLE[message.role] ?? ''}`}>
                  <div className="mb-1 text-[11px] font-semibold tracking-wide text-slate-600 dark:text-slate-400 uppercase">
                    {index + 1}. {message.role}
                  </div>
                  <pre className="max-h-80 overflow-auto font-mono text-xs whitespace-pre-wrap break-words">{message.content}</pre>
                </li>
              ))}
            </ol>
          </div>
        )}
      </div>
    </details>
  );
}
