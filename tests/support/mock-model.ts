/**
 * A local OpenAI-compatible chat-completions server for tests.
 *
 * Tests (and Playwright runs against `next start`) point the `openai` SDK at it through `baseURL`, then
 * script its behaviour: reply text, latency, streaming pace and a queue of faults (429/5xx, hangs,
 * broken streams, empty answers). Every request body is recorded so a test can assert exactly what
 * the app sent to the model.
 *
 * In-process: `const model = await startMockModel()`.
 * Another process: `tsx tests/support/mock-model.ts --port 4010`, then drive it over `/__mock/*`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionCreateParams } from 'openai/resources/chat/completions';
import type { CompletionUsage } from 'openai/resources/completions';
import { BodyError, closeServer, delay, isMainModule, listenLocal, readJsonBody, sendJson } from './http';

export const FAULTS = ['429', '400', '500', '503', 'timeout', 'broken-stream', 'empty'] as const;

/**
 * One scripted failure, consumed by one request:
 * - `429` / `400` / `500` / `503`: that HTTP status with an OpenAI error body (400: the request is refused);
 * - `timeout`: accept the request and never answer (until the client gives up or the server closes);
 * - `broken-stream`: headers and a couple of chunks, then the socket is destroyed without `[DONE]`;
 * - `empty`: a successful completion whose content is the empty string.
 */
export type Fault = (typeof FAULTS)[number];

/** The recorded request: the parsed JSON exactly as the client sent it. */
export type ChatRequest = ChatCompletionCreateParams;

export interface Behaviour {
  /** Fixed text, or computed from the request. Default: see `defaultReply`. */
  reply: string | ((body: ChatRequest) => string);
  /** Delay before the response headers (every request, faults included). */
  latencyMs: number;
  /** Streaming only: delay between the headers and the first chunk. */
  firstTokenDelayMs: number;
  /** Streaming only: delay between two content chunks. */
  chunkDelayMs: number;
  /** Streaming only: characters (code points) of content per delta chunk. */
  chunkSize: number;
  /**
   * Streaming only: count `chunkSize` in UTF-16 units instead, so a chunk may end in half a
   * surrogate pair (as some servers send it: each half JSON-escaped on its own).
   */
  splitUtf16?: boolean;
  /** Consumed front to back, one per completion request; when empty, requests succeed. */
  faults: Fault[];
  /**
   * Answer with this tool call (after `content`, default none) when the request offers a tool of that
   * name, as a model that decides to call it would; requests that do not offer it get `reply`.
   */
  toolCall: ToolCall | null;
}

export interface ToolCall {
  name: string;
  /** The call's JSON arguments, as text (streamed in two pieces, as real servers split them). */
  arguments: string;
  /** Text the model says before the call. */
  content?: string;
}

export interface MockModel {
  /** Base URL for the SDK's `baseURL`, ending in `/v1`. */
  readonly url: string;
  readonly port: number;
  /** Every `/v1/chat/completions` body received, oldest first (the same array; it grows in place). */
  readonly requests: readonly ChatRequest[];
  lastRequest(): ChatRequest | undefined;
  clearRequests(): void;
  /** Merges into the current behaviour; a given `faults` array replaces the queue (it is copied). */
  setBehaviour(patch: Partial<Behaviour>): void;
  /** Appends faults to the queue. */
  failNext(...faults: Fault[]): void;
  /** Back to the default behaviour, an empty fault queue and no recorded requests. */
  reset(): void;
  close(): Promise<void>;
}

const MODEL_ID = 'mock-model';

const DEFAULT_BEHAVIOUR: Readonly<Behaviour> = {
  reply: defaultReply,
  latencyMs: 0,
  firstTokenDelayMs: 0,
  chunkDelayMs: 0,
  chunkSize: 16,
  faults: [],
  toolCall: null,
};

/** Deterministic, and it reveals both what the model was asked and how much history it was given. */
export function defaultReply(body: ChatRequest): string {
  const lastUser = [...body.messages].reverse().find((message) => message.role === 'user');
  const text = lastUser ? messageText(lastUser.content) : '';
  return `Mock reply to: ${text.slice(0, 80)} (saw ${body.messages.length} messages)`;
}

