import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  customType,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
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
/** `held`: the customer wrote while a person was asked for or had the conversation; the model was not called. */
export const TURN_STATUSES = ['pending', 'ok', 'model_error', 'aborted', 'abandoned', 'held'] as const;
/** Turns that never reached a final outcome: the admin counts them as problems. */
export const UNFINISHED_STATUSES = ['pending', 'abandoned'] as const;
export type TurnStatus = (typeof TURN_STATUSES)[number];

/** Who answers a conversation (lib/handoff/machine.ts holds the rules between them). */
export const CONVERSATION_STATES = ['assistant', 'waiting', 'agent', 'resolved'] as const;
export type ConversationState = (typeof CONVERSATION_STATES)[number];

/** Why a conversation's state changed (stored with the change; the inbox shows it). */
export const HANDOFF_REASONS = [
  /** The customer pressed "Talk to a person". */
  'customer_asked',
  /** The model called `handoff_to_human` (its own words are kept beside this). */
  'model_escalated',
  /** The configured number of model errors in this conversation was reached. */
  'model_errors',
  'taken_over',
  'handed_back',
  'resolved',
  /** The owning agent said nothing for the configured time: back to the queue. */
  'agent_silent',
  /** The customer wrote to a resolved conversation. */
  'customer_returned',
] as const;
export type HandoffReason = (typeof HANDOFF_REASONS)[number];

/** Who did something in a conversation: its customer, the model, a signed-in agent, or the server's own rules. */
export const ACTOR_KINDS = ['customer', 'assistant', 'agent', 'system'] as const;
export type ActorKind = (typeof ACTOR_KINDS)[number];

