import { and, gt, gte, inArray, lt, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '@/lib/db/client';
import { flags, sessions, turnFeedback, turns, UNFINISHED_STATUSES, type ConversationState } from '@/lib/db/schema';
import { encodeCursor, type SessionCursor } from '@/lib/admin/cursor';
import type { ListFilters } from '@/lib/admin/filters';
import { SNIPPET_OPTIONS } from '@/lib/admin/highlight';
import { queryRows } from '@/lib/admin/rows';
import { identitiesByRef, identityConditions, type CustomerIdentityView } from '@/lib/admin/identity';
import { isSessionRef } from '@/lib/admin/session-lookup';
import { sessionRef } from '@/lib/session-ref';
import { fromDbTextOrNull, toDbSearchText, toDbText } from '@/lib/db/text';
import { type ScoreMean, scoreFilterCondition, scoreMeans } from '@/lib/review/score-columns';

/**
 * The sessions list: newest activity first, keyset-paginated on (last_activity_at, id), which the
 * sessions_last_activity_idx index serves in order, so every page costs the same at any depth.
 */

export const PAGE_SIZE = 50;

/**
 * A search matching at most this many turns is answered from the GIN index: the matching turns'
 * session ids are collected first, and the list is those sessions in order. A broader search walks
 * sessions newest first and probes each one's turns, which finds a page of matches after a few
 * hundred sessions. Each plan is slow for the other kind of query (a rare word walks every session;
 * a common one collects half the table); the cost of both grows with about the square root of the
 * number of sessions, and measured at a million turns (scripts/bench-admin.ts) they cross near here.
 */
export const SELECTIVE_SEARCH_TURNS = 8000;

export interface SearchMatch {
  /** The newest matching turn, for a link straight to it. */
  auditId: string;
  /** Excerpt with MARK_START/MARK_END around the matches (see lib/admin/highlight.ts). */
  snippet: string;
  /** How many of the session's turns match. */
  count: number;
}

export interface SessionListRow {
  /** Internal only (keyset cursor, export batches): never rendered, the id is the customer's key. */
  id: string;
  /** What staff see and link to. */
  ref: string;
  createdAt: Date;
  lastActivityAt: Date;
  turnCount: number;
  lastUserText: string | null;
  memoryFallbacks: number;
  errorCount: number;
  /** Turns that never finished (pending, abandoned). */
  unfinished: number;
  feedbackUp: number;
  feedbackDown: number;
  openFlags: number;
  /** Who answers it (the list marks conversations with a person in them, or resolved). */
  state: ConversationState;
  stateOwnerName: string | null;
  match: SearchMatch | null;
  /** The verified customer, as the host site signed them; null: anonymous. */
  identity: CustomerIdentityView | null;
  /** Mean review score per current rubric criterion (only those scored). */
  scores: ScoreMean[];
}

export interface SessionListPage {
  rows: SessionListRow[];
  /** Cursor of the next, older page; null on the last page. */
  older: string | null;
  /** Cursor of the previous, newer page; null on the first page. */
  newer: string | null;
}

export interface ListOptions {
  /** Rows older than this position (the next page). */
  after?: SessionCursor | null;
  /** Rows newer than this position (the previous page). */
  before?: SessionCursor | null;
  limit?: number;
  /** Search excerpts cost a ts_headline per row: the export skips them. */
  snippets?: boolean;
}

/** A whole or partial reference typed into the search box (case-insensitive), else null: a word search. */
export function asRefQuery(q: string): string | null {
  const value = q.trim().toLowerCase();
  return isSessionRef(value) || REF_PREFIX_PATTERN.test(value) ? value : null;
}

const matchSchema = z.object({ auditId: z.string(), snippet: z.string() });

const dayStart = (day: string) => new Date(`${day}T00:00:00Z`);
const dayAfter = (day: string) => new Date(dayStart(day).getTime() + 24 * 60 * 60 * 1000);

function tsQuery(q: string): SQL {
  // `q=%00`: Postgres refuses a NUL; the term is looked for as stored text holds it (lib/db/text.ts).
  return sql`websearch_to_tsquery('english', ${toDbSearchText(q)})`;
}

/**
 * The sessions with a turn matching the search, when at most SELECTIVE_SEARCH_TURNS turns match;
 * null when more do (then the caller walks sessions instead).
 */
async function fewMatchingSessions(db: Database, q: string): Promise<string[] | null> {
  const rows = await db
    .select({ sessionId: turns.sessionId })
    .from(turns)
    .where(sql`${turns.search} @@ ${tsQuery(q)}`)
    .limit(SELECTIVE_SEARCH_TURNS + 1);
  return rows.length > SELECTIVE_SEARCH_TURNS ? null : [...new Set(rows.map((row) => row.sessionId))];
}

const UNFINISHED = sql.raw(`(${UNFINISHED_STATUSES.map((status) => `'${status}'`).join(', ')})`);

/**
 * An error is a turn the model failed (`model_error`), as the overview counts it: sessions.error_count,
 * kept by the audit drainer (lib/audit/sink.ts). A customer's Stop (`aborted`) is not one, and
 * unfinished turns are their own column.
 */
export const sessionErrorCount = sql<number>`${sessions.errorCount}`;

/** Sessions with an unfinished turn: such turns are few, so the planner hashes them from turns_status_idx. */
const hasUnfinished = sql`${sessions.id} in (select ${turns.sessionId} from ${turns} where ${turns.status} in ${UNFINISHED})`;

/** Sessions with a problem (a model error or an unfinished turn), from turns_status_idx. */
const hasProblem = sql`${sessions.id} in (select ${turns.sessionId} from ${turns} where ${turns.status} in ('model_error', ${sql.raw(UNFINISHED_STATUSES.map((status) => `'${status}'`).join(', '))}))`;

/** A partial reference (c_ and at least 4 of its 16 characters) finds the conversations it starts. */
export const REF_PREFIX_PATTERN = /^c_[a-z2-7]{4,15}$/;

/**
 * The prefix as a range on sessions_ref_uq (a plain btree: LIKE 'c_…%' could not use it under a
 * non-C collation). References are lower-case base32 of one length, so every reference with the
 * prefix lies between the prefix and the prefix padded with 'z' in any collation that orders
 * letters and digits as usual; the left() check keeps the answer exact regardless.
 */
export function refPrefixCondition(prefix: string): SQL {
  const upper = prefix.padEnd(18, 'z');
  return sql`(${sessions.ref} >= ${prefix} and ${sessions.ref} <= ${upper} and left(${sessions.ref}, ${prefix.length}) = ${prefix})`;
}

/** The WHERE conditions of the filters (the export reads the list, so it shares them). */
async function filterConditions(db: Database, filters: ListFilters): Promise<SQL[]> {
  const where: SQL[] = [];
  if (filters.from) where.push(gte(sessions.lastActivityAt, dayStart(filters.from)));
  if (filters.to) where.push(lt(sessions.lastActivityAt, dayAfter(filters.to)));
  // A turn that never finished failed silently: it is an error for review, whatever error_count says.
  if (filters.errors) where.push(hasProblem);
  if (filters.unfinished) where.push(hasUnfinished);
  // The overview's links name turns of a period: the turn itself must fall in it.
  const turnInRange = sql.join(
    [
      filters.from ? sql` and ${turns.createdAt} >= ${dayStart(filters.from).toISOString()}::timestamptz` : sql``,
      filters.to ? sql` and ${turns.createdAt} < ${dayAfter(filters.to).toISOString()}::timestamptz` : sql``,
    ],
    sql``,
  );
  if (filters.memory) {
    where.push(
      sql`exists (select 1 from ${turns} where ${turns.sessionId} = ${sessions.id} and ${turns.memoryStatus} = ${filters.memory}${turnInRange})`,
    );
  }
  if (filters.code) {
    where.push(
      sql`exists (select 1 from ${turns} where ${turns.sessionId} = ${sessions.id} and ${turns.errorCode} = ${filters.code}${turnInRange})`,
    );
  }
  if (filters.feedback) {
    // Feedback rows are few next to turns: the planner hashes them (and their turns' times) once.
    where.push(
      sql`${sessions.id} in (select ${turns.sessionId} from ${turnFeedback} join ${turns} on ${turns.auditId} = ${turnFeedback.auditId}
            where ${turnFeedback.rating} = ${filters.feedback}${turnInRange})`,
    );
  }
  if (filters.fallback) where.push(gt(sessions.memoryFallbacks, 0));
  if (filters.flagged) {
    // Open flags are few: the planner hashes them and probes sessions by id.
    where.push(sql`${sessions.id} in (select ${flags.sessionId} from ${flags} where ${flags.resolvedAt} is null)`);
  }
  if (filters.model) {
    where.push(
      sql`exists (select 1 from ${turns} where ${turns.sessionId} = ${sessions.id} and ${turns.model} = ${toDbText(filters.model)})`,
    );
  }
  where.push(...identityConditions(filters));
  if (filters.score) where.push(scoreFilterCondition({ key: filters.score, min: filters.scoreMin, max: filters.scoreMax }));
  const refQuery = filters.q ? asRefQuery(filters.q) : null;
  if (refQuery && isSessionRef(refQuery)) {
    // A reference pasted into the search box finds that conversation.
    where.push(sql`${sessions.ref} = ${refQuery}`);
  } else if (refQuery) {
    where.push(refPrefixCondition(refQuery));
  } else if (filters.q) {
    const few = await fewMatchingSessions(db, filters.q);
    where.push(
      few
        ? few.length > 0
          ? inArray(sessions.id, few)
          : sql`false`
        : sql`exists (select 1 from ${turns} where ${turns.sessionId} = ${sessions.id} and ${turns.search} @@ ${tsQuery(filters.q)})`,
    );
  }
  return where;
}

export async function listSessions(db: Database, filters: ListFilters, options: ListOptions = {}): Promise<SessionListPage> {
  const limit = options.limit ?? PAGE_SIZE;
  const backwards = Boolean(options.before);
  const where = await filterConditions(db, filters);
  const position = options.before ?? options.after;
  if (position) {
    const key = sql`(${sessions.lastActivityAt}, ${sessions.id})`;
    const at = sql`(${position.at}::timestamptz, ${position.id}::text)`;
    where.push(backwards ? sql`${key} > ${at}` : sql`${key} < ${at}`);
  }

  const query = filters.q && !asRefQuery(filters.q) ? tsQuery(filters.q) : null;
  const withSnippets = query !== null && options.snippets !== false;
  const rows = await db
    .select({
      id: sessions.id,
      createdAt: sessions.createdAt,
      lastActivityAt: sessions.lastActivityAt,
      cursorAt: sql<string>`to_char(${sessions.lastActivityAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
      turnCount: sessions.turnCount,
      lastUserText: sql<string | null>`left(${sessions.lastUserText}, 200)`,
      memoryFallbacks: sessions.memoryFallbacks,
      errorCount: sessionErrorCount,
      unfinished: sql<number>`(select count(*)::int from turns t where t.session_id = sessions.id and t.status in ${UNFINISHED})`,
      feedback: sql<string>`(select count(*) filter (where f.rating = 'up') || ',' || count(*) filter (where f.rating = 'down')
          from turns t join turn_feedback f on f.audit_id = t.audit_id where t.session_id = sessions.id)`,
      // Correlated subqueries in the select list are spelled out: Drizzle leaves column names
      // unqualified there, and "id" inside a subquery on flags would mean flags.id.
      openFlags: sql<number>`(select count(*)::int from flags f where f.session_id = sessions.id and f.resolved_at is null)`,
      state: sessions.state,
      stateOwnerName: sessions.stateOwnerName,
      match: withSnippets
        ? sql<string | null>`(select json_build_object('auditId', t.audit_id, 'snippet', ts_headline('english',
              translate('Customer: ' || t.user_text || E'\n' || 'Assistant: ' || coalesce(t.assistant_text, ''), E'\\x02\\x03', ''),
              ${query}, ${SNIPPET_OPTIONS}))::text
            from turns t where t.session_id = sessions.id and t.search @@ ${query}
            order by t.seq desc limit 1)`
        : sql<null>`null`,
      matchCount: withSnippets
        ? sql<number>`(select count(*)::int from turns t where t.session_id = sessions.id and t.search @@ ${query})`
        : sql<number>`0`,
    })
    .from(sessions)
    .where(where.length > 0 ? and(...where) : undefined)
    // NULLS LAST matches the index's declared order; without it Postgres sorts the whole table.
    .orderBy(
      backwards
        ? sql`${sessions.lastActivityAt} asc nulls first, ${sessions.id} asc nulls first`
        : sql`${sessions.lastActivityAt} desc nulls last, ${sessions.id} desc nulls last`,
    )
    .limit(limit + 1);

  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  if (backwards) page.reverse();
  const first = page[0];
  const last = page.at(-1);
  const cursorOf = (row: (typeof page)[number] | undefined) => (row ? encodeCursor({ at: row.cursorAt, id: row.id }) : null);
  const [identities, scores] = await Promise.all([identitiesByRef(db, page.map((row) => sessionRef(row.id))), scoreMeans(db, page.map((row) => row.id))]);

  return {
    rows: page.map((row) => ({
      id: row.id,
      ref: sessionRef(row.id),
      createdAt: row.createdAt,
      lastActivityAt: row.lastActivityAt,
      turnCount: row.turnCount,
      lastUserText: fromDbTextOrNull(row.lastUserText),
      memoryFallbacks: row.memoryFallbacks,
      errorCount: Number(row.errorCount),
      unfinished: Number(row.unfinished),
      feedbackUp: Number(row.feedback.split(',')[0]),
      feedbackDown: Number(row.feedback.split(',')[1]),
      openFlags: Number(row.openFlags),
      state: row.state,
      stateOwnerName: fromDbTextOrNull(row.stateOwnerName),
      match: parseMatch(row.match, Number(row.matchCount)),
      identity: identities.get(sessionRef(row.id)) ?? null,
      scores: scores.get(row.id) ?? [],
    })),
    older: backwards ? cursorOf(last) : more ? cursorOf(last) : null,
    newer: backwards ? (more ? cursorOf(first) : null) : options.after ? cursorOf(first) : null,
  };
}

function parseMatch(raw: string | null, matches: number): SearchMatch | null {
  if (!raw) return null;
  const parsed = matchSchema.safeParse(JSON.parse(raw));
  return parsed.success ? { ...parsed.data, count: matches } : null;
}

/**
 * The models that appear in the audit, for the filter's choices: a loose index scan (one index probe
 * per distinct model) on turns_model_session_idx, instead of reading a million rows for a handful of
 * names.
 */
export async function listModels(db: Database): Promise<string[]> {
  const rows = await queryRows<{ model: string }>(
    db,
    sql`with recursive m(model) as (
          (select ${turns.model} from ${turns} order by ${turns.model} limit 1)
          union all
          select (select t.model from ${turns} t where t.model > m.model order by t.model limit 1) from m where m.model is not null
        )
        select model from m where model is not null limit 100`,
  );
  return rows.map((row) => row.model);
}
