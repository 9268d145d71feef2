import { SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { registerTracing } from '@/lib/observability/otel';
import { sharedTestStack } from '../../support/stack';

/** The turn's spans, collected in memory around real turns (real Postgres, Redis via the bridge, the mock model). */
const exporter = new InMemorySpanExporter();
const provider = registerTracing({ serviceName: 'tether-test', processors: [new SimpleSpanProcessor({ exporter })] });
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
});

const stack = sharedTestStack();
beforeEach(() => exporter.reset());

const TURN_SPANS = ['tether.memory.load', 'tether.prompt.assemble', 'tether.model', 'tether.memory.append', 'tether.audit.write'];

function spans(name: string) {
  return exporter.getFinishedSpans().filter((span) => span.name === name);
}

describe('tracing a turn', () => {
  it('records memory load, prompt assembly, the model call, the memory append and the audit writes', async () => {
    const sessionId = await stack.newSession();
    const text = 'A secret-looking message 4111 1111 1111 1111';
    await stack.send(sessionId, 'Hello there');
    exporter.reset();
    const turn = await stack.send(sessionId, text);
    expect(turn.status).toBe(200);

    const names = exporter.getFinishedSpans().map((span) => span.name);
    for (const name of TURN_SPANS) expect(names).toContain(name);

    expect(spans('tether.memory.load')[0]?.attributes).toMatchObject({
      'tether.memory.result': 'begun',
      'tether.memory.status': 'ok',
      'tether.memory.messages': 2,
    });
    expect(spans('tether.prompt.assemble')[0]?.attributes).toMatchObject({ 'tether.prompt.messages': 4 });
    expect(spans('tether.prompt.assemble')[0]?.attributes['tether.prompt.estimated_tokens']).toBeGreaterThan(0);
    const model = spans('tether.model')[0];
    expect(model?.attributes).toMatchObject({ 'tether.model.name': 'mock-model', 'tether.model.reply_chars': turn.reply.length });
    expect(model?.status.code).not.toBe(SpanStatusCode.ERROR);
    expect(spans('tether.memory.append')[0]?.attributes).toMatchObject({ 'tether.memory.result': 'stored' });
    // The turn's entries ride in its memory calls; the drainer writes them to Postgres in one batch.
    expect(spans('tether.audit.write').map((span) => [span.attributes['tether.audit.via'], span.attributes['tether.turn.statuses']])).toEqual([
      ['stream', ['ok', 'pending']],
    ]);
    expect(spans('tether.audit.drain').length).toBeGreaterThan(0);

    // Statuses, counts and sizes only: no attribute carries what the customer or the model wrote.
    const everything = JSON.stringify(exporter.getFinishedSpans().map((span) => [span.attributes, span.events, span.status]));
    expect(everything).not.toContain('4111');
    expect(everything).not.toContain('Mock reply');
  });

  it('marks the model span failed with the error code, not the message', async () => {
    const sessionId = await stack.newSession();
    stack.model.failNext('500', '500', '500');
    const turn = await stack.send(sessionId, 'This one fails');
    expect(turn.error?.code).toBeDefined();
    const model = spans('tether.model')[0];
    expect(model?.status.code).toBe(SpanStatusCode.ERROR);
    expect(model?.attributes['error.type']).toBe(turn.error?.code);
    expect(spans('tether.memory.append')).toHaveLength(0);
    // The failed turn's final entry goes through memory's record call, then the drainer's batch.
    expect(spans('tether.audit.write').map((span) => [span.attributes['tether.audit.via'], span.attributes['tether.turn.status'] ?? span.attributes['tether.turn.statuses']])).toEqual([
      ['memory', 'model_error'],
      ['stream', ['model_error', 'pending']],
    ]);
  });
});
