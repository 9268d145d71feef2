import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Database } from '@/lib/db/client';
import { redactMessages, redactText } from '@/lib/audit/redact';
import type { AuditEntry, EventEntry, TurnRecord } from '@/lib/audit/types';
import { errorText } from '@/lib/errors';
import { toDbText, toDbTextOrNull } from '@/lib/db/text';
import { sessionRef } from '@/lib/session-ref';

/**
 * Writes audit entries to Postgres in batches: one transaction of two statements for the whole
 * batch, built from one JSON parameter (no per-turn query building). Idempotent on the audit id:
 * a batch applied twice (a drainer crashed before acknowledging it) changes nothing, a final entry
 * completes a pending row, a pending entry never overwrites a final one. A resend that reached the
 * audit twice (same session and messageId, another audit id) is stored once.
 */

export interface ApplyReport {
  applied: number;
  /** Entries Postgres refused for what they hold (not for being down): they go to the dead letters. */
  rejected: { entry: AuditEntry; reason: string }[];
}

export interface AuditSink {
  /** Throws when Postgres cannot be reached (the entries stay where they are and are retried). */
  apply(entries: readonly AuditEntry[]): Promise<ApplyReport>;
}

export function promptHash(messages: TurnRecord['promptMessages']): string {
  return createHash('sha256').update(JSON.stringify(messages)).digest('hex');
}

/**
 * What sessions.error_count counts: turns the model failed. A customer's Stop (`aborted`) is not an
 * error, and unfinished turns (`pending`, `abandoned`) are their own problem (lib/admin/sessions.ts).
 */
const ERROR_STATUSES = "('model_error')";

interface TurnRow {
  audit_id: string;
  session_id: string;
  ref: string;
  seq: number | null;
  seq_minor: number;
  message_id: string | null;
  user_text: string;
  assistant_text: string | null;
  status: string;
  memory_status: string;
  error_code: string | null;
  error_class: string | null;
  model: string;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  ttft_ms: number | null;
  total_ms: number | null;
  context_audit_ids: string[];
  prompt_messages: TurnRecord['promptMessages'];
  prompt_hash: string;
  created_at: string;
  completed_at: string | null;
  user_agent: string | null;
  ip_hash: string | null;
  origin: string | null;
}

/** Postgres's own error code and constraint, through any wrapper (Drizzle wraps driver errors). */
export function postgresErrorInfo(error: unknown): { sqlstate: string | null; constraint: string | null } {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Object; depth++) {
    const { code, constraint_name: constraintName, constraint } = current as Record<string, unknown>;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
      const name = typeof constraintName === 'string' ? constraintName : typeof constraint === 'string' ? constraint : null;
      return { sqlstate: code, constraint: name };
    }
    current = (current as { cause?: unknown }).cause;
  }
  return { sqlstate: null, constraint: null };
}

/** Integrity and data errors are about the entry; anything else (connection, timeout) is about Postgres. */
function isEntryError(sqlstate: string | null): boolean {
  return sqlstate !== null && (sqlstate.startsWith('22') || sqlstate.startsWith('23'));
}

export class PostgresAuditSink implements AuditSink {
  constructor(
    private readonly database: () => Promise<Database>,
    private readonly options: { redact: 'off' | 'mask' },
  ) {}

  async apply(entries: readonly AuditEntry[]): Promise<ApplyReport> {
    const { rows, voids } = mergeEntries(entries, this.options.redact);
    const db = await this.database();
    const rejected: ApplyReport['rejected'] = [];
    const numbered = rows.filter((row) => row.seq !== null);
    const unnumbered = rows.filter((row) => row.seq === null);
    if (numbered.length > 0) {
      try {
        await this.writeBatch(db, numbered);
      } catch (error) {
        if (!isEntryError(postgresErrorInfo(error).sqlstate)) throw error;
        // One entry spoiled the batch: apply them one by one to find it.
        for (const row of numbered) {
          const outcome = await this.writeOne(db, row);
          if (outcome) rejected.push({ entry: entryOf(entries, row.audit_id), reason: outcome });
        }
      }
    }
    for (const row of unnumbered) {
      const outcome = await this.writePlaced(db, row);
      if (outcome) rejected.push({ entry: entryOf(entries, row.audit_id), reason: outcome });
    }
    for (const auditId of voids) await this.voidPending(db, auditId);
    for (const entry of eventEntries(entries)) {
      const outcome = await this.writeEvent(db, entry);
      if (outcome) rejected.push({ entry, reason: outcome });
    }
    return { applied: entries.length - rejected.length, rejected };
  }