/** What a conversation event records beside its turns. */
export const EVENT_KINDS = ['state', 'agent_message'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export interface StoredPromptMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

const inList = (column: string, values: readonly string[]) =>
  sql.raw(`${column} in (${values.map((v) => `'${v}'`).join(', ')})`);

export const sessions = pgTable(
  'sessions',
  {
    /**
     * sessionRef(session id) (lib/session-ref.ts), never the id itself: the id is the customer's
     * bearer key, so the database keeps only its one-way digest (every `session_id` column too).
     */
    id: text('id').primaryKey(),
    /** The same reference as `id` (kept for the admin's lookups by reference). */
    ref: text('ref'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    lastActivityAt: timestamp('last_activity_at', { withTimezone: true, mode: 'date' }).notNull(),
    turnCount: integer('turn_count').notNull().default(0),
    firstMemoryStatus: text('first_memory_status').notNull(),
    lastMemoryStatus: text('last_memory_status').notNull(),
    /** Turns whose memory was expired or unavailable: the admin filters on "had a fallback". */
    memoryFallbacks: integer('memory_fallbacks').notNull().default(0),
    errorCount: integer('error_count').notNull().default(0),
    /** The highest turn number applied so far: later arrivals of earlier turns do not change the preview. */
    lastSeq: integer('last_seq').notNull().default(0),
    lastUserText: text('last_user_text'),
    userAgent: text('user_agent'),
    /** Salted SHA-256 of the client IP: lets a reviewer link sessions without keeping the address. */
    ipHash: text('ip_hash'),
    origin: text('origin'),
    /** Who answers it now, as the latest state event says (conversation_events). */
    state: text('state').$type<ConversationState>().notNull().default('assistant'),
    /** The version of that state event: an older event arriving late never overwrites a newer one. */
    stateVersion: integer('state_version').notNull().default(0),
    stateSince: timestamp('state_since', { withTimezone: true, mode: 'date' }),
    stateReason: text('state_reason').$type<HandoffReason>(),
    /** The agent who owns it while `agent` (no foreign key: a deleted agent's name stays readable). */
    stateOwnerId: uuid('state_owner_id'),
    stateOwnerName: text('state_owner_name'),
  },
  (t) => [
    index('sessions_last_activity_idx').on(t.lastActivityAt.desc(), t.id.desc()),
    // The inbox: conversations waiting for a person, oldest first.
    index('sessions_waiting_idx').on(t.stateSince).where(sql`state = 'waiting'`),
    check('sessions_state_check', inList('state', CONVERSATION_STATES)),
    uniqueIndex('sessions_ref_uq').on(t.ref),
    // The overview counts conversations started per bucket of a period.
    index('sessions_created_at_idx').on(t.createdAt),
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
      .references(() => sessions.id, { onDelete: 'cascade', onUpdate: 'cascade' }),
    /** The conversation's own turn number, given by memory when the turn began: the order the customer typed. */
    seq: integer('seq').notNull(),
    /**
     * 0 for every turn numbered by memory. A turn written while memory was unreachable has no number of
     * its own and is placed right after the latest numbered one: same seq, minor 1, 2, …
     */
    seqMinor: integer('seq_minor').notNull().default(0),
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
    uniqueIndex('turns_session_seq_uq').on(t.sessionId, t.seq, t.seqMinor),
    // A resend (same client message id) is one turn, whatever reached the audit twice.
    uniqueIndex('turns_session_message_uq').on(t.sessionId, t.messageId).where(sql`message_id is not null`),
    index('turns_status_idx').on(t.status, t.createdAt),
    index('turns_memory_status_idx').on(t.memoryStatus, t.createdAt),
    index('turns_created_at_idx').on(t.createdAt),
    // The overview's aggregates over a period read only this index (an index-only scan), not the
    // rows with their texts and prompts.
    // (Drizzle cannot declare INCLUDE columns, so they are trailing key columns.)
    index('turns_overview_idx').on(
      t.createdAt,
      t.status,
      t.memoryStatus,
      t.errorCode,
      t.model,
      t.promptTokens,
      t.completionTokens,
      t.ttftMs,
      t.totalMs,
    ),
    index('turns_search_idx').using('gin', t.search),
    // The admin list's model filter probes it per session, and lists the distinct models from it.
    index('turns_model_session_idx').on(t.model, t.sessionId),
    check('turns_status_check', inList('status', TURN_STATUSES)),
    check('turns_memory_status_check', inList('memory_status', MEMORY_STATUSES)),
    check('turns_seq_positive', sql`seq > 0`),
    check('turns_seq_minor_nonnegative', sql`seq_minor >= 0`),
  ],
);

export type SessionRow = typeof sessions.$inferSelect;
export type TurnRow = typeof turns.$inferSelect;

/**
 * The admin overview's rollup of turns (lib/admin/overview.ts), so a 30-day overview reads a few
 * thousand rows instead of every turn. Kept exact by statement-level triggers on turns and
 * turn_feedback, in the same transaction as the change (drizzle/0008_overview_rollup.sql): every
 * write path, retention, deletion and hand-written SQL alike. Not written by the application.
 *
 * One row per UTC hour, model and error code: `error_code` is '' for turns that are not model
 * errors and the code ('unknown' when none) for those that are. Rows whose turns all went are deleted.
 */
export const turnHours = pgTable(
  'turn_hours',
  {
    hour: timestamp('hour', { withTimezone: true, mode: 'date' }).notNull(),
    model: text('model').notNull(),
    errorCode: text('error_code').notNull(),
    turns: integer('turns').notNull().default(0),
    /** Turns with status model_error (under any code, '' included). */
    errors: integer('errors').notNull().default(0),
    expired: integer('expired').notNull().default(0),
    unavailable: integer('unavailable').notNull().default(0),
    /** Status pending or abandoned (UNFINISHED_STATUSES). */
    unfinished: integer('unfinished').notNull().default(0),
    promptTokens: bigint('prompt_tokens', { mode: 'number' }).notNull().default(0),
    completionTokens: bigint('completion_tokens', { mode: 'number' }).notNull().default(0),
    /** The customers' ratings of these turns (turn_feedback rows whose turn exists). */
    ratedUp: integer('rated_up').notNull().default(0),
    ratedDown: integer('rated_down').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.hour, t.model, t.errorCode] })],
);

