import { describe, expect, it } from 'vitest';
import {
  AUDIT_RECORD_VERSION,
  parseLegacyLine,
  parseStreamEntry,
  streamFields,
  type AuditEntry,
  type TurnRecord,
} from '@/lib/audit/types';

const AUDIT_ID = '0b4f2a52-6d0e-4d53-9a8e-3c1f1b7e2a10';

function turnRecord(overrides: Partial<TurnRecord> = {}): TurnRecord {
  return {
    auditId: AUDIT_ID,
    sessionId: 's1.session',
    messageId: 'm-1',
    userText: 'Where is my parcel?',
    assistantText: 'It left the depot this morning.',
    status: 'ok',
    memoryStatus: 'ok',
    errorCode: null,
    errorClass: null,
    model: 'mock-model',
    promptTokens: 12,
    completionTokens: 8,
    ttftMs: 40,
    totalMs: 120,
    contextAuditIds: [],
    promptMessages: [{ role: 'user', content: 'Where is my parcel?' }],
    createdAt: '2025-05-01T10:00:00.000Z',
    completedAt: '2025-05-01T10:00:00.120Z',
    client: { userAgent: 'test', ipHash: null, origin: null },
    ...overrides,
  };
}

function fields(overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const base: Record<string, string | undefined> = {
    v: String(AUDIT_RECORD_VERSION),
    k: 'final',
    s: '3',
    r: JSON.stringify(turnRecord()),
    ...overrides,
  };
  return Object.fromEntries(Object.entries(base).filter(([, value]) => value !== undefined)) as Record<string, string>;
}

function reasonOf(result: ReturnType<typeof parseStreamEntry>): string {
  if (result.ok) throw new Error('expected the entry to be refused');
  return result.reason;
}

describe('parseStreamEntry', () => {
  it('reads a final entry with its turn number and record', () => {
    expect(parseStreamEntry(fields())).toEqual({ ok: true, entry: { kind: 'final', seq: 3, record: turnRecord() } });
  });

  it('reads a pending entry', () => {
    const pending = turnRecord({ status: 'pending', assistantText: null, completedAt: null });
    expect(parseStreamEntry(fields({ k: 'pending', s: '1', r: JSON.stringify(pending) }))).toEqual({
      ok: true,
      entry: { kind: 'pending', seq: 1, record: pending },
    });
  });

  it('reads a void entry, which carries only the audit and session ids', () => {
    const record = { auditId: AUDIT_ID, sessionId: 's1.session' };
    expect(parseStreamEntry(fields({ k: 'void', r: JSON.stringify(record) }))).toEqual({
      ok: true,
      entry: { kind: 'void', seq: 3, record },
    });
  });

  it('reads an empty or missing turn number as null (Postgres places the turn)', () => {
    expect(parseStreamEntry(fields({ s: '' }))).toMatchObject({ ok: true, entry: { seq: null } });
    expect(parseStreamEntry(fields({ s: undefined }))).toMatchObject({ ok: true, entry: { seq: null } });
  });

  it('refuses a version it cannot read, and names it', () => {
    expect(reasonOf(parseStreamEntry(fields({ v: '3' })))).toBe('unknown record version "3"');
    expect(reasonOf(parseStreamEntry(fields({ v: '1' })))).toContain('version');
    expect(reasonOf(parseStreamEntry(fields({ v: undefined })))).toBe('unknown record version null');
  });

  it('refuses an unknown entry kind, and names it', () => {
    expect(reasonOf(parseStreamEntry(fields({ k: 'done' })))).toBe('unknown entry kind "done"');
    expect(reasonOf(parseStreamEntry(fields({ k: undefined })))).toBe('unknown entry kind null');
  });

  it.each(['0', '-1', '1.5', 'abc', 'NaN'])('refuses the turn number %j', (s) => {
    expect(reasonOf(parseStreamEntry(fields({ s })))).toBe(`bad turn number ${s}`);
  });

  it('refuses a record that is not JSON, or missing', () => {
    expect(reasonOf(parseStreamEntry(fields({ r: '{"auditId":' })))).toBe('record is not JSON');
    expect(reasonOf(parseStreamEntry(fields({ r: undefined })))).toBe('record is not JSON');
  });

  it('refuses an invalid record and says which field is wrong', () => {
    const reason = reasonOf(parseStreamEntry(fields({ r: JSON.stringify({ ...turnRecord(), status: 'done' }) })));
    expect(reason).toMatch(/^invalid record: status: /);
    expect(reasonOf(parseStreamEntry(fields({ r: JSON.stringify(turnRecord({ auditId: 'not-a-uuid' })) })))).toMatch(
      /^invalid record: auditId: /,
    );
    expect(reasonOf(parseStreamEntry(fields({ k: 'void', r: JSON.stringify({ auditId: AUDIT_ID }) })))).toMatch(
      /^invalid record: sessionId: /,
    );
  });

  it('never throws, whatever it is given', () => {
    const inputs: unknown[] = [{}, { v: '2' }, { v: '2', k: 'final', s: '1', r: 'null' }, { v: '2', k: 'final', s: '1', r: '42' }];
    for (const input of inputs) {
      const result = parseStreamEntry(input as Record<string, string>);
      expect(result.ok).toBe(false);
      expect(typeof (result as { reason: string }).reason).toBe('string');
    }
  });
});