  /**
   * A conversation event, its row exactly once (by audit id): a state change moves the session's
   * current state to it unless a newer one is there already (events may arrive in any order); an
   * agent's message is kept as written (redacted like the customer's text when redaction is on). A
   * conversation whose first act was asking for a person gets its session row here.
   */
  private async writeEvent(db: Database, entry: EventEntry): Promise<string | null> {
    const { record } = entry;
    const ref = sessionRef(record.sessionId);
    const stored = (text: string | null) =>
      text === null ? null : toDbText(this.options.redact === 'mask' ? redactText(text).text : text);
    const row =
      entry.kind === 'message'
        ? sql`(id, session_id, after_seq, event_seq, kind, text, actor_kind, actor_agent_id, actor_name, created_at)
            values (${record.auditId}::uuid, ${ref}, ${record.afterSeq}, ${record.eventSeq}, 'agent_message',
              ${stored(entry.record.text)}, 'agent', ${entry.record.agent.id}::uuid, ${toDbText(entry.record.agent.name)}, ${record.at})`
        : sql`(id, session_id, after_seq, event_seq, kind, state, previous_state, reason, detail, actor_kind, actor_agent_id,
              actor_name, owner_id, owner_name, created_at)
            values (${record.auditId}::uuid, ${ref}, ${record.afterSeq}, ${record.eventSeq}, 'state', ${entry.record.state},
              ${entry.record.previous}, ${entry.record.reason}, ${stored(entry.record.detail)}, ${entry.record.actor.kind},
              ${entry.record.actor.agentId}::uuid, ${toDbTextOrNull(entry.record.actor.name)}, ${entry.record.owner?.id ?? null}::uuid,
              ${toDbTextOrNull(entry.record.owner?.name ?? null)}, ${record.at})`;

    try {
      await db.transaction(async (tx) => {
        await tx.execute(sql`
          insert into sessions (id, ref, created_at, last_activity_at, first_memory_status, last_memory_status)
          values (${ref}, ${ref}, ${record.at}, ${record.at}, 'new', 'new')
          on conflict (id) do nothing`);
        const inserted = await tx.execute(sql`insert into conversation_events ${row} on conflict (id) do nothing returning id`);
        // Applied before (a replayed batch): nothing more to move.
        if (rowsOf(inserted).length === 0) return;
        await tx.execute(sql`
          update sessions set last_activity_at = greatest(last_activity_at, ${record.at}::timestamptz) where id = ${ref}`);
        if (entry.kind !== 'state') return;
        // The session shows the newest state: one arriving late after a newer one moves nothing.
        const { owner } = entry.record;
        await tx.execute(sql`
          update sessions set state = ${entry.record.state}, state_version = ${record.eventSeq}, state_since = ${record.at},
            state_reason = ${entry.record.reason}, state_owner_id = ${owner?.id ?? null}::uuid,
            state_owner_name = ${toDbTextOrNull(owner?.name ?? null)}
          where id = ${ref} and state_version < ${record.eventSeq}`);
      });
      return null;
    } catch (error) {
      const { sqlstate, constraint } = postgresErrorInfo(error);
      if (isEntryError(sqlstate)) return `postgres ${sqlstate}${constraint ? ` (${constraint})` : ''}: ${errorText(error).slice(0, 300)}`;
      throw error;
    }
  }

