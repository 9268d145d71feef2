import { ApiError } from '@/lib/errors';
import { sessionIdKind } from '@/lib/session-id';

/**
 * What decides whether a session id may be used: the secret that signs ids, and whether only
 * verified customers may chat. The app's Config is one; every customer endpoint passes it to
 * assertIssuedSessionId.
 */
export interface SessionPolicy {
  sessionSecret: string;
  identity: { required: boolean };
}

/**
 * The one gate every customer endpoint (chat, stop, feedback, messages, resume) passes a session id
 * through: it must be one this server issued and, when WIDGET_IDENTITY_REQUIRED is on, one issued to
 * a verified customer (told by its version, no lookup), before anything is read or stored.
 */
export function assertIssuedSessionId(sessionId: unknown, policy: SessionPolicy): asserts sessionId is string {
  const kind = sessionIdKind(policy.sessionSecret, sessionId);
  if (kind === null) {
    throw new ApiError(
      400,
      'invalid_session',
      'This conversation id was not issued by this server. Start a new conversation.',
    );
  }
  if (kind === 'anonymous' && policy.identity.required) {
    throw new ApiError(
      401,
      'identity_required',
      'Sign in on the site to chat: only verified customers may use this chat.',
    );
  }
}
