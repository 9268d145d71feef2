import { logMessageTextEnabled } from '@/lib/config';
import { log } from '@/lib/observability/log';
import { sessionRef } from '@/lib/session-ref';

/**
 * One JSON line per finished turn: what an operator needs to follow a conversation's health
 * without reading it. The session appears as its non-secret reference (the id is the customer's
 * bearer key); message text only with LOG_MESSAGE_TEXT=on.
 */
export interface TurnLogFields {
  auditId: string;
  sessionId: string;
  status: string;
  memoryStatus: string;
  errorCode: string | null;
  model: string;
  /** Whether the exchange was stored in memory. */
  remembered: boolean;
  promptMessages: number;
  promptTokens: number | null;
  completionTokens: number | null;
  ttftMs: number | null;
  totalMs: number | null;
  userText?: string;
  assistantText?: string | null;
}

let messageText: boolean | undefined;

/** Tests set it explicitly; otherwise LOG_MESSAGE_TEXT decides, read once. */
export function setTurnLogMessageText(value: boolean | undefined): void {
  messageText = value;
}

export function turnLogEntry(fields: TurnLogFields, withText: boolean): Record<string, unknown> {
  const { sessionId, userText, assistantText, ...rest } = fields;
  return {
    ...rest,
    session: sessionRef(sessionId),
    ...(withText ? { userText: userText ?? null, assistantText: assistantText ?? null } : {}),
  };
}

export function logTurn(fields: TurnLogFields): void {
  messageText ??= logMessageTextEnabled();
  log.info('turn', turnLogEntry(fields, messageText));
}
