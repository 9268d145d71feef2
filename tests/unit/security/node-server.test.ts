import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { checkingIntervalMs, tightenConnectionChecks } from '@/lib/security/node-server';

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
