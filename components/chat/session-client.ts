import type { ChatEvent, ConversationView, LiveReplyInfo, MessagesResponse, RememberedMessage } from '@/lib/chat/events';
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
    /** From a Retry-After header (429, 409): when the customer may try again. */
    readonly retryAfterSec: number | null = null,
  ) {
    super(message);
  }
}

/** Who the host site says the customer is, as Tether verified it (POST /api/session with a userToken). */
export interface VerifiedIdentity {
  sub: string;
  name?: string;
  email?: string;
}

export interface NewSession {
  sessionId: string;
  expiresAt: string;
  /** Null for an anonymous conversation. */
  identity: VerifiedIdentity | null;
}

export interface CreateSessionOptions {
  /** The host site's signed token for its signed-in customer (never put in a URL). */
  userToken?: string | null;
  /** With a userToken: a fresh conversation for that customer instead of their current one. */
  newConversation?: boolean;
}

/** The identity errors of POST /api/session: the host page said who the customer is and it did not hold. */
const IDENTITY_ERRORS = new Set(['invalid_identity', 'identity_expired', 'identity_required', 'identity_not_configured']);

export function isIdentityError(error: unknown): boolean {
  return error instanceof ChatApiError && IDENTITY_ERRORS.has(error.code);
}

export interface SendMessageRequest {
  sessionId: string;
  text: string;
  /** Idempotency key: the same id is sent again when the same message is retried. */
  messageId: string;
}

/** What a turn streams once it is accepted; an `error` event is raised as a ChatApiError instead. */
export type TurnEvent = Exclude<ChatEvent, { event: 'error' }>;

// Said without blaming the customer's network: we cannot tell whose side failed.
const MESSAGES = {
  network_error: 'We couldn’t reach our support service just now. We’ll keep trying; you can also retry.',
  stream_interrupted: 'The reply was cut off on its way to you. Please retry.',
  bad_response: 'Something went wrong on our side. Please try again.',
} satisfies Record<ClientErrorCode, string>;

function clientError(code: ClientErrorCode, status: number): ChatApiError {
  return new ChatApiError(code, MESSAGES[code], status);
}

export function isInvalidSession(error: unknown): boolean {
  return error instanceof ChatApiError && error.code === 'invalid_session';
}

/** The failed call's error, or null for anything else (an abort, a bug): callers read its code, not its class. */
export function apiError(error: unknown): ChatApiError | null {
  return error instanceof ChatApiError ? error : null;
}

/** No answer arrived, or the reply was cut off on the way: the connection, not the request, is at fault. */
export function isNetworkError(error: unknown): boolean {
  const code = apiError(error)?.code;
  return code === 'network_error' || code === 'stream_interrupted';
}

/** A stored id the server rejects outright (forged, malformed, unknown) is useless and is replaced. */
export function isRejectedSession(error: unknown): boolean {
  const status = apiError(error)?.status;
  return isInvalidSession(error) || status === 400 || status === 404;
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
      const retryAfter = Number(response.headers.get('Retry-After'));
      return new ChatApiError(code, message, response.status, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null);
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

function parseIdentity(value: unknown): VerifiedIdentity | null {
  if (!isRecord(value) || typeof value.sub !== 'string') return null;
  return {
    sub: value.sub,
    ...(typeof value.name === 'string' ? { name: value.name } : {}),
    ...(typeof value.email === 'string' ? { email: value.email } : {}),
  };
}

export async function createSession(options: CreateSessionOptions = {}, signal?: AbortSignal): Promise<NewSession> {
  const { userToken, newConversation } = options;
  // Anonymous: no body at all, as before. With a token: it travels in the body, never in a URL.
  const init: RequestInit = userToken
    ? {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(newConversation ? { userToken, newConversation: true } : { userToken }),
        signal,
      }
    : { method: 'POST', headers: { Accept: 'application/json' }, signal };
  const response = await request('/api/session', init);
  const body = await readJson(response);
  if (isRecord(body) && typeof body.sessionId === 'string' && typeof body.expiresAt === 'string') {
    return { sessionId: body.sessionId, expiresAt: body.expiresAt, identity: parseIdentity(body.identity) };
  }
  throw clientError('bad_response', response.status);
}

function isRememberedMessage(value: unknown): value is RememberedMessage {
  return (
    isRecord(value) &&
    (value.role === 'user' || value.role === 'assistant' || (value.role === 'agent' && typeof value.agentName === 'string')) &&
    typeof value.text === 'string' &&
    typeof value.at === 'string' &&
    typeof value.auditId === 'string' &&
    (value.rating === undefined || value.rating === 'up' || value.rating === 'down')
  );
}

function isLiveReply(value: unknown): value is LiveReplyInfo {
  return (
    isRecord(value) &&
    typeof value.auditId === 'string' &&
    typeof value.userText === 'string' &&
    typeof value.at === 'string' &&
    typeof value.text === 'string'
  );
}

const CONVERSATION_STATES: readonly unknown[] = ['assistant', 'waiting', 'agent', 'resolved'] satisfies ConversationView['state'][];

function isConversation(value: unknown): value is ConversationView {
  return (
    isRecord(value) &&
    CONVERSATION_STATES.includes(value.state) &&
    (value.agentName === null || typeof value.agentName === 'string')
  );
}

function isVersion(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

function isMessagesResponse(value: unknown): value is MessagesResponse {
  return (
    isRecord(value) &&
    (value.conversation === undefined ||
      (isRecord(value.conversation) && isVersion(value.conversation.version) && isConversation(value.conversation))) &&
    (value.live === undefined || value.live === null || isLiveReply(value.live)) &&
    typeof value.sessionId === 'string' &&
    typeof value.memory === 'string' &&
    (value.notice === null || typeof value.notice === 'string') &&
    Array.isArray(value.messages) &&
    value.messages.every(isRememberedMessage)
  );
}

/** The conversation as the server remembers it; the browser keeps no copy of its own. */
export async function loadMessages(sessionId: string, signal?: AbortSignal): Promise<MessagesResponse> {
  // The id is a bearer key: it goes in the body, never into a URL that access logs record.
  const response = await request('/api/session/messages', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ sessionId }),
    cache: 'no-store',
    signal,
  });
  const body = await readJson(response);
  if (isMessagesResponse(body)) return body;
  throw clientError('bad_response', response.status);
}

