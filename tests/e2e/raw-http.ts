import http from 'node:http';
import net from 'node:net';

/**
 * HTTP the way a hostile client sends it: from a chosen loopback address (127.0.0.x, so tests that
 * spend a per-address budget do not spend each other's), with any headers, bodies and timing.
 */

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface RawRequest {
  port: number;
  path: string;
  method?: string;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer | Array<string | Buffer>;
  /** Source address, e.g. 127.0.0.2 (the server sees it as the client). */
  from?: string;
  timeoutMs?: number;
}

export function rawRequest(options: RawRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port: options.port,
        path: options.path,
        method: options.method ?? 'GET',
        headers: options.headers,
        localAddress: options.from,
        agent: false,
        // The path is sent as written (bad percent-escapes included).
        insecureHTTPParser: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        response.on('error', reject);
      },
    );
    request.setTimeout(options.timeoutMs ?? 30_000, () => request.destroy(new Error(`timeout: ${options.method ?? 'GET'} ${options.path}`)));
    request.on('error', reject);
    const parts = options.body === undefined ? [] : Array.isArray(options.body) ? options.body : [options.body];
    for (const part of parts) request.write(part);
    request.end();
  });
}

/** Writes bytes on a bare socket and collects what comes back until the server closes it. */
export function rawSocket(port: number, chunks: Array<{ data: string; delayMs?: number }>, from?: string): Promise<{ text: string; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect({ host: '127.0.0.1', port, localAddress: from });
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (data: string) => (text += data));
    socket.on('close', () => resolve({ text, closedAfterMs: Date.now() - started }));
    socket.on('error', (error) => (text ? undefined : reject(error)));
    socket.on('connect', async () => {
      for (const chunk of chunks) {
        if (chunk.delayMs) await new Promise((r) => setTimeout(r, chunk.delayMs));
        if (socket.destroyed) return;
        socket.write(chunk.data);
      }
    });
    socket.setTimeout(120_000, () => socket.destroy());
  });
}

export function jsonOf(response: RawResponse): unknown {
  try {
    return JSON.parse(response.body);
  } catch {
    return undefined;
  }
}
