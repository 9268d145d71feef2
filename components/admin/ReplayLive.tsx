'use client';

import { type ReactNode, useCallback, useEffect, useState } from 'react';
import type { ReplayResultView, ReplayRunView } from '@/lib/review/replay/runs';
import { adminFetch } from './api-client';
import { Badge } from './Badge';
import { formatMs, plural } from './format';
import { formatUsd, replayState } from './replay-format';

interface Replay {
  run: ReplayRunView;
  results: ReplayResultView[];
}

function tokens(prompt: number | null, completion: number | null): string {
  if (prompt === null && completion === null) return '—';
  return `${(prompt ?? 0).toLocaleString('en-US')} in · ${(completion ?? 0).toLocaleString('en-US')} out`;
}

const ACTIVE = new Set<ReplayRunView['state']>(['queued', 'running']);
const POLL_MS = 1000;

function Column({ title, text, empty, children }: { title: string; text: string | null; empty: string; children?: ReactNode }) {
  return (
    <section className="min-w-0 rounded-md border border-slate-200 p-3 dark:border-slate-800">
      <h4 className="text-xs font-semibold tracking-wide text-slate-600 uppercase dark:text-slate-400">{title}</h4>
      {text === null ? (
        <p className="mt-1 text-sm text-slate-600 italic dark:text-slate-400">{empty}</p>
      ) : (
        <p className="mt-1 text-sm break-words whitespace-pre-wrap">{text}</p>
      )}
      {children && <dl className="mt-2 space-y-0.5 text-xs text-slate-600 dark:text-slate-400">{children}</dl>}
    </section>
  );
}

function Figure({ label, value }: { label: string; value: string }) {
  return (
    <div className="flex gap-1">
      <dt>{label}:</dt>
      <dd className="font-mono">{value}</dd>
    </div>
  );
}

function Result({ result }: { result: ReplayResultView }) {
  const candidate = result.status === 'ok' ? result.candidate : null;
  const problem =
    result.status === 'hash_mismatch'
      ? 'Not sent: the stored prompt no longer matches its hash.'
      : `The call failed (${result.errorCode ?? 'error'}).`;
  return (
    <li aria-label={`Item ${result.position}`} className="space-y-2 rounded-lg border border-slate-200 bg-white p-3 dark:border-slate-800 dark:bg-slate-900">
      <div className="flex flex-wrap items-center gap-2 text-sm">
        <span className="font-semibold">#{result.position}</span>
        <span className="font-mono text-xs break-all text-slate-600 dark:text-slate-400">{result.auditId}</span>
        {result.status !== 'ok' && <Badge tone="bad">{result.status === 'hash_mismatch' ? 'hash mismatch' : 'error'}</Badge>}
      </div>
      <div className="grid gap-2 md:grid-cols-3">
        <Column title="Original reply" text={result.original} empty="The turn was deleted.">
          <Figure label="Tokens" value={tokens(result.originalPromptTokens, result.originalCompletionTokens)} />
          <Figure label="Latency" value={formatMs(result.originalLatencyMs)} />
        </Column>
        <Column title="Correction" text={result.correction} empty="No correction." />
        <Column title="Candidate" text={candidate} empty={problem}>
          <Figure label="Tokens" value={tokens(result.promptTokens, result.completionTokens)} />
          <Figure label="Latency" value={formatMs(result.latencyMs)} />
          <Figure label="Cost" value={formatUsd(result.costUsd)} />
        </Column>
      </div>
    </li>
  );
}

