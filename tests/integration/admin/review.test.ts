import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAccessLog } from '@/lib/auth/access-log';
import { getTurnPrompt } from '@/lib/admin/prompt';
import { addNote, createFlag, resolveFlag } from '@/lib/admin/review';
import { openTranscript } from '@/lib/admin/transcript';
import { highlightTerms, queryTerms } from '@/lib/admin/highlight';
import { renderPromptForReview } from '@/lib/prompt/assemble';
import { sessionRef } from '@/lib/session-ref';
import type { AgentIdentity } from '@/lib/auth/identity';
import type { Database } from '@/lib/db/client';
import type { TestStack } from '../../support/stack';
import { adminRequest, cookieFor, createAdminStack, database, makeAgent, routeContext } from './helpers';

let stack: TestStack;
let db: Database;
let agent: AgentIdentity;
let sessionId: string;
let otherSession: string;
const auditIds: string[] = [];

beforeAll(async () => {
  stack = await createAdminStack();
  db = await database(stack);
  agent = await makeAgent(stack, 'agent');
  sessionId = await stack.newSession();
  for (const text of ['Hi, my name is Ada.', 'My order 4711 is missing.', 'Can you refund it?']) {
    const turn = await stack.send(sessionId, text);
    auditIds.push(turn.meta?.auditId ?? '');
  }
  otherSession = await stack.newSession();
  await stack.send(otherSession, 'Unrelated question.');
});
afterAll(async () => {
  await stack?.close();
});

describe('access log of what the model saw', () => {
  it('logs every view of a turn\'s prompt with the agent, the session, the turn and what it contained', async () => {
    const { GET } = await import('@/app/api/admin/turns/[auditId]/prompt/route');
    const cookie = await cookieFor(stack, agent);
    const auditId = auditIds[2]!;
    for (let i = 0; i < 2; i++) {
      const response = await GET(adminRequest(`/api/admin/turns/${auditId}/prompt`, { cookie }), routeContext({ auditId }));
      expect(response.status).toBe(200);
    }
    const log = await listAccessLog(db, { sessionKeys: [sessionRef(sessionId)], action: 'view_prompt', limit: 5 });
    expect(log.entries).toHaveLength(2);
    expect(log.entries[0]).toMatchObject({
      agentId: agent.id,
      auditId,
      detail: { messages: expect.any(Number), contextAuditIds: [auditIds[0], auditIds[1]] },
    });
  });
});

describe('transcript', () => {
  it('lists every turn in order with its status, memory, model, tokens, latency and audit id, and logs the view', async () => {
    const transcript = await openTranscript(db, agent, sessionId, 'refunds');
    expect(transcript?.turns.map((t) => t.auditId)).toEqual(auditIds);
    expect(transcript?.turns.map((t) => [t.seq, t.status, t.memoryStatus, t.model])).toEqual([
      [1, 'ok', 'new', 'mock-model'],
      [2, 'ok', 'ok', 'mock-model'],
      [3, 'ok', 'ok', 'mock-model'],
    ]);
    expect(transcript?.turns.map((t) => t.matched)).toEqual([false, false, true]);
    expect(transcript?.turns.map((t) => t.contextTurns)).toEqual([0, 1, 2]);
    const last = transcript?.turns[2];
    expect(last?.assistantText).toContain('Mock reply to: Can you refund it?');
    expect(last?.totalMs).toBeGreaterThanOrEqual(0);
    expect(last?.completedAt).toBeInstanceOf(Date);

    const log = await listAccessLog(db, { sessionKeys: [sessionId], action: 'view_session', limit: 5 });
    expect(log.entries).toHaveLength(1);
    expect(log.entries[0]).toMatchObject({
      agentId: agent.id,
      agentEmail: agent.email,
      detail: { q: 'refunds', turns: 3, lastAuditId: auditIds[2] },
    });
    expect(await openTranscript(db, agent, 'no-such-session')).toBeNull();
    // Reopened within minutes (a refresh after flagging): still one view.
    await openTranscript(db, agent, sessionId);
    expect((await listAccessLog(db, { sessionKeys: [sessionId], action: 'view_session', limit: 5 })).entries).toHaveLength(1);
  });

  it('marks query words in the text the customer saw, without touching anything else', () => {
    const terms = queryTerms('"Refunds" -order or deliveries');
    expect(terms).toEqual(['refund', 'deliver']);
    const parts = highlightTerms('Your refund for <b>two</b> deliveries was refunded.', terms);
    expect(parts.map((p) => p.text).join('')).toBe('Your refund for <b>two</b> deliveries was refunded.');
    expect(parts.filter((p) => p.match).map((p) => p.text)).toEqual(['refund', 'deliveries', 'refunded']);
  });
});

