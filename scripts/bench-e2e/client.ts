/**
 * The benchmark's customer: one chat turn over HTTP (keep-alive, loopback), the SSE stream read to
 * its end, timed to the first `delta` and to the end, and checked, so a contender that answers
 * wrongly or not at all counts as a failure instead of looking fast.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { SseDecoder, toChatEvent } from '@/components/chat/sse';
import type { DoneEvent } from '@/lib/chat/events';

export interface TurnOutcome {
  ok: boolean;
  /** Why the turn counts as failed (HTTP status, `error` event, wrong reply…). */
  failure?: string;
  latencyMs: number;
  /** Request start → first `delta` event; NaN when there was none. */
  ttftMs: number;
  auditId: string | null;
  /** Tether's `meta.memory` (ok, new, expired, unavailable); null for routes that send no meta. */
  memory: string | null;
  reply: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });

export function closeAgent(): void {
  agent.destroy();
}

interface RawResponse {
  status: number;
  contentType: string;
  body: string;
}

/** A JSON POST whose whole answer is read (for POST /api/session). */
export function postJson(base: string, path: string, body: unknown, timeoutMs = 30_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = http.request(
      `${base}${path}`,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        timeout: timeoutMs,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: text }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${path} within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

export interface TurnRequest {
  base: string;
  path: string;
  body: { sessionId?: string; text: string };
  timeoutMs: number;
}

/** Sends one turn and reads its SSE stream to the end. Never throws: failures are in the outcome. */
export function sendTurn(request: TurnRequest): Promise<TurnOutcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    let ttftMs = Number.NaN;
    let auditId: string | null = null;
    let memory: string | null = null;
    let reply = '';
    let done: DoneEvent | null = null;
    let error: string | null = null;
    let settled = false;
    const finish = (failure?: string) => {
      if (settled) return;
      settled = true;
      const latencyMs = performance.now() - started;
      resolve({ ok: failure === undefined, ...(failure ? { failure } : {}), latencyMs, ttftMs, auditId, memory, reply });
    };

    const payload = JSON.stringify(request.body);
    const req = http.request(
      `${request.base}${request.path}`,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          accept: 'text/event-stream',
          'content-length': Buffer.byteLength(payload),
        },
        timeout: request.timeoutMs,
      },
      (res) => {
        const type = String(res.headers['content-type'] ?? '');
        if (res.statusCode !== 200 || !type.startsWith('text/event-stream')) {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => finish(`HTTP ${res.statusCode} ${type}: ${text.slice(0, 200)}`));
          res.on('error', (e) => finish(`response error: ${e.message}`));
          return;
        }
        // The widget's own decoder: the stream is read as the browser reads it.
        const sse = new SseDecoder();
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          for (const raw of sse.push(chunk)) {
            const event = toChatEvent(raw);
            if (!event) continue;
            if (event.event === 'meta') {
              auditId = event.data.auditId;
              memory = event.data.memory;
            }
            else if (event.event === 'delta') {
              if (Number.isNaN(ttftMs)) ttftMs = performance.now() - started;
              reply += event.data.text;
            } else if (event.event === 'done') done = event.data;
            else if (event.event === 'error') error = `error event ${event.data.code}: ${event.data.message}`;
          }
        });
        res.on('end', () => {
          if (error) return finish(error);
          if (!done) return finish('stream ended without a done event');
          const final: DoneEvent = done;
          if (final.reply !== reply) return finish('done.reply differs from the deltas');
          if (final.auditId) auditId ??= final.auditId;
          finish();
        });
        res.on('error', (e) => finish(`stream error: ${e.message}`));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no end of stream within ${request.timeoutMs} ms`)));
    req.on('error', (e) => finish(`request error: ${e.message}`));
    req.end(payload);
  });
}

/**
 * The mock model's default reply names the customer's text and how many messages it was given:
 * `Mock reply to: <text> (saw N messages)`. Returns N, or null when the reply is not the mock's.
 */
export function mockReplySaw(reply: string, text: string): number | null {
  if (!reply.startsWith(`Mock reply to: ${text.slice(0, 40)}`)) return null;
  const match = /\(saw (\d+) messages\)$/.exec(reply);
  return match ? Number(match[1]) : null;
}
