import http from 'node:http';
import https from 'node:https';
import { errors, Redis, type Requester, type UpstashRequest, type UpstashResponse } from '@upstash/redis';

export interface RestClientOptions {
  url: string;
  token: string;
  /** Every request is aborted after this long, so a hanging Redis fails fast instead of stalling a turn. */
  timeoutMs: number;
  /** Retries on connection failures only (the client never retries an HTTP error). */
  retries: number;
}

/**
 * How long an idle keep-alive connection is kept when the server announces no `Keep-Alive: timeout`
 * (undici's default): reusing a socket the server has just closed would fail a request. When the
 * server announces one, Node's agent expires the socket a second before it.
 */
const IDLE_SOCKET_MS = 4_000;

/**
 * The one way Tether talks to Redis: Upstash REST, explicit requests, raw values we validate
 * ourselves. The runtime makes one per process (config.redis) and hands it to memory, the audit
 * stream and the rate limits.
 *
 * The API is `@upstash/redis`; only its transport is ours. Its own HttpClient calls the global
 * `fetch`, which inside `next start` is Next's patched fetch over undici: measured at several times
 * the client CPU of a keep-alive `node:http` request to the same server (docs/benchmarks.md,
 * "The Redis REST transport"). `@upstash/redis` accepts a custom Requester, so requests go through
 * `node:http(s)` with a keep-alive agent; the protocol, errors, timeout and retries are the
 * HttpClient's.
 */
export function createRestClient(options: RestClientOptions): Redis {
  return new TetherRedis(new RestTransport(options));
}

class TetherRedis extends Redis {
  constructor(requester: Requester) {
    // A Redis built from a Requester takes no options: they are set here as the config would set them.
    super(requester);
    // Values are validated with zod by the caller; the client must not guess at JSON.
    this.opts = { automaticDeserialization: false };
    this.enableTelemetry = false;
    // One call, one request: round trips stay countable (a turn is exactly two).
    this.enableAutoPipelining = false;
  }
}

interface RawResponse {
  status: number;
  syncToken: string;
  text: string;
}

/**
 * Upstash's REST protocol as `@upstash/redis`'s HttpClient speaks it (POST of the command as JSON,
 * bearer token, read-your-writes token), with the same failure behaviour: one timeout over the whole
 * call, retries with `exp(i) × 50 ms` backoff on connection failures only, an `UpstashError` for an
 * HTTP error, an `UpstashJSONParseError` for a body that is not JSON. No base64 (everything stored is
 * UTF-8 JSON text, which JSON carries as is).
 */
class RestTransport implements Requester {
  readonly readYourWrites = true;
  upstashSyncToken = '';
  private readonly base: URL;
  private readonly module: typeof http | typeof https;
  private readonly agent: http.Agent;
  private readonly authorization: string;

  constructor(private readonly options: RestClientOptions) {
    this.base = new URL(options.url.replace(/\/$/, ''));
    if (this.base.protocol !== 'http:' && this.base.protocol !== 'https:') throw new errors.UrlError(options.url);
    this.module = this.base.protocol === 'https:' ? https : http;
    this.agent = new this.module.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS });
    this.authorization = `Bearer ${options.token}`;
  }

  async request<TResult>(req: UpstashRequest): Promise<UpstashResponse<TResult>> {
    if (req.isStreaming || req.onMessage) throw new errors.UpstashError('streaming commands are not supported');
    const body = JSON.stringify(req.body);
    const path =
      req.path && req.path.length > 0
        ? `${this.base.pathname.replace(/\/$/, '')}/${req.path.join('/')}`
        : this.base.pathname;
    const headers: http.OutgoingHttpHeaders = {
      'Content-Type': 'application/json',
      authorization: this.authorization,
      'upstash-sync-token': this.upstashSyncToken,
      ...req.headers,
      'content-length': Buffer.byteLength(body),
    };
    // One deadline for the call, retries included (as the HttpClient's signal function does).
    const deadline = new Deadline(this.options.timeoutMs);
    let response: RawResponse | undefined;
    let failure: unknown;
    try {
      for (let attempt = 0; attempt <= this.options.retries; attempt++) {
        try {
          response = await this.send(path, headers, body, deadline);
          break;
        } catch (error) {
          if (deadline.expired) throw error;
          failure = error;
          if (attempt < this.options.retries)
            await new Promise((resolve) => setTimeout(resolve, Math.exp(attempt) * 50));
        }
      }
    } finally {
      deadline.clear();
    }
    if (!response) throw failure ?? new Error('Exhausted all retries');
    const parsed = parseJson(response.text) as UpstashResponse<TResult>;
    if (response.status < 200 || response.status > 299)
      throw new errors.UpstashError(`${parsed.error}, command was: ${body}`);
    this.upstashSyncToken = response.syncToken;
    return parsed;
  }

  private send(
    path: string,
    headers: http.OutgoingHttpHeaders,
    body: string,
    deadline: Deadline,
  ): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      if (deadline.expired) {
        reject(timeoutError());
        return;
      }
      const request = this.module.request(
        {
          protocol: this.base.protocol,
          // node:http takes an IPv6 literal without the brackets a URL keeps.
          hostname: this.base.hostname.replace(/^\[(.*)\]$/, '$1'),
          port: this.base.port,
          path,
          method: 'POST',
          headers,
          agent: this.agent,
        },
        (response) => {
          response.setEncoding('utf8');
          let text = '';
          response.on('data', (chunk: string) => {
            text += chunk;
          });
          response.on('end', () => {
            deadline.onExpire = null;
            const token = response.headers['upstash-sync-token'];
            resolve({ status: response.statusCode ?? 0, syncToken: typeof token === 'string' ? token : '', text });
          });
          response.on('error', fail);
        },
      );
      function fail(error: unknown) {
        deadline.onExpire = null;
        reject(deadline.expired ? timeoutError() : error);
      }
      deadline.onExpire = () => {
        request.destroy();
        fail(timeoutError());
      };
      request.on('error', fail);
      request.end(body);
    });
  }
}

/**
 * A call's time limit: one timer, instead of an AbortSignal and its listeners per request (a
 * measurable share of a request's CPU). Requests of a call run one at a time, so one hook suffices.
 */
class Deadline {
  expired = false;
  onExpire: (() => void) | null = null;
  private readonly timer: NodeJS.Timeout;

  constructor(ms: number) {
    this.timer = setTimeout(() => {
      this.expired = true;
      this.onExpire?.();
    }, ms);
    // Like AbortSignal.timeout: a pending deadline alone does not keep the process alive.
    this.timer.unref();
  }

  clear(): void {
    clearTimeout(this.timer);
  }
}

/** What fetch rejects with when its AbortSignal.timeout fires, so callers classify it the same ("timeout"). */
function timeoutError(): DOMException {
  return new DOMException('The operation was aborted due to timeout', 'TimeoutError');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new errors.UpstashJSONParseError(text, { cause: error });
  }
}