describe('streamFields', () => {
  const entries: AuditEntry[] = [
    { kind: 'pending', seq: 1, record: turnRecord({ status: 'pending', assistantText: null, completedAt: null }) },
    { kind: 'final', seq: 42, record: turnRecord({ status: 'model_error', errorCode: 'model_timeout' }) },
    { kind: 'final', seq: null, record: turnRecord() },
    { kind: 'void', seq: 7, record: { auditId: AUDIT_ID, sessionId: 's1.session' } },
  ];

  it.each(entries.map((entry) => [entry.kind, entry.seq, entry] as const))(
    'round-trips a %s entry with turn number %j',
    (_kind, _seq, entry) => {
      const written = streamFields(entry);
      expect(written.v).toBe(String(AUDIT_RECORD_VERSION));
      expect(Object.values(written).every((value) => typeof value === 'string')).toBe(true);
      expect(parseStreamEntry(written)).toEqual({ ok: true, entry });
    },
  );

  it('writes a missing turn number as an empty field', () => {
    expect(streamFields({ kind: 'final', seq: null, record: turnRecord() }).s).toBe('');
  });
});

describe('parseLegacyLine', () => {
  it('turns a v1 plain record into an entry without a turn number, final for a finished turn', () => {
    const v1 = turnRecord({ status: 'model_error', errorCode: 'model_unavailable' });
    expect(parseLegacyLine(JSON.stringify(v1))).toEqual({ ok: true, entry: { kind: 'final', seq: null, record: v1 } });
  });

  it('turns a v1 pending record into a pending entry', () => {
    const v1 = turnRecord({ status: 'pending', assistantText: null, completedAt: null });
    expect(parseLegacyLine(JSON.stringify(v1))).toEqual({ ok: true, entry: { kind: 'pending', seq: null, record: v1 } });
  });

  it('reads an enveloped line like a stream entry', () => {
    const entry: AuditEntry = { kind: 'final', seq: 5, record: turnRecord() };
    expect(parseLegacyLine(JSON.stringify(streamFields(entry)))).toEqual({ ok: true, entry });
  });

  it('keeps the reason of an enveloped line it cannot read', () => {
    const line = JSON.stringify({ ...streamFields({ kind: 'final', seq: 5, record: turnRecord() }), v: '9' });
    expect(parseLegacyLine(line)).toEqual({ ok: false, reason: 'unknown record version "9"' });
  });

  it('refuses garbage with a reason, never throws', () => {
    expect(parseLegacyLine('not json at all')).toEqual({ ok: false, reason: 'legacy outbox line is not JSON' });
    expect(parseLegacyLine('')).toEqual({ ok: false, reason: 'legacy outbox line is not JSON' });
    expect(parseLegacyLine('null')).toMatchObject({ ok: false, reason: expect.stringMatching(/^invalid record/) });
    expect(parseLegacyLine('{"auditId":"x"}')).toMatchObject({ ok: false, reason: expect.stringMatching(/^invalid record/) });
  });
});

describe('nextStreamId', () => {
  it('is the smallest id after the given one, so XTRIM MINID frees exactly what was applied', async () => {
    const { nextStreamId } = await import('@/lib/audit/redis-stream');
    expect(nextStreamId('1764633600000-0')).toBe('1764633600000-1');
    expect(nextStreamId('1764633600000-41')).toBe('1764633600000-42');
    expect(nextStreamId('1764633600000-18446744073709551614')).toBe('1764633600000-18446744073709551615');
  });
});