  /** One row on its own; a clash with an existing turn number places it after that turn instead. */
  private async writeOne(db: Database, row: TurnRow): Promise<string | null> {
    try {
      await this.writeBatch(db, [row]);
      return null;
    } catch (error) {
      const { sqlstate, constraint } = postgresErrorInfo(error);
      if (sqlstate === '23505' && constraint === 'turns_session_seq_uq') return this.writePlaced(db, row);
      // The same message reached the audit under another audit id: it is stored once already.
      if (sqlstate === '23505' && constraint === 'turns_session_message_uq') return null;
      if (isEntryError(sqlstate)) return `postgres ${sqlstate}${constraint ? ` (${constraint})` : ''}: ${errorText(error).slice(0, 300)}`;
      throw error;
    }
  }

  /**
   * A turn without a number of its own (written while Redis was unavailable) goes right after the
   * latest numbered turn of its conversation, as seq.minor, under the session's row lock.
   */
  private async writePlaced(db: Database, row: TurnRow): Promise<string | null> {
    try {
      await db.transaction(async (tx) => {
        await insertSessions(tx as unknown as Database, [row]);
        await tx.execute(sql`select 1 from sessions where id = ${row.session_id} for update`);
        const result = await tx.execute(sql`
          select coalesce(max(seq), 0)::int as seq,
                 coalesce(max(seq_minor) filter (where seq = (select max(seq) from turns where session_id = ${row.session_id})), -1)::int as minor
          from turns where session_id = ${row.session_id}`);
        const [place] = rowsOf<{ seq: number; minor: number }>(result);
        const seq = Math.max(place?.seq ?? 0, 1);
        const minor = (place?.seq ?? 0) === 0 ? 0 : (place?.minor ?? -1) + 1;
        await upsertTurns(tx as unknown as Database, [{ ...row, seq, seq_minor: minor }]);
      });
      return null;
    } catch (error) {
      const { sqlstate, constraint } = postgresErrorInfo(error);
      if (sqlstate === '23505' && constraint === 'turns_session_message_uq') return null;
      if (isEntryError(sqlstate)) return `postgres ${sqlstate}${constraint ? ` (${constraint})` : ''}: ${errorText(error).slice(0, 300)}`;
      throw error;
    }
  }

  private async writeBatch(db: Database, rows: TurnRow[]): Promise<void> {
    await db.transaction(async (tx) => {
      await insertSessions(tx as unknown as Database, rows);
      await upsertTurns(tx as unknown as Database, rows);
    });
  }

  /** The pending row of an attempt that turned out to be a resend: it was never a turn of its own. */
  private async voidPending(db: Database, auditId: string): Promise<void> {
    await db.execute(sql`
      with gone as (delete from turns where audit_id = ${auditId}::uuid and status = 'pending' returning session_id)
      update sessions s set turn_count = s.turn_count - 1 from gone where s.id = gone.session_id`);
  }
}

/**
 * One row per audit id: the final entry's content, the turn number from whichever entry had it, and
 * the memory status the pending entry was begun with unless a final entry knows better.
 */
function mergeEntries(entries: readonly AuditEntry[], redact: 'off' | 'mask'): { rows: TurnRow[]; voids: string[] } {
  const byId = new Map<string, { entry: AuditEntry; seq: number | null }>();
  const voids = new Set<string>();
  for (const entry of entries) {
    if (entry.kind === 'state' || entry.kind === 'message') continue;
    if (entry.kind === 'void') {
      if (byId.get(entry.record.auditId)?.entry.kind === 'pending') byId.delete(entry.record.auditId);
      else voids.add(entry.record.auditId);
      continue;
    }
    const seen = byId.get(entry.record.auditId);
    if (!seen || (seen.entry.kind === 'pending' && entry.kind === 'final')) {
      byId.set(entry.record.auditId, { entry, seq: entry.seq ?? seen?.seq ?? null });
    } else if (seen.seq === null && entry.seq !== null) {
      seen.seq = entry.seq;
    }
  }
  const rows: TurnRow[] = [];
  for (const { entry, seq } of byId.values()) {
    if (entry.kind === 'void' || entry.kind === 'state' || entry.kind === 'message') continue;
    rows.push(toRow(entry.record, seq, redact));
  }
  return { rows, voids: [...voids] };
}

