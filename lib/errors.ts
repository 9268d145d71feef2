import { errorFields, log } from '@/lib/observability/log';

/** Body of every 4xx/5xx answer: the one JSON error shape of the API (the proxy's answers included). */
export interface ErrorBody {
  /** `owner`: who has the conversation, on `conversation_taken`, `not_owner` and `review_taken` (an agent's name, never an id). */
  error: { code: string; message: string; owner?: { name: string } };
}

/** Stable error codes: clients and tests rely on these strings. */
export type ErrorCode =
  | 'invalid_json'
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'invalid_request'
  | 'unknown_field'
  | 'invalid_session'
  | 'invalid_identity'
  | 'identity_expired'
  | 'identity_not_configured'
  | 'identity_required'
  | 'empty_text'
  | 'text_too_long'
  | 'turn_in_progress'
  | 'rate_limited'
  /** Memory could not be reached, so nothing was changed (a state change is never half made). */
  | 'memory_unavailable'
  /** Handoff (lib/handoff): another agent has the conversation (409, with `owner`). */
  | 'conversation_taken'
  /** The conversation was resolved: nobody writes into it until its customer does. */
  | 'conversation_resolved'
  /** Only the agent who has the conversation may do this (409, with `owner`). */
  | 'not_owner'
  /** The change does not apply to the conversation as it is (handing back one nobody took…). */
  | 'invalid_state'
  /** Review queue (lib/review/queue.ts): another reviewer has the item (409, with `owner`). */
  | 'review_taken'
  | 'not_found'
  /** Review datasets (lib/review/datasets.ts): no reviewed turn matched the selection. */
  | 'nothing_selected'
  /** Replays (lib/review/replay): the candidate names an endpoint or model that is not configured. */
  | 'unknown_endpoint'
  /** Replays: a dollar budget for a model MODEL_PRICES has no price for. */
  | 'no_price'
  | 'method_not_allowed'
  | 'unauthorized'
  | 'forbidden'
  | 'internal_error';

export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
    /** Who has the conversation, for the handoff's conflicts. */
    readonly owner?: { name: string },
  ) {
    super(message);
  }
}

export function isApiError(error: unknown): error is ApiError {
  if (!(error instanceof Object)) return false;
  const { name, status, code } = error as { name?: unknown; status?: unknown; code?: unknown };
  return name === 'ApiError' && typeof status === 'number' && typeof code === 'string';
}

/** The message of any thrown value, for logs and error classes (by its field: it may come from another copy of a module). */
export function errorText(error: unknown): string {
  return error instanceof Object && 'message' in error
    ? String((error as { message: unknown }).message)
    : String(error);
}

export function errorBody(code: string, message: string, owner?: { name: string }): ErrorBody {
  return { error: { code, message, ...(owner ? { owner } : {}) } };
}

/** The one place that turns any thrown value into an HTTP answer; unexpected errors never leak details. */
export function errorResponse(error: unknown): Response {
  // By its fields, not instanceof: the error may come from another copy of this module.
  if (isApiError(error)) {
    return Response.json(errorBody(error.code, error.message, error.owner), {
      status: error.status,
      headers: { 'cache-control': 'no-store', ...error.headers },
    });
  }
  log.error('unexpected error', { ...errorFields(error), stack: error instanceof Error ? error.stack : undefined });
  return Response.json(errorBody('internal_error', 'Something went wrong on our side. Please try again.'), {
    status: 500,
    headers: { 'cache-control': 'no-store' },
  });
}