export async function startMockModel(opts: { port?: number } = {}): Promise<MockModel> {
  const requests: ChatRequest[] = [];
  let behaviour: Behaviour = freshBehaviour();
  let completionCount = 0;

  const setBehaviour = (patch: Partial<Behaviour>): void => {
    behaviour = { ...behaviour, ...patch, faults: patch.faults ? [...patch.faults] : behaviour.faults };
  };
  const reset = (): void => {
    behaviour = freshBehaviour();
    requests.length = 0;
  };

  async function handleCompletion(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = parseChatRequest(await readJsonBody(req));
    requests.push(body);
    // setBehaviour() swaps the whole object, so this reference keeps the response consistent even if
    // the behaviour changes while it is being written (the fault queue is deliberately shared).
    const current = behaviour;
    const fault = current.faults.shift();
    completionCount += 1;
    const id = `chatcmpl-mock-${completionCount}`;

    await delay(current.latencyMs);
    if (fault === 'timeout') return; // Never answer; closeServer() or the client's abort ends the socket.
    if (fault === '429' || fault === '400' || fault === '500' || fault === '503') return sendFault(res, fault);

    const toolCall = offers(body, current.toolCall);
    const content = fault === 'empty' ? '' : toolCall ? (toolCall.content ?? '') : renderReply(current.reply, body);
    const broken = fault === 'broken-stream';
    if (body.stream) {
      await streamCompletion(res, { id, body, content, broken, behaviour: current, toolCall });
    } else if (broken) {
      // Half a JSON document, then the connection dies: the client sees a truncated body.
      const payload = JSON.stringify(completion(id, body, content));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(payload.slice(0, Math.floor(payload.length / 2)));
      res.destroy();
    } else {
      sendJson(res, 200, completion(id, body, content, toolCall));
    }
  }

  async function handleControl(req: IncomingMessage, res: ServerResponse, action: string): Promise<void> {
    if (req.method === 'POST' && action === 'behaviour') {
      setBehaviour(parseBehaviourPatch(await readJsonBody(req)));
      return sendJson(res, 200, publicBehaviour(behaviour));
    }
    if (req.method === 'POST' && action === 'reset') {
      reset();
      return sendJson(res, 200, publicBehaviour(behaviour));
    }
    if (req.method === 'GET' && action === 'requests') return sendJson(res, 200, requests);
    sendError(res, 404, `No control route ${req.method} /__mock/${action}`, 'invalid_request_error', 'not_found');
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method === 'POST' && path === '/v1/chat/completions') return handleCompletion(req, res);
    if (req.method === 'GET' && path === '/v1/models') {
      return sendJson(res, 200, {
        object: 'list',
        data: [{ id: MODEL_ID, object: 'model', created: 0, owned_by: 'tether-tests' }],
      });
    }
    if (path.startsWith('/__mock/')) return handleControl(req, res, path.slice('/__mock/'.length));
    sendError(res, 404, `No route ${req.method} ${path}`, 'invalid_request_error', 'not_found');
  }

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      if (error instanceof BodyError) {
        return sendError(res, error.status, error.message, 'invalid_request_error', 'invalid_body');
      }
      // A throwing `reply` function lands here: answer loudly rather than hang the test.
      sendError(res, 500, `mock model failed: ${String(error)}`, 'server_error', 'mock_failure');
    });
  });
  const port = await listenLocal(server, opts.port ?? 0);

  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    lastRequest: () => requests.at(-1),
    clearRequests: () => {
      requests.length = 0;
    },
    setBehaviour,
    failNext: (...faults) => {
      behaviour.faults.push(...faults);
    },
    reset,
    close: () => closeServer(server),
  };
}

function freshBehaviour(): Behaviour {
  return { ...DEFAULT_BEHAVIOUR, faults: [] };
}

/** The scripted tool call, when this request offers a tool by that name. */
function offers(body: ChatRequest, call: ToolCall | null): ToolCall | null {
  if (!call) return null;
  const offered = (body.tools ?? []).some((tool) => tool.type === 'function' && tool.function.name === call.name);
  return offered ? call : null;
}

function renderReply(reply: Behaviour['reply'], body: ChatRequest): string {
  return typeof reply === 'function' ? reply(body) : reply;
}

/** Message content is a string or (multimodal form) an array of parts; only text parts count here. */
function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part: unknown) =>
      typeof part === 'object' && part !== null && 'text' in part && typeof part.text === 'string' ? part.text : '',
    )
    .join('');
}

