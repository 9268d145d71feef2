import type {
  ChatEvent,
  ConversationView,
  DeltaEvent,
  DoneEvent,
  ErrorEvent,
  HandoffEvent,
  MemoryStatus,
  MetaEvent,
} from '@/lib/chat/events';

/** One dispatched server-sent event before its payload is interpreted. */
export interface RawSseEvent {
  event: string;
  data: string;
}

/**
 * Incremental decoder for the text/event-stream format (WHATWG HTML §9.2.6).
 * Network chunks may split a line, a CRLF pair or an event anywhere, so partial lines are kept
 * until their terminator arrives. `id` and `retry` are ignored: a chat turn is never resumed
 * by Last-Event-ID, it is re-sent with the same messageId instead.
 */
export class SseDecoder {
  private partialLine = '';
  private eventName = '';
  private dataLines: string[] = [];
  /** A chunk ended on CR; if the next one starts with LF, that LF belongs to the same CRLF. */
  private skipLeadingLf = false;

  push(chunk: string): RawSseEvent[] {
    let text = chunk;
    if (this.skipLeadingLf && text.length > 0) {
      if (text.startsWith('\n')) text = text.slice(1);
      this.skipLeadingLf = false;
    }

    const events: RawSseEvent[] = [];
    const buffer = this.partialLine + text;
    let lineStart = 0;
    for (let i = 0; i < buffer.length; i++) {
      const char = buffer[i];
      if (char !== '\r' && char !== '\n') continue;
      const line = buffer.slice(lineStart, i);
      if (char === '\r') {
        if (i + 1 === buffer.length) this.skipLeadingLf = true;
        else if (buffer[i + 1] === '\n') i++;
      }
      lineStart = i + 1;
      const event = this.processLine(line);
      if (event) events.push(event);
    }
    this.partialLine = buffer.slice(lineStart);
    return events;
  }

  private processLine(line: string): RawSseEvent | null {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return null; // comment, e.g. a keep-alive `: ping`

    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);

    if (field === 'event') this.eventName = value;
    else if (field === 'data') this.dataLines.push(value);
    return null;
  }

  private dispatch(): RawSseEvent | null {
    const event: RawSseEvent | null =
      this.dataLines.length === 0 ? null : { event: this.eventName || 'message', data: this.dataLines.join('\n') };
    this.eventName = '';
    this.dataLines = [];
    return event;
  }
}

type JsonRecord = Record<string, unknown>;

function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const MEMORY_STATUSES: readonly string[] = ['ok', 'new', 'expired', 'unavailable'] satisfies MemoryStatus[];

function isMemoryStatus(value: unknown): value is MemoryStatus {
  return typeof value === 'string' && MEMORY_STATUSES.includes(value);
}

const CONVERSATION_STATES: readonly string[] = ['assistant', 'waiting', 'agent', 'resolved'] satisfies ConversationView['state'][];

/** Who answers the conversation; null when absent or not in the contract's shape. */
function asConversation(value: unknown): ConversationView | null {
  if (!isRecord(value) || typeof value.state !== 'string' || !CONVERSATION_STATES.includes(value.state)) return null;
  const agentName = typeof value.agentName === 'string' ? value.agentName : null;
  return { state: value.state as ConversationView['state'], agentName };
}

function asMeta(data: JsonRecord): MetaEvent | null {
  const { auditId, memory, notice, replay } = data;
  if (typeof auditId !== 'string' || !isMemoryStatus(memory) || typeof replay !== 'boolean') return null;
  if (notice !== null && typeof notice !== 'string') return null;
  const conversation = asConversation(data.conversation);
  return { auditId, memory, notice, replay, ...(conversation ? { conversation } : {}) };
}

function asHandoff(data: JsonRecord): HandoffEvent | null {
  const conversation = asConversation(data.conversation);
  return conversation && typeof data.notice === 'string' ? { conversation, notice: data.notice } : null;
}

function asDelta(data: JsonRecord): DeltaEvent | null {
  return typeof data.text === 'string' ? { text: data.text } : null;
}

function asDone(data: JsonRecord): DoneEvent | null {
  const { auditId, reply, remembered, stopped, replay, held } = data;
  if (typeof auditId !== 'string' || typeof reply !== 'string' || typeof remembered !== 'boolean') return null;
  return {
    auditId,
    reply,
    remembered,
    ...(stopped === true ? { stopped } : {}),
    ...(replay === true ? { replay } : {}),
    ...(held === true ? { held } : {}),
  };
}

function asError(data: JsonRecord): ErrorEvent | null {
  const { code, message } = data;
  return typeof code === 'string' && typeof message === 'string' ? { code, message } : null;
}

/**
 * Interprets a raw event as one of the contract's events. Unknown event names and payloads that
 * do not match the contract yield null, so a newer server can add events without breaking us.
 */
export function toChatEvent(raw: RawSseEvent): ChatEvent | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.data);
  } catch {
    return null;
  }
  if (!isRecord(parsed)) return null;

  switch (raw.event) {
    case 'meta': {
      const data = asMeta(parsed);
      return data && { event: 'meta', data };
    }
    case 'delta': {
      const data = asDelta(parsed);
      return data && { event: 'delta', data };
    }
    case 'done': {
      const data = asDone(parsed);
      return data && { event: 'done', data };
    }
    case 'error': {
      const data = asError(parsed);
      return data && { event: 'error', data };
    }
    case 'handoff': {
      const data = asHandoff(parsed);
      return data && { event: 'handoff', data };
    }
    default:
      return null;
  }
}

/**
 * Reads a fetch body as chat events. Bytes are decoded in streaming mode so a multi-byte
 * character split across chunks survives; an event left unterminated when the stream ends is
 * dropped, as the SSE spec requires. Stopping iteration early cancels the body.
 */
export async function* readChatEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<ChatEvent, void, undefined> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const sse = new SseDecoder();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      const text = done ? decoder.decode() : decoder.decode(value, { stream: true });
      for (const raw of sse.push(text)) {
        const event = toChatEvent(raw);
        if (event) yield event;
      }
      if (done) {
        finished = true;
        return;
      }
    }
  } finally {
    if (finished) reader.releaseLock();
    else await reader.cancel().catch(() => undefined);
  }
}
