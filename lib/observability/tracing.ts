import { SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';

/**
 * Spans around the steps of a turn, on the OpenTelemetry API only: with no tracer provider
 * registered (tests, or no OTEL_EXPORTER_OTLP_ENDPOINT) every call is a cheap no-op. Attributes
 * carry statuses, counts, sizes and timings; never message text.
 */
const TRACER_NAME = 'tether';

function tracer() {
  return trace.getTracer(TRACER_NAME);
}

function markFailed(span: Span, error: unknown): void {
  const code = (error as { code?: unknown } | null)?.code;
  span.setAttribute('error.type', typeof code === 'string' ? code : error instanceof Error ? error.name : 'unknown');
  // The error's message can quote input; the status says only which kind of failure it was.
  span.setStatus({ code: SpanStatusCode.ERROR, message: typeof code === 'string' ? code : undefined });
}

/** Runs `fn` inside an active span named `name`, ending it when `fn` settles. */
export async function withSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      markFailed(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The same for synchronous work (prompt assembly). */
export function withSpanSync<T>(name: string, attributes: Attributes, fn: (span: Span) => T): T {
  return tracer().startActiveSpan(name, { attributes }, (span) => {
    try {
      return fn(span);
    } catch (error) {
      markFailed(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}
