import type { ChatEvent, MessagesResponse, RememberedMessage } from '@/lib/chat/events';
import { readChatEvents } from './sse';

/** Codes this client raises itself, next to the server's own (`invalid_session`, `rate_limited`, …). */
export type ClientErrorCode = 'network_error' | 'stream_interrupted' | 'bad_response';

/** A failed API call. `status` is the HTTP status, or 0 when no answer arrived at all. */
export class ChatApiError extends Error {
  override name = 'ChatApiError';
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export interface NewSession {
  sessionId: string;
  expiresAt: string;
}

export interface SendMessageRequest {
  sessionId: string;
  text: string;
  /** Idempotency key: the same id is sent again when the same message is retried. */
  messageId: string;
}

/** What a turn streams once it is accepted; an `error` event is raised as a ChatApiError instead. */
export type TurnEvent = Exclude<ChatEvent, { event: 'error' }>;

const MESSAGES = {
  network_error: "We couldn't reach support. Check your connection and try again.",
  stream_interrupted: 'The reply was interrupted. Please try again.',
  bad_response: 'Something went wrong on our side. Please try again.',
} satisfies Record<ClientErrorCode, string>;

function clientError(code: ClientErrorCode, status: number): ChatApiError {
  return new ChatApiError(code, MESSAGES[code], status);
}

export function isInvalidSession(error: unknown): boolean {
  return error instanceof ChatApiError && error.code === 'invalid_session';
}

function isAbortError(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** fetch, with transport failures turned into a typed error; aborts pass through untouched. */
async function request(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    if (isAbortError(error)) throw error;
    throw clientError('network_error', 0);
  }
}

/** Turns a non-2xx answer into a ChatApiError, keeping the server's code and customer-facing message. */
async function errorFromResponse(response: Response): Promise<ChatApiError> {
  const body: unknown = await response.json().catch(() => null);
  if (isRecord(body) && isRecord(body.error)) {
    const { code, message } = body.error;
    if (typeof code === 'string' && typeof message === 'string') {
      return new ChatApiError(code, message, response.status);
    }
  }
  return clientError('bad_response', response.status);
}

async function readJson(response: Response): Promise<unknown> {
  if (!response.ok) throw await errorFromResponse(response);
  try {
    return await response.json();
  } catch (error) {
    if (isAbortError(error)) throw error;
    throw clientError('bad_response', response.status);
  }
}

export async function createSession(signal?: AbortSignal): Promise<NewSession> {
  const response = await request('/api/session', { method: 'POST', headers: { Accept: 'application/json' }, signal });
  const body = await readJson(response);
  if (isRecord(body) && typeof body.sessionId === 'string' && typeof body.expiresAt === 'string') {
    return { sessionId: body.sessionId, expiresAt: body.expiresAt };
  }
  throw clientError('bad_response', response.status);
}

function isRememberedMessage(value: unknown): value is RememberedMessage {
  return (
    isRecord(value) &&
    (value.role === 'user' || value.role === 'assistant') &&
    typeof value.text === 'string' &&
    typeof value.at === 'string' &&
    typeof value.auditId === 'string'
  );
}

function isMessagesResponse(value: unknown): value is MessagesResponse {
  return (
    isRecord(value) &&
    typeof value.sessionId === 'string' &&
    typeof value.memory === 'string' &&
    (value.notice === null || typeof value.notice === 'string') &&
    Array.isArray(value.messages) &&
    value.messages.every(isRememberedMessage)
  );
}

/** The conversation as the server remembers it; the browser keeps no copy of its own. */
export async function loadMessages(sessionId: string, signal?: AbortSignal): Promise<MessagesResponse> {
  const response = await request(`/api/session/${encodeURIComponent(sessionId)}/messages`, {
    headers: { Accept: 'application/json' },
    cache: 'no-store',
    signal,
  });
  const body = await readJson(response);
  if (isMessagesResponse(body)) return body;
  throw clientError('bad_response', response.status);
}

/**
 * Sends one message and yields the reply as it streams. Ends after `done`; throws a ChatApiError
 * for a 4xx/5xx answer, an `error` event, a dropped connection, or a stream that stops before `done`.
 */
export async function* sendMessage(
  body: SendMessageRequest,
  signal?: AbortSignal,
): AsyncGenerator<TurnEvent, void, undefined> {
  const response = await request('/api/chat', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' },
    body: JSON.stringify(body),
    signal,
  });
  if (!response.ok) throw await errorFromResponse(response);
  const contentType = response.headers.get('Content-Type') ?? '';
  if (!response.body || !contentType.includes('text/event-stream')) throw clientError('bad_response', response.status);

  try {
    for await (const event of readChatEvents(response.body)) {
      if (event.event === 'error') throw new ChatApiError(event.data.code, event.data.message, response.status);
      yield event;
      if (event.event === 'done') return;
    }
  } catch (error) {
    if (error instanceof ChatApiError || isAbortError(error)) throw error;
    throw clientError('network_error', response.status);
  }
  throw clientError('stream_interrupted', response.status);
}
