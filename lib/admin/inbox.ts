import { sql } from 'drizzle-orm';
import { etagOf } from '@/lib/admin/live';
import { queryRows } from '@/lib/admin/rows';
import type { Database } from '@/lib/db/client';
import type { HandoffReason } from '@/lib/db/schema';
import { fromDbText } from '@/lib/db/text';

/**
 * The agents' inbox: conversations waiting for a person, oldest first (with how long they have
 * waited and why), and the conversations the signed-in agent has. Read from the audit's session
 * rows, which the drain keeps current within about a second and a half of each change.
 */

export interface InboxItem {
  ref: string;
  /** When it started waiting (or was taken). */
  since: string;
  reason: HandoffReason | null;
  /** The model's own words when it escalated. */
  detail: string | null;
  lastCustomerText: string | null;
  ownerName: string | null;
}

export interface Inbox {
  waiting: InboxItem[];
  mine: InboxItem[];
}

/** The inbox shows at most this many of each list: a queue longer than this is a staffing problem, not a page. */
export const INBOX_LIMIT = 100;

type Row = {
  ref: string;
  since: string | Date | null;
  reason: HandoffReason | null;
  detail: string | null;
  last_user_text: string | null;
  owner_name: string | null;
};

function itemOf(row: Row): InboxItem {
  return {
    ref: row.ref,
    since: row.since ? new Date(row.since).toISOString() : '',
    reason: row.reason,
    detail: row.detail === null ? null : fromDbText(row.detail),
    lastCustomerText: row.last_user_text === null ? null : fromDbText(row.last_user_text),
    ownerName: row.owner_name === null ? null : fromDbText(row.owner_name),
  };
}

const columns = sql`s.ref, s.state_since as since, s.state_reason as reason, s.last_user_text, s.state_owner_name as owner_name,
  (select e.detail from conversation_events e
    where e.session_id = s.id and e.kind = 'state' and e.state = 'waiting' order by e.event_seq desc limit 1) as detail`;

export async function loadInbox(db: Database, agentId: string): Promise<Inbox> {
  const [waiting, mine] = await Promise.all([
    queryRows<Row>(db, sql`select ${columns} from sessions s where s.state = 'waiting' order by s.state_since asc, s.id limit ${INBOX_LIMIT}`),
    queryRows<Row>(
      db,
      sql`select ${columns} from sessions s where s.state = 'agent' and s.state_owner_id = ${agentId}::uuid
          order by s.state_since asc, s.id limit ${INBOX_LIMIT}`,
    ),
  ]);
  return { waiting: waiting.map(itemOf), mine: mine.map(itemOf) };
}

/** The inbox's version (an ETag): it changes with any state change or agent message, and any new turn. */
export async function inboxVersion(db: Database): Promise<string> {
  const [row] = await queryRows<Record<string, unknown>>(
    db,
    sql`select (select max(created_at)::text from conversation_events) as last_event,
               (select count(*)::int from sessions where state = 'waiting') as waiting,
               (select max(created_at)::text from turns) as last_turn`,
  );
  return etagOf(row ?? null);
}

/** How many conversations wait for a person: the console's navigation shows it beside "Inbox". */
export async function waitingCount(db: Database): Promise<number> {
  const [row] = await queryRows<{ waiting: number }>(db, sql`select count(*)::int as waiting from sessions where state = 'waiting'`);
  return Number(row?.waiting ?? 0);
}