/**
 * Latency percentiles of one UTC day, computed from turns when the overview first needs them and
 * kept until the day's turns change. The triggers add to `changes` whenever the day's multiset of
 * (ttft_ms, total_ms) changes; the percentiles hold for `computed` = the `changes` they were taken at.
 */
export const turnLatencyDays = pgTable('turn_latency_days', {
  day: date('day', { mode: 'string' }).primaryKey(),
  changes: bigint('changes', { mode: 'number' }).notNull().default(0),
  computed: bigint('computed', { mode: 'number' }),
  ttftP50: doublePrecision('ttft_p50'),
  ttftP95: doublePrecision('ttft_p95'),
  totalP50: doublePrecision('total_p50'),
  totalP95: doublePrecision('total_p95'),
});


/* ---------------------------------------------------------------------------------------------
 * Transcript review (/admin): who may sign in, what they flagged and noted, and what they looked at.
 * ------------------------------------------------------------------------------------------- */

export const AGENT_ROLES = ['agent', 'admin'] as const;
export type AgentRole = (typeof AGENT_ROLES)[number];

export const agents = pgTable(
  'agents',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Always lower case, so the unique index also catches case variants. */
    email: text('email').notNull(),
    name: text('name'),
    role: text('role').$type<AgentRole>().notNull(),
    /** Argon2id PHC string; null for agents who only sign in through an OAuth/OIDC provider. */
    passwordHash: text('password_hash'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    lastSignInAt: timestamp('last_sign_in_at', { withTimezone: true, mode: 'date' }),
    /** Agents are disabled, never deleted: the access log and their flags keep pointing at them. */
    disabledAt: timestamp('disabled_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    uniqueIndex('agents_email_uq').on(t.email),
    check('agents_role_check', inList('role', AGENT_ROLES)),
    check('agents_email_lower_check', sql`email = lower(email)`),
  ],
);

export const flags = pgTable(
  'flags',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    sessionId: text('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade', onUpdate: 'cascade' }),
    /** The flagged turn; null flags the whole session. */
    auditId: uuid('audit_id').references(() => turns.auditId, { onDelete: 'cascade' }),
    reason: text('reason').notNull(),
    agentId: uuid('agent_id')
      .notNull()
      .references(() => agents.id),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    resolvedAt: timestamp('resolved_at', { withTimezone: true, mode: 'date' }),
    resolvedBy: uuid('resolved_by').references(() => agents.id),
  },
  (t) => [
    index('flags_session_idx').on(t.sessionId, t.createdAt),
    // The "flagged" filter and the list's flag count only look at open flags.
    index('flags_open_session_idx').on(t.sessionId).where(sql`resolved_at is null`),
    index('flags_audit_idx').on(t.auditId),
  ],
);

export const notes = pgTable(
  'notes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    sessionId: text('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade', onUpdate: 'cascade' }),
    /** The turn the note is about; null for a note on the whole session. */
    auditId: uuid('audit_id').references(() => turns.auditId, { onDelete: 'cascade' }),
    body: text('body').notNull(),
    agentId: uuid('agent_id')
      .notNull()
      .references(() => agents.id),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('notes_session_idx').on(t.sessionId, t.createdAt)],
);

/**
 * One signed-in admin browser. The cookie names its row; signing out, "sign out everywhere", and a
 * password, role or disable change end rows here, so a copied cookie stops working at once.
 */
export const adminSessions = pgTable(
  'admin_sessions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    agentId: uuid('agent_id')
      .notNull()
      .references(() => agents.id),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    /** Updated at most once a minute while the agent works: the idle timeout counts from here. */
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [index('admin_sessions_agent_idx').on(t.agentId).where(sql`revoked_at is null`)],
);

