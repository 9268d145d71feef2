import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustomerIdentityCard } from '@/components/admin/CustomerIdentityCard';
import { openCustomer } from '@/lib/admin/identity';
import { parseListFilters } from '@/lib/admin/filters';
import { listSessions } from '@/lib/admin/sessions';
import { openTranscript } from '@/lib/admin/transcript';
import type { AgentIdentity } from '@/lib/auth/identity';
import { handleCreateSession } from '@/lib/chat/session-handlers';
import type { Database } from '@/lib/db/client';
import { sessionRef } from '@/lib/session-ref';
import { IDENTITY_SECRET, signIdentity } from '../../support/identity-tokens';
import type { TestStack } from '../../support/stack';
import { adminRequest, cookieFor, createAdminStack, database, makeAgent, routeContext } from '../admin/helpers';

/**
 * /admin shows who a verified customer is (sub, name, e-mail as the site signed them) on the list,
 * the transcript and in exports; filters and searches by it; and never a session id.
 */

let stack: TestStack;
let db: Database;
let agent: AgentIdentity;
let ada: string;
let adaFresh: string;
let other: string;
let anonymous: string;

async function verifiedSession(claims: Record<string, unknown>, newConversation = false): Promise<string> {
  const response = await handleCreateSession(
    new Request('http://localhost/api/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.30' },
      body: JSON.stringify({ userToken: await signIdentity(claims), ...(newConversation ? { newConversation } : {}) }),
    }),
    stack.runtime,
  );
  expect(response.status).toBe(201);
  return ((await response.json()) as { sessionId: string }).sessionId;
}

const refsOf = async (params: Record<string, string>) =>
  (await listSessions(db, parseListFilters(params))).rows.map((row) => row.ref).sort();

beforeAll(async () => {
  stack = await createAdminStack({ WIDGET_IDENTITY_SECRET: IDENTITY_SECRET });
  db = await database(stack);
  agent = await makeAgent(stack, 'agent');
  ada = await verifiedSession({ sub: 'shop-user-1', name: 'Ada Lovelace', email: 'ada@example.com' });
  await stack.send(ada, 'My parcel 5512 is late.');
  adaFresh = await verifiedSession({ sub: 'shop-user-1', name: 'Ada Lovelace', email: 'ada@example.com' }, true);
  await stack.send(adaFresh, 'Another question about invoices.');
  // Same e-mail, another sub: another customer (never merged by e-mail).
  other = await verifiedSession({ sub: 'shop-user-2', name: 'Grace', email: 'ada@example.com' });
  await stack.send(other, 'Hello from Grace.');
  anonymous = await stack.newSession();
  await stack.send(anonymous, 'I am Ada Lovelace, honestly.');
});
afterAll(async () => {
  await stack?.close();
});

describe('the sessions list', () => {
  it('shows the verified identity on each verified row and anonymous on the others', async () => {
    const { rows } = await listSessions(db, parseListFilters({}));
    const byRef = new Map(rows.map((row) => [row.ref, row.identity]));
    expect(byRef.get(sessionRef(ada))).toEqual({ sub: 'shop-user-1', name: 'Ada Lovelace', email: 'ada@example.com' });
    expect(byRef.get(sessionRef(other))).toEqual({ sub: 'shop-user-2', name: 'Grace', email: 'ada@example.com' });
    expect(byRef.get(sessionRef(anonymous))).toBeNull();
  });

  it('filters verified and anonymous', async () => {
    expect(await refsOf({ identity: 'verified' })).toEqual([ada, adaFresh, other].map(sessionRef).sort());
    expect(await refsOf({ identity: 'anonymous' })).toEqual([sessionRef(anonymous)]);
  });

  it('searches by sub, name or e-mail, and lists one customer\'s conversations by sub', async () => {
    expect(await refsOf({ customer: 'lovelace' })).toEqual([ada, adaFresh].map(sessionRef).sort());
    expect(await refsOf({ customer: 'shop-user-2' })).toEqual([sessionRef(other)]);
    // The e-mail both customers were signed with finds both: still two customers, not one.
    expect(await refsOf({ customer: 'ADA@example' })).toEqual([ada, adaFresh, other].map(sessionRef).sort());
    expect(await refsOf({ sub: 'shop-user-1' })).toEqual([ada, adaFresh].map(sessionRef).sort());
    expect(await refsOf({ customer: '%' })).toEqual([]);
  });
});

