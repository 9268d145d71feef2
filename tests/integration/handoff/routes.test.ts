import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POST as handBack } from '@/app/api/admin/sessions/[ref]/hand-back/route';
import { POST as agentMessage } from '@/app/api/admin/sessions/[ref]/messages/route';
import { POST as resolve } from '@/app/api/admin/sessions/[ref]/resolve/route';
import { POST as takeOver } from '@/app/api/admin/sessions/[ref]/take-over/route';
import { GET as inbox } from '@/app/api/admin/inbox/route';
import { POST as handoff } from '@/app/api/chat/handoff/route';
import { POST as updates } from '@/app/api/session/updates/route';
import { sessionRef } from '@/lib/session-ref';
import type { TestStack } from '../../support/stack';
import { adminRequest, cookieFor, createAdminStack, makeAgent, routeContext } from '../admin/helpers';

/**
 * The handoff's HTTP edge on the real stack: the customer asks for a person, the inbox shows it,
 * two agents race for it (409 naming the winner), the owner writes, hands back, resolves; the
 * widget's wait for news answers when the agent writes; every success is in the access log.
 */

let stack: TestStack;

beforeAll(async () => {
  stack = await createAdminStack();
});
afterAll(async () => {
  await stack.close();
});

function customer(path: string, body: unknown): Request {
  return new Request(`http://localhost${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.20' },
    body: JSON.stringify(body),
  });
}

describe('the handoff over HTTP', () => {
  it('takes a conversation from the queue to an agent and back, with clear codes for every conflict', async () => {
    const sessionId = await stack.newSession();
    await stack.send(sessionId, 'I need a human');
    const ref = sessionRef(sessionId);
    const [ana, bo] = [await makeAgent(stack, 'agent', 'ana@example.com'), await makeAgent(stack, 'agent', 'bo@example.com')];
    const [anaCookie, boCookie] = [await cookieFor(stack, ana), await cookieFor(stack, bo)];
    const params = routeContext({ ref });

    const asked = await handoff(customer('/api/chat/handoff', { sessionId }));
    expect(asked.status).toBe(200);
    // Both agents' consoles have just been used: someone is online.
    expect(await asked.json()).toEqual({
      conversation: { state: 'waiting', agentName: null },
      notice: stack.runtime.config.handoff.message,
      agentsOnline: true,
    });
    expect((await handoff(customer('/api/chat/handoff', { sessionId, extra: 1 }))).status).toBe(400);

    await stack.settle();
    const queue = await (await inbox(adminRequest('/api/admin/inbox', { cookie: anaCookie }))).json();
    expect(queue.waiting).toContainEqual(expect.objectContaining({ ref, reason: 'customer_asked', lastCustomerText: 'I need a human' }));

    const [first, second] = await Promise.all([
      takeOver(adminRequest(`/api/admin/sessions/${ref}/take-over`, { method: 'POST', cookie: anaCookie }), params),
      takeOver(adminRequest(`/api/admin/sessions/${ref}/take-over`, { method: 'POST', cookie: boCookie }), params),
    ]);
    const statuses = [first.status, second.status].sort();
    expect(statuses).toEqual([200, 409]);
    const loser = first.status === 409 ? first : second;
    // makeAgent names every agent "Test agent": the answer names the owner, never their id or e-mail.
    expect(await loser.json()).toMatchObject({ error: { code: 'conversation_taken', owner: { name: 'Test agent' } } });
    const ownerCookie = first.status === 200 ? anaCookie : boCookie;
    const otherCookie = first.status === 200 ? boCookie : anaCookie;

    // The widget waits for news; the agent's message ends the wait.
    const waitStarted = Date.now();
    const version = (await (await updates(customer('/api/session/updates', { sessionId, after: 0 }))).json()).version as number;
    const wait = updates(customer('/api/session/updates', { sessionId, after: version }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const sent = await agentMessage(
      adminRequest(`/api/admin/sessions/${ref}/messages`, { method: 'POST', cookie: ownerCookie, body: { text: 'Hello, I am here.' } }),
      params,
    );
    expect(sent.status).toBe(201);
    const news = await (await wait).json();
    expect(news).toMatchObject({ conversation: { state: 'agent', agentName: 'Test agent' } });
    expect(news.version).toBeGreaterThan(version);
    expect(Date.now() - waitStarted).toBeLessThan(5_000);

    const intruder = await agentMessage(
      adminRequest(`/api/admin/sessions/${ref}/messages`, { method: 'POST', cookie: otherCookie, body: { text: 'Me too' } }),
      params,
    );
    expect(intruder.status).toBe(409);
    expect(await intruder.json()).toMatchObject({ error: { code: 'not_owner' } });
    const empty = await agentMessage(
      adminRequest(`/api/admin/sessions/${ref}/messages`, { method: 'POST', cookie: ownerCookie, body: { text: '   ' } }),
      params,
    );
    expect(empty.status).toBe(400);

    expect((await handBack(adminRequest(`/api/admin/sessions/${ref}/hand-back`, { method: 'POST', cookie: ownerCookie }), params)).status).toBe(200);
    expect((await resolve(adminRequest(`/api/admin/sessions/${ref}/resolve`, { method: 'POST', cookie: ownerCookie }), params)).status).toBe(200);
    const late = await agentMessage(
      adminRequest(`/api/admin/sessions/${ref}/messages`, { method: 'POST', cookie: ownerCookie, body: { text: 'One more thing' } }),
      params,
    );
    expect(late.status).toBe(409);
    expect(await late.json()).toMatchObject({ error: { code: 'conversation_resolved' } });

    const logged = await stack.query<{ action: string }>(
      `select action from access_log where session_id = $1 and action in ('take_over', 'agent_message', 'hand_back', 'resolve_conversation') order by id`,
      [ref],
    );
    expect(logged.map((row) => row.action)).toEqual(['take_over', 'agent_message', 'hand_back', 'resolve_conversation']);
  });

  it('refuses a cross-site take-over and an anonymous one', async () => {
    const sessionId = await stack.newSession();
    await stack.send(sessionId, 'Hello');
    const ref = sessionRef(sessionId);
    const agent = await makeAgent(stack, 'agent');
    const cookie = await cookieFor(stack, agent);
    const params = routeContext({ ref });
    expect((await takeOver(adminRequest(`/api/admin/sessions/${ref}/take-over`, { method: 'POST' }), params)).status).toBe(401);
    const crossSite = await takeOver(
      adminRequest(`/api/admin/sessions/${ref}/take-over`, { method: 'POST', cookie, fetchSite: 'cross-site' }),
      params,
    );
    expect(crossSite.status).toBe(403);
  });
});
