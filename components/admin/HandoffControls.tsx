'use client';

import { useRouter } from 'next/navigation';
import { useId, useState } from 'react';
import type { ConversationState } from '@/lib/db/schema';
import { adminFetch } from './api-client';
import { Badge } from './Badge';
import { stateLabel, stateTone } from './handoff-words';

type Action = 'take-over' | 'hand-back' | 'resolve';

interface ConversationAnswer {
  conversation: { state: ConversationState; agentName: string | null };
}

export interface HandoffView {
  state: ConversationState;
  ownerName: string | null;
  /** Whether the signed-in agent owns it. */
  mine: boolean;
}

const BUTTON =
  'rounded-md border px-3 py-1.5 text-sm font-medium disabled:opacity-60 border-slate-300 hover:bg-slate-100 dark:border-slate-700 dark:hover:bg-slate-800';
const PRIMARY = 'rounded-md bg-blue-700 px-3 py-1.5 text-sm font-semibold text-white hover:bg-blue-800 disabled:opacity-60';

/**
 * Who answers the conversation and what this agent can do about it: take it over, hand it back to
 * the assistant, resolve it, and (when it is theirs) write to the customer. The audit rows the page
 * renders from land a moment after a change, so the answer of the change is shown until the page's
 * own version catches up. Refusals (someone else took it) are said inline, as the server words them.
 */
