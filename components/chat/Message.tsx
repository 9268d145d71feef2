import { useEffect, useId, useState } from 'react';
import type { AgentEntry, AssistantEntry, Rating, UserEntry } from './chat-state';
import { Markdown } from './Markdown';
import type { ChatStrings } from '@/lib/copy/strings';
import { TypingIndicator } from './TypingIndicator';

/** Shared bubble shape. Wrapping anywhere keeps a long URL from widening the bubble and reflowing the row. */
const BUBBLE = 'max-w-[85%] min-w-0 wrap-anywhere rounded-2xl px-4 py-2 leading-6';

export function UserMessage({ entry, strings }: { entry: UserEntry; strings: ChatStrings }) {
  return (
    <article aria-label={strings.youSaid} className="flex flex-col items-end gap-1">
      {/* The customer's words exactly as typed: plain text, never Markdown. dir=auto for RTL scripts. */}
      <p dir="auto" className={`${BUBBLE} rounded-br-md bg-accent whitespace-pre-wrap text-on-accent`}>
        {entry.text}
      </p>
      <MessageTime at={entry.at} />
    </article>
  );
}

/**
 * A person from the support team: named, set apart from the assistant by its colour and line, and never
 * rated (thumbs are about the assistant's answers). Plain text, as the agent typed it.
 */
export function AgentMessage({ entry, strings }: { entry: AgentEntry; strings: ChatStrings }) {
  const name = entry.agentName || strings.handoff.someone;
  return (
    <article aria-label={strings.handoff.agentSaid(name)} data-author="agent" className="flex flex-col items-start gap-1">
      <p className="flex items-center gap-1.5 px-1 text-xs font-medium text-slate-700 dark:text-slate-300">
        <span aria-hidden="true" className="flex size-5 items-center justify-center rounded-full bg-sky-700 text-[0.65rem] font-semibold text-white dark:bg-sky-300 dark:text-sky-950">
          {name.slice(0, 1).toUpperCase()}
        </span>
        <span>
          {name} · {strings.handoff.team}
        </span>
      </p>
      <p
        dir="auto"
        className={`${BUBBLE} rounded-tl-md border border-sky-200 bg-sky-50 whitespace-pre-wrap text-slate-900 dark:border-sky-800 dark:bg-sky-950 dark:text-slate-100`}
      >
        {entry.text}
      </p>
      <MessageTime at={entry.at} />
    </article>
  );
}

interface AssistantMessageProps {
  entry: AssistantEntry;
  strings: ChatStrings;
  /** Offered only on the latest turn: re-sending an older one would reorder the conversation. */
  onRetry: (() => void) | null;
  onRate: ((rating: Rating | null) => void) | null;
}

/** Seconds left until `until` (epoch ms), ticking once a second; 0 when passed or null. */
function useSecondsLeft(until: number | null): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (until === null || until <= Date.now()) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [until]);
  return until === null ? 0 : Math.max(0, Math.ceil((until - now) / 1000));
}

