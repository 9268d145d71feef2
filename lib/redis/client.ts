import { Redis } from '@upstash/redis';

export interface RestClientOptions {
  url: string;
  token: string;
  /** Every request is aborted after this long, so a hanging Redis fails fast instead of stalling a turn. */
  timeoutMs: number;
  /** Retries on connection failures only (the client never retries an HTTP error). */
  retries: number;
}

/**
 * The one way Tether talks to Redis: Upstash REST, explicit requests, raw values we validate
 * ourselves. The runtime makes one per process (config.redis) and hands it to memory, the audit
 * stream and the rate limits.
 */
export function createRestClient(options: RestClientOptions): Redis {
  return new Redis({
    url: options.url,
    token: options.token,
    enableTelemetry: false,
    // Values are validated with zod by the caller; the client must not guess at JSON.
    automaticDeserialization: false,
    // One call, one request: round trips stay countable (a turn is exactly two).
    enableAutoPipelining: false,
    // Everything stored is UTF-8 text (JSON), which JSON carries as is: base64 would only cost CPU.
    responseEncoding: false,
    retry: { retries: options.retries },
    signal: () => AbortSignal.timeout(options.timeoutMs),
  });
}
