import { describe, expect, it } from 'vitest';
import { issueSessionId } from '@/lib/session-id';
import { SESSION_REF_PATTERN, sessionRef } from '@/lib/session-ref';

describe('sessionRef', () => {
  it('is stable for one session and differs between sessions', () => {
    const a = issueSessionId('x'.repeat(32));
    const b = issueSessionId('x'.repeat(32));
    expect(sessionRef(a)).toBe(sessionRef(a));
    expect(sessionRef(a)).not.toBe(sessionRef(b));
  });

  it('has the documented shape and never contains the id', () => {
    const id = issueSessionId('y'.repeat(32));
    const ref = sessionRef(id);
    expect(ref).toMatch(SESSION_REF_PATTERN);
    for (const part of id.split('.')) expect(ref).not.toContain(part);
  });
});
