import OpenAI from 'openai';
import type { ModelConfig } from '@/lib/model/types';
import type { ModelMessage } from '@/lib/prompt/assemble';
import { HANDOFF_TOOL, HANDOFF_TOOL_NAME, handoffReason } from '@/lib/model/tools';
import {
  ModelError,
  modelErrorOf,
  type ModelChunk,
  type ModelClient,
  type ModelErrorCode,
  type StreamOptions,
} from '@/lib/model/types';

type OpenAIModelConfig = Extract<ModelConfig, { kind: 'openai' }>;

/**
 * The model gateway for OpenAI and OpenAI-compatible servers (Azure OpenAI's v1 endpoint, Ollama,
 * vLLM) through the official SDK. The SDK retries 429/5xx/connection failures with exponential
 * backoff and jitter (OPENAI_MAX_RETRIES times) before it returns a response, which is always
 * before the first token; once text has flowed nothing is retried, because the customer saw it.
 */
export class OpenAIModelClient implements ModelClient {
  readonly modelName: string;
  private readonly client: OpenAI;

  constructor(private readonly config: OpenAIModelConfig) {
    this.modelName = config.model;
    this.client = new OpenAI({
      apiKey: config.apiKey,
      baseURL: config.baseURL,
      maxRetries: config.maxRetries,
      timeout: config.timeoutMs,
    });
  }

  async *stream(messages: ModelMessage[], signal?: AbortSignal, options: StreamOptions = {}): AsyncIterable<ModelChunk> {
    const watchdog = new Watchdog(this.config.timeoutMs, signal);
    let sawText = false;
    let finished = false;
    // A tool call arrives in pieces (name first, then its JSON arguments), keyed by its index.
    const calls = new Map<number, { name: string; args: string }>();
    try {
      const stream = await this.client.chat.completions.create(
        {
          model: this.config.model,
          messages,
          stream: true,
          stream_options: { include_usage: true },
          max_tokens: this.config.maxOutputTokens,
          temperature: this.config.temperature,
          ...(options.offerHandoff ? { tools: [HANDOFF_TOOL], tool_choice: 'auto' as const } : {}),
        },
        { signal: watchdog.signal },
      );
      for await (const chunk of stream) {
        watchdog.kick();
        const choice = chunk.choices[0];
        const text = choice?.delta?.content;
        if (text) {
          sawText = true;
          yield { type: 'delta', text };
        }
        for (const call of choice?.delta?.tool_calls ?? []) {
          const known = calls.get(call.index) ?? { name: '', args: '' };
          known.name += call.function?.name ?? '';
          known.args += call.function?.arguments ?? '';
          calls.set(call.index, known);
        }
        if (choice?.finish_reason) finished = true;
        if (chunk.usage) {
          yield {
            type: 'usage',
            usage: { promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens },
          };
        }
      }
    } catch (error) {
      throw toModelError(error, watchdog, sawText);
    } finally {
      watchdog.stop();
    }
    if (!finished) {
      // The SDK ends a stream quietly (no throw) when its request is aborted, so ask the watchdog why.
      if (watchdog.abortedByCaller) throw new ModelError('model_aborted', 'the caller cancelled the stream', sawText);
      if (watchdog.timedOut) {
        throw new ModelError('model_timeout', `no token for ${this.config.timeoutMs} ms`, sawText);
      }
      // A stream that ends without a finish reason was cut off (a proxy closed it, the server died).
      throw new ModelError('model_stream_broken', 'stream ended without a finish reason', sawText);
    }
    // Only the tool we offered counts; a model inventing another tool has given no answer.
    const handoff = options.offerHandoff ? [...calls.values()].find((call) => call.name === HANDOFF_TOOL_NAME) : undefined;
    if (handoff) {
      yield { type: 'handoff', reason: handoffReason(handoff.args) };
      return;
    }
    if (!sawText) throw new ModelError('model_empty', 'the model returned no text', false);
  }

  async complete(messages: ModelMessage[], options: { maxTokens: number; signal?: AbortSignal }): Promise<string> {
    const watchdog = new Watchdog(this.config.timeoutMs, options.signal);
    try {
      const completion = await this.client.chat.completions.create(
        { model: this.config.model, messages, max_tokens: options.maxTokens, temperature: 0 },
        { signal: watchdog.signal },
      );
      const text = completion.choices[0]?.message?.content?.trim() ?? '';
      if (!text) throw new ModelError('model_empty', 'the model returned no text', false);
      return text;
    } catch (error) {
      throw toModelError(error, watchdog, false);
    } finally {
      watchdog.stop();
    }
  }
}

/** Aborts the request when no token arrives for `timeoutMs` (first token, then between chunks). */
class Watchdog {
  private readonly controller = new AbortController();
  private timer: ReturnType<typeof setTimeout> | undefined;
  timedOut = false;

  constructor(
    private readonly timeoutMs: number,
    private readonly outer?: AbortSignal,
  ) {
    if (outer?.aborted) this.controller.abort(outer.reason);
    outer?.addEventListener('abort', this.onOuterAbort, { once: true });
    this.kick();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get abortedByCaller(): boolean {
    return Boolean(this.outer?.aborted);
  }

  kick(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort(new Error('model timeout'));
    }, this.timeoutMs);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.outer?.removeEventListener('abort', this.onOuterAbort);
  }

  private readonly onOuterAbort = () => this.controller.abort(this.outer?.reason);
}

function toModelError(error: unknown, watchdog: Watchdog, afterFirstToken: boolean): ModelError {
  const known = modelErrorOf(error);
  if (known) return new ModelError(known.code, known.message, afterFirstToken);
  const { name, message, status } = (error instanceof Object ? error : {}) as { name?: unknown; message?: unknown; status?: unknown };
  const detail = typeof message === 'string' ? `${String(name)}: ${message}` : String(error);
  // By the SDK's stable fields (status, name), not its classes: the error may come from another copy of the SDK.
  const code = ((): ModelErrorCode => {
    if (watchdog.abortedByCaller) return 'model_aborted';
    if (watchdog.timedOut || name === 'APIConnectionTimeoutError') return 'model_timeout';
    if (afterFirstToken) return 'model_stream_broken';
    if (status === 429) return 'model_rate_limited';
    if (typeof status === 'number') return status >= 500 ? 'model_unavailable' : 'model_rejected';
    return 'model_unavailable';
  })();
  return new ModelError(code, detail, afterFirstToken);
}
