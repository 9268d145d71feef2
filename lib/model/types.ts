import type { ModelMessage } from '@/lib/prompt/assemble';

export interface ModelUsage {
  promptTokens: number | null;
  completionTokens: number | null;
}

export type ModelChunk =
  | { type: 'delta'; text: string }
  | { type: 'usage'; usage: ModelUsage }
  /** The model asked for a person (the `handoff_to_human` tool, lib/model/tools.ts), with its reason. */
  | { type: 'handoff'; reason: string };

/** What a turn may offer the model beyond answering. */
export interface StreamOptions {
  /** Offer `handoff_to_human` (only while the assistant has the conversation). */
  offerHandoff?: boolean;
}

/** Stable codes for what went wrong with the model; they reach the audit row and the `error` event. */
export type ModelErrorCode =
  | 'model_rate_limited'
  | 'model_unavailable'
  | 'model_timeout'
  | 'model_stream_broken'
  | 'model_empty'
  | 'model_rejected'
  | 'model_aborted';

const USER_MESSAGES: Record<ModelErrorCode, string> = {
  model_rate_limited: 'The assistant is very busy right now. Please try again in a moment.',
  model_unavailable: 'The assistant is temporarily unavailable. Please try again in a moment.',
  model_timeout: 'The assistant took too long to answer. Please try again.',
  model_stream_broken: 'The answer was interrupted. Please try again.',
  model_empty: 'The assistant did not produce an answer. Please try rephrasing your message.',
  model_rejected: 'The assistant could not process this message. Please try rephrasing it.',
  model_aborted: 'The answer was cancelled.',
};

const MODEL_ERROR_CODES = new Set<string>(Object.keys(USER_MESSAGES));

export class ModelError extends Error {
  override name = 'ModelError';
  /** Marks the error for modelErrorOf(), which must not rely on instanceof (two copies of this module can exist). */
  readonly kind = 'model_error';
  constructor(
    readonly code: ModelErrorCode,
    detail: string,
    /** Whether any text had reached the caller before the failure. */
    readonly afterFirstToken: boolean,
  ) {
    super(detail);
  }

  /** What the customer reads: plain words, never a stack trace or a provider's message. */
  get userMessage(): string {
    return USER_MESSAGES[this.code];
  }
}

export interface ModelClient {
  /** Recorded in the audit row. */
  readonly modelName: string;
  /**
   * Streams a reply. Throws ModelError; retries (if any) happen before the first delta only. A reply
   * may be a `handoff` chunk instead of (or after some) text: that is an answer, not `model_empty`.
   */
  stream(messages: ModelMessage[], signal?: AbortSignal, options?: StreamOptions): AsyncIterable<ModelChunk>;
  /** A whole reply, for server-side jobs such as the rolling summary. */
  complete(messages: ModelMessage[], options: { maxTokens: number; signal?: AbortSignal }): Promise<string>;
}

/**
 * The model failure an error stands for, read from its stable fields (kind and code), so an error
 * made by another copy of this module (Next bundles some entries separately) is still recognised.
 * Anything else is null: the caller decides what an unknown failure means.
 */
export function modelErrorOf(error: unknown): { code: ModelErrorCode; message: string; userMessage: string } | null {
  if (!(error instanceof Object)) return null;
  const { kind, code, message } = error as { kind?: unknown; code?: unknown; message?: unknown };
  if (kind !== 'model_error' || typeof code !== 'string' || !MODEL_ERROR_CODES.has(code)) return null;
  const known = code as ModelErrorCode;
  return { code: known, message: typeof message === 'string' ? message : '', userMessage: USER_MESSAGES[known] };
}

export function userMessageFor(code: ModelErrorCode): string {
  return USER_MESSAGES[code];
}

/** Which model answers (lib/config.ts builds it from OPENAI_*): the offline demo, or an OpenAI-compatible server. */
export type ModelConfig =
  | { kind: 'demo'; model: 'tether-demo' }
  | {
      kind: 'openai';
      apiKey: string;
      baseURL: string | undefined;
      model: string;
      timeoutMs: number;
      maxRetries: number;
      maxOutputTokens: number;
      temperature: number;
    };