export const ACCESS_ACTIONS = [
  'sign_in',
  'sign_in_failed',
  'sign_in_limited',
  'sign_out',
  'sign_out_everywhere',
  'setup',
  'search',
  'view_session',
  'view_prompt',
  'print_session',
  'export_session',
  'export_list',
  'flag',
  'resolve_flag',
  'note',
  'delete_session',
  'agent_create',
  'agent_update',
  'agent_sessions_revoked',
  'retention_run',
  'view_customer',
  /** /admin/audit: the dead letters hold customer text. */
  'view_audit',
  /** Handoff (lib/handoff): an agent took a conversation, handed it back, resolved it, or wrote in it. */
  'take_over',
  'hand_back',
  'resolve_conversation',
  'agent_message',
  /** Review (lib/review): the queue, scores and corrections (agents), the rubric, rules, datasets and replays (admins). */
  'review_enqueue',
  'review_take',
  'review_release',
  'review_done',
  'review_score',
  'review_correction',
  'review_rules_change',
  'rubric_change',
  'dataset_create',
  'dataset_export',
  /** /admin/datasets/[id]: a dataset's items hold customers' messages. */
  'view_dataset',
  'replay_start',
  'replay_cancel',
  'view_replay',
] as const;
export type AccessAction = (typeof ACCESS_ACTIONS)[number];

/**
 * Who looked at or changed what. No foreign key to sessions: the entry for a deleted session must
 * outlive it. The agent's e-mail is copied, so the log reads on its own.
 */
export const accessLog = pgTable(
  'access_log',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    agentId: uuid('agent_id').references(() => agents.id),
    agentEmail: text('agent_email').notNull(),
    action: text('action').$type<AccessAction>().notNull(),
    /** The session's reference (sessionRef), never its id. */
    sessionId: text('session_id'),
    auditId: uuid('audit_id'),
    detail: jsonb('detail').$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [
    index('access_log_session_idx').on(t.sessionId, t.id.desc()),
    index('access_log_agent_idx').on(t.agentId, t.id.desc()),
    check('access_log_action_check', inList('action', ACCESS_ACTIONS)),
  ],
);

export type AgentRow = typeof agents.$inferSelect;
export type FlagRow = typeof flags.$inferSelect;
export type NoteRow = typeof notes.$inferSelect;
export type AccessLogRow = typeof accessLog.$inferSelect;

/**
 * Audit entries the drainer could not apply (an unknown record version, a record Postgres refused),
 * kept with the reason instead of being dropped; counted in /api/health, listed for admins.
 */
