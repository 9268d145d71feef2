import type { ReactNode } from 'react';
import type { FlagView, NoteView, TranscriptEntry, TranscriptEvent } from '@/lib/admin/transcript';
import { highlightTerms, type TextPart } from '@/lib/admin/highlight';
import { noticeFor } from '@/lib/copy/notices';
import { ModelError, type ModelErrorCode } from '@/lib/model/types';
import { Badge, memoryTone, statusTone } from './Badge';
import { formatMs } from './format';
import { LocalTime } from './LocalTime';
import { Thumb } from './Thumb';
import { Highlighted } from './Highlighted';
import { PromptPanel } from './PromptPanel';
import { ResolveFlagButton, ReviewActions } from './ReviewForms';

/** What the customer read when a turn failed: the chat's own words for the error code. */
function customerErrorText(code: string | null): string {
  const message = code ? new ModelError(code as ModelErrorCode, '', false).userMessage : undefined;
  return message ?? 'Something went wrong on our side. Please try again.';
}

export function FlagList({ flags, interactive }: { flags: FlagView[]; interactive: boolean }) {
  if (flags.length === 0) return null;
  return (
    <ul className="space-y-1">
      {flags.map((flag) => (
        <li
          key={flag.id}
          className={`flex flex-wrap items-center gap-2 rounded-md border px-2 py-1 text-xs ${
            flag.resolvedAt
              ? 'border-slate-200 text-slate-600 dark:text-slate-400 dark:border-slate-800'
              : 'border-red-200 bg-red-50 text-red-900 dark:border-red-900 dark:bg-red-950/40 dark:text-red-200'
          }`}
        >
          <span aria-hidden="true">⚑</span>
          <span className={flag.resolvedAt ? 'line-through' : 'font-medium'}>{flag.reason}</span>
          <span className="text-slate-600 dark:text-slate-400">
            {flag.agentEmail}, <LocalTime value={flag.createdAt} />
            {flag.resolvedAt && ` · resolved by ${flag.resolvedByEmail ?? 'an agent'}`}
          </span>
          {interactive && !flag.resolvedAt && <ResolveFlagButton flagId={flag.id} />}
        </li>
      ))}
    </ul>
  );
}

export function NoteList({ notes }: { notes: NoteView[] }) {
  if (notes.length === 0) return null;
  return (
    <ul className="space-y-1">
      {notes.map((note) => (
        <li
          key={note.id}
          className="rounded-md border border-amber-200 bg-amber-50 px-2 py-1 text-xs text-amber-950 dark:border-amber-900 dark:bg-amber-950/30 dark:text-amber-100"
        >
          <p className="whitespace-pre-wrap">{note.body}</p>
          <p className="mt-0.5 text-amber-800/80 dark:text-amber-200/70">
            Internal note · {note.agentEmail}, <LocalTime value={note.createdAt} />
          </p>
        </li>
      ))}
    </ul>
  );
}

function Text({ text, terms }: { text: string; terms: string[] }) {
  const parts: TextPart[] = highlightTerms(text, terms);
  return <Highlighted parts={parts} />;
}

interface ConversationProps {
  /** The conversation's reference (what flags and notes are posted against). */
  sessionRef: string;
  /** Turns and conversation events in order (lib/admin/transcript.ts). */
  entries: TranscriptEntry[];
  flags: FlagView[];
  notes: NoteView[];
  /** Words of the search that led here, marked in the text. */
  terms: string[];
  /** False for the print view: no buttons, no panels. */
  interactive: boolean;
  /** What goes under a reply (its review: scores and correction), by audit id. */
  replyExtras?: Record<string, ReactNode>;
}

