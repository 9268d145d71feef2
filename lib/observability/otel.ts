import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  TracerProvider,
  type ReadableSpan,
  type Span,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import type { Context } from '@opentelemetry/api';
import { SESSION_ID_IN_TEXT, withSessionRefs } from '@/lib/session-ref';

/**
 * Registers the process's tracer provider (Next's own request spans and Tether's `tether.*` spans
 * both report to it). Called from instrumentation.ts; with `processors` a test can collect spans
 * in memory instead of exporting them.
 */
export interface TracingOptions {
  serviceName: string;
  /** OTLP/HTTP base URL (OTEL_EXPORTER_OTLP_ENDPOINT); traces go to <endpoint>/v1/traces. */
  otlpEndpoint?: string;
  processors?: SpanProcessor[];
}

export function registerTracing(options: TracingOptions): TracerProvider {
  const processors = [...(options.processors ?? [])];
  if (options.otlpEndpoint) {
    const url = `${options.otlpEndpoint.replace(/\/+$/, '')}/v1/traces`;
    processors.push(new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url }) }));
  }
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName }),
    spanProcessors: processors.map((processor) => new SessionIdScrubber(processor)),
  });
  // Parent/child links across awaits need a context manager; the API alone keeps none.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  return provider;
}

/**
 * A session id is a bearer key. Tether's own spans never carry one, but Next's request spans record
 * the target a client sent (`http.target`, `http.url`), and a client may put an id into a path or a
 * query string where no route takes it. Before any processor sees a finished span, every id-shaped
 * value in its name and string attributes is replaced by the conversation's reference.
 */
export class SessionIdScrubber implements SpanProcessor {
  constructor(private readonly inner: SpanProcessor) {}

  onStart(span: Span, parentContext: Context): void {
    this.inner.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    // The SDK hands processors its own span object, whose attributes are a plain record: scrubbing
    // in place is what every exporter behind this processor then reads.
    const attributes = span.attributes as Record<string, unknown>;
    for (const [key, value] of Object.entries(attributes)) {
      if (typeof value === 'string' && hasSessionId(value)) attributes[key] = withSessionRefs(value);
    }
    for (const event of span.events) {
      const eventAttributes = (event.attributes ?? {}) as Record<string, unknown>;
      for (const [key, value] of Object.entries(eventAttributes)) {
        if (typeof value === 'string' && hasSessionId(value)) eventAttributes[key] = withSessionRefs(value);
      }
    }
    if (hasSessionId(span.name)) (span as { name: string }).name = withSessionRefs(span.name);
    this.inner.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

function hasSessionId(text: string): boolean {
  SESSION_ID_IN_TEXT.lastIndex = 0;
  return SESSION_ID_IN_TEXT.test(text);
}
