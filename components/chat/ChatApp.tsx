'use client';

import { useEffect, useRef } from 'react';
import { ChatHeader } from './ChatHeader';
import { Composer } from './Composer';
import { DemoModelBanner } from './DemoModelBanner';
import { MessageList } from './MessageList';
import { useChat } from './use-chat';

export interface ChatAppProps {
  /** No model is configured, so replies come from the built-in demo model. */
  demoModel: boolean;
  maxMessageChars: number;
}

export function ChatApp({ demoModel, maxMessageChars }: ChatAppProps) {
  const chat = useChat();
  const composerRef = useRef<HTMLTextAreaElement>(null);

  // When a reply ends, hand the caret back to the composer if nothing else took focus meanwhile
  // (a clicked Send or Retry button is disabled or removed, which drops focus to <body>).
  const wasBusy = useRef(false);
  useEffect(() => {
    const active = document.activeElement;
    if (wasBusy.current && !chat.busy && (active === null || active === document.body)) {
      composerRef.current?.focus();
    }
    wasBusy.current = chat.busy;
  }, [chat.busy]);

  const send = (text: string) => {
    chat.send(text);
    composerRef.current?.focus();
  };

  const retry = (turnId: string) => {
    chat.retry(turnId);
    composerRef.current?.focus();
  };

  return (
    <section
      aria-label="Support chat"
      className="flex h-full w-full flex-col overflow-hidden bg-white sm:max-h-[56rem] sm:max-w-2xl sm:rounded-2xl sm:border sm:border-slate-200 sm:shadow-xl dark:bg-slate-900 sm:dark:border-slate-800"
    >
      <ChatHeader connection={chat.connection} typing={chat.busy} />
      {demoModel && <DemoModelBanner />}
      <MessageList entries={chat.entries} onRetry={retry} />
      <Composer ref={composerRef} busy={chat.busy} maxChars={maxMessageChars} onSend={send} />
    </section>
  );
}