export const auditDeadLetters = pgTable(
  'audit_dead_letters',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    /** Where it came from: the Redis stream (with its entry id), the outbox file, the first release's outbox. */
    source: text('source').notNull(),
    reason: text('reason').notNull(),
    /**
     * The entry as it was read, with every session id replaced by its reference (withSessionRefs)
     * and in the stored text form (lib/db/text.ts).
     */
    payload: text('payload').notNull(),
    resolvedAt: timestamp('resolved_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [index('audit_dead_letters_open_idx').on(t.at).where(sql`resolved_at is null`)],
);

export type AuditDeadLetterRow = typeof auditDeadLetters.$inferSelect;

/* ---------------------------------------------------------------------------------------------
 * Customer feedback on replies (thumbs up/down in the chat).
 * ------------------------------------------------------------------------------------------- */

export const FEEDBACK_RATINGS = ['up', 'down'] as const;
export type FeedbackRating = (typeof FEEDBACK_RATINGS)[number];

/**
 * One rating per reply, changeable by the customer. No foreign key to turns: the audit row may
 * reach Postgres a moment after the customer rates the reply (the route checks ownership instead).
 */
export const turnFeedback = pgTable(
  'turn_feedback',
  {
    auditId: uuid('audit_id').primaryKey(),
    /** sessionRef of the session id, like every session_id column. */
    sessionId: text('session_id').notNull(),
    rating: text('rating').$type<FeedbackRating>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('turn_feedback_session_idx').on(t.sessionId), check('turn_feedback_rating_check', inList('rating', FEEDBACK_RATINGS))],
);

export type TurnFeedbackRow = typeof turnFeedback.$inferSelect;

export type AdminSessionRow = typeof adminSessions.$inferSelect;

/* ---------------------------------------------------------------------------------------------
 * Verified customers (lib/identity): who the host site said its signed-in customer is.
 * ------------------------------------------------------------------------------------------- */

/**
 * One row per `sub` (the host site's own user id): identities are never matched on e-mail. Name and
 * e-mail are the latest the site signed. `generation` names the customer's current conversation
 * (lib/session-id.ts derives its id from sub and generation); "new conversation" raises it.
 */
export const customerIdentities = pgTable('customer_identities', {
  sub: text('sub').primaryKey(),
  name: text('name'),
  email: text('email'),
  generation: integer('generation').notNull().default(0),
  firstSeenAt: timestamp('first_seen_at', { withTimezone: true, mode: 'date' }).notNull(),
  lastSeenAt: timestamp('last_seen_at', { withTimezone: true, mode: 'date' }).notNull(),
});

/**
 * Which verified customer a conversation belongs to, by the conversation's reference (sessionRef),
 * never its id: the id is the customer's bearer key. Written when a verified session is issued, so it
 * exists before (and without) any turn; joins sessions.ref for the admin.
 */
export const identitySessions = pgTable(
  'identity_sessions',
  {
    sessionRef: text('session_ref').primaryKey(),
    sub: text('sub')
      .notNull()
      .references(() => customerIdentities.sub, { onDelete: 'cascade' }),
    generation: integer('generation').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [uniqueIndex('identity_sessions_sub_generation_uq').on(t.sub, t.generation)],
);

export type CustomerIdentityRow = typeof customerIdentities.$inferSelect;

/* ---------------------------------------------------------------------------------------------
 * Handoff: what happens in a conversation beside its turns (who answers it, and why).
 * ------------------------------------------------------------------------------------------- */

/**
 * One event of a conversation, exactly once by its id: a state change (assistant → waiting → agent
 * → …) with who made it and why. Ordered among the turns by `after_seq` (the turn number current
 * when it happened) and among themselves by `event_seq`, the conversation's own event counter.
 */
export const conversationEvents = pgTable(
  'conversation_events',
  {
    id: uuid('id').primaryKey(),
    sessionId: text('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade', onUpdate: 'cascade' }),
    afterSeq: integer('after_seq').notNull(),
    eventSeq: integer('event_seq').notNull(),
    kind: text('kind').$type<EventKind>().notNull(),
    state: text('state').$type<ConversationState>(),
    previousState: text('previous_state').$type<ConversationState>(),
    reason: text('reason').$type<HandoffReason>(),
    /** Free text beside the reason (the model's own words when it escalated), in the stored form. */
    detail: text('detail'),
    /** An agent's message, exactly as they wrote it (stored form). */
    text: text('text'),
    actorKind: text('actor_kind').$type<ActorKind>().notNull(),
    actorAgentId: uuid('actor_agent_id'),
    actorName: text('actor_name'),
    /** The agent who owns the conversation after this event (state `agent`). */
    ownerId: uuid('owner_id'),
    ownerName: text('owner_name'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [
    uniqueIndex('conversation_events_session_seq_uq').on(t.sessionId, t.eventSeq),
    index('conversation_events_created_idx').on(t.createdAt),
    check('conversation_events_kind_check', inList('kind', EVENT_KINDS)),
    check('conversation_events_actor_check', inList('actor_kind', ACTOR_KINDS)),
    check('conversation_events_seq_positive', sql`event_seq > 0 and after_seq >= 0`),
  ],
);

export type ConversationEventRow = typeof conversationEvents.$inferSelect;

/* ---------------------------------------------------------------------------------------------
 * Review (lib/review): a queue of conversations to review, a rubric, scores, corrections of replies,
 * datasets of reviewed turns, and replays of those turns against a candidate prompt or model.
 * None of it ever changes a turn, a conversation event or a customer's memory.
 * ------------------------------------------------------------------------------------------- */

/** Why a conversation is in the review queue (every reason that applied is kept). */
export const REVIEW_REASONS = [
  'thumbs_down',
  'model_error',
  'memory_fallback',
  'handoff',
  'flag',
  /** A random sample of new conversations (review_settings.sample_percent). */
  'sample',
  /** An agent added it by hand. */
  'manual',
] as const;
export type ReviewReason = (typeof REVIEW_REASONS)[number];
/** The reasons a rule adds by itself (each can be switched off in review_settings). */
export const REVIEW_RULE_REASONS = ['thumbs_down', 'model_error', 'memory_fallback', 'handoff', 'flag', 'sample'] as const;

export const REVIEW_STATES = ['to_review', 'in_review', 'done'] as const;
export type ReviewState = (typeof REVIEW_STATES)[number];

/**
 * The queue's rules: one row (id 1). Read by the triggers that enqueue conversations
 * (drizzle/0010), so a rule applies on every write path the moment it is saved.
 */
export const reviewSettings = pgTable(
  'review_settings',
  {
    id: integer('id').primaryKey().default(1),
    thumbsDown: boolean('thumbs_down').notNull().default(true),
    modelError: boolean('model_error').notNull().default(true),
    memoryFallback: boolean('memory_fallback').notNull().default(true),
    handoff: boolean('handoff').notNull().default(true),
    flag: boolean('flag').notNull().default(true),
    /** Percentage (0–100, two decimals) of new conversations sampled into the queue. */
    samplePercent: doublePrecision('sample_percent').notNull().default(0),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    updatedBy: uuid('updated_by').references(() => agents.id),
  },
  () => [
    check('review_settings_one_row', sql`id = 1`),
    check('review_settings_sample_check', sql`sample_percent >= 0 and sample_percent <= 100`),
  ],
);

/**
 * One conversation in the review queue (at most one item per conversation). `version` rises with
 * every change of state or assignee: taking an item is a compare-and-set on it, so of two reviewers
 * at once one gets it and the other is told who has it.
 */
export const reviewItems = pgTable(
  'review_items',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    sessionId: text('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade', onUpdate: 'cascade' }),
    reasons: text('reasons').array().$type<ReviewReason[]>().notNull().default(sql`'{}'::text[]`),
    state: text('state').$type<ReviewState>().notNull().default('to_review'),
    assigneeId: uuid('assignee_id').references(() => agents.id),
    /** Copied, so the queue reads without a join and a renamed agent's past work keeps its name. */
    assigneeName: text('assignee_name'),
    assignedAt: timestamp('assigned_at', { withTimezone: true, mode: 'date' }),
    doneAt: timestamp('done_at', { withTimezone: true, mode: 'date' }),
    version: integer('version').notNull().default(0),
    enteredAt: timestamp('entered_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    /** The agent who added it by hand (null when a rule did). */
    addedBy: uuid('added_by').references(() => agents.id),
  },
  (t) => [
    uniqueIndex('review_items_session_uq').on(t.sessionId),
    index('review_items_state_idx').on(t.state, t.enteredAt),
    index('review_items_assignee_idx').on(t.assigneeId, t.state),
    check('review_items_state_check', inList('state', REVIEW_STATES)),
  ],
);

export const RUBRIC_KINDS = ['scale', 'yes_no'] as const;
export type RubricKind = (typeof RUBRIC_KINDS)[number];
export const RUBRIC_SCOPES = ['turn', 'conversation', 'both'] as const;
export type RubricScope = (typeof RUBRIC_SCOPES)[number];

/**
 * One version of a rubric criterion. Rows are never edited: a change writes version + 1 and retires
 * the old row, and every score points at the exact row it was given under, so an old score keeps the
 * label, scale and description it meant. `key` names the criterion across its versions.
 */
export const rubricCriteria = pgTable(
  'rubric_criteria',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    key: text('key').notNull(),
    version: integer('version').notNull(),
    label: text('label').notNull(),
    description: text('description').notNull().default(''),
    kind: text('kind').$type<RubricKind>().notNull(),
    /** For `scale`: the lowest and highest value (yes/no is 0 = no, 1 = yes). */
    scaleMin: integer('scale_min').notNull().default(0),
    scaleMax: integer('scale_max').notNull().default(1),
    appliesTo: text('applies_to').$type<RubricScope>().notNull(),
    position: integer('position').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    createdBy: uuid('created_by').references(() => agents.id),
    /** Set when a newer version replaces it or an admin removes the criterion. */
    retiredAt: timestamp('retired_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    uniqueIndex('rubric_criteria_key_version_uq').on(t.key, t.version),
    // At most one current version of a criterion.
    uniqueIndex('rubric_criteria_current_uq').on(t.key).where(sql`retired_at is null`),
    check('rubric_criteria_kind_check', inList('kind', RUBRIC_KINDS)),
    check('rubric_criteria_scope_check', inList('applies_to', RUBRIC_SCOPES)),
    check('rubric_criteria_scale_check', sql`scale_min < scale_max`),
  ],
);

/**
 * A reviewer's score of one criterion, for one reply (audit_id) or the whole conversation (null).
 * One per reviewer, criterion version and target: scoring again replaces it.
 */
export const reviewScores = pgTable(
  'review_scores',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    itemId: uuid('item_id')
      .notNull()
      .references(() => reviewItems.id, { onDelete: 'cascade' }),
    /** The conversation (its reference), for the list's filters and columns. */
    sessionId: text('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade', onUpdate: 'cascade' }),
    auditId: uuid('audit_id').references(() => turns.auditId, { onDelete: 'cascade' }),
    criterionId: uuid('criterion_id')
      .notNull()
      .references(() => rubricCriteria.id),
    reviewerId: uuid('reviewer_id')
      .notNull()
      .references(() => agents.id),
    reviewerName: text('reviewer_name').notNull(),
    value: integer('value').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('review_scores_turn_uq').on(t.auditId, t.criterionId, t.reviewerId).where(sql`audit_id is not null`),
    uniqueIndex('review_scores_conversation_uq').on(t.itemId, t.criterionId, t.reviewerId).where(sql`audit_id is null`),
    index('review_scores_item_idx').on(t.itemId),
    index('review_scores_session_idx').on(t.sessionId, t.criterionId),
    index('review_scores_created_idx').on(t.createdAt),
  ],
);

