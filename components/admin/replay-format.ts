import type { ReplayState } from '@/lib/db/schema';
import type { Tone } from './Badge';

const STATE_WORDS: Record<ReplayState, { label: string; tone: Tone }> = {
  queued: { label: 'Queued', tone: 'neutral' },
  running: { label: 'Running', tone: 'info' },
  done: { label: 'Done', tone: 'good' },
  cancelled: { label: 'Cancelled', tone: 'warn' },
  failed: { label: 'Failed', tone: 'bad' },
  budget_exhausted: { label: 'Budget spent', tone: 'warn' },
};

/** A replay's state in words, with its badge tone. */
export function replayState(state: ReplayState): { label: string; tone: Tone } {
  return STATE_WORDS[state];
}

/** Dollars: six decimals below a cent (a replay of a few turns costs fractions of one). */
export function formatUsd(value: number | null): string {
  if (value === null) return '—';
  return value < 0.01 ? `$${value.toFixed(6)}` : `$${value.toFixed(4)}`;
}
