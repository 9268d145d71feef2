import { useEffect, useId, useState, type KeyboardEvent, type ReactNode, type Ref } from 'react';
import type { ChatStrings } from '@/lib/copy/strings';

/** The counter appears once a message uses this share of the limit. */
const COUNTER_FROM = 0.8;

interface ComposerProps {
  ref?: Ref<HTMLTextAreaElement>;
  strings: ChatStrings;
  /** A reply is streaming: the draft stays editable, the button stops the reply instead of sending. */
  busy: boolean;
  /** Sending is paused until then (epoch ms): the server asked us to wait (429). */
  blockedUntil: number | null;
  /** The server's limit (config), so the customer learns it before sending, not from an error. */
  maxChars: number;
  onSend: (text: string) => void;
  onStop: () => void;
  /** A control that belongs by the composer (the way to a person), at the end of the hint line. */
  aside?: ReactNode;
}

export function Composer({ ref, strings, busy, blockedUntil, maxChars, onSend, onStop, aside }: ComposerProps) {
  const [draft, setDraft] = useState('');
  const [now, setNow] = useState(() => Date.now());
  const inputId = useId();
  const hintId = useId();
  const counterId = useId();

  useEffect(() => {
    if (blockedUntil === null) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [blockedUntil]);
  const waitSeconds = blockedUntil === null ? 0 : Math.max(0, Math.ceil((blockedUntil - now) / 1000));

  // Counted as the server counts it: surrounding whitespace is trimmed, line endings are one character.
  const text = draft.replace(/\r\n?/g, '\n').trim();
  const tooLong = text.length > maxChars;
  const showCounter = text.length >= maxChars * COUNTER_FROM;

  const submit = () => {
    if (busy || text === '' || tooLong || waitSeconds > 0) return;
    onSend(text);
    setDraft('');
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    // Enter while an IME is composing confirms the composition; it must not send.
    if (event.key !== 'Enter' || event.shiftKey || event.nativeEvent.isComposing) return;
    event.preventDefault();
    submit();
  };

  const button =
    'h-11 shrink-0 rounded-xl px-4 font-medium disabled:cursor-not-allowed disabled:bg-slate-300 disabled:text-slate-700 dark:disabled:bg-slate-700 dark:disabled:text-slate-200';

  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
      className="border-t border-slate-200 bg-white px-3 pt-3 pb-[max(0.5rem,env(safe-area-inset-bottom))] dark:border-slate-800 dark:bg-slate-900"
    >
      <label htmlFor={inputId} className="sr-only">
        {strings.messageLabel}
      </label>
      <div className="flex items-end gap-2">
        <textarea
          ref={ref}
          id={inputId}
          dir="auto"
          value={draft}
          onChange={(event) => setDraft(event.target.value)}
          onKeyDown={onKeyDown}
          rows={1}
          enterKeyHint="send"
          placeholder={strings.placeholder}
          aria-invalid={tooLong || undefined}
          aria-describedby={showCounter ? `${hintId} ${counterId}` : hintId}
          className="field-sizing-content max-h-40 min-h-11 min-w-0 flex-1 resize-none rounded-xl border border-slate-400 bg-white px-3.5 py-2.5 leading-6 text-slate-900 placeholder:text-slate-600 aria-invalid:border-red-600 dark:border-slate-500 dark:bg-slate-950 dark:text-slate-100 dark:placeholder:text-slate-400 dark:aria-invalid:border-red-400"
        />
        {/* One slot for both buttons, so swapping Send for Stop never moves anything. */}
        {busy ? (
          <button type="button" onClick={onStop} className={`${button} min-w-20 bg-slate-800 text-white hover:bg-slate-900 dark:bg-slate-200 dark:text-slate-900 dark:hover:bg-white`}>
            <span className="flex items-center justify-center gap-1.5">
              <span aria-hidden="true" className="size-2.5 rounded-[2px] bg-current" />
              {strings.stop}
            </span>
          </button>
        ) : (
          <button
            type="submit"
            disabled={tooLong || waitSeconds > 0}
            className={`${button} min-w-20 bg-accent text-on-accent hover:brightness-110`}
          >
            {strings.send}
          </button>
        )}
      </div>
      {/* Fixed height, so the counter appearing never moves the composer. */}
      <div className="mt-1 flex min-h-5 flex-wrap items-start justify-between gap-x-3 px-1 text-xs">
        <p id={hintId} className="text-slate-600 max-sm:sr-only dark:text-slate-400">
          {strings.hint}
        </p>
        <p
          id={counterId}
          aria-live="polite"
          className={`ml-auto text-end tabular-nums ${tooLong ? 'font-medium text-red-700 dark:text-red-300' : 'text-slate-600 dark:text-slate-400'}`}
        >
          {waitSeconds > 0
            ? strings.retryIn(waitSeconds)
            : showCounter && (tooLong ? strings.overLimit(text.length - maxChars, maxChars) : strings.counter(text.length, maxChars))}
        </p>
        {aside}
      </div>
    </form>
  );
}
