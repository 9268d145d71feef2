import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatEvent } from '@/lib/chat/events';
import { readChatEvents } from '@/components/chat/sse';
import { chat, newSession, startProductionStack, type ProductionStack } from '../support/production';

/**
 * The HTTP edge of the production build (`next build` into NEXT_DIST_DIR, then `next start` on real
 * Postgres, Redis behind the Upstash REST bridge and the mock model): security headers on every
 * answer (404s, redirects, the image optimiser, look-alike paths), the demo page's CSP, per-address
 * limits (IPv6 by /64 through TRUST_PROXY), resume streams fed without per-connection Redis polling,
 * CSRF with a forged X-Forwarded-Host, and slow headers on a kept-alive connection.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Answer {
  status: number;
  headers: Headers;
  body: string;
}

async function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(url, { redirect: 'manual', headers });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

/** Runs `count` calls, `width` at a time. */
async function flood<T>(count: number, width: number, call: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) {
        const index = next++;
        results[index] = await call(index);
      }
    }),
  );
  return results;
}

function expectRateLimited(answer: Answer, label: string): void {
  expect(answer.status, label).toBe(429);
  expect(Number(answer.headers.get('retry-after')), label).toBeGreaterThanOrEqual(1);
  expect(JSON.parse(answer.body), label).toMatchObject({ error: { code: 'rate_limited' } });
}

/** A turn that streams for ~`seconds`; resolves with its audit id once the reply has started. */
async function longTurn(stack: ProductionStack, sessionId: string, seconds: number) {
  const reply = 'word '.repeat(Math.round((seconds * 1000) / 50));
  stack.model.setBehaviour({ reply, chunkDelayMs: 50, chunkSize: 5 });
  let resolveAudit!: (id: string) => void;
  const audit = new Promise<string>((resolve) => (resolveAudit = resolve));
  const done = chat(stack.url, { sessionId, text: 'tell me a long story' }, {
    onEvent: (event) => {
      if (event.event === 'meta') resolveAudit(event.data.auditId);
    },
    timeoutMs: (seconds + 30) * 1000,
  });
  const auditId = await audit;
  // Past the live buffer's first write, so a watcher on any instance could find it.
  await sleep(600);
  return { auditId, reply, done };
}

async function readEvents(response: Response): Promise<ChatEvent[]> {
  const events: ChatEvent[] = [];
  if (!response.body) return events;
  for await (const event of readChatEvents(response.body)) events.push(event);
  return events;
}

