const DOT_DELAYS_MS = [0, 160, 320];

/**
 * Shown in the reply bubble until the first words arrive. Its height is one line of text, so the
 * bubble does not change height when the indicator gives way to the reply.
 */
export function TypingIndicator({ label }: { label: string }) {
  return (
    <span className="flex h-6 items-center gap-1">
      <span className="sr-only">{label}</span>
      {DOT_DELAYS_MS.map((delay) => (
        <span
          key={delay}
          aria-hidden="true"
          className="size-2 animate-bounce rounded-full bg-slate-400 motion-reduce:animate-none dark:bg-slate-500"
          style={{ animationDelay: `${delay}ms` }}
        />
      ))}
    </span>
  );
}
