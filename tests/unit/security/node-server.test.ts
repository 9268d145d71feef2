import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CONSTANT_HEADERS, NON_DOCUMENT_CSP } from '@/lib/security/headers';
import { checkingIntervalMs, ensureSecurityHeaders, tightenConnectionChecks } from '@/lib/security/node-server';

let server: http.Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/** Answers one request, then trickles the next one's headers on the same kept-alive connection; resolves with when it was cut. */
async function secondRequestCutAfter(tighten: boolean, headersTimeoutMs: number, giveUpMs: number): Promise<number | null> {
  server = http.createServer((_request, response) => response.end('ok'));
  server.headersTimeout = headersTimeoutMs;
  server.keepAliveTimeout = 60_000;
  server.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  if (tighten) expect(tightenConnectionChecks(server, checkingIntervalMs(headersTimeoutMs))).toBe(true);
  const { port } = server.address() as AddressInfo;
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  await new Promise((resolve) => socket.once('data', resolve));
  const started = Date.now();
  socket.write('GET / HTTP/1.1\r\nHost: x\r\n');
  const trickle = setInterval(() => socket.writable && socket.write('X-Slow: 1\r\n'), 200);
  const result = await Promise.race([
    new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - started))),
    new Promise<null>((resolve) => setTimeout(() => resolve(null), giveUpMs)),
  ]);
  clearInterval(trickle);
  socket.destroy();
  return result;
}

describe('header timeouts on kept-alive connections', () => {
  it('the second request on a kept-alive connection is cut at the configured header limit', async () => {
    const cut = await secondRequestCutAfter(true, 1000, 5000);
    expect(cut).not.toBeNull();
    expect(cut!).toBeGreaterThanOrEqual(900);
    expect(cut!).toBeLessThan(1000 + checkingIntervalMs(1000) + 500);
  });

  it("without it, Node's 30 s checker lets the headers trickle on (the bug this fixes)", async () => {
    expect(await secondRequestCutAfter(false, 1000, 3000)).toBeNull();
  });

  it('checks about ten times per header limit, never more than every 250 ms or less than every second', () => {
    expect(checkingIntervalMs(10_000)).toBe(1000);
    expect(checkingIntervalMs(5000)).toBe(500);
    expect(checkingIntervalMs(1000)).toBe(250);
  });
});

describe('a floor of security headers under answers Next sends before the proxy', () => {
  async function answer(handler: http.RequestListener): Promise<http.IncomingHttpHeaders> {
    server = http.createServer((request, response) => {
      ensureSecurityHeaders(response);
      handler(request, response);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}/x//y`, { redirect: 'manual' });
    await response.arrayBuffer();
    return Object.fromEntries(response.headers);
  }

  it('an answer without them (a bare 308) gets nosniff, a CSP that allows nothing, and DENY', async () => {
    const headers = await answer((_request, response) => {
      response.statusCode = 308;
      response.setHeader('location', '/x/y');
      response.end();
    });
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['content-security-policy']).toBe(NON_DOCUMENT_CSP);
    expect(headers['x-frame-options']).toBe('DENY');
    expect(headers['referrer-policy']).toBe(CONSTANT_HEADERS['referrer-policy']);
  });

  it('an answer that carries them (the proxy decided) is left exactly as it is', async () => {
    const headers = await answer((_request, response) => {
      response.setHeader('x-content-type-options', 'nosniff');
      response.setHeader('content-security-policy', "frame-ancestors 'self' https://shop.example");
      response.end('ok');
    });
    expect(headers['content-security-policy']).toBe("frame-ancestors 'self' https://shop.example");
    expect(headers['x-frame-options']).toBeUndefined();
    const viaWriteHead = await (async () => {
      await new Promise((resolve) => server!.close(resolve));
      return answer((_request, response) => {
        response.writeHead(200, { 'X-Content-Type-Options': 'nosniff', 'content-security-policy': 'x' });
        response.end();
      });
    })();
    expect(viaWriteHead['content-security-policy']).toBe('x');
    expect(viaWriteHead['x-frame-options']).toBeUndefined();
  });
});
