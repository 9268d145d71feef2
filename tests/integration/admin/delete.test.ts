import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { listAccessLog } from '@/lib/auth/access-log';
import { addNote, createFlag } from '@/lib/admin/review';
import { runRetention } from '@/lib/admin/retention';
import { sessionRef } from '@/lib/session-ref';
import type { Database } from '@/lib/db/client';
import type { TestStack } from '../../support/stack';
import { adminRequest, cookieFor, createAdminStack, database, insertSessions, makeAgent, routeContext } from './helpers';

let stack: TestStack;
let db: Database;

beforeAll(async () => {
  stack = await createAdminStack({ AUDIT_RETENTION_DAYS: '30' });
  db = await database(stack);
});
afterAll(async () => {
  await stack?.close();
});

/** `key`: the session's database key, sessionRef(session id). */
async function counts(key: string) {
  const [row] = await stack.query<{ sessions: number; turns: number; flags: number; notes: number }>(
    `select (select count(*)::int from sessions where id = $1) as sessions,
            (select count(*)::int from turns where session_id = $1) as turns,
            (select count(*)::int from flags where session_id = $1) as flags,
            (select count(*)::int from notes where session_id = $1) as notes`,
    [key],
  );
  return row;
}

describe('DELETE /api/admin/sessions/{ref}', () => {
  it('removes audit rows, flags, notes and Redis memory, and leaves an access-log entry (admin only)', async () => {
    const { DELETE } = await import('@/app/api/admin/sessions/[ref]/route');
    const admin = await makeAgent(stack, 'admin');
    const agent = await makeAgent(stack, 'agent');
    const sessionId = await stack.newSession();
    await stack.send(sessionId, 'Please forget me.');
    const second = await stack.send(sessionId, 'Really.');
    await createFlag(db, agent, { sessionId, auditId: second.meta?.auditId, reason: 'GDPR request' });
    await addNote(db, agent, { sessionId, body: 'Customer asked for erasure.' });
    expect(await counts(sessionRef(sessionId))).toEqual({ sessions: 1, turns: 2, flags: 1, notes: 1 });
    expect((await stack.runtime.memory.read(sessionId)).messages).toHaveLength(4);

    const ref = sessionRef(sessionId);
    const call = (cookie: string, body: unknown) =>
      DELETE(adminRequest(`/api/admin/sessions/${ref}`, { method: 'DELETE', cookie, body }), routeContext({ ref }));
    const asAgent = await call(await cookieFor(stack, agent), { confirm: ref });
    expect(asAgent.status).toBe(403);
    const unconfirmed = await call(await cookieFor(stack, admin), { confirm: 'something else' });
    expect(unconfirmed.status).toBe(400);
    // The id itself is not accepted: the API takes references only.
    expect((await call(await cookieFor(stack, admin), { confirm: sessionId })).status).toBe(400);
    const byId = await DELETE(
      adminRequest(`/api/admin/sessions/${sessionId}`, { method: 'DELETE', cookie: await cookieFor(stack, admin), body: { confirm: sessionId } }),
      routeContext({ ref: sessionId }),
    );
    expect(byId.status).toBe(400);
    expect(await counts(sessionRef(sessionId))).toEqual({ sessions: 1, turns: 2, flags: 1, notes: 1 });

    const deleted = await call(await cookieFor(stack, admin), { confirm: ref });
    expect(deleted.status).toBe(200);
    expect(await deleted.json()).toEqual({ deleted: ref, turns: 2 });
    expect(await counts(sessionRef(sessionId))).toEqual({ sessions: 0, turns: 0, flags: 0, notes: 0 });
    const memory = await stack.runtime.memory.read(sessionId);
    expect(memory.messages).toEqual([]);
    // The "seen" marker is gone too: a returning customer starts a new conversation, not an expired one.
    expect(memory.status).toBe('new');

    // The log names the deleted session by its reference, and outlives it.
    const log = await listAccessLog(db, { sessionKeys: [ref], limit: 10 });
    expect(log.entries[0]).toMatchObject({ action: 'delete_session', agentId: admin.id, sessionId: ref, detail: { turns: 2 } });
    expect((await call(await cookieFor(stack, admin), { confirm: ref })).status).toBe(404);
  });

  it('deletes nothing while the memory store is unreachable (503), so a retry can finish', async () => {
    if (!stack.bridge) return;
    const { DELETE } = await import('@/app/api/admin/sessions/[ref]/route');
    const admin = await makeAgent(stack, 'admin');
    const sessionId = await stack.newSession();
    await stack.send(sessionId, 'Hello');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    stack.bridge.setFault('error');
    try {
      const response = await DELETE(
        adminRequest(`/api/admin/sessions/${sessionRef(sessionId)}`, {
          method: 'DELETE',
          cookie: await cookieFor(stack, admin),
          body: { confirm: sessionRef(sessionId) },
        }),
        routeContext({ ref: sessionRef(sessionId) }),
      );
      expect(response.status).toBe(503);
    } finally {
      stack.bridge.setFault(null);
      warn.mockRestore();
    }
    expect(await counts(sessionRef(sessionId))).toMatchObject({ sessions: 1, turns: 1 });
  });
});

describe('retention', () => {
  it('deletes sessions idle for longer than AUDIT_RETENTION_DAYS, in batches, and logs the run', async () => {
    const admin = await makeAgent(stack, 'admin');
    const now = new Date('2025-06-30T00:00:00Z');
    await stack.query(
      `insert into sessions (id, created_at, last_activity_at, turn_count, first_memory_status, last_memory_status)
       select 'old-' || g, timestamptz '2025-05-01', timestamptz '2025-05-01', 0, 'new', 'ok' from generate_series(1, 1203) g`,
    );
    await insertSessions(stack, [{ id: 'recent', lastActivityAt: '2025-06-15T00:00:00.000000Z' }]);
    const report = await runRetention(db, admin, 30, now);
    expect(report.sessions).toBeGreaterThanOrEqual(1203);
    expect((await counts('old-7'))?.sessions).toBe(0);
    expect((await counts('recent'))?.sessions).toBe(1);
    const log = await listAccessLog(db, { action: 'retention_run', limit: 1 });
    expect(log.entries[0]?.detail).toMatchObject({ retentionDays: 30, sessions: report.sessions });

    const { POST } = await import('@/app/api/admin/retention/route');
    const response = await POST(adminRequest('/api/admin/retention', { method: 'POST', cookie: await cookieFor(stack, admin), body: { confirm: true } }), routeContext({}));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ sessions: expect.any(Number) });
  });
});
