'use client';

import { useCallback, useEffect, useRef, type CSSProperties } from 'react';
import { DEFAULT_ACCENT, onAccent } from '@/lib/chat/accent';
import { withPerson } from './chat-state';
import { ChatHeader } from './ChatHeader';
import { Composer } from './Composer';
import { DemoModelBanner } from './DemoModelBanner';
import { HandoffBanner, TalkToPerson } from './HandoffBanner';
import { hostChannelFor } from './host-channel';
import { MessageList } from './MessageList';
import { SessionNotice } from './SessionNotice';
import { STRINGS, type Lang } from '@/lib/copy/strings';
import { useChat } from './use-chat';

export interface ChatAppProps {
  /** No model is configured, so replies come from the built-in demo model. */
  demoModel: boolean;
  maxMessageChars: number;
  /** `page`: the full-page chat at `/`; `widget`: the compact panel inside the embed's iframe. */
  variant?: 'page' | 'widget';
  lang?: Lang;
  title?: string | null;
  greeting?: string | null;
  /** Validated `#rgb`/`#rrggbb` (see lib/chat/accent.ts). */
  accent?: string | null;
  /** The embedding page's origin (widget only): the one origin frame messages go to and come from. */
  hostOrigin?: string | null;
}

export function ChatApp({ demoModel, maxMessageChars, variant = 'page', lang = 'en', title, greeting, accent, hostOrigin = null }: ChatAppProps) {
  const strings = STRINGS[lang];
  const composerRef = useRef<HTMLTextAreaElement>(null);
  const widget = variant === 'widget';
  const embedOrigin = widget ? hostOrigin : null;
  const focusComposer = useCallback(() => composerRef.current?.focus(), []);
  const chat = useChat(strings, { hostOrigin: embedOrigin, onOpen: focusComposer });
  // Decided from the server-rendered props alone, so the server's HTML and the first client render agree.
  const closeFrame = embedOrigin ? () => hostChannelFor(embedOrigin)?.close() : null;

  // When a reply ends, hand the caret back to the composer if nothing else took focus meanwhile
  // (a clicked Send, Stop or Retry button is disabled or removed, which drops focus to <body>).
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

  // The button goes away once a person is asked for: the caret waits in the composer, not on <body>.
  const askForPerson = () => {
    chat.askForPerson();
    composerRef.current?.focus();
  };

  const newConversation = () => {
    chat.newConversation();
    composerRef.current?.focus();
  };

  const color = accent ?? DEFAULT_ACCENT;
  const style = { '--color-accent': color, '--color-on-accent': onAccent(color) } as CSSProperties;

  return (
    <section
      aria-label={title ?? strings.title}
      lang={lang}
      style={style}
      onKeyDown={(event) => {
        if (event.key === 'Escape' && closeFrame) closeFrame();
      }}
      className={
        widget
          ? 'flex h-dvh w-full flex-col overflow-hidden bg-white dark:bg-slate-900'
          : 'flex h-full w-full flex-col overflow-hidden bg-white sm:max-h-[56rem] sm:max-w-2xl sm:rounded-2xl sm:border sm:border-slate-200 sm:shadow-xl dark:bg-slate-900 sm:dark:border-slate-800'
      }
    >
      <ChatHeader
        title={title ?? strings.title}
        strings={strings}
        connection={chat.connection}
        typing={chat.busy && !withPerson(chat.conversation)}
        onNewConversation={newConversation}
        onClose={closeFrame}
      />
      {demoModel && <DemoModelBanner strings={strings} />}
      {chat.signInAgain ? (
        <SessionNotice tone="alert" text={strings.signInAgain} />
      ) : chat.notKept ? (
        <SessionNotice tone="status" text={strings.notKept} />
      ) : null}
      <HandoffBanner conversation={chat.conversation} notice={chat.handoffNotice} strings={strings} />
      <MessageList
        entries={chat.entries}
        strings={strings}
        greeting={greeting ?? strings.greeting}
        onRetry={retry}
        onRate={chat.rate}
        quiet={withPerson(chat.conversation)}
      />
      <Composer
        ref={composerRef}
        strings={strings}
        busy={chat.busy}
        blockedUntil={chat.blockedUntil}
        maxChars={maxMessageChars}
        onSend={send}
        onStop={chat.stop}
        aside={
          withPerson(chat.conversation) ? null : (
            <TalkToPerson strings={strings} asking={chat.asking} onAsk={askForPerson} />
          )
        }
      />
    </section>
  );
}
