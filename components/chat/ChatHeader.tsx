import type { Connection } from './chat-state';
import type { ChatStrings } from '@/lib/copy/strings';

interface ChatHeaderProps {
  title: string;
  strings: ChatStrings;
  connection: Connection;
  typing: boolean;
  onNewConversation: () => void;
  /** Shown in the widget's frame: closes the panel (the host page hides the frame). */
  onClose: (() => void) | null;
}

const DOT: Record<Connection, string> = {
  connecting: 'bg-slate-400',
  online: 'bg-emerald-500',
  reconnecting: 'bg-amber-500',
  offline: 'bg-red-500',
};

const iconButton =
  'flex size-10 shrink-0 items-center justify-center rounded-lg text-slate-700 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800';

export function ChatHeader({ title, strings, connection, typing, onNewConversation, onClose }: ChatHeaderProps) {
  const label = typing && connection === 'online' ? strings.status.typing : strings.status[connection];
  return (
    <header className="flex items-center gap-3 border-b border-slate-200 px-4 py-3 dark:border-slate-800">
      <div
        aria-hidden="true"
        className="flex size-10 shrink-0 items-center justify-center rounded-full bg-accent text-lg font-semibold text-on-accent"
      >
        {title.slice(0, 1).toUpperCase() || 'T'}
      </div>
      <div className="min-w-0 flex-1">
        <h1 className="truncate text-base leading-6 font-semibold">{title}</h1>
        {/* Fixed height and truncation, so a longer state never pushes the conversation down. */}
        <p role="status" data-connection={connection} className="flex h-5 min-w-0 items-center gap-1.5 text-sm text-slate-600 dark:text-slate-400">
          <span aria-hidden="true" className={`size-2 shrink-0 rounded-full ${DOT[connection]}`} />
          <span className="truncate">{label}</span>
        </p>
      </div>
      <button type="button" onClick={onNewConversation} className={iconButton} title={strings.newConversation}>
        <span className="sr-only">{strings.newConversation}</span>
        <svg aria-hidden="true" viewBox="0 0 20 20" fill="currentColor" className="size-5">
          <path d="M2.695 14.763l-1.262 3.154a.5.5 0 0 0 .65.65l3.155-1.262a4 4 0 0 0 1.343-.885L17.5 5.5a2.121 2.121 0 0 0-3-3L3.58 13.42a4 4 0 0 0-.885 1.343Z" />
        </svg>
      </button>
      {onClose && (
        <button type="button" onClick={onClose} className={iconButton} title={strings.close}>
          <span className="sr-only">{strings.close}</span>
          <svg aria-hidden="true" viewBox="0 0 20 20" fill="currentColor" className="size-5">
            <path d="M6.28 5.22a.75.75 0 0 0-1.06 1.06L8.94 10l-3.72 3.72a.75.75 0 1 0 1.06 1.06L10 11.06l3.72 3.72a.75.75 0 1 0 1.06-1.06L11.06 10l3.72-3.72a.75.75 0 0 0-1.06-1.06L10 8.94 6.28 5.22Z" />
          </svg>
        </button>
      )}
    </header>
  );
}