/** An agent's message (left, like a reply, but marked with their name) or a change of who answers (centred). */
function EventEntry({ event, terms }: { event: TranscriptEvent; terms: string[] }) {
  if (event.kind === 'agent_message') {
    return (
      <li
        id={`event-${event.id}`}
        className="break-inside-avoid"
        aria-label={`Message from ${event.label}`}
        data-author="agent"
      >
        <div className="flex justify-start">
          <div className="max-w-[85%] rounded-2xl rounded-bl-sm border border-emerald-300 bg-emerald-50 px-3.5 py-2 text-sm text-emerald-950 dark:border-emerald-800 dark:bg-emerald-950/40 dark:text-emerald-50 print:bg-white">
            <p className="whitespace-pre-wrap break-words">
              <Text text={event.text ?? ''} terms={terms} />
            </p>
            <p className="mt-1 text-[11px] text-emerald-900 dark:text-emerald-200">
              Agent {event.label} · <LocalTime value={event.createdAt} style="clock" />
            </p>
          </div>
        </div>
      </li>
    );
  }
  return (
    <li
      id={`event-${event.id}`}
      className="break-inside-avoid"
      data-author="system"
      data-reason={event.reason ?? undefined}
    >
      <p className="mx-auto w-fit max-w-xl rounded-full border border-slate-300 bg-slate-100 px-3 py-1 text-center text-xs text-slate-800 dark:border-slate-700 dark:bg-slate-800 dark:text-slate-200">
        <span className="font-medium">{event.label}</span> · <LocalTime value={event.createdAt} style="clock" />
      </p>
    </li>
  );
}

/**
 * The conversation as the customer saw it (their messages on the right, replies and error messages
 * on the left, memory notices where they appeared), with each turn's audit details under it, and
 * what happened between turns: agents' messages by name, and who took over, handed back, resolved.
 */