export function HandoffControls({
  sessionRef,
  view,
  version,
  agentMessages,
  isAdmin,
}: {
  sessionRef: string;
  view: HandoffView;
  /** The conversation's state version the page was rendered with. */
  version: number;
  /** Agents' messages in the rendered transcript: once it grows past a send, the message is on screen. */
  agentMessages: number;
  isAdmin: boolean;
}) {
  const router = useRouter();
  const [answered, setAnswered] = useState<{ view: HandoffView; atVersion: number } | null>(null);
  const [busy, setBusy] = useState<Action | 'send' | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  /** How many agents' messages the page showed when mine was sent. */
  const [sentAt, setSentAt] = useState<number | null>(null);
  const [text, setText] = useState('');
  const composerId = useId();
  const current = answered && answered.atVersion >= version ? answered.view : view;
  const { state, ownerName, mine } = current;

  async function act(action: Action) {
    setBusy(action);
    setProblem(null);
    setSentAt(null);
    try {
      const { conversation } = await adminFetch<ConversationAnswer>(`/api/admin/sessions/${sessionRef}/${action}`, { method: 'POST' });
      setAnswered({
        view: { state: conversation.state, ownerName: conversation.agentName, mine: conversation.state === 'agent' },
        atVersion: version,
      });
      router.refresh();
    } catch (failure) {
      setProblem(failure instanceof Error ? failure.message : String(failure));
      // The page was behind (someone else took it): show the conversation as it is now.
      router.refresh();
    } finally {
      setBusy(null);
    }
  }

  async function send() {
    if (text.trim() === '') {
      setProblem('Write something to send.');
      return;
    }
    setBusy('send');
    setProblem(null);
    setSentAt(null);
    try {
      await adminFetch(`/api/admin/sessions/${sessionRef}/messages`, { method: 'POST', body: { text } });
      setSentAt(agentMessages);
      setText('');
      router.refresh();
    } catch (failure) {
      setProblem(failure instanceof Error ? failure.message : String(failure));
    } finally {
      setBusy(null);
    }
  }

  // Only what applies: the API enforces the same rules (an admin may hand back or resolve another's).
  const ownedByOther = state === 'agent' && !mine;
  const canTakeOver = state === 'waiting' || state === 'assistant';
  const canHandBack = state === 'waiting' || (state === 'agent' && (mine || isAdmin));
  const canResolve = state !== 'resolved' && (state !== 'agent' || mine || isAdmin);

  return (
    <section
      aria-labelledby="handoff-title"
      data-state={state}
      className="space-y-3 rounded-lg border border-slate-200 bg-white p-4 text-sm dark:border-slate-800 dark:bg-slate-900"
    >
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id="handoff-title" className="font-semibold">
          Who answers
        </h2>
        <span data-conversation-state={state}>
          <Badge tone={stateTone(state)}>{mine && state === 'agent' ? 'You answer' : stateLabel(state, ownerName)}</Badge>
        </span>
      </div>
      {ownedByOther && !problem && <p className="text-slate-600 dark:text-slate-400">{ownerName ?? 'Another agent'} is answering this conversation.</p>}
      {state === 'resolved' && <p className="text-slate-600 dark:text-slate-400">It opens again when the customer writes.</p>}
      <div className="flex flex-wrap gap-2">
        {canTakeOver && (
          <button type="button" className={PRIMARY} disabled={busy !== null} onClick={() => act('take-over')}>
            {busy === 'take-over' ? 'Taking over…' : 'Take over'}
          </button>
        )}
        {canHandBack && (
          <button type="button" className={BUTTON} disabled={busy !== null} onClick={() => act('hand-back')}>
            {busy === 'hand-back' ? 'Handing back…' : 'Hand back to assistant'}
          </button>
        )}
        {canResolve && (
          <button type="button" className={BUTTON} disabled={busy !== null} onClick={() => act('resolve')}>
            {busy === 'resolve' ? 'Resolving…' : 'Resolve'}
          </button>
        )}
      </div>
      {problem && (
        <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-red-800 dark:bg-red-950/50 dark:text-red-200">
          {problem}
        </p>
      )}
      {state === 'agent' && mine && (
        <form
          className="space-y-2"
          onSubmit={(event) => {
            event.preventDefault();
            void send();
          }}
        >
          <label htmlFor={composerId} className="block font-medium">
            Message to the customer
          </label>
          <textarea
            id={composerId}
            value={text}
            maxLength={4000}
            rows={3}
            onChange={(event) => setText(event.target.value)}
            onKeyDown={(event) => {
              // Ctrl/Cmd+Enter sends; Enter alone makes a new line, as in the customer's widget.
              if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
                event.preventDefault();
                void send();
              }
            }}
            className="block w-full rounded-md border border-slate-300 bg-white px-2.5 py-1.5 dark:border-slate-700 dark:bg-slate-950"
          />
          <div className="flex items-center justify-between gap-2">
            <p className="text-xs text-slate-600 dark:text-slate-400">The customer sees it with your name. Ctrl+Enter sends.</p>
            <button type="submit" className={PRIMARY} disabled={busy !== null}>
              {busy === 'send' ? 'Sending…' : 'Send'}
            </button>
          </div>
          <p role="status" className="text-xs text-slate-600 dark:text-slate-400">
            {sentAt !== null && agentMessages <= sentAt ? 'Sent. It appears in the transcript in a moment.' : ''}
          </p>
        </form>
      )}
    </section>
  );
}

/** The inbox's "Take over": the conversation becomes mine and opens; a conflict is said in the row. */
export function TakeOverButton({ sessionRef }: { sessionRef: string }) {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  async function takeOver() {
    setBusy(true);
    setProblem(null);
    try {
      await adminFetch(`/api/admin/sessions/${sessionRef}/take-over`, { method: 'POST' });
      router.push(`/admin/sessions/${sessionRef}`);
    } catch (failure) {
      setProblem(failure instanceof Error ? failure.message : String(failure));
      setBusy(false);
    }
  }
  return (
    <div className="flex flex-col items-start gap-1">
      <button type="button" className={PRIMARY} disabled={busy} onClick={takeOver} aria-describedby={problem ? `take-${sessionRef}` : undefined}>
        {busy ? 'Taking over…' : 'Take over'}
      </button>
      {problem && (
        <p id={`take-${sessionRef}`} role="alert" className="text-xs text-red-800 dark:text-red-300">
          {problem}
        </p>
      )}
    </div>
  );
}
