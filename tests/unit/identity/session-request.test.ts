import { describe, expect, it } from 'vitest';
import { parseFeedbackRequest } from '@/lib/chat/feedback';
import { assertIssuedSessionId } from '@/lib/http/session';
import { parseResumeRequest } from '@/lib/chat/resume';
import { isApiError } from '@/lib/errors';
import { parseCreateSessionRequest, readCreateSessionRequest } from '@/lib/identity/session-request';
import { issueSessionId, verifiedSessionId } from '@/lib/session-id';

const SECRET = 'identity-session-secret-0123456789abcdef01';

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (isApiError(error)) return `${error.status} ${error.code}`;
    throw error;
  }
  return 'accepted';
}

describe('POST /api/session body', () => {
  it('is anonymous with no body, an empty body or {}', async () => {
    const anonymous = { userToken: null, newConversation: false };
    expect(await readCreateSessionRequest(new Request('http://t/api/session', { method: 'POST' }))).toEqual(anonymous);
    expect(
      await readCreateSessionRequest(new Request('http://t/api/session', { method: 'POST', body: '', headers: { 'content-type': 'application/json' } })),
    ).toEqual(anonymous);
    expect(
      await readCreateSessionRequest(new Request('http://t/api/session', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })),
    ).toEqual(anonymous);
  });

  it('carries the token and the new-conversation wish', () => {
    expect(parseCreateSessionRequest({ userToken: 'a.b.c', newConversation: true })).toEqual({ userToken: 'a.b.c', newConversation: true });
  });

  it('refuses unknown fields, wrong types and newConversation without a token', () => {
    expect(codeOf(() => parseCreateSessionRequest({ userToken: 'a.b.c', sub: 'x' }))).toBe('400 unknown_field');
    expect(codeOf(() => parseCreateSessionRequest({ userToken: 42 }))).toBe('400 invalid_request');
    expect(codeOf(() => parseCreateSessionRequest({ newConversation: true }))).toBe('400 invalid_request');
    expect(codeOf(() => parseCreateSessionRequest([]))).toBe('400 invalid_request');
  });

  it('refuses a body that is not JSON', async () => {
    await expect(
      readCreateSessionRequest(new Request('http://t/api/session', { method: 'POST', body: 'userToken=x', headers: { 'content-type': 'text/plain' } })),
    ).rejects.toMatchObject({ code: 'unsupported_media_type' });
    await expect(
      readCreateSessionRequest(new Request('http://t/api/session', { method: 'POST', body: '{', headers: { 'content-type': 'application/json' } })),
    ).rejects.toMatchObject({ code: 'invalid_json' });
  });
});

describe('assertIssuedSessionId with identity required', () => {
  const required = { sessionSecret: SECRET, identity: { required: true } };
  const optional = { sessionSecret: SECRET, identity: { required: false } };

  it('refuses an anonymous id with identity_required and lets a verified one through', () => {
    expect(codeOf(() => assertIssuedSessionId(issueSessionId(SECRET), required))).toBe('401 identity_required');
    expect(codeOf(() => assertIssuedSessionId(verifiedSessionId(SECRET, 'user-1', 0), required))).toBe('accepted');
  });

  it('accepts both kinds when not required, and forged ids in neither mode', () => {
    expect(codeOf(() => assertIssuedSessionId(issueSessionId(SECRET), optional))).toBe('accepted');
    expect(codeOf(() => assertIssuedSessionId(verifiedSessionId(SECRET, 'user-1', 0), optional))).toBe('accepted');
    expect(codeOf(() => assertIssuedSessionId('s2.forged', required))).toBe('400 invalid_session');
    expect(codeOf(() => assertIssuedSessionId(verifiedSessionId('x'.repeat(40), 'user-1', 0), optional))).toBe('400 invalid_session');
  });
});

describe('required mode on the endpoints that parse their own ids', () => {
  const required = { sessionSecret: SECRET, identity: { required: true } };
  const auditId = '00000000-0000-4000-8000-000000000000';

  it('feedback and resume refuse an anonymous id and accept a verified one', async () => {
    const anonymous = issueSessionId(SECRET);
    const verified = verifiedSessionId(SECRET, 'user-1', 0);
    expect(codeOf(() => parseFeedbackRequest({ sessionId: anonymous, auditId, rating: 'up' }, required))).toBe('401 identity_required');
    expect(codeOf(() => parseFeedbackRequest({ sessionId: verified, auditId, rating: 'up' }, required))).toBe('accepted');
    const resume = (sessionId: string) =>
      new Request('http://t/api/chat/resume', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sessionId, auditId }) });
    await expect(parseResumeRequest(resume(anonymous), required)).rejects.toMatchObject({ status: 401, code: 'identity_required' });
    await expect(parseResumeRequest(resume(verified), required)).resolves.toEqual({ sessionId: verified, auditId });
  });
});