async function postJson(url: string, body: unknown, signal?: AbortSignal): Promise<{ response: Response; body: unknown }> {
  const response = await request(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify(body),
    cache: 'no-store',
    signal,
  });
  return { response, body: await readJson(response) };
}

export interface HandoffAnswer {
  conversation: ConversationView;
  /** What happens next, in the deployment's words (handover, or off-hours when nobody is online). */
  notice: string;
}

/** The customer's "Talk to a person": asking again is harmless. */
export async function requestHandoff(sessionId: string, signal?: AbortSignal): Promise<HandoffAnswer> {
  const { response, body } = await postJson('/api/chat/handoff', { sessionId }, signal);
  if (isRecord(body) && isConversation(body.conversation) && typeof body.notice === 'string') {
    return { conversation: body.conversation, notice: body.notice };
  }
  throw clientError('bad_response', response.status);
}

export interface ConversationNews {
  version: number;
  conversation: ConversationView;
}

/** Waits (long-poll, up to ~20 s) until the conversation's version moves past `after`. */
export async function waitForUpdates(sessionId: string, after: number, signal?: AbortSignal): Promise<ConversationNews> {
  const { response, body } = await postJson('/api/session/updates', { sessionId, after }, signal);
  if (isRecord(body) && isVersion(body.version) && isConversation(body.conversation)) {
    return { version: body.version, conversation: body.conversation };
  }
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
  yield* readTurn(response);
}

/** Follows a reply that is still being written (after a reload, or one sent from another tab). */
export async function* resumeReply(
  sessionId: string,
  auditId: string,
  signal?: AbortSignal,
): AsyncGenerator<TurnEvent, void, undefined> {
  const response = await request('/api/chat/resume', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream' },
    body: JSON.stringify({ sessionId, auditId }),
    cache: 'no-store',
    signal,
  });
  yield* readTurn(response);
}

/** Asks the server to stop a streaming reply; false when it was no longer running there. */
export async function stopReply(sessionId: string, auditId: string): Promise<boolean> {
  const response = await request('/api/chat/stop', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ sessionId, auditId }),
  });
  const body = await readJson(response);
  return isRecord(body) && body.stopped === true;
}

export async function sendFeedback(sessionId: string, auditId: string, rating: 'up' | 'down' | null): Promise<void> {
  const response = await request('/api/feedback', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ sessionId, auditId, rating }),
  });
  if (!response.ok) throw await errorFromResponse(response);
}

/** A light "is the service there?" probe: any HTTP answer means it is reachable. */
export async function probeService(signal?: AbortSignal): Promise<boolean> {
  try {
    await fetch('/api/health', { cache: 'no-store', signal });
    return true;
  } catch {
    return false;
  }
}

async function* readTurn(response: Response): AsyncGenerator<TurnEvent, void, undefined> {
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
