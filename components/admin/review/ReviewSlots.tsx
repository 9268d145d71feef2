import type { ReactNode } from 'react';
import type { ConversationReview } from '@/lib/review/conversation-review';
import { CorrectionPanel } from './CorrectionPanel';
import { ScoreControls } from './ScoreControls';
import { agreementText } from './score-words';

/** The replies of a transcript, as the review needs them: audit id, number and text. */
export interface ReviewedReply {
  auditId: string;
  seq: number;
  assistantText: string;
}

/** Under each assistant reply: its scores and its correction (Conversation's `replyExtras`). */
export function replyReviewSlots(review: ConversationReview, replies: ReviewedReply[], sessionRef: string, selfId: string): Record<string, ReactNode> {
  const slots: Record<string, ReactNode> = {};
  for (const reply of replies) {
    const target = review.replies[reply.auditId];
    if (!target) continue;
    slots[reply.auditId] = (
      <div className="space-y-2" data-testid="reply-review">
        <ScoreControls sessionRef={sessionRef} auditId={reply.auditId} review={target} selfId={selfId} title={`Scores for reply ${reply.seq}`} />
        <CorrectionPanel auditId={reply.auditId} original={reply.assistantText} correction={target.correction} />
      </div>
    );
  }
  return slots;
}

/** The conversation-level "Scores" panel: conversation criteria and the item's overall agreement. */
export function ConversationScores({ review, sessionRef, selfId }: { review: ConversationReview; sessionRef: string; selfId: string }) {
  const agreement = agreementText(review.agreement);
  return (
    <section aria-labelledby="scores" className="space-y-3 rounded-lg border border-slate-200 bg-white p-4 dark:border-slate-800 dark:bg-slate-900">
      <div className="flex items-baseline justify-between gap-2">
        <h2 id="scores" className="text-sm font-semibold">
          Scores
        </h2>
        <a href="/admin/review/rubric" className="text-xs text-blue-700 hover:underline dark:text-blue-400">
          Rubric
        </a>
      </div>
      <ScoreControls sessionRef={sessionRef} auditId={null} review={review.conversation} selfId={selfId} title="Whole conversation" narrow />
      <p className="text-xs text-slate-600 dark:text-slate-400" data-testid="item-agreement">
        {agreement ? `This conversation: ${agreement}` : 'Agreement shows once two reviewers score the same thing.'}
      </p>
    </section>
  );
}
