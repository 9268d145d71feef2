import http from 'node:http';
import type { Socket } from 'node:net';
import { log } from '@/lib/observability/log';
import { CONSTANT_HEADERS, NON_DOCUMENT_CSP } from '@/lib/security/headers';

/**
 * What `next start` (and the standalone server) cannot be told from the outside, set on the Node
 * HTTP server it created, from instrumentation.ts at start-up:
 * - the socket's peer address, in PEER_HEADER on every request, overwriting whatever a client
 *   sent: Next only fills `x-forwarded-for` when the client did not send one, so without this a
 *   route handler cannot know who is really connected;
 * - header and body time limits (Node's defaults hold a slow client for 60 s / 300 s);
 * - JSON bodies for the errors Node's parser answers itself (431, 400, 408), which are empty.
 * Next exposes none of these (`next start` only takes --keepAliveTimeout), so the server is found
 * through the first event it emits. Done once per process; a no-op on hosts without a Node server.
 */

export const PEER_HEADER = 'x-tether-peer';

// On globalThis, not in the runtime: instrumentation.ts installs this before any runtime exists, in
// its own bundle (a second copy of this module), and the routes' copy must see that it was done.
interface Holder {
  __tetherNodeServer?: { installed: true; options: NodeServerOptions };
}
const holder = globalThis as typeof globalThis & Holder;

export interface NodeServerOptions {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
}

/** True when PEER_HEADER is written by this process (so a client cannot have forged it). */
export function peerHeaderIsTrusted(): boolean {
  return holder.__tetherNodeServer?.installed === true;
}

function errorResponse(status: number, reason: string, code: string, message: string): string {
  const body = JSON.stringify({ error: { code, message } });
  return (
    `HTTP/1.1 ${status} ${reason}\r\n` +
    'Content-Type: application/json\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    'Cache-Control: no-store\r\n' +
    'X-Content-Type-Options: nosniff\r\n' +
    'Connection: close\r\n\r\n' +
    body
  );
}

/** Node's parser errors, as JSON: the same `{"error":{…}}` shape every route answers with. */
export function clientErrorResponse(code: string | undefined): string {
  if (code === 'HPE_HEADER_OVERFLOW') {
    return errorResponse(431, 'Request Header Fields Too Large', 'headers_too_large', 'The request headers are too large.');
  }
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return errorResponse(408, 'Request Timeout', 'request_timeout', 'The request took too long to arrive.');
  }
  return errorResponse(400, 'Bad Request', 'invalid_request', 'The request could not be parsed.');
}

const configured = new WeakSet<http.Server>();
const headerTimers = new WeakMap<Socket, NodeJS.Timeout>();

/** The first request's headers on a new connection must arrive within the limit (exactly, not ±30 s). */
function limitHeaderTime(socket: Socket, ms: number): void {
  const timer = setTimeout(() => {
    if (socket.writable) socket.end(clientErrorResponse('ERR_HTTP_REQUEST_TIMEOUT'));
    socket.destroy();
  }, ms);
  timer.unref();
  headerTimers.set(socket, timer);
  socket.once('close', () => clearTimeout(timer));
}

/** How often Node's own header/body deadline check runs once tightened: ~1/10 of the header limit. */
export function checkingIntervalMs(headersTimeoutMs: number): number {
  return Math.max(250, Math.min(1000, Math.floor(headersTimeoutMs / 10)));
}

/**
 * Node enforces headersTimeout on every request of a connection, kept-alive ones included (counted
 * from the request's first byte, not while the connection idles), but only when its checker runs:
 * every `connectionsCheckingInterval` (30 s), fixed when the server was created. So the second request
 * on a kept-alive connection could trickle its headers for 10 + up to 30 s. The checker is a timer
 * the server keeps under a symbol; it is restarted here at a short interval. Returns false when this
 * Node keeps it elsewhere (then only the first request's own timer below applies).
 */
export function tightenConnectionChecks(server: http.Server, intervalMs: number): boolean {
  const symbol = Object.getOwnPropertySymbols(server).find((key) => key.description === 'http.server.connectionsCheckingInterval');
  if (!symbol) return false;
  const record = server as unknown as Record<symbol, unknown>;
  const timer = record[symbol] as (NodeJS.Timeout & { _onTimeout?: unknown }) | undefined;
  const check = timer?._onTimeout;
  if (typeof check !== 'function') return false;
  clearInterval(timer);
  record[symbol] = setInterval(check as () => void, intervalMs).unref();
  return true;
}