export function AssistantMessage({ entry, strings, onRetry, onRate }: AssistantMessageProps) {
  const errorId = useId();
  const streaming = entry.status === 'streaming';
  const waitSeconds = useSecondsLeft(entry.retryAt);
  return (
    // aria-busy lets screen readers wait for the finished reply instead of reading every fragment.
    <article
      aria-label={strings.assistantSaid}
      aria-busy={streaming || undefined}
      data-status={entry.status}
      className="flex flex-col items-start gap-1"
    >
      {(entry.text || streaming) && (
        <div
          dir="auto"
          className={`${BUBBLE} min-h-10 rounded-bl-md bg-slate-100 text-slate-900 dark:bg-slate-800 dark:text-slate-100`}
        >
          {entry.text ? <Markdown text={entry.text} /> : <TypingIndicator label={strings.typing} />}
        </div>
      )}
      {entry.status === 'stopped' && <p className="px-1 text-xs text-slate-600 dark:text-slate-400">{strings.stopped}</p>}
      {!entry.remembered && (
        <p className="max-w-[85%] px-1 text-xs text-amber-800 dark:text-amber-300">{strings.notSaved}</p>
      )}
      {entry.error && (
        <div className="flex max-w-[85%] flex-wrap items-center gap-x-3 gap-y-1 text-sm text-red-700 dark:text-red-300">
          <p id={errorId} role="alert">
            {entry.error}
            {waitSeconds > 0 && <> {strings.retryIn(waitSeconds)}</>}
          </p>
          {onRetry && (
            <button
              type="button"
              onClick={onRetry}
              disabled={waitSeconds > 0}
              aria-describedby={errorId}
              className="rounded-md border border-red-300 px-2.5 py-1 font-medium hover:bg-red-50 disabled:cursor-not-allowed disabled:opacity-60 dark:border-red-800 dark:hover:bg-red-950/60"
            >
              {strings.retry}
            </button>
          )}
        </div>
      )}
      <div className="flex h-7 items-center gap-2">
        <MessageTime at={entry.at} />
        {onRate && entry.status === 'done' && entry.auditId && (
          <Feedback rating={entry.rating} strings={strings} onRate={onRate} />
        )}
      </div>
    </article>
  );
}

function Feedback({ rating, strings, onRate }: { rating: Rating | null; strings: ChatStrings; onRate: (r: Rating | null) => void }) {
  const button = (value: Rating, label: string, path: string) => (
    <button
      type="button"
      aria-label={label}
      aria-pressed={rating === value}
      onClick={() => onRate(rating === value ? null : value)}
      className="flex size-7 items-center justify-center rounded-md text-slate-600 hover:bg-slate-100 hover:text-slate-900 aria-pressed:bg-slate-200 aria-pressed:text-slate-900 dark:text-slate-400 dark:hover:bg-slate-800 dark:hover:text-slate-100 dark:aria-pressed:bg-slate-700 dark:aria-pressed:text-slate-50"
    >
      <svg aria-hidden="true" viewBox="0 0 20 20" fill="currentColor" className="size-4">
        <path d={path} />
      </svg>
    </button>
  );
  return (
    <span className="flex items-center gap-0.5">
      {button('up', strings.helpful, 'M1 8.25a1.25 1.25 0 1 1 2.5 0v7.5a1.25 1.25 0 1 1-2.5 0v-7.5ZM11 3V1.7c0-.268.14-.526.395-.607A2 2 0 0 1 14 3c0 .995-.182 1.948-.514 2.826-.204.54.166 1.174.744 1.174h2.52c1.243 0 2.261 1.01 2.146 2.247a23.864 23.864 0 0 1-1.341 5.974C17.153 16.323 16.072 17 14.9 17h-3.192a3 3 0 0 1-1.341-.317l-2.734-1.366A3 3 0 0 0 6.292 15H5V8h.963c.685 0 1.258-.483 1.612-1.068a4.011 4.011 0 0 1 2.166-1.73c.432-.143.853-.386 1.011-.814.16-.432.248-.9.248-1.388Z')}
      {button('down', strings.notHelpful, 'M18.905 12.75a1.25 1.25 0 1 1-2.5 0v-7.5a1.25 1.25 0 0 1 2.5 0v7.5ZM8.905 17v1.3c0 .268-.14.526-.395.607A2 2 0 0 1 5.905 17c0-.995.182-1.948.514-2.826.204-.54-.166-1.174-.744-1.174h-2.52c-1.243 0-2.261-1.01-2.146-2.247.193-2.08.651-4.082 1.341-5.974C2.752 3.678 3.833 3 5.005 3h3.192a3 3 0 0 1 1.341.317l2.734 1.366A3 3 0 0 0 13.613 5h1.292v7h-.963c-.685 0-1.258.482-1.612 1.068a4.012 4.012 0 0 1-2.166 1.73c-.432.143-.853.386-1.011.814-.16.432-.248.9-.248 1.388Z')}
    </span>
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
    <time dateTime={at} suppressHydrationWarning className="px-1 text-xs text-slate-600 dark:text-slate-400">
      {(sameDay ? timeOnly : dateAndTime).format(date)}
    </time>
  );
}
