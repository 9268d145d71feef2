import { afterEach, describe, expect, it } from 'vitest';
import { errorFields, log, setLogSink } from '@/lib/observability/log';
import { setTurnLogMessageText, logTurn, type TurnLogFields } from '@/lib/observability/turn-log';
import { sessionRef } from '@/lib/session-ref';
import { logMessageTextEnabled } from '@/lib/config';

const lines: string[] = [];
setLogSink((line) => lines.push(line));

afterEach(() => {
  lines.length = 0;
  setTurnLogMessageText(undefined);
});

describe('the JSON logger', () => {
  it('writes one JSON object per line: level, time, msg, then the fields', () => {
    log.warn('memory unavailable', { session: 'c_abc', attempt: 2 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('\n');
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(Object.keys(entry).slice(0, 3)).toEqual(['level', 'time', 'msg']);
    expect(entry).toEqual({ level: 'warn', time: expect.any(String), msg: 'memory unavailable', session: 'c_abc', attempt: 2 });
    expect(new Date(entry.time as string).toString()).not.toBe('Invalid Date');
  });

  it('serialises errors by name, message and code, and survives fields that cannot be serialised', () => {
    const error = Object.assign(new Error('boom'), { code: 'model_timeout' });
    expect(errorFields(error)).toEqual({ error: 'boom', errorName: 'Error', errorCode: 'model_timeout' });
    expect(errorFields('plain')).toEqual({ error: 'plain' });
    log.error('nested', { cause: error });
    expect(JSON.parse(lines[0]!)).toMatchObject({ cause: { error: 'boom', errorCode: 'model_timeout' } });
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    log.info('cycle', { cycle });
    expect(JSON.parse(lines[1]!)).toEqual({ level: 'info', time: expect.any(String), msg: 'cycle', unserialisable: true });
  });
});

describe('logTurn', () => {
  const sessionId = 's1.secret-session-id.tag';
  const fields: TurnLogFields = {
    auditId: '0190aaaa-0000-7000-8000-000000000001',
    sessionId,
    status: 'ok',
    memoryStatus: 'ok',
    errorCode: null,
    model: 'mock-model',
    remembered: true,
    promptMessages: 4,
    promptTokens: 120,
    completionTokens: 30,
    ttftMs: 40,
    totalMs: 90,
    userText: 'my card is 4111 1111 1111 1111',
    assistantText: 'Thanks',
  };

  it('logs statuses, sizes, tokens and timings with the session reference, never the id or the text', () => {
    setTurnLogMessageText(false);
    logTurn(fields);
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(entry).toMatchObject({ level: 'info', msg: 'turn', session: sessionRef(sessionId), status: 'ok', promptTokens: 120, totalMs: 90 });
    expect(lines[0]).not.toContain(sessionId);
    expect(lines[0]).not.toContain('4111');
    expect(entry).not.toHaveProperty('userText');
  });

  it('includes the message text only when LOG_MESSAGE_TEXT=on', () => {
    setTurnLogMessageText(true);
    logTurn(fields);
    expect(JSON.parse(lines[0]!)).toMatchObject({ userText: fields.userText, assistantText: 'Thanks' });
    expect(logMessageTextEnabled({ LOG_MESSAGE_TEXT: 'on' })).toBe(true);
    expect(logMessageTextEnabled({ LOG_MESSAGE_TEXT: 'off' })).toBe(false);
    expect(logMessageTextEnabled({})).toBe(false);
    expect(logMessageTextEnabled({ LOG_MESSAGE_TEXT: 'yes' })).toBe(false);
  });
});