describe('edge of the production server, default limits, TRUST_PROXY off', () => {
  let stack: ProductionStack;
  beforeAll(async () => {
    stack = await startProductionStack({ env: { SERVER_HEADERS_TIMEOUT_MS: '3000' } });
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
  });

  it('security headers on every answer: 404s, redirects, the image optimiser, look-alike paths; framing refused but on /widget', async () => {
    const home = await get(`${stack.url}/`);
    const chunk = /src="(\/_next\/static\/[^"]+\.js)"/.exec(home.body)?.[1];
    expect(chunk).toBeDefined();
    const paths = [
      '/',
      '/favicon.ico',
      '/faviconXico',
      '/favicon.icoz',
      '/_next/staticx',
      '/_next/imagex',
      '/_next/image',
      '/_next/image?url=%2Ficon.svg&w=64&q=75',
      '/_next/image?url=https%3A%2F%2Fevil.example%2Fx.png&w=64&q=75',
      chunk!,
      '/_next/static/no-such-file.js',
      '/widget/',
      '/admin/',
      '/api/health/',
      // Next's own 308s for doubled slashes, answered before the proxy runs.
      '/api//health',
      '//admin',
      '/no/such/page',
      '/api/no-such-route',
      '/demo.html',
      '/widget.js',
      '/widget',
      '/admin/sign-in',
    ];
    const seen: string[] = [];
    for (const path of paths) {
      const answer = await get(`${stack.url}${path}`);
      const label = `GET ${path} → ${answer.status}`;
      seen.push(label);
      expect(answer.status, label).toBeLessThan(500);
      expect(answer.headers.get('x-content-type-options'), label).toBe('nosniff');
      expect(answer.headers.get('referrer-policy'), label).toBe('strict-origin-when-cross-origin');
      expect(answer.headers.get('permissions-policy'), label).toContain('camera=()');
      const csp = answer.headers.get('content-security-policy') ?? '';
      if (path === '/widget') {
        expect(csp, label).toContain("frame-ancestors 'self'");
        expect(answer.headers.get('x-frame-options'), label).toBeNull();
      } else {
        expect(csp, label).toContain("frame-ancestors 'none'");
        expect(answer.headers.get('x-frame-options'), label).toBe('DENY');
      }
    }
    // The trailing-slash redirects are answered (with the headers above) and go where Next's went.
    const redirect = await get(`${stack.url}/widget/?title=x`);
    expect(redirect.status).toBe(308);
    expect(redirect.headers.get('location')).toBe('/widget?title=x');
    // Never off-site: a doubled leading slash is not a protocol-relative target.
    const offsite = await get(`${stack.url}//evil.example/`);
    expect(offsite.status).toBe(308);
    expect(offsite.headers.get('location')).toMatch(/^\/[^/\\]/);
    expect(offsite.headers.get('x-frame-options')).toBe('DENY');
    expect(offsite.headers.get('x-content-type-options')).toBe('nosniff');
    // A 404 page is a page: no foreign site may frame it, and its scripts carry the nonce.
    const missing = await get(`${stack.url}/faviconXico`);
    expect(missing.status).toBe(404);
    console.log(`[edge] header sweep: ${seen.join('; ')}`);
  });

  it('/demo.html same-origin: a CSP that allows /widget.js and its styles, no inline script', async () => {
    const demo = await get(`${stack.url}/demo.html`);
    expect(demo.status).toBe(200);
    const csp = demo.headers.get('content-security-policy') ?? '';
    const directive = (name: string) => csp.split(';').map((d) => d.trim()).find((d) => d.startsWith(`${name} `)) ?? '';
    expect(directive('script-src')).toBe("script-src 'self'");
    expect(directive('style-src')).toContain("'self'");
    expect(directive('frame-src')).toContain("'self'");
    expect(csp).not.toContain('strict-dynamic');
    // Its one script is same-origin and answered; it has no inline script.
    expect(demo.body).toContain('<script src="/widget.js"');
    expect(demo.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    // Inline styles (its own <style>, the one widget.js writes) are allowed; nothing else inline.
    expect(directive('style-src')).toBe("style-src 'self' 'unsafe-inline'");
    const widget = await get(`${stack.url}/widget.js`);
    expect(widget.status).toBe(200);
    expect(widget.headers.get('content-type')).toContain('javascript');
  });

  it('CSRF: with TRUST_PROXY off a forged X-Forwarded-Host is refused; the real origin passes', async () => {
    // The first call that needs setup makes the server log its one-time token.
    await get(`${stack.url}/admin/setup`);
    const token = /"setupToken":"([^"]+)"/.exec(stack.output())?.[1];
    expect(token).toBeDefined();
    const body = { email: 'edge-admin@example.com', name: 'Edge', password: 'a long enough password 123' };
    const forged = await post(`${stack.url}/api/admin/setup`, body, {
      'x-setup-token': token!,
      origin: 'http://evil.example',
      'x-forwarded-host': 'evil.example',
      'x-forwarded-proto': 'http',
    });
    expect(forged.status).toBe(403);
    expect(JSON.parse(forged.body)).toMatchObject({ error: { code: 'forbidden' } });
    const agents = await stack.database!.sql`select count(*)::int as n from agents`;
    expect(agents[0]!.n).toBe(0);
    const real = await post(`${stack.url}/api/admin/setup`, body, { 'x-setup-token': token!, origin: stack.url });
    expect(real.status, real.body).toBe(201);
  });

  it('slow headers on a kept-alive connection are cut at SERVER_HEADERS_TIMEOUT_MS (3 s), not ~30 s later', async () => {
    const { port } = new URL(stack.url);
    const socket = net.connect(Number(port), '127.0.0.1');
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    let received = '';
    socket.on('data', (data: Buffer) => (received += data.toString()));
    socket.write(`GET /widget.js HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: keep-alive\r\n\r\n`);
    for (let i = 0; i < 50 && !received.includes('\r\n\r\n'); i++) await sleep(100);
    expect(received).toMatch(/^HTTP\/1\.1 200/);
    received = '';
    const started = Date.now();
    socket.write(`GET /widget.js HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`);
    const trickle = setInterval(() => socket.writable && socket.write('X-Slow: 1\r\n'), 250);
    const cutAfter = await Promise.race([
      new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - started))),
      sleep(15_000).then(() => -1),
    ]);
    clearInterval(trickle);
    socket.destroy();
    console.log(`[edge] second request's headers trickled: cut after ${cutAfter} ms (${received.split('\r\n')[0]})`);
    expect(cutAfter).toBeGreaterThanOrEqual(2900);
    expect(cutAfter).toBeLessThan(4500);
    expect(received).toMatch(/^HTTP\/1\.1 408/);
    expect(received).toContain('"request_timeout"');
  });

  it('resume: at most 3 open streams per conversation by default; the others get 429 + Retry-After', async () => {
    const sessionId = await newSession(stack.url);
    const turn = await longTurn(stack, sessionId, 6);
    const open = () =>
      fetch(`${stack.url}/api/chat/resume`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ sessionId, auditId: turn.auditId }),
      });
    const responses = await Promise.all(Array.from({ length: 5 }, open));
    const streaming = responses.filter((r) => r.status === 200);
    const refused = responses.filter((r) => r.status === 429);
    expect(streaming).toHaveLength(3);
    expect(refused).toHaveLength(2);
    for (const r of refused) {
      expectRateLimited({ status: r.status, headers: r.headers, body: await r.text() }, 'resume past the limit');
    }
    const streams = await Promise.all(streaming.map(readEvents));
    for (const events of streams) {
      expect(events.at(-1)).toMatchObject({ event: 'done', data: { reply: turn.reply } });
    }
    await turn.done;
    // Ended streams give their slots back.
    const again = await open();
    expect(again.status).not.toBe(429);
    await again.body?.cancel();
  }, 60_000);
});

