import { asc, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '@/lib/db/client';
import { agents, conversationEvents, flags, notes, sessions, turnFeedback, turns } from '@/lib/db/schema';
import { eventColumns, type TranscriptEvent, toTranscriptEvents } from '@/lib/admin/transcript';
import { sessionRef } from '@/lib/session-ref';
import { fromDbText, fromDbTextOrNull } from '@/lib/db/text';
import { csvCell, csvLine } from '@/lib/admin/csv';
import { decodeCursor, type SessionCursor } from '@/lib/admin/cursor';
import type { ListFilters } from '@/lib/admin/filters';
import { identitiesByRef } from '@/lib/admin/identity';
import { listSessions, sessionErrorCount } from '@/lib/admin/sessions';
import { errorFields, log } from '@/lib/observability/log';

/**
 * Exports name each conversation by its reference (c_…), never its id: the id is the customer's
 * bearer key, and an export may leave the support team. Times are UTC (ISO 8601, `Z`).
 *
 * Exports stream: sessions are read in keyset batches and written as they are read, so an export of
 * the whole audit holds one batch in memory and the download starts at once.
 */

export const EXPORT_FORMATS = ['jsonl', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** `?format=jsonl|csv&notes=0|1` of both export routes. */
export const exportQuerySchema = z.object({
  format: z.enum(EXPORT_FORMATS).default('jsonl'),
  notes: z.enum(['0', '1']).default('0'),
});

export type ExportSource = { kind: 'session'; sessionId: string } | { kind: 'list'; filters: ListFilters };

export interface ExportOptions {
  format: ExportFormat;
  /** Internal notes are left out unless asked for: an export may leave the support team. */
  includeNotes: boolean;
}

const BATCH_SESSIONS = 200;

interface ExportSession {
  id: string;
  createdAt: Date;
  lastActivityAt: Date;
  turnCount: number;
  memoryFallbacks: number;
  errorCount: number;
}

async function* sessionBatches(db: Database, source: ExportSource): AsyncGenerator<ExportSession[]> {
  if (source.kind === 'session') {
    const rows = await db
      .select({
        id: sessions.id,
        createdAt: sessions.createdAt,
        lastActivityAt: sessions.lastActivityAt,
        turnCount: sessions.turnCount,
        memoryFallbacks: sessions.memoryFallbacks,
        errorCount: sessionErrorCount,
      })
      .from(sessions)
      .where(eq(sessions.id, sessionRef(source.sessionId)));
    if (rows.length > 0) yield rows.map((row) => ({ ...row, errorCount: Number(row.errorCount) }));
    return;
  }
  let after: SessionCursor | null = null;
  for (;;) {
    const page = await listSessions(db, source.filters, { after, limit: BATCH_SESSIONS, snippets: false });
    if (page.rows.length > 0) yield page.rows;
    if (!page.older) return;
    after = decodeCursor(page.older);
  }
}

type FlagOut = { auditId: string | null; reason: string; by: string; at: string; resolvedAt: string | null };
type NoteOut = { auditId: string | null; body: string; by: string; at: string };

async function batchDetails(db: Database, ids: string[], includeNotes: boolean) {
  const [turnRows, flagRows, noteRows, eventRows] = await Promise.all([
    db
      .select({
        sessionId: turns.sessionId,
        auditId: turns.auditId,
        seq: turns.seq,
        createdAt: turns.createdAt,
        completedAt: turns.completedAt,
        status: turns.status,
        memoryStatus: turns.memoryStatus,
        model: turns.model,
        promptTokens: turns.promptTokens,
        completionTokens: turns.completionTokens,
        ttftMs: turns.ttftMs,
        totalMs: turns.totalMs,
        errorCode: turns.errorCode,
        userText: turns.userText,
        assistantText: turns.assistantText,
        feedback: turnFeedback.rating,
      })
      .from(turns)
      .leftJoin(turnFeedback, eq(turnFeedback.auditId, turns.auditId))
      .where(inArray(turns.sessionId, ids))
      .orderBy(asc(turns.sessionId), asc(turns.seq)),
    db
      .select({
        sessionId: flags.sessionId,
        auditId: flags.auditId,
        reason: flags.reason,
        by: agents.email,
        at: flags.createdAt,
        resolvedAt: flags.resolvedAt,
      })
      .from(flags)
      .innerJoin(agents, eq(agents.id, flags.agentId))
      .where(inArray(flags.sessionId, ids))
      .orderBy(asc(flags.createdAt)),
    includeNotes
      ? db
          .select({ sessionId: notes.sessionId, auditId: notes.auditId, body: notes.body, by: agents.email, at: notes.createdAt })
          .from(notes)
          .innerJoin(agents, eq(agents.id, notes.agentId))
          .where(inArray(notes.sessionId, ids))
          .orderBy(asc(notes.createdAt))
      : Promise.resolve([]),
    db
      .select({ sessionId: conversationEvents.sessionId, ...eventColumns })
      .from(conversationEvents)
      .where(inArray(conversationEvents.sessionId, ids))
      .orderBy(asc(conversationEvents.sessionId), asc(conversationEvents.eventSeq)),
  ]);
  const events = new Map<string, TranscriptEvent[]>();
  for (const [sessionId, rows] of bySession(eventRows, (row) => row)) events.set(sessionId, toTranscriptEvents(rows));
  // Texts in their original form (lib/db/text.ts).
  return {
    turns: bySession(turnRows, (turn) => ({ ...turn, userText: fromDbText(turn.userText), assistantText: fromDbTextOrNull(turn.assistantText) })),
    flags: bySession(flagRows, ({ sessionId: _, at, resolvedAt, ...flag }): FlagOut => ({
      ...flag,
      reason: fromDbText(flag.reason),
      at: at.toISOString(),
      resolvedAt: resolvedAt?.toISOString() ?? null,
    })),
    notes: bySession(noteRows, ({ sessionId: _, at, ...note }): NoteOut => ({ ...note, body: fromDbText(note.body), at: at.toISOString() })),
    events,
  };
}

function bySession<T extends { sessionId: string }, U>(rows: T[], map: (row: T) => U): Map<string, U[]> {
  const groups = new Map<string, U[]>();
  for (const row of rows) {
    const list = groups.get(row.sessionId);
    if (list) list.push(map(row));
    else groups.set(row.sessionId, [map(row)]);
  }
  return groups;
}

const CSV_COLUMNS = [
  'session_ref',
  'session_started_at',
  'seq',
  'audit_id',
  'created_at',
  'completed_at',
  'status',
  'memory_status',
  'model',
  'prompt_tokens',
  'completion_tokens',
  'ttft_ms',
  'total_ms',
  'error_code',
  'user_text',
  'assistant_text',
  'feedback',
  'flags',
  'customer_sub',
  'customer_name',
  'customer_email',
] as const;

const describeFlags = (list: FlagOut[]) =>
  list.map((f) => `${f.reason} (${f.by}${f.resolvedAt ? ', resolved' : ''})`).join('; ');

async function* records(db: Database, source: ExportSource, options: ExportOptions): AsyncGenerator<string> {
  // The CSV header travels with the first batch: a failure before any row is then an error answer, not a cut file.
  let header = options.format === 'csv' ? csvLine([...CSV_COLUMNS, ...(options.includeNotes ? ['notes'] : [])]) : '';
  for await (const batch of sessionBatches(db, source)) {
    const [details, identities] = await Promise.all([
      batchDetails(
        db,
        batch.map((s) => s.id),
        options.includeNotes,
      ),
      identitiesByRef(
        db,
        batch.map((s) => sessionRef(s.id)),
      ),
    ]);
    let chunk = '';
    for (const session of batch) {
      const ref = sessionRef(session.id);
      const identity = identities.get(ref) ?? null;
      const sessionFlags: FlagOut[] = details.flags.get(session.id) ?? [];
      const sessionNotes: NoteOut[] = details.notes.get(session.id) ?? [];
      const onTurn = <T extends { auditId: string | null }>(list: T[], auditId: string | null) =>
        list.filter((item) => item.auditId === auditId);
      if (options.format === 'jsonl') {
        chunk += `${JSON.stringify({
          type: 'session',
          ref,
          createdAt: session.createdAt.toISOString(),
          lastActivityAt: session.lastActivityAt.toISOString(),
          turnCount: session.turnCount,
          memoryFallbacks: session.memoryFallbacks,
          errorCount: session.errorCount,
          // The verified customer as the host site signed them; null: anonymous.
          identity,
          flags: onTurn(sessionFlags, null),
          ...(options.includeNotes ? { notes: onTurn(sessionNotes, null) } : {}),
        })}\n`;
      }
      // JSONL carries the conversation's events (state changes, agents' messages) as their own lines,
      // each after the turn it followed; CSV keeps one row per turn (its columns are a published format).
      const pendingEvents = options.format === 'jsonl' ? [...(details.events.get(session.id) ?? [])] : [];
      const eventLines = (upTo: number) => {
        let lines = '';
        while (pendingEvents.length > 0 && (pendingEvents[0]?.afterSeq ?? 0) < upTo) {
          const { createdAt, ...event } = pendingEvents.shift() as TranscriptEvent;
          lines += `${JSON.stringify({ type: 'event', sessionRef: ref, ...event, createdAt: createdAt.toISOString() })}\n`;
        }
        return lines;
      };
      for (const turn of details.turns.get(session.id) ?? []) {
        chunk += eventLines(turn.seq);
        const turnFlags = onTurn(sessionFlags, turn.auditId);
        const turnNotes = onTurn(sessionNotes, turn.auditId);
        if (options.format === 'jsonl') {
          const { sessionId: _, createdAt, completedAt, ...rest } = turn;
          chunk += `${JSON.stringify({
            type: 'turn',
            sessionRef: ref,
            ...rest,
            createdAt: createdAt.toISOString(),
            completedAt: completedAt?.toISOString() ?? null,
            flags: turnFlags,
            ...(options.includeNotes ? { notes: turnNotes } : {}),
          })}\n`;
          continue;
        }
        chunk += csvLine([
          csvCell(ref),
          csvCell(session.createdAt.toISOString()),
          csvCell(turn.seq),
          csvCell(turn.auditId),
          csvCell(turn.createdAt.toISOString()),
          csvCell(turn.completedAt?.toISOString()),
          csvCell(turn.status),
          csvCell(turn.memoryStatus),
          csvCell(turn.model, true),
          csvCell(turn.promptTokens),
          csvCell(turn.completionTokens),
          csvCell(turn.ttftMs),
          csvCell(turn.totalMs),
          csvCell(turn.errorCode),
          csvCell(turn.userText, true),
          csvCell(turn.assistantText, true),
          csvCell(turn.feedback),
          // A session-level flag is repeated on each of its turns' rows: CSV has no other place for it.
          csvCell(describeFlags([...onTurn(sessionFlags, null), ...turnFlags]), true),
          // Signed by the host site, still outside text: neutralised like the customer's words.
          csvCell(identity?.sub, true),
          csvCell(identity?.name, true),
          csvCell(identity?.email, true),
          ...(options.includeNotes
            ? [csvCell([...onTurn(sessionNotes, null), ...turnNotes].map((n) => `${n.body} (${n.by})`).join('; '), true)]
            : []),
        ]);
      }
      chunk += eventLines(Number.POSITIVE_INFINITY);
    }
    if (header + chunk) yield header + chunk;
    header = '';
  }
  if (header) yield header;
}

/**
 * Pull-based: the next batch is read only when the client has taken the previous one. The first
 * batch is read before the response exists, so a query that fails at once is an error answer
 * (JSON, with a status) rather than a 200 whose body stops after its header.
 */
export async function exportStream(db: Database, source: ExportSource, options: ExportOptions): Promise<ReadableStream<Uint8Array>> {
  const encoder = new TextEncoder();
  const iterator = records(db, source, options);
  let first: IteratorResult<string> | null = await iterator.next();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = first ?? (await iterator.next());
        first = null;
        const { value, done } = next;
        if (done) controller.close();
        else controller.enqueue(encoder.encode(value));
      } catch (error) {
        log.error('export failed midway', errorFields(error));
        controller.error(error);
      }
    },
    async cancel() {
      await iterator.return(undefined);
    },
  });
}

export function exportResponse(stream: ReadableStream<Uint8Array>, format: ExportFormat, baseName: string): Response {
  const safeName = baseName.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 80);
  return new Response(stream, {
    headers: {
      'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
      'content-disposition': `attachment; filename="${safeName}.${format}"`,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    },
  });
}

