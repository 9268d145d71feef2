import { useId, useState, type KeyboardEvent, type Ref } from 'react';

/** The counter appears once a message uses this share of the limit. */
const COUNTER_FROM = 0.8;

interface ComposerProps {
  ref?: Ref<HTMLTextAreaElement>;
  /** A reply is streaming: the draft stays editable, but nothing is sent until it ends. */
  busy: boolean;
  maxChars: number;
  onSend: (text: string) => void;
}

export function Composer({ ref, busy, maxChars, onSend }: ComposerProps) {
  const [draft, setDraft] = useState('');
  const inputId = useId();
  const hintId = useId();
  const counterId = useId();

  // Counted as sent: surrounding whitespace is trimmed before sending.
  const text = draft.trim();
  const tooLong = text.length > maxChars;
  const showCounter = text.length >= maxChars * COUNTER_FROM;

  const submit = () => {
    if (busy || text === '' || tooLong) return;
    onSend(text);
    setDraft('');
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    // Enter while an IME is composing confirms the composition; it must not send.
    if (event.key !== 'Enter' || event.shiftKey || event.nativeEvent.isComposing) return;
    event.preventDefault();
    submit();
  };

  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
      className="border-t border-slate-200 bg-white px-3 pt-3 pb-[max(0.5rem,env(safe-area-inset-bottom))] dark:border-slate-800 dark:bg-slate-900"
    >
      <label htmlFor={inputId} className="sr-only">
        Message
      </label>
      <div className="flex items-end gap-2">
        <textarea
          ref={ref}
          id={inputId}
          value={draft}
          onChange={(event) => setDraft(event.target.value)}
          onKeyDown={onKeyDown}
          rows={1}
          enterKeyHint="send"
          placeholder="Type your message…"
          aria-invalid={tooLong || undefined}
          aria-describedby={showCounter ? `${hintId} ${counterId}` : hintId}
          className="field-sizing-content max-h-40 min-h-11 flex-1 resize-none rounded-xl border border-slate-300 bg-white px-3.5 py-2.5 leading-6 text-slate-900 placeholder:text-slate-500 aria-invalid:border-red-600 dark:border-slate-600 dark:bg-slate-950 dark:text-slate-100 dark:placeholder:text-slate-400 dark:aria-invalid:border-red-400"
        />
        <button
          type="submit"
          disabled={busy}
          className="h-11 shrink-0 rounded-xl bg-blue-600 px-4 font-medium text-white hover:bg-blue-700 disabled:cursor-not-allowed disabled:bg-slate-300 disabled:text-slate-600 dark:disabled:bg-slate-700 dark:disabled:text-slate-300"
        >
          Send
        </button>
      </div>
      {/* Fixed height, so the counter appearing never moves the composer. */}
      <div className="mt-1 flex h-5 items-center justify-between gap-3 px-1 text-xs">
        <p id={hintId} className="text-slate-500 max-sm:sr-only dark:text-slate-400">
          Enter to send, Shift+Enter for a new line
        </p>
        {showCounter && (
          <p
            id={counterId}
            className={`ml-auto tabular-nums ${tooLong ? 'font-medium text-red-700 dark:text-red-300' : 'text-slate-500 dark:text-slate-400'}`}
          >
            {tooLong
              ? `${(text.length - maxChars).toLocaleString()} characters over the ${maxChars.toLocaleString()} limit`
              : `${text.length.toLocaleString()} / ${maxChars.toLocaleString()}`}
          </p>
        )}
      </div>
    </form>
  );
}
