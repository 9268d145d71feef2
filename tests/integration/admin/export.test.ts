import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAccessLog } from '@/lib/auth/access-log';
import { csvCell } from '@/lib/admin/csv';
import { exportStream } from '@/lib/admin/export';
import { parseListFilters } from '@/lib/admin/filters';
import { sessionRef } from '@/lib/session-ref';
import { addNote, createFlag } from '@/lib/admin/review';
import type { AgentIdentity } from '@/lib/auth/identity';
import type { Database } from '@/lib/db/client';
import type { TestStack } from '../../support/stack';
import { adminRequest, cookieFor, createAdminStack, database, makeAgent, routeContext } from './helpers';

let stack: TestStack;
let db: Database;
let agent: AgentIdentity;
let sessionId: string;

beforeAll(async () => {
  stack = await createAdminStack();
  db = await database(stack);
  agent = await makeAgent(stack, 'agent');
  sessionId = await stack.newSession();
  await stack.send(sessionId, 'Hello, "quoted", with a comma');
  const second = await stack.send(sessionId, '=HYPERLINK("http://evil.test")\nsecond line');
  await createFlag(db, agent, { sessionId, auditId: second.meta?.auditId, reason: 'Formula attempt' });
  await createFlag(db, agent, { sessionId, reason: 'Whole session' });
  await addNote(db, agent, { sessionId, body: 'Internal only' });
});
afterAll(async () => {
  await stack?.close();
});

async function read(stream: ReadableStream<Uint8Array>): Promise<{ text: string; chunks: number }> {
  let text = '';
  let chunks = 0;
  const decoder = new TextDecoder();
  for await (const chunk of stream) {
    chunks += 1;
    text += decoder.decode(chunk, { stream: true });
  }
  return { text, chunks };
}

