import { z } from 'zod';
import { ApiError } from '@/lib/errors';
import { readLimited } from '@/lib/http/body';
import { parseInput } from '@/lib/http/zod';

/**
 * POST /api/session's body: nothing (or `{}`) for an anonymous conversation, or the host site's
 * signed token for its customer, optionally asking for a fresh conversation. Nothing else.
 */
const createSessionSchema = z.strictObject({
  // The token's own length limit is judged by the verifier (401 invalid_identity, not 400).
  userToken: z.string().optional(),
  newConversation: z.boolean().optional(),
});

export interface CreateSessionRequest {
  userToken: string | null;
  newConversation: boolean;
}

/** Room for the longest token we accept (4 KB) and the rest of the body. */
export const CREATE_SESSION_BODY_MAX_BYTES = 8192;

const ANONYMOUS: CreateSessionRequest = { userToken: null, newConversation: false };

export async function readCreateSessionRequest(request: Request): Promise<CreateSessionRequest> {
  const text = await readLimited(request, CREATE_SESSION_BODY_MAX_BYTES);
  // Today's clients send no body at all: still an anonymous conversation.
  if (text.trim() === '') return ANONYMOUS;
  const type = request.headers.get('content-type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw new ApiError(415, 'unsupported_media_type', 'Send the request as application/json.');
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ApiError(400, 'invalid_json', 'The request body is not valid JSON.');
  }
  return parseCreateSessionRequest(body);
}

export function parseCreateSessionRequest(body: unknown): CreateSessionRequest {
  const { userToken, newConversation } = parseInput(createSessionSchema, body, {
    expected: '{} or {"userToken": string, "newConversation"?: boolean}',
    allowed: ['userToken', 'newConversation'],
  });
  if (newConversation && userToken === undefined) {
    throw new ApiError(400, 'invalid_request', '"newConversation" needs a "userToken": anonymous conversations are always new.');
  }
  return { userToken: userToken ?? null, newConversation: newConversation ?? false };
}
