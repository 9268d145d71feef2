import { describe, expect, it } from 'vitest';
import { parseFeedbackRequest } from '@/lib/chat/feedback';
import { StopRegistry } from '@/lib/chat/stops';
import { issueSessionId } from '@/lib/session-id';

const SECRET = 'unit-test-secret-0123456789abcdef0123456789';
const SESSIONS = { sessionSecret: SECRET, identity: { required: false } };
const SESSION = issueSessionId(SECRET);
const AUDIT = '0190a000-0000-7000-8000-000000000002';

describe('stopping a running turn (StopRegistry)', () => {
  it('aborts only the turn of the asking session, once', () => {
    const registry = new StopRegistry();
    const controller = new AbortController();
    const unregister = registry.register(AUDIT, SESSION, controller);
    expect(registry.stop(AUDIT, 'another-session')).toBe(false);
    expect(controller.signal.aborted).toBe(false);
    expect(registry.stop(AUDIT, SESSION)).toBe(true);
    expect(controller.signal.aborted).toBe(true);
    unregister();
    expect(registry.stop(AUDIT, SESSION)).toBe(false);
  });
});

describe('feedback request', () => {
  it('accepts up, down and null, nothing else', () => {
    for (const rating of ['up', 'down', null] as const) {
      expect(parseFeedbackRequest({ sessionId: SESSION, auditId: AUDIT, rating }, SESSIONS).rating).toBe(rating);
    }
    expect(() => parseFeedbackRequest({ sessionId: SESSION, auditId: AUDIT, rating: 'meh' }, SESSIONS)).toThrow(
      expect.objectContaining({ code: 'invalid_request' }),
    );
    expect(() => parseFeedbackRequest({ sessionId: SESSION, auditId: AUDIT, rating: 'up', extra: 1 }, SESSIONS)).toThrow(
      expect.objectContaining({ code: 'unknown_field' }),
    );
    expect(() => parseFeedbackRequest({ sessionId: 'forged', auditId: AUDIT, rating: 'up' }, SESSIONS)).toThrow(
      expect.objectContaining({ code: 'invalid_session' }),
    );
  });
});