/** A small RFC 4180 reader, enough to check what a spreadsheet would see. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(cell);
      cell = '';
    } else if (char === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i += 1;
    } else cell += char;
  }
  return rows;
}

describe('export', () => {
  it('JSONL: a session line, then one line per turn, with flags; notes only when asked', async () => {
    const { text } = await read(await exportStream(db, { kind: 'session', sessionId }, { format: 'jsonl', includeNotes: false }));
    const lines = text.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((l) => l.type)).toEqual(['session', 'turn', 'turn']);
    expect(lines[0]).toMatchObject({ ref: sessionRef(sessionId), turnCount: 2, flags: [{ reason: 'Whole session', by: agent.email }] });
    expect(lines[0]).not.toHaveProperty('notes');
    expect(lines[2]).toMatchObject({ sessionRef: sessionRef(sessionId), seq: 2, status: 'ok', userText: '=HYPERLINK("http://evil.test")\nsecond line' });
    expect((lines[2]?.flags as unknown[])[0]).toMatchObject({ reason: 'Formula attempt' });
    expect(text).not.toContain('Internal only');
    // The customer's key never leaves in an export.
    expect(text).not.toContain(sessionId);

    const withNotes = await read(await exportStream(db, { kind: 'session', sessionId }, { format: 'jsonl', includeNotes: true }));
    expect(JSON.parse(withNotes.text.split('\n')[0] ?? '{}')).toMatchObject({ notes: [{ body: 'Internal only', by: agent.email }] });
  });

  it('CSV: one row per turn, quoted where needed, formulas defused', async () => {
    const { text } = await read(await exportStream(db, { kind: 'session', sessionId }, { format: 'csv', includeNotes: true }));
    const rows = parseCsv(text);
    const header = rows[0] ?? [];
    const col = (row: string[] | undefined, name: string) => row?.[header.indexOf(name)];
    expect(rows[0]?.slice(0, 3)).toEqual(['session_ref', 'session_started_at', 'seq']);
    expect(col(rows[1], 'session_ref')).toBe(sessionRef(sessionId));
    expect(text).not.toContain(sessionId);
    expect(rows[0]?.at(-1)).toBe('notes');
    expect(rows).toHaveLength(3);
    expect(col(rows[1], 'user_text')).toBe('Hello, "quoted", with a comma');
    expect(col(rows[2], 'user_text')).toBe(`'=HYPERLINK("http://evil.test")\nsecond line`);
    expect(col(rows[2], 'flags')).toBe(`Whole session (${agent.email}); Formula attempt (${agent.email})`);
    expect(col(rows[1], 'notes')).toBe(`Internal only (${agent.email})`);
    expect(csvCell('-1 + 2', true)).toBe("'-1 + 2");
    expect(csvCell(-1)).toBe('-1');
  });

  it('a filtered list streams in batches, as many sessions as match', async () => {
    await stack.query(
      `insert into sessions (id, created_at, last_activity_at, turn_count, first_memory_status, last_memory_status, error_count)
       select 'bulk-' || lpad(g::text, 4, '0'), timestamptz '2022-03-01' + g * interval '1 minute',
              timestamptz '2022-03-01' + g * interval '1 minute', 1, 'new', 'ok', 1
       from generate_series(1, 450) g`,
    );
    await stack.query(
      `insert into turns (audit_id, session_id, seq, user_text, assistant_text, status, memory_status, model,
         context_audit_ids, prompt_messages, prompt_hash, created_at)
       select gen_random_uuid(), 'bulk-' || lpad(g::text, 4, '0'), 1, 'bulk question ' || g, null, 'model_error', 'new',
              'mock-model', '[]', '[]', 'x', timestamptz '2022-03-01' + g * interval '1 minute'
       from generate_series(1, 450) g`,
    );
    const filters = parseListFilters({ errors: '1', from: '2022-01-01', to: '2022-12-31' });
    const { text, chunks } = await read(await exportStream(db, { kind: 'list', filters }, { format: 'jsonl', includeNotes: false }));
    const lines = text.trimEnd().split('\n').map((line) => JSON.parse(line) as { type: string; ref?: string });
    const sessionsOut = lines.filter((l) => l.type === 'session');
    expect(sessionsOut).toHaveLength(450);
    expect(sessionsOut[0]?.ref).toBe(sessionRef('bulk-0450'));
    expect(lines.filter((l) => l.type === 'turn')).toHaveLength(450);
    expect(chunks).toBeGreaterThanOrEqual(3);
  });

  it('through the API: attachment headers, and each export lands in the access log', async () => {
    const cookie = await cookieFor(stack, agent);
    const one = await import('@/app/api/admin/sessions/[ref]/export/route');
    const list = await import('@/app/api/admin/export/route');
    const ref = sessionRef(sessionId);
    const single = await one.GET(adminRequest(`/api/admin/sessions/${ref}/export?format=csv&notes=1`, { cookie }), routeContext({ ref }));
    expect(single.status).toBe(200);
    expect(single.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(single.headers.get('content-disposition')).toBe(`attachment; filename="tether-session-${ref}.csv"`);
    expect(await single.text()).toContain('Internal only');
    const bad = await one.GET(adminRequest(`/api/admin/sessions/${ref}/export?format=xml`, { cookie }), routeContext({ ref }));
    expect(bad.status).toBe(400);
    const missing = await one.GET(adminRequest('/api/admin/sessions/c_aaaaaaaaaaaaaaaa/export', { cookie }), routeContext({ ref: 'c_aaaaaaaaaaaaaaaa' }));
    expect(missing.status).toBe(404);
    // The id is not a way in: the API takes references only.
    const byId = await one.GET(adminRequest(`/api/admin/sessions/${sessionId}/export`, { cookie }), routeContext({ ref: sessionId }));
    expect(byId.status).toBe(400);

    const filtered = await list.GET(adminRequest('/api/admin/export?format=jsonl&q=quoted&flagged=1', { cookie }), routeContext({}));
    expect(filtered.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    const lines = (await filtered.text()).trimEnd().split('\n');
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ type: 'session', ref });

    const log = await listAccessLog(db, { agentId: agent.id, limit: 10 });
    expect(log.entries.map((e) => e.action).slice(0, 2)).toEqual(['export_list', 'export_session']);
    expect(log.entries[0]?.detail).toEqual({ format: 'jsonl', notes: false, filters: { q: 'quoted', flagged: '1' } });
  });
});
