import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { ChatEvent } from '@/lib/chat/events';
import { readChatEvents, SseDecoder, toChatEvent, type RawSseEvent } from '@/components/chat/sse';

const encoder = new TextEncoder();

function streamOf(chunks: Array<string | Uint8Array>): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : chunk);
      controller.close();
    },
  });
}

async function collect(chunks: Array<string | Uint8Array>): Promise<ChatEvent[]> {
  const events: ChatEvent[] = [];
  for await (const event of readChatEvents(streamOf(chunks))) events.push(event);
  return events;
}

function decodeAll(chunks: string[]): RawSseEvent[] {
  const decoder = new SseDecoder();
  return chunks.flatMap((chunk) => decoder.push(chunk));
}

/** Splits text at the given offsets (sorted, deduplicated, within range). */
function splitAt(text: string, offsets: number[]): string[] {
  const cuts = [...new Set(offsets.map((o) => Math.min(o, text.length)))].sort((a, b) => a - b);
  const parts: string[] = [];
  let start = 0;
  for (const cut of cuts) {
    parts.push(text.slice(start, cut));
    start = cut;
  }
  parts.push(text.slice(start));
  return parts;
}

const meta = { auditId: 'a1', memory: 'ok', notice: null, replay: false };
const done = { auditId: 'a1', reply: 'Hello there', remembered: true };

const TURN =
  `event: meta\ndata: ${JSON.stringify(meta)}\n\n` +
  `event: delta\ndata: ${JSON.stringify({ text: 'Hello' })}\n\n` +
  `event: delta\ndata: ${JSON.stringify({ text: ' there' })}\n\n` +
  `event: done\ndata: ${JSON.stringify(done)}\n\n`;

const TURN_EVENTS: ChatEvent[] = [
  { event: 'meta', data: { auditId: 'a1', memory: 'ok', notice: null, replay: false } },
  { event: 'delta', data: { text: 'Hello' } },
  { event: 'delta', data: { text: ' there' } },
  { event: 'done', data: done },
];

describe('SseDecoder', () => {
  it('decodes a complete event', () => {
    expect(decodeAll(['event: delta\ndata: {"text":"hi"}\n\n'])).toEqual([{ event: 'delta', data: '{"text":"hi"}' }]);
  });

  it('decodes several events from one chunk', () => {
    expect(decodeAll(['event: a\ndata: 1\n\nevent: b\ndata: 2\n\nevent: c\ndata: 3\n\n'])).toEqual([
      { event: 'a', data: '1' },
      { event: 'b', data: '2' },
      { event: 'c', data: '3' },
    ]);
  });

  it('gives the same events however the stream is split into chunks', () => {
    const whole = decodeAll([TURN]);
    for (let cut = 0; cut <= TURN.length; cut++) {
      expect(decodeAll([TURN.slice(0, cut), TURN.slice(cut)])).toEqual(whole);
    }
    expect(decodeAll([...TURN])).toEqual(whole);
  });

  it('accepts CRLF and lone CR line endings', () => {
    const expected = [{ event: 'delta', data: 'x' }];
    expect(decodeAll(['event: delta\r\ndata: x\r\n\r\n'])).toEqual(expected);
    expect(decodeAll(['event: delta\rdata: x\r\r'])).toEqual(expected);
  });

  it('treats a CRLF split across chunks as one line ending, not two', () => {
    // A lone CR followed by LF in the next chunk would otherwise read as an empty line and dispatch early.
    expect(decodeAll(['event: delta\r', '\ndata: a\r', '\ndata: b\r', '\n\r', '\n'])).toEqual([
      { event: 'delta', data: 'a\nb' },
    ]);
  });

  it('joins multi-line data with newlines', () => {
    expect(decodeAll(['event: meta\ndata: {\ndata:   "text": "x"\ndata: }\n\n'])).toEqual([
      { event: 'meta', data: '{\n  "text": "x"\n}' },
    ]);
  });

  it('strips exactly one space after the colon, and none when there is none', () => {
    expect(decodeAll(['data:tight\n\n', 'data:  two\n\n'])).toEqual([
      { event: 'message', data: 'tight' },
      { event: 'message', data: ' two' },
    ]);
  });

  it('ignores comment lines such as keep-alive pings', () => {
    expect(decodeAll([': ping\n\n', ': ping\nevent: delta\n: mid-event comment\ndata: x\n\n'])).toEqual([
      { event: 'delta', data: 'x' },
    ]);
  });

  it('ignores id, retry and unknown fields, and events without data', () => {
    expect(decodeAll(['id: 7\nretry: 1000\nfoo: bar\nevent: delta\ndata: x\n\n', 'event: empty\n\n'])).toEqual([
      { event: 'delta', data: 'x' },
    ]);
  });

  it('does not carry an event name over to the next event', () => {
    expect(decodeAll(['event: delta\ndata: 1\n\ndata: 2\n\n'])).toEqual([
      { event: 'delta', data: '1' },
      { event: 'message', data: '2' },
    ]);
  });

  it('holds an unterminated event until its blank line arrives', () => {
    const decoder = new SseDecoder();
    expect(decoder.push('event: delta\ndata: x\n')).toEqual([]);
    expect(decoder.push('\n')).toEqual([{ event: 'delta', data: 'x' }]);
  });

  it('yields identical events for any chunking of a CRLF stream (property)', () => {
    const crlf = TURN.replaceAll('\n', '\r\n');
    const expected = decodeAll([crlf]);
    fc.assert(
      fc.property(fc.array(fc.nat({ max: crlf.length }), { maxLength: 12 }), (offsets) => {
        expect(decodeAll(splitAt(crlf, offsets))).toEqual(expected);
      }),
    );
  });
});

