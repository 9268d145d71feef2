import { describe, expect, it } from 'vitest';
import { parseFeedbackRequest } from '@/lib/chat/feedback';
import { parseStopRequest, registerRunningTurn, stopRunningTurn } from '@/lib/chat/stop';
import { issueSessionId } from '@/lib/session-id';

const SECRET = 'unit-test-secret-0123456789abcdef0123456789';
const SESSION = issueSessionId(SECRET);
const AUDIT = '0190a000-0000-7000-8000-000000000002';

describe('stopping a running turn', () => {
  it('aborts only the turn of the asking session, once', () => {
    const turn = registerRunningTurn(AUDIT, SESSION);
    expect(stopRunningTurn('another-session', AUDIT)).toBe(false);
    expect(turn.signal.aborted).toBe(false);
    expect(stopRunningTurn(SESSION, AUDIT)).toBe(true);
    expect(turn.signal.aborted).toBe(true);
    expect(stopRunningTurn(SESSION, AUDIT)).toBe(false);
  });

  it('validates the stop request and the session signature', () => {
    expect(parseStopRequest({ sessionId: SESSION, auditId: AUDIT }, SECRET)).toEqual({ sessionId: SESSION, auditId: AUDIT });
    expect(() => parseStopRequest({ sessionId: SESSION, auditId: 'nope' }, SECRET)).toThrow(expect.objectContaining({ code: 'invalid_request' }));
    expect(() => parseStopRequest({ sessionId: 's1.x.y', auditId: AUDIT }, SECRET)).toThrow(expect.objectContaining({ code: 'invalid_session' }));
  });
});

describe('feedback request', () => {
  it('accepts up, down and null, nothing else', () => {
    for (const rating of ['up', 'down', null] as const) {
      expect(parseFeedbackRequest({ sessionId: SESSION, auditId: AUDIT, rating }, SECRET).rating).toBe(rating);
    }
    expect(() => parseFeedbackRequest({ sessionId: SESSION, auditId: AUDIT, rating: 'meh' }, SECRET)).toThrow(
      expect.objectContaining({ code: 'invalid_request' }),
    );
    expect(() => parseFeedbackRequest({ sessionId: SESSION, auditId: AUDIT, rating: 'up', extra: 1 }, SECRET)).toThrow(
      expect.objectContaining({ code: 'unknown_field' }),
    );
    expect(() => parseFeedbackRequest({ sessionId: 'forged', auditId: AUDIT, rating: 'up' }, SECRET)).toThrow(
      expect.objectContaining({ code: 'invalid_session' }),
    );
  });
});
