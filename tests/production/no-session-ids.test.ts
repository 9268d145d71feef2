import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_ID_IN_TEXT } from '@/lib/session-ref';
import { IDENTITY_SECRET, signIdentity } from '../support/identity-tokens';
import { chat, eventually, newSession, startProductionStack, type ProductionStack } from '../support/production';
import { startCollector } from '../support/otlp-collector';

/**
 * A session id is a bearer key: whoever holds it reads and continues the conversation. After a
 * session's whole life on the production server (anonymous and verified sessions, streamed and JSON
 * turns, a model error, a reload's messages read, a resume, a stop, a rating, bad requests carrying
 * ids), no full id may be found in what the server printed, in the traces it exported, or in any
 * column of any table.
 */


const post = (url: string, path: string, body: unknown) =>
  fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });

describe('no session id in logs, traces or the database', () => {
  let stack: ProductionStack;
  let collector: Awaited<ReturnType<typeof startCollector>>;

  beforeAll(async () => {
    collector = await startCollector();
    stack = await startProductionStack({
      env: {
        WIDGET_IDENTITY_SECRET: IDENTITY_SECRET,
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        // The sweep must hold even when an operator opts into message text in the logs.
        LOG_MESSAGE_TEXT: 'on',
      },
    });
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
    await collector?.close();
  });

  it('a whole conversation leaves no full session id anywhere the server writes', async () => {
    const { url } = stack;
    const ids: string[] = [];

    const anonymous = await newSession(url);
    ids.push(anonymous);
    const token = await signIdentity({ sub: 'sweep-customer', name: 'Sweep Customer', email: 'sweep@example.com' });
    const verifiedAnswer = await post(url, '/api/session', { userToken: token });
    expect(verifiedAnswer.status).toBe(201);
    const verified = ((await verifiedAnswer.json()) as { sessionId: string }).sessionId;
    ids.push(verified);

    for (const sessionId of ids) {
      const first = await chat(url, { sessionId, text: 'Where is my parcel?' });
      expect(first.done).toBeDefined();
      const json = await chat(url, { sessionId, text: 'And the invoice?', messageId: 'sweep-msg-0001' }, { json: true });
      expect(json.status).toBe(200);
      stack.model.failNext('400');
      const failed = await chat(url, { sessionId, text: 'This one meets a model error' });
      expect(failed.error?.code).toBeDefined();

      expect((await post(url, '/api/session/messages', { sessionId })).status).toBe(200);
      const auditId = first.meta?.auditId ?? '00000000-0000-4000-8000-000000000000';
      const resume = await post(url, '/api/chat/resume', { sessionId, auditId });
      await resume.text();
      expect((await post(url, '/api/chat/stop', { sessionId, auditId })).status).toBe(202);
      expect((await post(url, '/api/feedback', { sessionId, auditId, rating: 'down' })).status).toBe(204);

      // Bad requests that carry the id where it does not belong: refused, and not echoed anywhere.
      expect((await fetch(`${url}/api/session/${encodeURIComponent(sessionId)}/messages`)).status).toBe(404);
      expect((await fetch(`${url}/api/chat/resume?sessionId=${encodeURIComponent(sessionId)}`)).status).toBe(405);
      expect((await post(url, '/api/chat', { sessionId, text: 'hi', history: [] })).status).toBe(400);
    }

    // Every turn's audit row is in (drained), and the traces of those turns have been exported.
    await eventually(
      async () => {
        const [row] = (await stack.database!.sql`select count(*)::int as n from turns where status <> 'pending'`) as unknown as Array<{ n: number }>;
        return row!.n >= 6 ? true : undefined;
      },
      20_000,
      'six final audit rows',
    );
    await eventually(async () => (collector.exports.length > 0 ? true : undefined), 20_000, 'a trace export');

    const found: string[] = [];
    const sweep = (where: string, text: string) => {
      for (const id of ids) if (text.includes(id)) found.push(`${where}: the full id ${id.slice(0, 8)}…`);
      for (const match of text.match(SESSION_ID_IN_TEXT) ?? []) found.push(`${where}: an id-shaped value ${match.slice(0, 8)}…`);
    };

    sweep('server stdout/stderr', stack.output());
    sweep('OTLP trace exports', Buffer.concat(collector.exports).toString('latin1'));

    const tables = (await stack.database!.sql`
      select table_name from information_schema.tables
      where table_schema = 'public' and table_type = 'BASE TABLE'`) as unknown as Array<{ table_name: string }>;
    expect(tables.length).toBeGreaterThan(5);
    for (const { table_name } of tables) {
      const rows = (await stack.database!.sql.unsafe(
        `select row_to_json(t)::text as row from "${table_name}" t`,
      )) as unknown as Array<{ row: string }>;
      for (const { row } of rows) sweep(`table ${table_name}`, row);
    }

    // The sweep can find what it looks for: the server did print and export, and the tables hold rows.
    expect(stack.output()).toContain('"msg":"turn"');
    expect(found, found.join("\n")).toEqual([]);
  }, 180_000);
});