/** Any consistent estimate will do; tests only need usage to be present and plausible. */
function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

function usageFor(body: ChatRequest, content: string): CompletionUsage {
  const promptTokens = body.messages.reduce((sum, message) => sum + estimateTokens(messageText(message.content)), 0);
  const completionTokens = estimateTokens(content);
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function completion(id: string, body: ChatRequest, content: string, toolCall: ToolCall | null = null): ChatCompletion {
  const calls = toolCall
    ? [{ id: 'call_mock_1', type: 'function' as const, function: { name: toolCall.name, arguments: toolCall.arguments } }]
    : undefined;
  return {
    id,
    object: 'chat.completion',
    created: nowSeconds(),
    model: body.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content, refusal: null, ...(calls ? { tool_calls: calls } : {}) },
        logprobs: null,
        finish_reason: calls ? 'tool_calls' : 'stop',
      },
    ],
    usage: usageFor(body, content),
  };
}

interface StreamPlan {
  id: string;
  body: ChatRequest;
  content: string;
  broken: boolean;
  behaviour: Behaviour;
  toolCall: ToolCall | null;
}

/** How many content chunks a `broken-stream` fault lets through before killing the socket. */
const CHUNKS_BEFORE_BREAK = 2;
/**
 * Pause between the last chunk and the break. Without it the client's fetch stream errors while the
 * chunks still sit unread in its queue, and a stream error discards them: the test would see no deltas.
 */
const BREAK_GRACE_MS = 50;

async function streamCompletion(res: ServerResponse, plan: StreamPlan): Promise<void> {
  const { id, body, content, broken, behaviour, toolCall } = plan;
  const created = nowSeconds();
  const chunk = (choices: ChatCompletionChunk['choices'], usage?: CompletionUsage): ChatCompletionChunk => ({
    id,
    object: 'chat.completion.chunk',
    created,
    model: body.model,
    choices,
    ...(usage ? { usage } : {}),
  });
  // The client may abort mid-stream; stop writing rather than feed a dead socket.
  const send = (data: string): boolean => {
    if (res.destroyed) return false;
    res.write(`data: ${data}\n\n`);
    return true;
  };

  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  // Send the headers now, so that `firstTokenDelayMs` really is time-to-first-token after the headers.
  res.flushHeaders();
  await delay(behaviour.firstTokenDelayMs);

  const pieces = behaviour.splitUtf16 ? splitIntoUnits(content, behaviour.chunkSize) : splitIntoChunks(content, behaviour.chunkSize);
  // A tool call with no text before it starts with the call itself.
  if (toolCall && content === '') pieces.length = 0;
  for (const [index, piece] of pieces.entries()) {
    if (index > 0) await delay(behaviour.chunkDelayMs);
    if (broken && index === CHUNKS_BEFORE_BREAK) break;
    // Like OpenAI, the first delta also carries the role.
    const delta = index === 0 ? { role: 'assistant' as const, content: piece } : { content: piece };
    if (!send(JSON.stringify(chunk([{ index: 0, delta, finish_reason: null }])))) return;
  }
  if (broken) {
    await delay(Math.max(behaviour.chunkDelayMs, BREAK_GRACE_MS));
    res.destroy();
    return;
  }
  if (toolCall) {
    // Name and id first, then the arguments in two pieces: a client must put them back together.
    const half = Math.ceil(toolCall.arguments.length / 2);
    const call = (fields: Record<string, unknown>) =>
      chunk([{ index: 0, delta: { tool_calls: [{ index: 0, ...fields }] }, finish_reason: null }]);
    send(JSON.stringify(call({ id: 'call_mock_1', type: 'function', function: { name: toolCall.name, arguments: '' } })));
    send(JSON.stringify(call({ function: { arguments: toolCall.arguments.slice(0, half) } })));
    send(JSON.stringify(call({ function: { arguments: toolCall.arguments.slice(half) } })));
  }
  send(JSON.stringify(chunk([{ index: 0, delta: {}, finish_reason: toolCall ? 'tool_calls' : 'stop' }])));
  if (body.stream_options?.include_usage) send(JSON.stringify(chunk([], usageFor(body, content))));
  send('[DONE]');
  res.end();
}