/**
 * What an assistant reply should have said, beside the original (turns.assistant_text, which is
 * never changed). One per reply; writing it again replaces the text and records who did.
 */
export const reviewCorrections = pgTable(
  'review_corrections',
  {
    auditId: uuid('audit_id')
      .primaryKey()
      .references(() => turns.auditId, { onDelete: 'cascade' }),
    sessionId: text('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade', onUpdate: 'cascade' }),
    text: text('text').notNull(),
    authorId: uuid('author_id')
      .notNull()
      .references(() => agents.id),
    authorName: text('author_name').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('review_corrections_session_idx').on(t.sessionId)],
);

/**
 * A versioned dataset of reviewed turns. A version is frozen when made: its items hold the JSONL
 * record as exported (redaction applied then). Deleting a conversation removes its items.
 */
export const datasets = pgTable(
  'datasets',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    version: integer('version').notNull(),
    description: text('description').notNull().default(''),
    /** How its items were chosen (the filter an admin used), for the record. */
    selection: jsonb('selection').$type<Record<string, unknown>>().notNull().default({}),
    itemCount: integer('item_count').notNull().default(0),
    redacted: boolean('redacted').notNull().default(false),
    createdBy: uuid('created_by').references(() => agents.id),
    createdByName: text('created_by_name'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('datasets_name_version_uq').on(t.name, t.version)],
);

