import { describe, expect, it } from 'vitest';
import { issueSessionId, SESSION_ID_MAX_LENGTH, sessionIdKind, verifiedSessionId, verifySessionId } from '@/lib/session-id';

const SECRET = 'identity-session-secret-0123456789abcdef01';
const OTHER = 'another-deployment-secret-0123456789abcdef';

describe('verified session ids', () => {
  it('are the same for the same sub and generation, on any instance sharing the secret', () => {
    expect(verifiedSessionId(SECRET, 'user-42', 0)).toBe(verifiedSessionId(SECRET, 'user-42', 0));
    expect(sessionIdKind(SECRET, verifiedSessionId(SECRET, 'user-42', 0))).toBe('verified');
  });

  it('differ by sub, by generation and by secret', () => {
    const ids = new Set([
      verifiedSessionId(SECRET, 'user-42', 0),
      verifiedSessionId(SECRET, 'user-42', 1),
      verifiedSessionId(SECRET, 'user-43', 0),
      verifiedSessionId(SECRET, 'user-4', 20),
      verifiedSessionId(SECRET, '2:user-4', 0),
      verifiedSessionId(OTHER, 'user-42', 0),
    ]);
    expect(ids.size).toBe(6);
    expect(verifySessionId(SECRET, verifiedSessionId(OTHER, 'user-42', 0))).toBe(false);
  });

  it('have the anonymous ids\' length and are told apart from them by their version alone', () => {
    const verified = verifiedSessionId(SECRET, 'user-42', 0);
    const anonymous = issueSessionId(SECRET);
    expect(verified).toHaveLength(SESSION_ID_MAX_LENGTH);
    expect(verified.startsWith('s2.')).toBe(true);
    expect(sessionIdKind(SECRET, anonymous)).toBe('anonymous');
    expect(verifySessionId(SECRET, verified)).toBe(true);
  });

  it('cannot be made by relabelling an anonymous id, nor the other way round', () => {
    const anonymous = issueSessionId(SECRET);
    const verified = verifiedSessionId(SECRET, 'user-42', 0);
    expect(sessionIdKind(SECRET, `s2${anonymous.slice(2)}`)).toBeNull();
    expect(sessionIdKind(SECRET, `s1${verified.slice(2)}`)).toBeNull();
  });

  it('do not reveal the sub', () => {
    expect(verifiedSessionId(SECRET, 'ada@example.com', 0)).not.toContain('ada');
  });

  it('rejects a generation that is not a non-negative integer', () => {
    expect(() => verifiedSessionId(SECRET, 'user-42', -1)).toThrow();
    expect(() => verifiedSessionId(SECRET, 'user-42', 1.5)).toThrow();
  });
});
