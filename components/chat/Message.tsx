import { useId } from 'react';
import type { AssistantEntry, UserEntry } from './chat-state';
import { TypingIndicator } from './TypingIndicator';

/** Shared bubble shape. Wrapping anywhere keeps a long URL from widening the bubble and reflowing the row. */
const BUBBLE = 'max-w-[85%] whitespace-pre-wrap wrap-anywhere rounded-2xl px-4 py-2 leading-6';

export function UserMessage({ entry }: { entry: UserEntry }) {
  return (
    <article aria-label="You said" className="flex flex-col items-end gap-1">
      <p className={`${BUBBLE} rounded-br-md bg-blue-600 text-white`}>{entry.text}</p>
      <MessageTime at={entry.at} />
    </article>
  );
}

interface AssistantMessageProps {
  entry: AssistantEntry;
  /** Offered only on the latest turn: re-sending an older one would reorder the conversation. */
  onRetry: (() => void) | null;
}

export function AssistantMessage({ entry, onRetry }: AssistantMessageProps) {
  const errorId = useId();
  const streaming = entry.status === 'streaming';
  return (
    // aria-busy lets screen readers wait for the finished reply instead of reading every fragment.
    <article
      aria-label="Assistant said"
      aria-busy={streaming || undefined}
      data-status={entry.status}
      className="flex flex-col items-start gap-1"
    >
      {(entry.text || streaming) && (
        <div
          className={`${BUBBLE} min-h-10 rounded-bl-md bg-slate-100 text-slate-900 dark:bg-slate-800 dark:text-slate-100`}
        >
          {entry.text || <TypingIndicator />}
        </div>
      )}
      {!entry.remembered && (
        <p className="max-w-[85%] px-1 text-xs text-amber-800 dark:text-amber-300">
          We couldn&rsquo;t save this reply, so it won&rsquo;t be part of the conversation when you come back.
        </p>
      )}
      {entry.error && (
        <div className="flex max-w-[85%] flex-wrap items-center gap-x-3 gap-y-1 text-sm text-red-700 dark:text-red-300">
          <p id={errorId}>{entry.error}</p>
          {onRetry && (
            <button
              type="button"
              onClick={onRetry}
              aria-describedby={errorId}
              className="rounded-md border border-red-300 px-2.5 py-1 font-medium hover:bg-red-50 dark:border-red-800 dark:hover:bg-red-950/60"
            >
              Retry
            </button>
          )}
        </div>
      )}
      <MessageTime at={entry.at} />
    </article>
  );
}

const timeOnly = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const dateAndTime = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' });

/** Restored messages can be from another day, so those carry their date. */
function MessageTime({ at }: { at: string }) {
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) return null;
  const sameDay = date.toDateString() === new Date().toDateString();
  return (
    <time dateTime={at} className="px-1 text-xs text-slate-500 dark:text-slate-400">
      {(sameDay ? timeOnly : dateAndTime).format(date)}
    </time>
  );
}