/** /admin/replays/{id}: progress (polled while the run is active), Cancel, totals, and results side by side. */
export function ReplayLive({ initial }: { initial: Replay }) {
  const [replay, setReplay] = useState<Replay>(initial);
  const [error, setError] = useState<string | null>(null);
  const [cancelling, setCancelling] = useState(false);
  const { run, results } = replay;
  const active = ACTIVE.has(run.state);

  const refresh = useCallback(async () => {
    try {
      setReplay(await adminFetch<Replay>(`/api/admin/replays/${run.id}`, { method: 'GET' }));
      setError(null);
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    }
  }, [run.id]);

  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => void refresh(), POLL_MS);
    return () => clearInterval(timer);
  }, [active, refresh]);

  async function cancel() {
    setCancelling(true);
    try {
      await adminFetch(`/api/admin/replays/${run.id}/cancel`, { method: 'POST', body: {} });
      await refresh();
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    } finally {
      setCancelling(false);
    }
  }

  const processed = run.completed + run.failed;
  const percent = run.total > 0 ? Math.round((processed / run.total) * 100) : 0;
  const state = replayState(run.state);
  return (
    <div className="space-y-5">
      <section aria-labelledby="progress-title" className="space-y-3 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
        <div className="flex flex-wrap items-center justify-between gap-3">
          <h2 id="progress-title" className="flex items-center gap-2 font-semibold">
            Progress <Badge tone={state.tone}>{state.label}</Badge>
            {run.cancelRequested && active && <Badge tone="warn">Cancelling…</Badge>}
          </h2>
          {active && (
            <button
              type="button"
              onClick={() => void cancel()}
              disabled={cancelling || run.cancelRequested}
              className="rounded-md border border-red-300 px-3 py-1.5 text-sm font-semibold text-red-800 hover:bg-red-50 disabled:opacity-60 dark:border-red-800 dark:text-red-300 dark:hover:bg-red-950/40"
            >
              {cancelling ? 'Cancelling…' : 'Cancel replay'}
            </button>
          )}
        </div>
        <div
          role="progressbar"
          aria-label="Replay progress"
          aria-valuemin={0}
          aria-valuemax={run.total}
          aria-valuenow={processed}
          aria-valuetext={`${processed} of ${run.total} items`}
          className="h-3 w-full overflow-hidden rounded-full bg-slate-200 dark:bg-slate-800"
        >
          <div className="h-full bg-blue-600 transition-[width] dark:bg-blue-500" style={{ width: `${percent}%` }} />
        </div>
        <p className="text-sm" aria-live="polite">
          {processed} of {plural(run.total, 'item')} · {run.completed} ok · {run.failed} failed
        </p>
        <dl className="grid grid-cols-2 gap-x-4 gap-y-1 text-sm sm:grid-cols-4">
          <div>
            <dt className="text-slate-600 dark:text-slate-400">Tokens</dt>
            <dd className="font-mono" data-testid="replay-tokens">
              {tokens(run.promptTokens, run.completionTokens)}
            </dd>
          </div>
          <div>
            <dt className="text-slate-600 dark:text-slate-400">Cost</dt>
            <dd className="font-mono" data-testid="replay-cost">
              {formatUsd(run.costUsd)}
            </dd>
          </div>
          <div>
            <dt className="text-slate-600 dark:text-slate-400">Budget</dt>
            <dd className="font-mono">
              {[run.budgetUsd !== null ? formatUsd(run.budgetUsd) : null, run.budgetTokens !== null ? `${run.budgetTokens.toLocaleString('en-US')} tokens` : null]
                .filter(Boolean)
                .join(' · ') || '—'}
            </dd>
          </div>
          <div>
            <dt className="text-slate-600 dark:text-slate-400">Candidate</dt>
            <dd className="break-all">
              {run.endpoint} · {run.model}
            </dd>
          </div>
        </dl>
        {error && (
          <p role="alert" className="text-sm text-red-700 dark:text-red-300">
            {error}
          </p>
        )}
      </section>

      <section aria-labelledby="results-title" className="space-y-2">
        <h2 id="results-title" className="font-semibold">
          Results <span className="font-normal text-slate-600 dark:text-slate-400">(original | correction | candidate)</span>
        </h2>
        {results.length === 0 ? (
          <p className="text-sm text-slate-600 dark:text-slate-400">{active ? 'No result yet.' : 'No results.'}</p>
        ) : (
          <ol aria-labelledby="results-title" className="space-y-3">
            {results.map((result) => (
              <Result key={result.position} result={result} />
            ))}
          </ol>
        )}
      </section>
    </div>
  );
}