/**
 * The row as Postgres keeps it: the session's reference instead of its id (the id is a bearer key),
 * every text in the stored form (lib/db/text.ts: NUL and unpaired surrogates never cost a row). The
 * prompt hash is of the messages as sent, so it still proves the decoded prompt.
 */
function toRow(input: TurnRecord, seq: number | null, redact: 'off' | 'mask'): TurnRow {
  const record = redact === 'mask' ? redactRecord(input) : input;
  const ref = sessionRef(record.sessionId);
  return {
    audit_id: record.auditId,
    session_id: ref,
    ref,
    seq,
    seq_minor: 0,
    message_id: record.messageId,
    user_text: toDbText(record.userText),
    assistant_text: toDbTextOrNull(record.assistantText),
    status: record.status,
    memory_status: record.memoryStatus,
    error_code: toDbTextOrNull(record.errorCode),
    error_class: toDbTextOrNull(record.errorClass),
    model: toDbText(record.model),
    prompt_tokens: record.promptTokens,
    completion_tokens: record.completionTokens,
    ttft_ms: record.ttftMs,
    total_ms: record.totalMs,
    context_audit_ids: record.contextAuditIds,
    prompt_messages: record.promptMessages.map((message) => ({ ...message, content: toDbText(message.content) })),
    prompt_hash: promptHash(record.promptMessages),
    created_at: record.createdAt,
    completed_at: record.completedAt,
    user_agent: toDbTextOrNull(record.client.userAgent),
    ip_hash: toDbTextOrNull(record.client.ipHash),
    origin: toDbTextOrNull(record.client.origin),
  };
}

function redactRecord(record: TurnRecord): TurnRecord {
  return {
    ...record,
    userText: redactText(record.userText).text,
    assistantText: record.assistantText === null ? null : redactText(record.assistantText).text,
    promptMessages: redactMessages(record.promptMessages),
  };
}

/** Each conversation event once (a batch may hold the same entry twice after a replay). */
function eventEntries(entries: readonly AuditEntry[]): EventEntry[] {
  const byId = new Map<string, EventEntry>();
  for (const entry of entries) if (entry.kind === 'state' || entry.kind === 'message') byId.set(entry.record.auditId, entry);
  return [...byId.values()];
}

function entryOf(entries: readonly AuditEntry[], auditId: string): AuditEntry {
  const found = entries.filter((entry) => entry.record.auditId === auditId);
  return found.find((entry) => entry.kind === 'final') ?? found[0]!;
}

async function insertSessions(db: Database, rows: TurnRow[]): Promise<void> {
  await db.execute(sql`
    insert into sessions (id, ref, created_at, last_activity_at, first_memory_status, last_memory_status, user_agent, ip_hash, origin)
    select distinct on (r.session_id) r.session_id, r.ref, r.created_at, r.created_at, r.memory_status, r.memory_status,
           r.user_agent, r.ip_hash, r.origin
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(
      session_id text, ref text, created_at timestamptz, memory_status text, user_agent text, ip_hash text, origin text,
      seq int, seq_minor int)
    order by r.session_id, r.seq nulls last, r.seq_minor, r.created_at
    on conflict (id) do nothing`);
}

/**
 * Inserts new turns and completes pending (or abandoned) ones, then moves each session's counters by
 * exactly what changed: rows this statement did not insert or complete count for nothing, which is
 * what makes a replayed batch harmless.
 */