export function Conversation({ sessionRef, entries, flags, notes, terms, interactive, replyExtras }: ConversationProps) {
  return (
    <ol className="space-y-5">
      {entries.map((entry) => {
        if (entry.kind === 'event') return <EventEntry key={entry.event.id} event={entry.event} terms={terms} />;
        const { turn } = entry;
        const notice = noticeFor(turn.memoryStatus);
        // A customer's Stop is their choice, not a failure: no error message, no red.
        const failed = turn.status === 'model_error';
        const stopped = turn.status === 'aborted';
        const unfinished = turn.status === 'pending' || turn.status === 'abandoned';
        // Written while a person had the conversation: stored as typed, never sent to the model.
        const held = turn.status === 'held';
        const turnFlags = flags.filter((flag) => flag.auditId === turn.auditId);
        const turnNotes = notes.filter((note) => note.auditId === turn.auditId);
        return (
          <li
            key={turn.auditId}
            id={`turn-${turn.auditId}`}
            className="scroll-mt-24 break-inside-avoid"
            aria-label={`Turn ${turn.seq}`}
            data-author="customer"
          >
            {notice && (
              <p
                role="note"
                className="mx-auto mb-3 max-w-xl rounded-md border border-amber-300 bg-amber-50 px-3 py-1.5 text-center text-xs text-amber-950 dark:border-amber-700/60 dark:bg-amber-950/40 dark:text-amber-100"
              >
                Shown to the customer: {notice}
              </p>
            )}
            <div className="flex justify-end">
              <div
                className={`max-w-[85%] rounded-2xl rounded-br-sm px-3.5 py-2 text-sm ${turn.matched ? 'ring-2 ring-yellow-400' : ''} bg-blue-600 text-white print:border print:border-slate-400 print:bg-white print:text-black`}
              >
                <p className="whitespace-pre-wrap break-words">
                  <Text text={turn.userText} terms={terms} />
                </p>
                <p className="mt-1 text-right text-[11px] text-white print:text-slate-600">
                  Customer · <LocalTime value={turn.createdAt} style="clock" />
                </p>
              </div>
            </div>
            {held && (
              <p className="mt-1 text-right text-xs text-slate-600 italic dark:text-slate-400" data-held="true">
                Held: the assistant did not answer (a person has this conversation).
              </p>
            )}
            {!held && (
              <div className="mt-2 flex justify-start">
                <div className="max-w-[85%] rounded-2xl rounded-bl-sm border border-slate-200 bg-white px-3.5 py-2 text-sm dark:border-slate-700 dark:bg-slate-800">
                  {turn.assistantText && (
                    <p className="whitespace-pre-wrap break-words">
                      <Text text={turn.assistantText} terms={terms} />
                    </p>
                  )}
                  {failed && (
                    <p className={`text-red-700 dark:text-red-300 ${turn.assistantText ? 'mt-2' : ''}`}>
                      {customerErrorText(turn.errorCode)}
                    </p>
                  )}
                  {stopped && (
                    <p className={`text-slate-600 italic dark:text-slate-400 ${turn.assistantText ? 'mt-2' : ''}`}>
                      Stopped by the customer.
                    </p>
                  )}
                  {unfinished && (
                    <p className="text-slate-600 italic dark:text-slate-400">
                      {turn.status === 'abandoned'
                        ? 'Abandoned: the turn never finished (its server stopped).'
                        : 'No reply recorded yet: the turn has not finished.'}
                    </p>
                  )}
                  <p className="mt-1 flex items-center gap-2 text-[11px] text-slate-600 dark:text-slate-400">
                    <span>
                      Assistant · <LocalTime value={turn.completedAt} style="clock" />
                    </span>
                    {turn.feedback && (
                      <span
                        data-feedback={turn.feedback}
                        className={`inline-flex items-center gap-1 rounded-full px-1.5 py-px font-medium ${
                          turn.feedback === 'up'
                            ? 'bg-emerald-100 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200'
                            : 'bg-red-100 text-red-900 dark:bg-red-950 dark:text-red-200'
                        }`}
                      >
                        <Thumb rating={turn.feedback} className="size-3" /> Customer rated this reply{' '}
                        {turn.feedback === 'up' ? 'helpful' : 'unhelpful'}
                      </span>
                    )}
                  </p>
                </div>
              </div>
            )}
            <div className="mt-2 space-y-2 border-l-2 border-slate-200 pl-3 dark:border-slate-800">
              {interactive && replyExtras?.[turn.auditId]}
              <dl className="flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-slate-600 dark:text-slate-400">
                <div className="flex gap-1">
                  <dt className="sr-only">Turn</dt>
                  <dd className="font-semibold">#{turn.seq}</dd>
                </div>
                <div className="flex gap-1">
                  <dt className="sr-only">Status</dt>
                  <dd>
                    <Badge tone={statusTone(turn.status)} title={turn.errorClass ?? undefined}>
                      {turn.status}
                      {turn.errorCode ? `: ${turn.errorCode}` : ''}
                    </Badge>
                  </dd>
                </div>
                <div className="flex gap-1">
                  <dt>memory</dt>
                  <dd>
                    <Badge tone={memoryTone(turn.memoryStatus)}>{turn.memoryStatus}</Badge>
                  </dd>
                </div>
                <div className="flex gap-1">
                  <dt>model</dt>
                  <dd className="font-mono">{turn.model}</dd>
                </div>
                <div className="flex gap-1">
                  <dt>tokens</dt>
                  <dd className="tabular-nums">
                    {turn.promptTokens ?? '—'} → {turn.completionTokens ?? '—'}
                  </dd>
                </div>
                <div className="flex gap-1">
                  <dt>latency</dt>
                  <dd className="tabular-nums">
                    {formatMs(turn.ttftMs)} first token · {formatMs(turn.totalMs)} total
                  </dd>
                </div>
                <div className="flex gap-1">
                  <dt>context</dt>
                  <dd>{turn.contextTurns} remembered</dd>
                </div>
                <div className="flex min-w-0 gap-1">
                  <dt>audit</dt>
                  <dd className="truncate font-mono select-all">{turn.auditId}</dd>
                </div>
              </dl>
              <FlagList flags={turnFlags} interactive={interactive} />
              <NoteList notes={turnNotes} />
              {interactive && (
                <>
                  <ReviewActions sessionRef={sessionRef} auditId={turn.auditId} subject="turn" />
                  {/* A held turn never reached the model: there is no prompt to show. */}
                  {!held && <PromptPanel auditId={turn.auditId} />}
                </>
              )}
            </div>
          </li>
        );
      })}
    </ol>
  );
}
