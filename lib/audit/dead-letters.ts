import { sql } from 'drizzle-orm';
import type { Database } from '@/lib/db/client';
import { rowsOf } from '@/lib/audit/sink';
import { fromDbText, toDbText } from '@/lib/db/text';
import { log } from '@/lib/observability/log';
import { withSessionRefs } from '@/lib/session-ref';

/** Where entries the drainer cannot apply are kept, with the reason: never dropped, always countable. */
export interface DeadLetters {
  /** Throws when Postgres is unreachable: the entry then stays where it was and is tried again later. */
  add(items: { source: string; reason: string; payload: string }[]): Promise<void>;
  countOpen(): Promise<number>;
}

export interface DeadLetterView {
  id: number;
  at: Date;
  source: string;
  reason: string;
  /** The entry as read, cut for display, session ids as references (it holds customer text: admins only). */
  payload: string;
}

export class PostgresDeadLetters implements DeadLetters {
  constructor(private readonly database: () => Promise<Database>) {}

  async add(items: { source: string; reason: string; payload: string }[]): Promise<void> {
    if (items.length === 0) return;
    const db = await this.database();
    // A session id is a bearer key: the entry is kept with its reference instead, in the stored text
    // form (an entry refused for a NUL in it must not be refused again here).
    items = items.map((item) => ({
      source: toDbText(withSessionRefs(item.source)),
      reason: toDbText(withSessionRefs(item.reason)),
      payload: toDbText(withSessionRefs(item.payload)),
    }));
    await db.execute(sql`
      insert into audit_dead_letters (source, reason, payload)
      select r.source, r.reason, r.payload from jsonb_to_recordset(${JSON.stringify(items)}::jsonb) as r(source text, reason text, payload text)`);
    // The reason is already in its stored form, with every session id replaced by its reference.
    for (const item of items) log.error('audit entry dead-lettered', { source: item.source, reason: item.reason });
  }

  async listOpen(limit = 50): Promise<DeadLetterView[]> {
    const db = await this.database();
    const rows = rowsOf<{ id: number; at: string | Date; source: string; reason: string; payload: string }>(
      await db.execute(sql`
        select id, at, source, reason, left(payload, 2000) as payload from audit_dead_letters
        where resolved_at is null order by id desc limit ${limit}`),
    );
    return rows.map((row) => ({
      id: Number(row.id),
      at: new Date(row.at),
      source: withSessionRefs(fromDbText(row.source)),
      reason: withSessionRefs(fromDbText(row.reason)),
      payload: withSessionRefs(fromDbText(row.payload)),
    }));
  }

  async countOpen(): Promise<number> {
    const db = await this.database();
    const [row] = rowsOf<{ n: number }>(await db.execute(sql`select count(*)::int as n from audit_dead_letters where resolved_at is null`));
    return row?.n ?? 0;
  }
}
