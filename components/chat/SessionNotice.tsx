interface SessionNoticeProps {
  text: string;
  /** `alert`: the customer must act (sign in again); `status`: how things stand (the conversation will not be kept). */
  tone: 'alert' | 'status';
}

/** Says, above the conversation, what the chat cannot do for this customer: never left silent. */
export function SessionNotice({ text, tone }: SessionNoticeProps) {
  return (
    <div
      role={tone}
      data-session-notice={tone}
      className="flex items-start gap-2 border-b border-amber-300 bg-amber-50 px-4 py-2 text-sm text-amber-950 dark:border-amber-700/60 dark:bg-amber-950/40 dark:text-amber-100"
    >
      <svg aria-hidden="true" viewBox="0 0 20 20" fill="currentColor" className="mt-0.5 size-4 shrink-0">
        <path
          fillRule="evenodd"
          d="M8.485 2.495c.673-1.167 2.357-1.167 3.03 0l6.28 10.875c.673 1.167-.17 2.625-1.516 2.625H3.72c-1.347 0-2.189-1.458-1.515-2.625L8.485 2.495ZM10 5a.75.75 0 0 1 .75.75v3.5a.75.75 0 0 1-1.5 0v-3.5A.75.75 0 0 1 10 5Zm0 9a1 1 0 1 0 0-2 1 1 0 0 0 0 2Z"
          clipRule="evenodd"
        />
      </svg>
      <p className="text-pretty">{text}</p>
    </div>
  );
}
