import { describe, expect, it } from 'vitest';
import { issueSessionId } from '@/lib/session-id';
import { SESSION_REF_PATTERN, sessionRef, withSessionRefs } from '@/lib/session-ref';

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

  it('is its own reference, so code holding an id or a reference can pass either', () => {
    const ref = sessionRef(issueSessionId('z'.repeat(32)));
    expect(sessionRef(ref)).toBe(ref);
  });
});

describe('withSessionRefs', () => {
  it('replaces every session id inside a text by its reference, and nothing else', () => {
    const a = issueSessionId('s'.repeat(32));
    const b = issueSessionId('t'.repeat(32));
    const payload = JSON.stringify({ v: '2', r: JSON.stringify({ sessionId: a, userText: `mine is ${b}` }) });
    const scrubbed = withSessionRefs(payload);
    expect(scrubbed).not.toContain(a);
    expect(scrubbed).not.toContain(b);
    expect(scrubbed).toContain(sessionRef(a));
    expect(scrubbed).toContain(sessionRef(b));
    expect(withSessionRefs('s1.not-an-id and plain text')).toBe('s1.not-an-id and plain text');
  });
});
