import type { ReviewReason, ReviewState } from '@/lib/db/schema';
import type { Tone } from '../Badge';

/** Why a conversation is in the review queue, in a reviewer's words. */
export const REASON_LABELS: Record<ReviewReason, string> = {
  thumbs_down: 'Thumbs down',
  model_error: 'Model error',
  memory_fallback: 'Memory fallback',
  handoff: 'Asked for a person',
  flag: 'Flagged',
  sample: 'Random sample',
  manual: 'Added by hand',
};

export function reasonLabel(reason: ReviewReason): string {
  return REASON_LABELS[reason];
}

/** The item's state, with who holds it. */
export function reviewStateLabel(state: ReviewState, assigneeName: string | null, mine: boolean): string {
  switch (state) {
    case 'to_review':
      return 'To review';
    case 'in_review':
      return mine ? 'In review by you' : `In review by ${assigneeName ?? 'another reviewer'}`;
    case 'done':
      return mine ? 'Reviewed by you' : `Reviewed by ${assigneeName ?? 'a reviewer'}`;
  }
}

export function reviewStateTone(state: ReviewState): Tone {
  return state === 'to_review' ? 'warn' : state === 'in_review' ? 'info' : 'good';
}

export const TAB_LABELS = { to_review: 'To review', in_review: 'In review', done: 'Done', mine: 'Assigned to me' } as const;