function configure(server: http.Server, options: NodeServerOptions): void {
  configured.add(server);
  server.headersTimeout = options.headersTimeoutMs;
  server.requestTimeout = options.requestTimeoutMs;
  if (!tightenConnectionChecks(server, checkingIntervalMs(options.headersTimeoutMs))) {
    log.warn('http_server.deadline_check_untouched', { reason: 'header timeouts on kept-alive connections run up to 30 s late' });
  }
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    socket.end(clientErrorResponse(error.code));
  });
}

/**
 * Node checks headersTimeout/requestTimeout only every 30 s (connectionsCheckingInterval, fixed when
 * the server was created), so headers and bodies that trickle in are also cut by timers of our own.
 */
function limitBodyTime(request: http.IncomingMessage, response: http.ServerResponse, ms: number): void {
  if (request.complete) return;
  const timer = setTimeout(() => {
    if (request.complete) return;
    if (!response.headersSent) {
      response.writeHead(408, { 'content-type': 'application/json', 'cache-control': 'no-store', connection: 'close' });
      response.end(JSON.stringify({ error: { code: 'request_timeout', message: 'The request body took too long to arrive.' } }));
    }
    request.socket.destroy();
  }, ms);
  timer.unref();
  const clear = () => clearTimeout(timer);
  request.once('end', clear);
  request.once('close', clear);
  response.once('close', clear);
}

/**
 * A floor under every answer this server sends: Next answers some requests before proxy.ts can run
 * (the 308 that collapses `//` or `\\` in a path, its own internal errors), and those carry no
 * headers. When an answer reaches its status line without the headers the proxy or next.config.js
 * set, it gets the constant ones and a CSP that allows nothing and no framing. Only added when
 * missing, so nothing the proxy decided (a page's nonce CSP, /widget's frame-ancestors) is touched.
 */
export function ensureSecurityHeaders(response: http.ServerResponse): void {
  const writeHead = response.writeHead;
  response.writeHead = function patchedWriteHead(this: http.ServerResponse, ...args: unknown[]) {
    if (!this.headersSent && !this.hasHeader('x-content-type-options') && !headersArgHas(args, 'x-content-type-options')) {
      for (const [name, value] of Object.entries(FLOOR_HEADERS)) this.setHeader(name, value);
    }
    return writeHead.apply(this, args as Parameters<typeof writeHead>);
  } as typeof writeHead;
}

const FLOOR_HEADERS: Readonly<Record<string, string>> = {
  ...CONSTANT_HEADERS,
  'content-security-policy': NON_DOCUMENT_CSP,
  'x-frame-options': 'DENY',
};

/** Whether writeHead's own headers argument (an object or a flat [name, value, …] array) names `header`. */
function headersArgHas(args: unknown[], header: string): boolean {
  const last = args[args.length - 1];
  if (Array.isArray(last)) return last.some((entry, i) => i % 2 === 0 && String(entry).toLowerCase() === header);
  if (last && typeof last === 'object') return Object.keys(last).some((key) => key.toLowerCase() === header);
  return false;
}

export function installNodeServerHardening(options: NodeServerOptions): void {
  if (holder.__tetherNodeServer) return;
  holder.__tetherNodeServer = { installed: true, options };
  const emit = http.Server.prototype.emit;
  http.Server.prototype.emit = function patchedEmit(this: http.Server, event: string | symbol, ...args: unknown[]) {
    if (event === 'connection') {
      if (!configured.has(this)) configure(this, options);
      limitHeaderTime(args[0] as Socket, options.headersTimeoutMs);
    }
    if (event === 'request') {
      const [request, response] = args as [http.IncomingMessage, http.ServerResponse];
      if (!configured.has(this)) configure(this, options);
      const timer = headerTimers.get(request.socket);
      if (timer) {
        clearTimeout(timer);
        headerTimers.delete(request.socket);
      }
      // Overwrite, never trust: a client may send this header itself.
      request.headers[PEER_HEADER] = request.socket.remoteAddress ?? '';
      limitBodyTime(request, response, options.requestTimeoutMs);
      ensureSecurityHeaders(response);
    }
    return emit.apply(this, [event, ...args] as Parameters<typeof emit>);
  } as typeof emit;
}