export const datasetItems = pgTable(
  'dataset_items',
  {
    datasetId: uuid('dataset_id')
      .notNull()
      .references(() => datasets.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    auditId: uuid('audit_id')
      .notNull()
      .references(() => turns.auditId, { onDelete: 'cascade' }),
    /** The item's JSONL record, exactly as exported (docs/review.md describes the shape). */
    record: jsonb('record').$type<Record<string, unknown>>().notNull(),
  },
  (t) => [primaryKey({ columns: [t.datasetId, t.position] }), index('dataset_items_audit_idx').on(t.auditId)],
);

export const REPLAY_STATES = ['queued', 'running', 'done', 'cancelled', 'failed', 'budget_exhausted'] as const;
export type ReplayState = (typeof REPLAY_STATES)[number];

/** What a replay runs against: a system prompt text and/or a configured model endpoint. */
export interface ReplayCandidate {
  /** Replaces the configured system prompt (null: the prompt each turn was recorded with). */
  systemPrompt: string | null;
  /** A configured replay endpoint's name (lib/review/replay config). */
  endpoint: string;
  model: string;
}

/**
 * A replay: a dataset (or one turn) run against a candidate as a background job. Never touches a
 * customer's memory, the turns table or the audit trail; its model calls are its own rows.
 */
export const replayRuns = pgTable(
  'replay_runs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    datasetId: uuid('dataset_id').references(() => datasets.id, { onDelete: 'cascade' }),
    /** A replay of one turn instead of a dataset. */
    auditId: uuid('audit_id').references(() => turns.auditId, { onDelete: 'cascade' }),
    candidate: jsonb('candidate').$type<ReplayCandidate>().notNull(),
    state: text('state').$type<ReplayState>().notNull().default('queued'),
    total: integer('total').notNull().default(0),
    completed: integer('completed').notNull().default(0),
    failed: integer('failed').notNull().default(0),
    promptTokens: bigint('prompt_tokens', { mode: 'number' }).notNull().default(0),
    completionTokens: bigint('completion_tokens', { mode: 'number' }).notNull().default(0),
    /** Dollars spent so far (null when the candidate's model has no price). */
    costUsd: doublePrecision('cost_usd'),
    /** The run stops before a call once either budget is spent. */
    budgetUsd: doublePrecision('budget_usd'),
    budgetTokens: integer('budget_tokens'),
    createdBy: uuid('created_by').references(() => agents.id),
    createdByName: text('created_by_name'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }),
    cancelRequestedAt: timestamp('cancel_requested_at', { withTimezone: true, mode: 'date' }),
    /** The instance running it holds it until then (renewed as it goes); a dead runner's job is taken over. */
    leaseUntil: timestamp('lease_until', { withTimezone: true, mode: 'date' }),
    leaseOwner: text('lease_owner'),
    errorCode: text('error_code'),
  },
  (t) => [
    index('replay_runs_created_idx').on(t.createdAt),
    index('replay_runs_active_idx').on(t.state).where(sql`state in ('queued', 'running')`),
    check('replay_runs_state_check', inList('state', REPLAY_STATES)),
    check('replay_runs_target_check', sql`(dataset_id is null) <> (audit_id is null)`),
  ],
);