describe('edge of the production server behind one trusted proxy (TRUST_PROXY=1)', () => {
  let stack: ProductionStack;
  beforeAll(async () => {
    stack = await startProductionStack({
      env: {
        TRUST_PROXY: '1',
        // Room for the 400-watcher measurement below; the per-session default (3) is tested above.
        RESUME_STREAMS_PER_SESSION: '300',
        RESUME_STREAMS_PER_IP: '1000',
        RESUME_PER_IP_PER_MINUTE: '1000',
        // 400 connections starve the test process (where the mock model runs) for seconds at a time:
        // the model's no-token watchdog must not end the reply under them.
        OPENAI_TIMEOUT_MS: '20000',
      },
    });
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
  });

  const from = (address: string) => ({ 'x-forwarded-for': address });

  it('600 stop / feedback / messages / health requests from one address are limited (429 + Retry-After); another address is not', async () => {
    const sessionId = await newSession(stack.url);
    const endpoints = [
      { name: 'stop', limit: 60, call: (h: Record<string, string>) => post(`${stack.url}/api/chat/stop`, { sessionId, auditId: randomUUID() }, h) },
      {
        name: 'feedback',
        limit: 60,
        call: (h: Record<string, string>) => post(`${stack.url}/api/feedback`, { sessionId, auditId: randomUUID(), rating: 'up' }, h),
      },
      { name: 'messages', limit: 120, call: (h: Record<string, string>) => post(`${stack.url}/api/session/messages`, { sessionId }, h) },
      { name: 'health', limit: 120, call: (h: Record<string, string>) => get(`${stack.url}/api/health`, h) },
    ];
    for (const endpoint of endpoints) {
      const attacker = `198.51.100.${endpoints.indexOf(endpoint) + 10}`;
      const tripsBefore = stack.bridge!.roundTrips;
      const started = Date.now();
      const answers = await flood(600, 20, () => endpoint.call(from(attacker)));
      const seconds = (Date.now() - started) / 1000;
      const trips = stack.bridge!.roundTrips - tripsBefore;
      const refused = answers.filter((a) => a.status === 429);
      const served = answers.filter((a) => a.status !== 429);
      console.log(
        `[edge] ${endpoint.name}: 600 from one address in ${seconds.toFixed(1)} s → ${served.length} served, ${refused.length} × 429; ${trips} Redis requests`,
      );
      // A sliding window: when the flood straddles a minute boundary, the previous minute's count
      // fades linearly, so a flood lasting s seconds may get up to limit × s / 60 more through.
      expect(served.length, endpoint.name).toBeLessThanOrEqual(endpoint.limit + Math.ceil((endpoint.limit * seconds) / 60) + 1);
      expect(served.length, endpoint.name).toBeGreaterThanOrEqual(endpoint.limit - 5);
      for (const a of served) expect(a.status, `${endpoint.name}: ${a.body}`).toBeLessThan(500);
      expectRateLimited(refused[0]!, endpoint.name);
      expect(refused.every((a) => Number(a.headers.get('retry-after')) >= 1)).toBe(true);
      if (endpoint.name === 'health') {
        // Anonymous readiness is shared for 1.5 s and limited in-process: the flood costs a few probes, not 600.
        expect(trips).toBeLessThan(30);
      }
      // Another address, at the same moment, is served.
      const other = await Promise.all(Array.from({ length: 5 }, () => endpoint.call(from('203.0.113.99'))));
      for (const a of other) expect(a.status, `${endpoint.name} from another address: ${a.body}`).not.toBe(429);
    }
  }, 180_000);

  it('IPv6: one /64 is one client through X-Forwarded-For, in any written form; the next /64 is another', async () => {
    const sessionId = await newSession(stack.url);
    const stop = (address: string) => post(`${stack.url}/api/chat/stop`, { sessionId, auditId: randomUUID() }, from(address));
    const forms = (i: number) =>
      [
        `2001:db8:aa:1::${(i + 1).toString(16)}`,
        `2001:0DB8:00aa:0001:0000:0000:0000:${(i + 1).toString(16).padStart(4, '0')}`,
        `[2001:db8:aa:1:${(i + 1).toString(16)}::1]:443`,
        `2001:db8:aa:1:ffff:${(i + 1).toString(16)}:0:1`,
      ][i % 4]!;
    const answers = await flood(60, 10, (i) => stop(forms(i)));
    expect(answers.filter((a) => a.status === 202)).toHaveLength(60);
    expectRateLimited(await stop('2001:db8:aa:1:dead:beef:0:1'), 'another address of the same /64');
    expectRateLimited(await stop('[2001:DB8:AA:1::9999]:51000'), 'bracketed, upper case, with a port');
    expect((await stop('2001:db8:aa:2::1')).status).toBe(202);
    expect((await stop('::ffff:192.0.2.77')).status).toBe(202);
  }, 60_000);

  it('400 resume connections on one live reply: Redis requests stay at what one watcher costs; past the limit 429', async () => {
    const sessionId = await newSession(stack.url);
    // Long enough that every stream is still open when the last of the 400 connects on a loaded machine.
    const turn = await longTurn(stack, sessionId, 30);
    const bridge = stack.bridge!;
    // Baseline: the turn alone (its live buffer writes and lease renewals).
    let before = bridge.roundTrips;
    await sleep(2000);
    const baselinePerSecond = (bridge.roundTrips - before) / 2;

    const openedAt = Date.now();
    const opened = await Promise.all(
      Array.from({ length: 400 }, () =>
        fetch(`${stack.url}/api/chat/resume`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
          body: JSON.stringify({ sessionId, auditId: turn.auditId }),
        }),
      ),
    );
    const streaming = opened.filter((r) => r.status === 200);
    const refused = opened.filter((r) => r.status === 429);
    console.log(`[edge] 400 resume connections answered in ${Date.now() - openedAt} ms: ${streaming.length} streaming, ${refused.length} × 429`);
    expect(streaming).toHaveLength(300);
    expect(refused).toHaveLength(100);
    for (const r of refused.slice(0, 3)) expectRateLimited({ status: r.status, headers: r.headers, body: await r.text() }, 'resume');
    await Promise.all(refused.slice(3).map((r) => r.body?.cancel()));
    const reading = streaming.map(readEvents);

    // While 300 watchers follow the reply: the same Redis request rate as the turn alone.
    before = bridge.roundTrips;
    await sleep(3000);
    const watchedPerSecond = (bridge.roundTrips - before) / 3;
    console.log(
      `[edge] Redis requests/s: turn alone ${baselinePerSecond.toFixed(1)}, with 300 resume streams open ${watchedPerSecond.toFixed(1)} (before: 5 per watcher, ≈1,500/s)`,
    );
    expect(watchedPerSecond).toBeLessThanOrEqual(baselinePerSecond + 5);
    expect(watchedPerSecond).toBeLessThan(20);

    const streams = await Promise.all(reading);
    for (const events of streams) {
      expect(events.at(-1)).toMatchObject({ event: 'done', data: { reply: turn.reply } });
    }
    expect((await turn.done).done?.reply).toBe(turn.reply);
  }, 180_000);
});
