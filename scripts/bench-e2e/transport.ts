/**
 * The Redis REST transport benchmark's contenders (scripts/bench-transport.ts): the same small
 * command (ECHO of a 2 KB text, about a `begin` reply's size) sent over each path to the same
 * Upstash REST bridge, one request at a time, with the CPU this process spends per request. Run
 * inside `next start` (app/api/bench/transport/route.bench.ts, where Next has patched the global
 * `fetch`) and in a plain Node process.
 */
import http from 'node:http';
import { Redis } from '@upstash/redis';
import { createRestClient } from '@/lib/redis/client';

export const TRANSPORTS = ['upstash-fetch', 'tether', 'fetch', 'fetch-unpatched', 'node-http'] as const;
export type TransportName = (typeof TRANSPORTS)[number];

export const TRANSPORT_LABELS: Record<TransportName, string> = {
  'upstash-fetch': '@upstash/redis, its own HttpClient over the global fetch (the client before this change)',
  tether: 'createRestClient: @upstash/redis over node:http with a keep-alive agent',
  fetch: 'bare global fetch (Next-patched inside next start)',
  'fetch-unpatched': 'bare fetch as Next found it (its _nextOriginalFetch); same as fetch outside Next',
  'node-http': 'node:http with a keep-alive agent, no client library (the floor)',
};

const PAYLOAD = 'x'.repeat(2048);

export interface TransportFigures {
  transport: TransportName;
  requests: number;
  cpuUsPerRequest: number;
  wallUsPerRequest: number;
}

type Send = () => Promise<unknown>;

function makeSender(name: TransportName, url: string, token: string): Send {
  const body = JSON.stringify(['echo', PAYLOAD]);
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const check = (value: unknown) => {
    if (value !== PAYLOAD) throw new Error(`${name}: unexpected reply`);
  };
  switch (name) {
    case 'upstash-fetch': {
      const redis = new Redis({
        url,
        token,
        enableTelemetry: false,
        automaticDeserialization: false,
        enableAutoPipelining: false,
        responseEncoding: false,
        retry: { retries: 0 },
        signal: () => AbortSignal.timeout(5000),
      });
      return async () => check(await redis.echo(PAYLOAD));
    }
    case 'tether': {
      const redis = createRestClient({ url, token, timeoutMs: 5000, retries: 0 });
      return async () => check(await redis.echo(PAYLOAD));
    }
    case 'fetch':
    case 'fetch-unpatched': {
      const patched = globalThis.fetch as typeof fetch & { _nextOriginalFetch?: typeof fetch };
      const fetcher = name === 'fetch' ? patched : (patched._nextOriginalFetch ?? patched);
      return async () => {
        const response = await fetcher(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(5000) });
        check(((await response.json()) as { result?: unknown }).result);
      };
    }
    case 'node-http': {
      const agent = new http.Agent({ keepAlive: true });
      const target = new URL(url);
      return () =>
        new Promise((resolve, reject) => {
          const request = http.request(
            { hostname: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers, agent },
            (response) => {
              response.setEncoding('utf8');
              let text = '';
              response.on('data', (chunk: string) => {
                text += chunk;
              });
              response.on('end', () => {
                try {
                  check((JSON.parse(text) as { result?: unknown }).result);
                  resolve(undefined);
                } catch (error) {
                  reject(error);
                }
              });
            },
          );
          request.on('error', reject);
          request.end(body);
        });
    }
  }
}

const senders = new Map<string, Send>();

/** `requests` sequential requests over one transport (after a warm-up of 50), with this process's CPU per request. */
export async function measureTransport(
  name: TransportName,
  url: string,
  token: string,
  requests: number,
): Promise<TransportFigures> {
  const key = `${name} ${url}`;
  let send = senders.get(key);
  if (!send) {
    send = makeSender(name, url, token);
    senders.set(key, send);
    for (let i = 0; i < 50; i++) await send();
  }
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < requests; i++) await send();
  const wallMs = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return {
    transport: name,
    requests,
    cpuUsPerRequest: (used.user + used.system) / requests,
    wallUsPerRequest: (wallMs * 1000) / requests,
  };
}
