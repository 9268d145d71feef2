import type { Connection } from './chat-state';

interface ChatHeaderProps {
  connection: Connection;
  typing: boolean;
}

const STATUS: Record<Connection, { label: string; dot: string }> = {
  connecting: { label: 'Connecting…', dot: 'bg-slate-400' },
  ready: { label: 'Online · replies in seconds', dot: 'bg-emerald-500' },
  offline: { label: "Can't reach support right now", dot: 'bg-red-500' },
};

export function ChatHeader({ connection, typing }: ChatHeaderProps) {
  const status = STATUS[connection];
  return (
    <header className="flex items-center gap-3 border-b border-slate-200 px-4 py-3 dark:border-slate-800">
      <div
        aria-hidden="true"
        className="flex size-10 shrink-0 items-center justify-center rounded-full bg-blue-600 text-lg font-semibold text-white"
      >
        T
      </div>
      <div className="min-w-0">
        <h1 className="text-base leading-6 font-semibold">Support</h1>
        <p className="flex items-center gap-1.5 text-sm text-slate-600 dark:text-slate-400">
          <span aria-hidden="true" className={`size-2 rounded-full ${status.dot}`} />
          {typing && connection === 'ready' ? 'Typing…' : status.label}
        </p>
      </div>
    </header>
  );
}