describe('what the model saw', () => {
  it('is the exact messages array sent to the model, verified against its stored hash', async () => {
    const prompt = await getTurnPrompt(db, auditIds[2] ?? '');
    const sent = stack.model.requests.find((r) => JSON.stringify(r.messages).includes('Can you refund it?'));
    expect(prompt?.messages).toEqual(sent?.messages);
    expect(prompt?.verified).toBe(true);
    expect(prompt?.contextAuditIds).toEqual([auditIds[0], auditIds[1]]);
    expect(prompt?.rendered).toBe(renderPromptForReview(prompt?.messages ?? []));

    await stack.query(`update turns set prompt_messages = jsonb_set(prompt_messages, '{1,content}', '"edited"') where audit_id = $1`, [auditIds[2]]);
    expect((await getTurnPrompt(db, auditIds[2] ?? ''))?.verified).toBe(false);
  });

  it('is served to agents by GET /api/admin/turns/{auditId}/prompt', async () => {
    const { GET } = await import('@/app/api/admin/turns/[auditId]/prompt/route');
    const cookie = await cookieFor(stack, agent);
    const ok = await GET(adminRequest(`/api/admin/turns/${auditIds[0]}/prompt`, { cookie }), routeContext({ auditId: auditIds[0] ?? '' }));
    expect(ok.status).toBe(200);
    expect(ok.headers.get('cache-control')).toBe('no-store');
    expect(await ok.json()).toMatchObject({ auditId: auditIds[0], sessionRef: sessionRef(sessionId), verified: true });
    const missing = await GET(adminRequest('/api/admin/turns/x/prompt', { cookie }), routeContext({ auditId: '00000000-0000-4000-8000-000000000000' }));
    expect(missing.status).toBe(404);
    const invalid = await GET(adminRequest('/api/admin/turns/x/prompt', { cookie }), routeContext({ auditId: 'not-a-uuid' }));
    expect(invalid.status).toBe(400);
  });
});

