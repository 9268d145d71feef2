import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentIdentity } from '@/lib/auth/identity';
import { sessionRef } from '@/lib/session-ref';
import type { TestStack } from '../../support/stack';
import { adminRequest, cookieFor, createAdminStack, makeAgent, routeContext } from './helpers';

/**
 * A session id is the customer's bearer key (it reads and continues the conversation on the public
 * API). Nothing the admin API answers, exports or logs may contain one: they name the conversation
 * by its reference. (The e2e sweep does the same for every rendered admin page.)
 */

let stack: TestStack;
let agent: AgentIdentity;
let sessionId: string;
let ref: string;
let auditId: string;

beforeAll(async () => {
  stack = await createAdminStack();
  agent = await makeAgent(stack, 'admin');
  sessionId = await stack.newSession();
  await stack.send(sessionId, 'Hello, where is my order?');
  const second = await stack.send(sessionId, 'It was order 4711.');
  auditId = second.meta?.auditId ?? '';
  ref = sessionRef(sessionId);
});
afterAll(async () => {
  await stack?.close();
});

describe('no bearer ids in admin answers, exports or logs', () => {
  it('every admin read and write names the conversation by its reference', async () => {
    const cookie = await cookieFor(stack, agent);
    const bodies: Array<[string, string]> = [];
    const keep = async (label: string, response: Response) => {
      expect(response.status, label).toBeLessThan(400);
      bodies.push([label, response.status === 304 ? '' : await response.text()]);
    };

    const flags = await import('@/app/api/admin/flags/route');
    await keep('flag', await flags.POST(adminRequest('/api/admin/flags', { method: 'POST', cookie, body: { session: ref, auditId, reason: 'check' } }), routeContext({})));
    const notes = await import('@/app/api/admin/notes/route');
    await keep('note', await notes.POST(adminRequest('/api/admin/notes', { method: 'POST', cookie, body: { session: ref, body: 'a note' } }), routeContext({})));

    const one = await import('@/app/api/admin/sessions/[ref]/export/route');
    const list = await import('@/app/api/admin/export/route');
    for (const format of ['jsonl', 'csv']) {
      for (const withNotes of ['0', '1']) {
        const query = `format=${format}&notes=${withNotes}`;
        await keep(`session export ${query}`, await one.GET(adminRequest(`/api/admin/sessions/${ref}/export?${query}`, { cookie }), routeContext({ ref })));
        await keep(`list export ${query}`, await list.GET(adminRequest(`/api/admin/export?${query}`, { cookie }), routeContext({})));
        await keep(`search export ${query}`, await list.GET(adminRequest(`/api/admin/export?${query}&q=${ref}`, { cookie }), routeContext({})));
      }
    }
    const prompt = await import('@/app/api/admin/turns/[auditId]/prompt/route');
    await keep('prompt', await prompt.GET(adminRequest(`/api/admin/turns/${auditId}/prompt`, { cookie }), routeContext({ auditId })));
    const liveList = await import('@/app/api/admin/sessions/live/route');
    await keep('live list', await liveList.GET(adminRequest('/api/admin/sessions/live', { cookie }), routeContext({})));
    const liveOne = await import('@/app/api/admin/sessions/[ref]/live/route');
    await keep('live transcript', await liveOne.GET(adminRequest(`/api/admin/sessions/${ref}/live`, { cookie }), routeContext({ ref })));

    // The exports did contain the conversation (so the check below is not vacuous)…
    const sessionExport = bodies.find(([label]) => label === 'session export format=jsonl&notes=1')?.[1] ?? '';
    expect(sessionExport).toContain('order 4711');
    expect(sessionExport).toContain(ref);
    // …and no answer contains the id.
    for (const [label, body] of bodies) expect(body, label).not.toContain(sessionId);

    // The access log holds references, for new entries of every kind written above.
    const log = await stack.query<{ action: string; session_id: string | null; detail: unknown }>(`select action, session_id, detail from access_log`);
    expect(log.map((entry) => entry.action)).toEqual(expect.arrayContaining(['flag', 'note', 'export_session', 'export_list']));
    expect(JSON.stringify(log)).not.toContain(sessionId);
    expect(log.filter((entry) => entry.session_id !== null).every((entry) => entry.session_id === ref)).toBe(true);
  });

  it('the session row is born with its reference', async () => {
    const [row] = await stack.query<{ ref: string }>('select ref from sessions where id = $1', [sessionRef(sessionId)]);
    expect(row?.ref).toBe(ref);
  });
});
