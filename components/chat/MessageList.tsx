import { useEffect, useLayoutEffect, useRef } from 'react';
import type { Rating, ShownEntry, StateEntry } from './chat-state';
import type { ChatStrings } from '@/lib/copy/strings';
import { AgentMessage, AssistantMessage, UserMessage } from './Message';
import { Notice } from './Notice';

/** Within this distance of the bottom the reader counts as following the conversation. */
const FOLLOW_THRESHOLD_PX = 72;

interface MessageListProps {
  entries: ShownEntry[];
  strings: ChatStrings;
  greeting: string;
  onRetry: (turnId: string) => void;
  onRate: (auditId: string, rating: Rating | null) => void;
  /** A person has the conversation: nobody is typing, so a message on its way shows no typing bubble. */
  quiet?: boolean;
}

/** Who answers changed: a quiet line between the messages, like a chat app's "joined". */
function StateLine({ entry, strings }: { entry: StateEntry; strings: ChatStrings }) {
  const text =
    entry.change === 'joined'
      ? strings.handoff.joined(entry.agentName || strings.handoff.someone)
      : entry.change === 'handedBack'
        ? strings.handoff.handedBack
        : strings.handoff.resolved;
  return (
    <p data-state-change={entry.change} className="mx-auto max-w-[90%] text-center text-sm text-slate-600 dark:text-slate-400">
      {text}
    </p>
  );
}

export function MessageList({ entries, strings, greeting, onRetry, onRate, quiet = false }: MessageListProps) {
  const scrollerRef = useRef<HTMLDivElement>(null);
  const contentRef = useRef<HTMLDivElement>(null);
  const following = useRef(true);

  // Growth of the content (a streaming reply) or shrinking of the viewport (a taller composer, an
  // on-screen keyboard) keeps the newest text in view, but only for a reader already at the bottom.
  useEffect(() => {
    const scroller = scrollerRef.current;
    const content = contentRef.current;
    if (!scroller || !content) return;
    const observer = new ResizeObserver(() => {
      if (following.current) scroller.scrollTop = scroller.scrollHeight;
    });
    observer.observe(scroller);
    observer.observe(content);
    return () => observer.disconnect();
  }, []);

  // Sending a message always brings the conversation back to the bottom, before paint.
  const lastUserId = entries.findLast((entry) => entry.kind === 'user')?.id;
  useLayoutEffect(() => {
    const scroller = scrollerRef.current;
    if (!scroller || lastUserId === undefined) return;
    following.current = true;
    scroller.scrollTop = scroller.scrollHeight;
  }, [lastUserId]);

  const onScroll = () => {
    const scroller = scrollerRef.current;
    if (!scroller) return;
    following.current = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight <= FOLLOW_THRESHOLD_PX;
  };

  const lastReply = entries.findLast((entry) => entry.kind === 'assistant');

  return (
    // Focusable so keyboard users can scroll the history; polite so new messages are announced.
    <div
      ref={scrollerRef}
      onScroll={onScroll}
      role="log"
      aria-live="polite"
      aria-label={strings.conversation}
      tabIndex={0}
      className="min-h-0 flex-1 overflow-y-auto overscroll-contain [scrollbar-gutter:stable] focus-visible:-outline-offset-2"
    >
      <div ref={contentRef} className="flex flex-col gap-4 px-4 py-5">
        <p dir="auto" className="mx-auto max-w-sm text-center text-sm text-slate-600 dark:text-slate-400">
          {greeting}
        </p>
        {entries.map((entry) => {
          switch (entry.kind) {
            case 'notice':
              return <Notice key={entry.id} text={entry.text} />;
            case 'user':
              return <UserMessage key={entry.id} entry={entry} strings={strings} />;
            case 'agent':
              return <AgentMessage key={entry.id} entry={entry} strings={strings} />;
            case 'state':
              return <StateLine key={entry.id} entry={entry} strings={strings} />;
            case 'assistant': {
              const { turnId, auditId } = entry;
              if (quiet && entry.status === 'streaming' && entry.text === '') return null;
              const retryable = entry === lastReply && entry.status === 'error' && turnId !== null;
              return (
                <AssistantMessage
                  key={entry.id}
                  entry={entry}
                  strings={strings}
                  onRetry={retryable ? () => onRetry(turnId) : null}
                  onRate={auditId ? (rating) => onRate(auditId, rating) : null}
                />
              );
            }
          }
        })}
      </div>
    </div>
  );
}