/** Splits by code points (not UTF-16 units) so no chunk ends in half an emoji. An empty reply is one empty chunk. */
function splitIntoChunks(text: string, size: number): string[] {
  const chars = Array.from(text);
  const step = Math.max(1, Math.floor(size));
  const pieces: string[] = [];
  for (let start = 0; start < chars.length; start += step) pieces.push(chars.slice(start, start + step).join(''));
  return pieces.length > 0 ? pieces : [''];
}

function splitIntoUnits(text: string, size: number): string[] {
  const step = Math.max(1, Math.floor(size));
  const pieces: string[] = [];
  for (let start = 0; start < text.length; start += step) pieces.push(text.slice(start, start + step));
  return pieces.length > 0 ? pieces : [''];
}

function sendFault(res: ServerResponse, fault: '429' | '400' | '500' | '503'): void {
  if (fault === '400') {
    return sendError(res, 400, 'This request was refused (mock fault)', 'invalid_request_error', 'content_filter');
  }
  if (fault === '429') {
    // `retry-after-ms` makes the SDK retry after 10 ms instead of its default backoff of about a second.
    return sendError(res, 429, 'Rate limit reached (mock fault)', 'requests', 'rate_limit_exceeded', {
      'retry-after-ms': '10',
    });
  }
  if (fault === '503') {
    return sendError(res, 503, 'The server is overloaded (mock fault)', 'server_error', 'service_unavailable');
  }
  sendError(res, 500, 'The server had an error (mock fault)', 'server_error', 'internal_error');
}

function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  type: string,
  code: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { error: { message, type, code } }, headers);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Just enough validation that the handlers can rely on the fields they read. */
function parseChatRequest(input: unknown): ChatRequest {
  if (!isRecord(input) || typeof input.model !== 'string' || !Array.isArray(input.messages)) {
    throw new BodyError(400, 'expected a JSON object with a string "model" and an array "messages"');
  }
  const wellFormed = input.messages.every((message: unknown) => isRecord(message) && typeof message.role === 'string');
  if (!wellFormed) throw new BodyError(400, 'every message needs a string "role"');
  return input as unknown as ChatRequest;
}

const NUMERIC_FIELDS = ['latencyMs', 'firstTokenDelayMs', 'chunkDelayMs', 'chunkSize'] as const;

/** Validates a behaviour patch from the HTTP control API (JSON, so `reply` can only be a string there). */
function parseBehaviourPatch(input: unknown): Partial<Behaviour> {
  if (!isRecord(input)) throw new BodyError(400, 'expected a JSON object');
  const patch: Partial<Behaviour> = {};
  for (const [key, value] of Object.entries(input)) {
    if (key === 'reply') {
      if (typeof value !== 'string') throw new BodyError(400, '"reply" must be a string');
      patch.reply = value;
    } else if (key === 'faults') {
      const valid = Array.isArray(value) && value.every((f: unknown) => FAULTS.some((known) => known === f));
      if (!valid) throw new BodyError(400, `"faults" must be an array of ${FAULTS.join(', ')}`);
      patch.faults = value as Fault[];
    } else if (key === 'toolCall') {
      const valid =
        value === null ||
        (isRecord(value) &&
          typeof value.name === 'string' &&
          typeof value.arguments === 'string' &&
          (value.content === undefined || typeof value.content === 'string'));
      if (!valid) throw new BodyError(400, '"toolCall" must be null or {name, arguments, content?} strings');
      patch.toolCall = value as ToolCall | null;
    } else if (NUMERIC_FIELDS.some((field) => field === key)) {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        throw new BodyError(400, `"${key}" must be a non-negative number`);
      }
      patch[key as (typeof NUMERIC_FIELDS)[number]] = value;
    } else {
      throw new BodyError(400, `unknown behaviour field "${key}"`);
    }
  }
  return patch;
}

/** The behaviour as JSON can show it: a reply function is reported by name only. */
function publicBehaviour(behaviour: Behaviour): Record<string, unknown> {
  const reply = typeof behaviour.reply === 'string' ? behaviour.reply : `<function ${behaviour.reply.name || 'anonymous'}>`;
  return { ...behaviour, reply };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '4010' } } });
  const model = await startMockModel({ port: Number(values.port) });
  console.log(`mock model listening on ${model.url}`);
}

// No top-level await: tsx runs this package's .ts files as CommonJS, where it is a syntax error.
if (isMainModule(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
