import { randomBytes } from 'node:crypto';
import { TracerProvider, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { SessionIdScrubber } from '@/lib/observability/otel';
import { issueSessionId } from '@/lib/session-id';
import { sessionRef } from '@/lib/session-ref';

function collecting(): SpanProcessor & { spans: ReadableSpan[] } {
  const spans: ReadableSpan[] = [];
  return {
    spans,
    onStart() {},
    onEnd(span) {
      spans.push(span);
    },
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
}

describe('traces carry no session id', () => {
  it("replaces an id a client put into a request's target (and the span's name and events) by its reference", () => {
    const id = issueSessionId(randomBytes(32).toString('hex'));
    const inner = collecting();
    const provider = new TracerProvider({ spanProcessors: [new SessionIdScrubber(inner)] });
    const span = provider.getTracer('test').startSpan(`GET /api/session/${id}/messages`, {
      attributes: { 'http.target': `/api/chat/resume?sessionId=${id}&auditId=x`, 'http.status_code': 404 },
    });
    span.addEvent('note', { detail: `id ${id}` });
    span.end();

    const [done] = inner.spans;
    const text = JSON.stringify({ name: done?.name, attributes: done?.attributes, events: done?.events });
    expect(text).not.toContain(id);
    expect(done?.attributes['http.target']).toBe(`/api/chat/resume?sessionId=${sessionRef(id)}&auditId=x`);
    expect(done?.attributes['http.status_code']).toBe(404);
    expect(done?.name).toBe(`GET /api/session/${sessionRef(id)}/messages`);
  });

  it('leaves spans without ids as they are', () => {
    const inner = collecting();
    const provider = new TracerProvider({ spanProcessors: [new SessionIdScrubber(inner)] });
    provider.getTracer('test').startSpan('tether.model', { attributes: { 'tether.model.name': 'gpt' } }).end();
    expect(inner.spans[0]?.attributes).toEqual({ 'tether.model.name': 'gpt' });
    expect(inner.spans[0]?.name).toBe('tether.model');
  });
});
