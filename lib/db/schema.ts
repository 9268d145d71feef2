import { sql } from 'drizzle-orm';
import {
  check,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/**
 * The durable audit trail. Source of truth for the SQL in drizzle/: change this file, run
 * `npm run db:generate`, commit the migration.
 */

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

export const MEMORY_STATUSES = ['ok', 'new', 'expired', 'unavailable'] as const;
export const TURN_STATUSES = ['pending', 'ok', 'model_error', 'aborted'] as const;
export type TurnStatus = (typeof TURN_STATUSES)[number];

export interface StoredPromptMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

const inList = (column: string, values: readonly string[]) =>
  sql.raw(`${column} in (${values.map((v) => `'${v}'`).join(', ')})`);

export const sessions = pgTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    lastActivityAt: timestamp('last_activity_at', { withTimezone: true, mode: 'date' }).notNull(),
    turnCount: integer('turn_count').notNull().default(0),
    firstMemoryStatus: text('first_memory_status').notNull(),
    lastMemoryStatus: text('last_memory_status').notNull(),
    /** Turns whose memory was expired or unavailable: the admin filters on "had a fallback". */
    memoryFallbacks: integer('memory_fallbacks').notNull().default(0),
    errorCount: integer('error_count').notNull().default(0),
    lastUserText: text('last_user_text'),
    userAgent: text('user_agent'),
    /** Salted SHA-256 of the client IP: lets a reviewer link sessions without keeping the address. */
    ipHash: text('ip_hash'),
    origin: text('origin'),
  },
  (t) => [
    index('sessions_last_activity_idx').on(t.lastActivityAt.desc(), t.id.desc()),
    check('sessions_first_memory_status_check', inList('first_memory_status', MEMORY_STATUSES)),
    check('sessions_last_memory_status_check', inList('last_memory_status', MEMORY_STATUSES)),
  ],
);

export const turns = pgTable(
  'turns',
  {
    auditId: uuid('audit_id').primaryKey(),
    sessionId: text('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    /** The client's idempotency key for this message, when it sent one. */
    messageId: text('message_id'),
    userText: text('user_text').notNull(),
    assistantText: text('assistant_text'),
    status: text('status').$type<TurnStatus>().notNull(),
    memoryStatus: text('memory_status').$type<(typeof MEMORY_STATUSES)[number]>().notNull(),
    errorCode: text('error_code'),
    errorClass: text('error_class'),
    model: text('model').notNull(),
    promptTokens: integer('prompt_tokens'),
    completionTokens: integer('completion_tokens'),
    ttftMs: integer('ttft_ms'),
    totalMs: integer('total_ms'),
    /** Audit ids of the remembered turns the model saw, oldest first. */
    contextAuditIds: jsonb('context_audit_ids').$type<string[]>().notNull(),
    /** The exact messages array sent to the model. */
    promptMessages: jsonb('prompt_messages').$type<StoredPromptMessage[]>().notNull(),
    /** SHA-256 of the JSON of promptMessages, to prove a stored prompt was not altered. */
    promptHash: text('prompt_hash').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    completedAt: timestamp('completed_at', { withTimezone: true, mode: 'date' }),
    search: tsvector('search').generatedAlwaysAs(
      sql`to_tsvector('english'::regconfig, coalesce(user_text, '') || ' ' || coalesce(assistant_text, ''))`,
    ),
  },
  (t) => [
    uniqueIndex('turns_session_seq_uq').on(t.sessionId, t.seq),
    index('turns_status_idx').on(t.status, t.createdAt),
    index('turns_memory_status_idx').on(t.memoryStatus, t.createdAt),
    index('turns_created_at_idx').on(t.createdAt),
    index('turns_search_idx').using('gin', t.search),
    check('turns_status_check', inList('status', TURN_STATUSES)),
    check('turns_memory_status_check', inList('memory_status', MEMORY_STATUSES)),
    check('turns_seq_positive', sql`seq > 0`),
  ],
);

export type SessionRow = typeof sessions.$inferSelect;
export type TurnRow = typeof turns.$inferSelect;
