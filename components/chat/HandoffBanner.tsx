import type { ConversationInfo } from './chat-state';
import type { ChatStrings } from '@/lib/copy/strings';

interface HandoffBannerProps {
  conversation: ConversationInfo | null;
  /** What the customer was told when they (or the assistant) asked for a person. */
  notice: string | null;
  strings: ChatStrings;
}

/**
 * Above the conversation while a person is asked for or answering: who has the customer's messages
 * now, so a message with no reply under it never looks lost. No typing indicator: none can get stuck.
 */
export function HandoffBanner({ conversation, notice, strings }: HandoffBannerProps) {
  const state = conversation?.state;
  if (state !== 'waiting' && state !== 'agent') return null;
  const title =
    state === 'agent' ? strings.handoff.answering(conversation?.agentName || strings.handoff.someone) : strings.handoff.waiting;
  return (
    <div
      role="status"
      data-handoff={state}
      className="flex items-start gap-2 border-b border-sky-200 bg-sky-50 px-4 py-2 text-sm text-sky-950 dark:border-sky-800 dark:bg-sky-950 dark:text-sky-50"
    >
      <svg aria-hidden="true" viewBox="0 0 20 20" fill="currentColor" className="mt-0.5 size-4 shrink-0">
        <path d="M10 8a3 3 0 1 0 0-6 3 3 0 0 0 0 6ZM3.465 14.493a1.23 1.23 0 0 0 .41 1.412A9.957 9.957 0 0 0 10 18c2.31 0 4.438-.784 6.131-2.1.43-.333.604-.903.408-1.41a7.002 7.002 0 0 0-13.074.003Z" />
      </svg>
      <div className="min-w-0">
        <p className="font-medium">{title}</p>
        {state === 'waiting' && notice && <p className="text-pretty">{notice}</p>}
      </div>
    </div>
  );
}

interface TalkToPersonProps {
  strings: ChatStrings;
  asking: boolean;
  onAsk: () => void;
}

/** The customer's way to a person; gone while one is asked for or answering (the banner says so). */
export function TalkToPerson({ strings, asking, onAsk }: TalkToPersonProps) {
  return (
    <button
      type="button"
      onClick={onAsk}
      disabled={asking}
      aria-busy={asking || undefined}
      className="flex min-h-7 shrink-0 items-center gap-1 rounded-md px-1.5 text-xs font-medium text-slate-700 underline-offset-2 hover:bg-slate-100 hover:underline disabled:cursor-wait disabled:no-underline dark:text-slate-300 dark:hover:bg-slate-800"
    >
      <svg aria-hidden="true" viewBox="0 0 20 20" fill="currentColor" className="size-3.5">
        <path d="M10 8a3 3 0 1 0 0-6 3 3 0 0 0 0 6ZM3.465 14.493a1.23 1.23 0 0 0 .41 1.412A9.957 9.957 0 0 0 10 18c2.31 0 4.438-.784 6.131-2.1.43-.333.604-.903.408-1.41a7.002 7.002 0 0 0-13.074.003Z" />
      </svg>
      {asking ? strings.handoff.asking : strings.handoff.ask}
    </button>
  );
}
