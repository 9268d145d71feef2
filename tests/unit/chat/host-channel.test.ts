import { afterEach, describe, expect, it, vi } from 'vitest';
import { HostChannel, type FrameWindow } from '@/components/chat/host-channel';
import { parseHostMessage } from '@/components/chat/host-protocol';

const HOST = 'https://shop.example';

function frameWindow() {
  const listeners: ((event: MessageEvent) => void)[] = [];
  const posted: { message: unknown; target: string }[] = [];
  const parent = { postMessage: (message: unknown, target: string) => void posted.push({ message, target }) };
  const win: FrameWindow = { parent, addEventListener: (_type, l) => void listeners.push(l) };
  const deliver = (origin: string, data: unknown, source: unknown = parent) => {
    for (const l of listeners) l({ origin, data, source } as unknown as MessageEvent);
  };
  return { win, parent, posted, deliver };
}

afterEach(() => vi.useRealTimers());

describe('parseHostMessage', () => {
  it('accepts the protocol messages, field by field', () => {
    expect(parseHostMessage({ tether: 1, type: 'init', sessionId: 's1', storage: 'local', userToken: null })).toEqual({
      type: 'init',
      sessionId: 's1',
      storage: 'local',
      userToken: null,
    });
    expect(parseHostMessage({ tether: 1, type: 'identify', userToken: 'jwt' })).toEqual({ type: 'identify', userToken: 'jwt' });
    expect(parseHostMessage({ tether: 1, type: 'logout' })).toEqual({ type: 'logout' });
    expect(parseHostMessage({ tether: 1, type: 'open' })).toEqual({ type: 'open' });
  });

  it('drops anything else: other scripts post messages too', () => {
    expect(parseHostMessage('open')).toBeNull();
    expect(parseHostMessage({ type: 'open' })).toBeNull();
    expect(parseHostMessage({ tether: 2, type: 'open' })).toBeNull();
    expect(parseHostMessage({ tether: 1, type: 'init', sessionId: 's1', storage: 'cookies' })).toBeNull();
    expect(parseHostMessage({ tether: 1, type: 'identify', userToken: 42 })).toBeNull();
    expect(parseHostMessage({ tether: 1, type: 'identify', userToken: 'x'.repeat(5000) })).toBeNull();
    expect(parseHostMessage({ tether: 1, type: 'eval', code: '1' })).toBeNull();
    // A non-string id is treated as "nothing kept", never passed on.
    expect(parseHostMessage({ tether: 1, type: 'init', sessionId: { x: 1 }, storage: 'tab' })).toMatchObject({ sessionId: null });
  });
});

describe('HostChannel (the frame side)', () => {
  it('says ready to the exact host origin, and resolves init from that origin and its parent only', async () => {
    const { win, posted, deliver } = frameWindow();
    const channel = new HostChannel(HOST, win, 1000);
    expect(posted).toEqual([{ message: { tether: 1, type: 'ready' }, target: HOST }]);
    // Another origin, or another window of the right origin, is ignored.
    deliver('https://evil.example', { tether: 1, type: 'init', sessionId: 'stolen', storage: 'local', userToken: 'x' });
    deliver(HOST, { tether: 1, type: 'init', sessionId: 'other', storage: 'local', userToken: null }, {});
    deliver(HOST, { tether: 1, type: 'init', sessionId: 's1', storage: 'local', userToken: null });
    expect(await channel.init).toEqual({ sessionId: 's1', storage: 'local', userToken: null });
  });

  it('treats a silent parent as no embed after the timeout', async () => {
    vi.useFakeTimers();
    const { win } = frameWindow();
    const channel = new HostChannel(HOST, win, 3000);
    vi.advanceTimersByTime(3000);
    expect(await channel.init).toBeNull();
  });

  it('passes identify, logout and open on to subscribers, from the host only', () => {
    const { win, deliver } = frameWindow();
    const channel = new HostChannel(HOST, win, 1000);
    const seen: unknown[] = [];
    const unsubscribe = channel.subscribe((m) => seen.push(m));
    deliver('https://evil.example', { tether: 1, type: 'logout' });
    deliver(HOST, { tether: 1, type: 'identify', userToken: 'jwt2' });
    deliver(HOST, { tether: 1, type: 'logout' });
    unsubscribe();
    deliver(HOST, { tether: 1, type: 'open' });
    expect(seen).toEqual([{ type: 'identify', userToken: 'jwt2' }, { type: 'logout' }]);
  });

  it('keeps what arrives before anyone listens (the host answers ready at once) for the first subscriber', () => {
    const { win, deliver } = frameWindow();
    const channel = new HostChannel(HOST, win, 1000);
    deliver(HOST, { tether: 1, type: 'open' });
    const seen: unknown[] = [];
    channel.subscribe((m) => seen.push(m));
    expect(seen).toEqual([{ type: 'open' }]);
  });

  it('sends the session id and close to the host origin only', () => {
    const { win, posted } = frameWindow();
    const channel = new HostChannel(HOST, win, 1000);
    channel.saveSession('s9');
    channel.saveSession(null);
    channel.close();
    expect(posted.slice(1)).toEqual([
      { message: { tether: 1, type: 'session', sessionId: 's9' }, target: HOST },
      { message: { tether: 1, type: 'session', sessionId: null }, target: HOST },
      { message: { tether: 1, type: 'close' }, target: HOST },
    ]);
  });
});