async function upsertTurns(db: Database, rows: TurnRow[]): Promise<void> {
  await db.execute(sql`
    with input as (
      select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(
        audit_id uuid, session_id text, seq int, seq_minor int, message_id text, user_text text, assistant_text text,
        status text, memory_status text, error_code text, error_class text, model text, prompt_tokens int,
        completion_tokens int, ttft_ms int, total_ms int, context_audit_ids jsonb, prompt_messages jsonb,
        prompt_hash text, created_at timestamptz, completed_at timestamptz)
    ),
    prior as (
      select t.audit_id, t.status from turns t where t.audit_id in (select audit_id from input)
    ),
    accepted as (
      select i.* from input i
      where i.message_id is null or not exists (
        select 1 from turns t where t.session_id = i.session_id and t.message_id = i.message_id and t.audit_id <> i.audit_id)
    ),
    written as (
      insert into turns (audit_id, session_id, seq, seq_minor, message_id, user_text, assistant_text, status,
        memory_status, error_code, error_class, model, prompt_tokens, completion_tokens, ttft_ms, total_ms,
        context_audit_ids, prompt_messages, prompt_hash, created_at, completed_at)
      select audit_id, session_id, seq, seq_minor, message_id, user_text, assistant_text, status, memory_status,
        error_code, error_class, model, prompt_tokens, completion_tokens, ttft_ms, total_ms, context_audit_ids,
        prompt_messages, prompt_hash, created_at, completed_at
      from accepted
      on conflict (audit_id) do update set
        assistant_text = excluded.assistant_text, status = excluded.status, memory_status = excluded.memory_status,
        error_code = excluded.error_code, error_class = excluded.error_class, model = excluded.model,
        prompt_tokens = excluded.prompt_tokens, completion_tokens = excluded.completion_tokens,
        ttft_ms = excluded.ttft_ms, total_ms = excluded.total_ms, context_audit_ids = excluded.context_audit_ids,
        prompt_messages = excluded.prompt_messages, prompt_hash = excluded.prompt_hash,
        completed_at = excluded.completed_at
      where turns.status in ('pending', 'abandoned') and excluded.status <> 'pending'
      returning audit_id, session_id, seq, seq_minor, status, memory_status, user_text, created_at, (xmax = 0) as inserted
    ),
    changes as (
      select w.session_id,
        count(*) filter (where w.inserted) as new_turns,
        coalesce(sum((w.status in ${sql.raw(ERROR_STATUSES)})::int
          - coalesce((p.status in ${sql.raw(ERROR_STATUSES)})::int, 0)), 0) as error_delta,
        count(*) filter (where w.inserted and w.memory_status in ('expired', 'unavailable')) as new_fallbacks,
        max(w.created_at) filter (where w.inserted) as last_at,
        max(w.seq) filter (where w.inserted) as max_seq,
        (array_agg(w.user_text order by w.seq desc, w.seq_minor desc) filter (where w.inserted))[1] as last_text,
        (array_agg(w.memory_status order by w.seq desc, w.seq_minor desc) filter (where w.inserted))[1] as last_memory
      from written w left join prior p on p.audit_id = w.audit_id
      group by w.session_id
    )
    update sessions s set
      turn_count = s.turn_count + c.new_turns,
      error_count = s.error_count + c.error_delta,
      memory_fallbacks = s.memory_fallbacks + c.new_fallbacks,
      last_activity_at = greatest(s.last_activity_at, coalesce(c.last_at, s.last_activity_at)),
      last_user_text = case when c.max_seq is not null and c.max_seq >= s.last_seq then left(c.last_text, 500) else s.last_user_text end,
      last_memory_status = case when c.max_seq is not null and c.max_seq >= s.last_seq then c.last_memory else s.last_memory_status end,
      last_seq = greatest(s.last_seq, coalesce(c.max_seq, 0))
    from changes c where s.id = c.session_id`);
}

/** Rows of a `db.execute` result, whichever driver ran it (postgres.js: an array; PGlite: { rows }). */
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  const rows = (result as { rows?: unknown }).rows;
  return Array.isArray(rows) ? (rows as T[]) : [];
}