describe('flags and notes', () => {
  it('flag a turn or the session with a reason, resolve once, and log each step', async () => {
    const turnFlag = await createFlag(db, agent, { sessionId, auditId: auditIds[1], reason: 'Promised a refund it cannot give' });
    const sessionFlag = await createFlag(db, agent, { sessionId, reason: 'Escalate' });
    expect(turnFlag.kind).toBe('ok');
    expect(sessionFlag.kind).toBe('ok');
    // A turn of another session cannot be flagged under this one.
    expect(await createFlag(db, agent, { sessionId: otherSession, auditId: auditIds[1], reason: 'x' })).toEqual({ kind: 'not_found', what: 'turn' });
    expect(await createFlag(db, agent, { sessionId: 'nope', reason: 'x' })).toEqual({ kind: 'not_found', what: 'session' });

    const resolver = await makeAgent(stack, 'agent');
    if (turnFlag.kind !== 'ok') return;
    await resolveFlag(db, resolver, turnFlag.value.id);
    await resolveFlag(db, agent, turnFlag.value.id);
    const transcript = await openTranscript(db, agent, sessionId);
    expect(transcript?.flags.map((f) => [f.auditId, f.reason, f.agentEmail, f.resolvedByEmail])).toEqual([
      [auditIds[1], 'Promised a refund it cannot give', agent.email, resolver.email],
      [null, 'Escalate', agent.email, null],
    ]);
    const log = await listAccessLog(db, { sessionKeys: [sessionId], limit: 20 });
    expect(log.entries.filter((e) => e.action === 'resolve_flag').map((e) => e.agentEmail)).toEqual([resolver.email]);
    expect(log.entries.filter((e) => e.action === 'flag')).toHaveLength(2);
  });

  it('through the API: POST /api/admin/flags, PATCH /api/admin/flags/{id}, POST /api/admin/notes', async () => {
    const cookie = await cookieFor(stack, agent);
    const flags = await import('@/app/api/admin/flags/route');
    const flag = await import('@/app/api/admin/flags/[id]/route');
    const notes = await import('@/app/api/admin/notes/route');

    const created = await flags.POST(adminRequest('/api/admin/flags', { method: 'POST', cookie, body: { session: sessionRef(sessionId), auditId: auditIds[2], reason: 'Tone' } }), routeContext({}));
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const blank = await flags.POST(adminRequest('/api/admin/flags', { method: 'POST', cookie, body: { session: sessionRef(sessionId), reason: '  ' } }), routeContext({}));
    expect(blank.status).toBe(400);
    const extra = await flags.POST(adminRequest('/api/admin/flags', { method: 'POST', cookie, body: { session: sessionRef(sessionId), reason: 'x', agentId: 'me' } }), routeContext({}));
    expect(extra.status).toBe(400);
    // The API takes the conversation's reference, never its id.
    const byId = await flags.POST(adminRequest('/api/admin/flags', { method: 'POST', cookie, body: { session: sessionId, reason: 'x' } }), routeContext({}));
    expect(byId.status).toBe(400);

    const resolved = await flag.PATCH(adminRequest(`/api/admin/flags/${id}`, { method: 'PATCH', cookie, body: { resolved: true } }), routeContext({ id }));
    expect(resolved.status).toBe(200);

    const note = await notes.POST(adminRequest('/api/admin/notes', { method: 'POST', cookie, body: { session: sessionRef(sessionId), auditId: auditIds[0], body: 'Customer is a regular.' } }), routeContext({}));
    expect(note.status).toBe(201);
    const stranger = await notes.POST(adminRequest('/api/admin/notes', { method: 'POST', cookie, body: { session: 'c_aaaaaaaaaaaaaaaa', body: 'x' } }), routeContext({}));
    expect(stranger.status).toBe(404);
    const transcript = await openTranscript(db, agent, sessionId);
    expect(transcript?.notes.map((n) => [n.auditId, n.body, n.agentEmail])).toEqual([[auditIds[0], 'Customer is a regular.', agent.email]]);
  });

  it('the same via addNote, logging that a note was written but not its text', async () => {
    const outcome = await addNote(db, agent, { sessionId, body: 'Private remark' });
    expect(outcome.kind).toBe('ok');
    const log = await listAccessLog(db, { sessionKeys: [sessionId], action: 'note', limit: 1 });
    expect(JSON.stringify(log.entries[0]?.detail)).not.toContain('Private remark');
  });
});

describe('access log', () => {
  it('pages newest first and filters by agent and action', async () => {
    const first = await listAccessLog(db, { limit: 3 });
    expect(first.entries).toHaveLength(3);
    expect(first.nextBefore).not.toBeNull();
    const second = await listAccessLog(db, { limit: 3, before: first.nextBefore ?? undefined });
    expect(Math.max(...second.entries.map((e) => e.id))).toBeLessThan(Math.min(...first.entries.map((e) => e.id)));
    const views = await listAccessLog(db, { agentId: agent.id, action: 'view_session', limit: 50 });
    expect(views.entries.every((e) => e.action === 'view_session' && e.agentId === agent.id)).toBe(true);
  });
});