describe('toChatEvent', () => {
  it('types the contract events', () => {
    expect(toChatEvent({ event: 'delta', data: '{"text":"hi"}' })).toEqual({ event: 'delta', data: { text: 'hi' } });
    expect(toChatEvent({ event: 'error', data: '{"code":"rate_limited","message":"Slow down."}' })).toEqual({
      event: 'error',
      data: { code: 'rate_limited', message: 'Slow down.' },
    });
  });

  it('ignores unknown event names, including the default "message"', () => {
    expect(toChatEvent({ event: 'ping', data: '{}' })).toBeNull();
    expect(toChatEvent({ event: 'message', data: '{"text":"hi"}' })).toBeNull();
  });

  it('ignores payloads that are not JSON or do not match the contract', () => {
    expect(toChatEvent({ event: 'delta', data: 'not json' })).toBeNull();
    expect(toChatEvent({ event: 'delta', data: '{"text":42}' })).toBeNull();
    expect(toChatEvent({ event: 'delta', data: '["text"]' })).toBeNull();
    expect(toChatEvent({ event: 'meta', data: '{"auditId":"a","memory":"lost","notice":null,"replay":false}' })).toBeNull();
    expect(toChatEvent({ event: 'done', data: '{"auditId":"a","reply":"x"}' })).toBeNull();
  });

  it('keeps a memory notice', () => {
    const notice = 'Your earlier conversation is no longer available.';
    expect(
      toChatEvent({ event: 'meta', data: JSON.stringify({ ...meta, memory: 'expired', notice }) }),
    ).toEqual({ event: 'meta', data: { ...meta, memory: 'expired', notice } });
  });
});

describe('readChatEvents', () => {
  it('reads a whole turn from one chunk', async () => {
    expect(await collect([TURN])).toEqual(TURN_EVENTS);
  });

  it('reads a turn delivered one byte at a time', async () => {
    const bytes = encoder.encode(TURN);
    expect(await collect(Array.from(bytes, (byte) => Uint8Array.of(byte)))).toEqual(TURN_EVENTS);
  });

  it('keeps a multi-byte character that is split between chunks', async () => {
    const bytes = encoder.encode(`event: delta\ndata: ${JSON.stringify({ text: 'Grüße 👋' })}\n\n`);
    const emoji = bytes.length - 6; // inside the 4-byte emoji, before `"}\n\n`
    expect(await collect([bytes.slice(0, emoji), bytes.slice(emoji)])).toEqual([
      { event: 'delta', data: { text: 'Grüße 👋' } },
    ]);
  });

  it('skips pings and unknown events between contract events', async () => {
    const chunks = [': ping\n\n', 'event: progress\ndata: {"pct":50}\n\n', TURN];
    expect(await collect(chunks)).toEqual(TURN_EVENTS);
  });

  it('drops an event the stream ends in the middle of', async () => {
    expect(await collect(['event: delta\ndata: {"text":"a"}\n\nevent: done\ndata: {"auditId":"a1"'])).toEqual([
      { event: 'delta', data: { text: 'a' } },
    ]);
  });

  it('cancels the body when the reader stops early', async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode('event: delta\ndata: {"text":"a"}\n\n'));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const event of readChatEvents(body)) {
      expect(event.event).toBe('delta');
      break;
    }
    expect(cancelled).toBe(true);
  });
});