describe('the transcript and the customer page', () => {
  it('the transcript carries the identity; its header shows it with a link to all conversations, no session id', async () => {
    const transcript = await openTranscript(db, agent, ada);
    expect(transcript?.identity).toEqual({ sub: 'shop-user-1', name: 'Ada Lovelace', email: 'ada@example.com' });
    const html = renderToStaticMarkup(createElement(CustomerIdentityCard, { customer: transcript?.identity ?? null }));
    expect(html).toContain('Verified');
    expect(html).toContain('Ada Lovelace');
    expect(html).toContain('ada@example.com');
    expect(html).toContain('href="/admin/customers/shop-user-1"');
    expect(html).not.toContain(ada);
    const anon = await openTranscript(db, agent, anonymous);
    expect(anon?.identity).toBeNull();
    expect(renderToStaticMarkup(createElement(CustomerIdentityCard, { customer: null }))).toContain('Anonymous');
  });

  it('opening a customer is access-logged with the sub, like a transcript view', async () => {
    const profile = await openCustomer(db, agent, 'shop-user-1');
    expect(profile).toMatchObject({ sub: 'shop-user-1', name: 'Ada Lovelace' });
    const log = await stack.query<{ action: string; agent_email: string; detail: { sub?: string } }>(
      "select action, agent_email, detail from access_log where action = 'view_customer'",
    );
    expect(log).toEqual([{ action: 'view_customer', agent_email: agent.email, detail: { sub: 'shop-user-1' } }]);
    expect(await openCustomer(db, agent, 'nobody')).toBeNull();
  });
});

describe('exports', () => {
  it('JSONL and CSV carry the identity fields and never a session id', async () => {
    const cookie = await cookieFor(stack, agent);
    const list = await import('@/app/api/admin/export/route');
    const one = await import('@/app/api/admin/sessions/[ref]/export/route');
    const jsonl = await (await list.GET(adminRequest('/api/admin/export?format=jsonl&identity=verified', { cookie }), routeContext({}))).text();
    const sessionsOut = jsonl
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; ref?: string; identity?: unknown })
      .filter((record) => record.type === 'session');
    expect(sessionsOut.map((s) => s.ref).sort()).toEqual([ada, adaFresh, other].map(sessionRef).sort());
    expect(sessionsOut.find((s) => s.ref === sessionRef(other))?.identity).toEqual({ sub: 'shop-user-2', name: 'Grace', email: 'ada@example.com' });

    const csv = await (await list.GET(adminRequest('/api/admin/export?format=csv', { cookie }), routeContext({}))).text();
    const [header, ...lines] = csv.trim().split('\r\n');
    const columns = header!.split(',');
    expect(columns).toEqual(expect.arrayContaining(['customer_sub', 'customer_name', 'customer_email']));
    const cell = (line: string, name: string) => line.split(',')[columns.indexOf(name)];
    const adaLine = lines.find((line) => line.startsWith(sessionRef(ada)));
    expect(cell(adaLine!, 'customer_sub')).toBe('shop-user-1');
    expect(cell(adaLine!, 'customer_email')).toBe('ada@example.com');
    const anonLine = lines.find((line) => line.startsWith(sessionRef(anonymous)));
    expect(cell(anonLine!, 'customer_sub')).toBe('');

    const single = await (
      await one.GET(adminRequest(`/api/admin/sessions/${sessionRef(ada)}/export?format=jsonl`, { cookie }), routeContext({ ref: sessionRef(ada) }))
    ).text();
    expect(single).toContain('"sub":"shop-user-1"');
    for (const body of [jsonl, csv, single]) {
      for (const id of [ada, adaFresh, other, anonymous]) expect(body).not.toContain(id);
    }
  });
});
