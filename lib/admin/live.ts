import { createHash } from 'node:crypto';
import { sessionRef } from '@/lib/session-ref';
import { sql } from 'drizzle-orm';
import type { Database } from '@/lib/db/client';
import { queryRows } from '@/lib/admin/rows';

/**
 * Live views poll a version of what they show and reload only when it changed. A version is a few
 * index probes (no table scans), hashed into an ETag, so a poll that finds nothing new is a 304 with
 * no body. Polling, not SSE: it works the same behind any proxy and on serverless, holds no
 * connection per open tab, and costs one cheap query every few seconds.
 */

/** A version as an ETag: a short hash of what the view depends on. */
export function etagOf(parts: unknown): string {
  return `"${createHash('sha256').update(JSON.stringify(parts)).digest('base64url').slice(0, 22)}"`;
}

/** The sessions list changes when a session gets a turn (newest activity), a pending turn finishes, or who answers one changes. */
export async function listVersion(db: Database): Promise<string> {
  const [row] = await queryRows<Record<string, unknown>>(
    db,
    sql`select
          (select last_activity_at::text || ' ' || id from sessions order by last_activity_at desc nulls last, id desc nulls last limit 1) as newest,
          (select max(created_at)::text from turns) as last_turn,
          (select count(*)::int from turns where status = 'pending') as pending,
          (select max(created_at)::text from conversation_events) as last_event`,
  );
  return etagOf(row ?? null);
}

/**
 * A transcript changes with a new or finished turn, feedback, a flag or a note, and with the
 * conversation's events (who answers it, an agent's message): what the agent watching it must see live.
 */
export async function transcriptVersion(db: Database, sessionId: string): Promise<string | null> {
  const [row] = await queryRows<Record<string, unknown>>(
    db,
    sql`select s.turn_count, s.last_activity_at::text as at, s.error_count, s.state, s.state_version,
          (select count(*)::int || ' ' || coalesce(max(event_seq), 0) from conversation_events where session_id = s.id) as events,
          (select count(*)::int || ' ' || coalesce(max(completed_at)::text, '') || ' ' || count(*) filter (where status = 'pending')
             from turns where session_id = s.id) as turns,
          (select count(*)::int || ' ' || coalesce(max(f.updated_at)::text, '')
             from turns t join turn_feedback f on f.audit_id = t.audit_id where t.session_id = s.id) as feedback,
          (select count(*)::int || ' ' || count(resolved_at)::int from flags where session_id = s.id) as flags,
          (select count(*)::int from notes where session_id = s.id) as notes
        from sessions s where s.id = ${sessionRef(sessionId)}`,
  );
  return row ? etagOf(row) : null;
}

/** 304 when the caller already has this version, else the version as a small JSON body. */
export function versionResponse(request: Request, etag: string): Response {
  const headers = { etag, 'cache-control': 'no-cache' };
  const known = request.headers.get('if-none-match');
  if (known && known.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)) {
    return new Response(null, { status: 304, headers });
  }
  return Response.json({ version: etag }, { headers });
}