export const REPLAY_RESULT_STATUSES = ['ok', 'error', 'hash_mismatch'] as const;
export type ReplayResultStatus = (typeof REPLAY_RESULT_STATUSES)[number];

export const replayResults = pgTable(
  'replay_results',
  {
    runId: uuid('run_id')
      .notNull()
      .references(() => replayRuns.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    /** The replayed turn (no foreign key: a result outlives nothing it needs; the run cascades). */
    auditId: uuid('audit_id').notNull(),
    status: text('status').$type<ReplayResultStatus>().notNull(),
    candidateText: text('candidate_text'),
    errorCode: text('error_code'),
    promptTokens: integer('prompt_tokens'),
    completionTokens: integer('completion_tokens'),
    latencyMs: integer('latency_ms'),
    costUsd: doublePrecision('cost_usd'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.runId, t.position] }),
    check('replay_results_status_check', inList('status', REPLAY_RESULT_STATUSES)),
  ],
);

export type ReviewItemRow = typeof reviewItems.$inferSelect;
export type RubricCriterionRow = typeof rubricCriteria.$inferSelect;
export type ReviewScoreRow = typeof reviewScores.$inferSelect;
export type ReviewCorrectionRow = typeof reviewCorrections.$inferSelect;
export type DatasetRow = typeof datasets.$inferSelect;
export type ReplayRunRow = typeof replayRuns.$inferSelect;
export type ReplayResultRow = typeof replayResults.$inferSelect;
