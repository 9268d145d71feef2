import { ApiError } from '@/lib/errors';
import type { Database } from '@/lib/db/client';
import { claimConversation } from '@/lib/identity/conversations';
import type { CreateSessionRequest } from '@/lib/identity/session-request';
import { verifyIdentityToken, type VerifiedIdentity } from '@/lib/identity/token';
import { issueSessionId } from '@/lib/session-id';

export interface IssuedSession {
  sessionId: string;
  identity: VerifiedIdentity | null;
  /** A conversation nobody has used yet: memory may note it as new and empty. */
  fresh: boolean;
}

export interface IssueDeps {
  sessionSecret: string;
  identity: { secret: string | undefined; required: boolean };
  database(): Promise<Database>;
}

/**
 * Which conversation a POST /api/session opens. Every refusal happens before anything is written:
 * a bad token never reaches the database.
 */
export async function issueSession(deps: IssueDeps, request: CreateSessionRequest, now: Date): Promise<IssuedSession> {
  if (request.userToken === null) {
    if (deps.identity.required) {
      throw new ApiError(401, 'identity_required', 'Sign in on the site to chat: only verified customers may use this chat.');
    }
    return { sessionId: issueSessionId(deps.sessionSecret), identity: null, fresh: true };
  }
  if (!deps.identity.secret) {
    throw new ApiError(400, 'identity_not_configured', 'This chat does not verify customers: WIDGET_IDENTITY_SECRET is not set on the server.');
  }
  const identity = await verifyIdentityToken(request.userToken, deps.identity.secret, now);
  const claimed = await claimConversation(await deps.database(), deps.sessionSecret, identity, {
    newConversation: request.newConversation,
    now,
  });
  return { sessionId: claimed.sessionId, identity, fresh: claimed.created };
}
