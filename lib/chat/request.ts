import { z } from 'zod';
import { ApiError } from '@/lib/errors';
import { normalizeText, storedText } from '@/lib/prompt/sanitize';
import { SESSION_ID_MAX_LENGTH, sessionIdKind } from '@/lib/session-id';

/**
 * The browser may send a session id, its latest text and, optionally, its own id for that message
 * (so a resend after a network blip is answered once). Nothing else: no field can carry history.
 */
/** A session id as any customer endpoint accepts it (its signature is checked after parsing). */
export const sessionIdField = z.string().max(SESSION_ID_MAX_LENGTH * 2);

const chatRequestSchema = z.strictObject({
  sessionId: sessionIdField,
  text: z.string(),
  messageId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{8,64}$/, 'messageId must be 8-64 letters, digits, "-" or "_"')
    .optional(),
});

export interface ChatRequest {
  sessionId: string;
  /** As typed (see `storedText` in lib/prompt/sanitize.ts): what memory stores, the page shows and the audit keeps. */
  text: string;
  messageId: string | null;
}

/**
 * What decides whether a session id may be used: the secret that signs ids, and whether only
 * verified customers may chat. The app's Config is one; every customer endpoint passes it to
 * assertIssuedSessionId.
 */
export interface SessionPolicy {
  sessionSecret: string;
  identity: { required: boolean };
}

export interface ChatRequestLimits extends SessionPolicy {
  messageMaxChars: number;
}

/** Upper bound on the body: the longest allowed text, fully \u-escaped, plus the other fields. */
export function maxBodyBytes(messageMaxChars: number): number {
  return messageMaxChars * 12 + 1024;
}

export async function readJsonBody(request: Request, limitBytes: number): Promise<unknown> {
  const type = request.headers.get('content-type') ?? '';
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw new ApiError(415, 'unsupported_media_type', 'Send the request as application/json.');
  }
  const text = await readLimited(request, limitBytes);
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, 'invalid_json', 'The request body is not valid JSON.');
  }
}

/** The body as text, refused with 413 as soon as it passes `limitBytes` (declared or streamed). */
export async function readLimited(request: Request, limitBytes: number): Promise<string> {
  if (Number(request.headers.get('content-length') ?? '0') > limitBytes) throw tooLarge();
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limitBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function tooLarge(): ApiError {
  return new ApiError(413, 'payload_too_large', 'The request body is too large.');
}

export function parseChatRequest(body: unknown, limits: ChatRequestLimits): ChatRequest {
  const parsed = chatRequestSchema.safeParse(body);
  if (!parsed.success) {
    const unknown = parsed.error.issues.find((issue) => issue.code === 'unrecognized_keys');
    if (unknown && 'keys' in unknown) {
      throw new ApiError(
        400,
        'unknown_field',
        `Only "sessionId", "text" and "messageId" may be sent; remove: ${unknown.keys.map((k) => `"${k}"`).join(', ')}.`,
      );
    }
    const first = parsed.error.issues[0];
    const where = first?.path.length ? `${first.path.join('.')}: ` : '';
    throw new ApiError(
      400,
      'invalid_request',
      `${where}${first?.message ?? 'invalid request'}. Expected {"sessionId": string, "text": string}.`,
    );
  }
  const { sessionId, text, messageId } = parsed.data;
  assertIssuedSessionId(sessionId, limits);
  const stored = storedText(text);
  // Empty is judged on what the model would see: a message of only invisible characters says nothing.
  if (isBlank(normalizeText(stored))) throw new ApiError(400, 'empty_text', 'The message is empty.');
  // The limit applies to what is stored (String#length, as the composer counts it).
  if (stored.length > limits.messageMaxChars) {
    throw new ApiError(
      400,
      'text_too_long',
      `The message is ${stored.length} characters long; the limit is ${limits.messageMaxChars}.`,
    );
  }
  return { sessionId, text: stored, messageId: messageId ?? null };
}

/** Only whitespace and joiners (kept by normalizeText for the languages that need them). */
function isBlank(text: string): boolean {
  return text.replace(/[\u200C\u200D]/g, '').trim() === '';
}

/**
 * A small JSON body (`{sessionId, …}`) parsed strictly: an unknown field is `unknown_field`, any other
 * mismatch `invalid_request` naming what was expected, and the session id must be one we issued.
 */
export async function readSessionBody<T extends { sessionId: string }>(
  request: Request,
  schema: z.ZodType<T>,
  expected: string,
  sessions: SessionPolicy,
): Promise<T> {
  const parsed = schema.safeParse(await readJsonBody(request, 2048));
  if (!parsed.success) {
    const unknown = parsed.error.issues.some((issue) => issue.code === 'unrecognized_keys');
    throw new ApiError(400, unknown ? 'unknown_field' : 'invalid_request', `Expected ${expected} and nothing else.`);
  }
  assertIssuedSessionId(parsed.data.sessionId, sessions);
  return parsed.data;
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
    throw new ApiError(401, 'identity_required', 'Sign in on the site to chat: only verified customers may use this chat.');
  }
}
