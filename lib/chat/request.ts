import { z } from 'zod';
import { ApiError } from '@/lib/errors';
import { assertIssuedSessionId, type SessionPolicy } from '@/lib/http/session';
import { parseInput, type ZodWording } from '@/lib/http/zod';
import { normalizeText, storedText } from '@/lib/prompt/sanitize';
import { sessionIdSchema } from '@/lib/session-id';

/**
 * The browser may send a session id, its latest text and, optionally, its own id for that message
 * (so a resend after a network blip is answered once). Nothing else: no field can carry history.
 */
export const chatRequestSchema = z.strictObject({
  sessionId: sessionIdSchema,
  text: z.string(),
  messageId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{8,64}$/, 'messageId must be 8-64 letters, digits, "-" or "_"')
    .optional(),
});

export const chatRequestWording: ZodWording = {
  expected: '{"sessionId": string, "text": string}',
  detail: true,
  allowed: ['sessionId', 'text', 'messageId'],
};

export interface ChatRequest {
  sessionId: string;
  /** As typed (see `storedText` in lib/prompt/sanitize.ts): what memory stores, the page shows and the audit keeps. */
  text: string;
  messageId: string | null;
}

export interface ChatRequestLimits extends SessionPolicy {
  messageMaxChars: number;
}

/** Upper bound on the body: the longest allowed text, fully \u-escaped, plus the other fields. */
export function maxBodyBytes(messageMaxChars: number): number {
  return messageMaxChars * 12 + 1024;
}

/** A parsed chat body, whole: the schema, the session gate, then the text's own checks. */
export function parseChatRequest(body: unknown, limits: ChatRequestLimits): ChatRequest {
  const parsed = parseInput(chatRequestSchema, body, chatRequestWording);
  assertIssuedSessionId(parsed.sessionId, limits);
  return checkChatText(parsed, limits);
}

/** The text's checks, after the schema and the session gate: not empty, not too long. */
export function checkChatText(
  body: z.infer<typeof chatRequestSchema>,
  limits: { messageMaxChars: number },
): ChatRequest {
  const { sessionId, text, messageId } = body;
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
