import { describe, expect, it, vi } from 'vitest';
import { HostChannel, type FrameWindow, type HostInit } from '@/components/chat/host-channel';
import type { CreateSessionOptions, NewSession } from '@/components/chat/session-client';
import {
  chooseStorage,
  ConversationSession,
  FRAME_SESSION_KEY,
  frameStorage,
  memoryStorage,
  startSession,
  type IdStorage,
} from '@/components/chat/session-store';

const EXPIRES = '2030-01-01T00:00:00.000Z';

/** A stand-in for POST /api/session: anonymous ids count up; a token's `sub` always gets its own id. */
function fakeServer() {
  let n = 0;
  const calls: CreateSessionOptions[] = [];
  const create = vi.fn(async (options: CreateSessionOptions): Promise<NewSession> => {
    calls.push(options);
    if (options.userToken === 'expired') throw Object.assign(new Error('Please sign in again.'), { code: 'identity_expired' });
    if (options.userToken) {
      const sub = options.userToken.split(':')[0] ?? '';
      return { sessionId: options.newConversation ? `v-${sub}-${++n}` : `v-${sub}`, expiresAt: EXPIRES, identity: { sub } };
    }
    return { sessionId: `anon-${++n}`, expiresAt: EXPIRES, identity: null };
  });
  return { create, calls };
}

function recordingStorage(initial: string | null = null, kind: IdStorage['kind'] = 'host'): IdStorage & { writes: (string | null)[] } {
  let current = initial;
  const writes: (string | null)[] = [];
  return {
    kind,
    writes,
    read: () => current,
    write: (id) => {
      writes.push(id);
      current = id;
    },
  };
}

describe('ConversationSession: one source of truth for the session id', () => {
  it('creates an anonymous session once, keeps its id in storage, and hands the same id to every caller', async () => {
    const server = fakeServer();
    const storage = recordingStorage();
    const session = new ConversationSession(storage, server.create);
    const [a, b] = await Promise.all([session.current(), session.current()]);
    expect(a).toBe('anon-1');
    expect(b).toBe('anon-1');
    expect(server.create).toHaveBeenCalledTimes(1);
    expect(storage.writes).toEqual(['anon-1']);
    expect(session.id).toBe('anon-1');
  });

  it('continues a stored anonymous conversation without asking the server for a new one', async () => {
    const server = fakeServer();
    const session = new ConversationSession(recordingStorage('anon-kept'), server.create);
    expect(session.stored()).toBe('anon-kept');
    expect(await session.adopt('anon-kept')).toBe('anon-kept');
    expect(await session.current()).toBe('anon-kept');
    expect(server.create).not.toHaveBeenCalled();
  });

  it('forgets a rejected id everywhere and the next need creates a new one', async () => {
    const server = fakeServer();
    const storage = recordingStorage('anon-old');
    const session = new ConversationSession(storage, server.create);
    await session.adopt('anon-old');
    session.forget();
    expect(session.id).toBeNull();
    expect(storage.read()).toBeNull();
    expect(await session.current()).toBe('anon-1');
    expect(storage.read()).toBe('anon-1');
  });

  it('a failed creation is not remembered: the next call tries again', async () => {
    let fail = true;
    const create = vi.fn(async (): Promise<NewSession> => {
      if (fail) throw new Error('network');
      return { sessionId: 'anon-2', expiresAt: EXPIRES, identity: null };
    });
    const session = new ConversationSession(recordingStorage(), create);
    await expect(session.current()).rejects.toThrow('network');
    fail = false;
    expect(await session.current()).toBe('anon-2');
  });

  it('a signed-in customer: the token gets the id, which is never stored, and a stored anonymous id is ignored', async () => {
    const server = fakeServer();
    const storage = recordingStorage('anon-kept');
    const session = new ConversationSession(storage, server.create, 'ada:t1');
    expect(session.stored()).toBeNull();
    expect(await session.current()).toBe('v-ada');
    expect(server.calls).toEqual([{ userToken: 'ada:t1', newConversation: false }]);
    expect(storage.writes).toEqual([]);
    expect(session.identity).toEqual({ sub: 'ada' });
  });

  it('a refreshed token for the same customer keeps the same conversation', async () => {
    const server = fakeServer();
    const session = new ConversationSession(recordingStorage(), server.create, 'ada:t1');
    const before = await session.current();
    expect(await session.identify('ada:t2')).toBe(before);
    expect(server.calls.at(-1)).toEqual({ userToken: 'ada:t2', newConversation: false });
  });

  it('an expired token is an error, never a silent anonymous conversation', async () => {
    const server = fakeServer();
    const storage = recordingStorage('anon-kept');
    const session = new ConversationSession(storage, server.create, 'expired');
    await expect(session.current()).rejects.toMatchObject({ code: 'identity_expired' });
    expect(server.calls.every((call) => call.userToken === 'expired')).toBe(true);
    expect(session.id).toBeNull();
    expect(session.signedIn).toBe(true);
  });

  it('logout: a fresh anonymous conversation on this device, stored; the verified id is forgotten', async () => {
    const server = fakeServer();
    const storage = recordingStorage('anon-old');
    const session = new ConversationSession(storage, server.create, 'ada:t1');
    await session.current();
    const id = await session.logout();
    expect(id).toMatch(/^anon-/);
    expect(session.signedIn).toBe(false);
    expect(session.identity).toBeNull();
    expect(storage.read()).toBe(id);
    expect(storage.writes).not.toContain('v-ada');
  });

  it('"New conversation": anonymous gets a new id; signed in asks for a new conversation of that customer', async () => {
    const server = fakeServer();
    const anonymous = new ConversationSession(recordingStorage(), server.create);
    const first = await anonymous.current();
    expect(await anonymous.startNew()).not.toBe(first);

    const verified = new ConversationSession(recordingStorage(), server.create, 'ada:t1');
    await verified.current();
    expect(await verified.startNew()).toMatch(/^v-ada-/);
    expect(server.calls.at(-1)).toEqual({ userToken: 'ada:t1', newConversation: true });
  });
});

describe('ConversationSession as the store the chat renders from', () => {
  it('tells subscribers when the id becomes known and when it is forgotten, with a new snapshot each time', async () => {
    const server = fakeServer();
    const session = new ConversationSession(recordingStorage(null, 'none'), server.create);
    const seen: (string | null)[] = [];
    session.subscribe(() => seen.push(session.getSnapshot().id));
    const first = session.getSnapshot();
    expect(first).toEqual({ id: null, signedIn: false, identity: null, storageKind: 'none' });
    expect(session.getSnapshot()).toBe(first); // unchanged: the same object, so React does not re-render
    await session.current();
    expect(session.getSnapshot()).toMatchObject({ id: 'anon-1' });
    expect(session.getSnapshot()).not.toBe(first);
    session.forget();
    expect(seen).toEqual(['anon-1', null]);
  });

  it('an id replaced while the first was still opening never shows: the later one wins', async () => {
    let release: (id: string) => void = () => undefined;
    const slow = new Promise<string>((resolve) => {
      release = resolve;
    });
    const session = new ConversationSession(recordingStorage(), fakeServer().create);
    void session.follow(slow);
    const other = session.adopt('anon-other');
    release('anon-stale');
    await Promise.all([slow, other]);
    expect(session.id).toBe('anon-other');
    expect(await session.current()).toBe('anon-other');
  });

  it('sign-in and sign-out change what the snapshot says (the "not kept" notice reads it)', async () => {
    const server = fakeServer();
    const session = new ConversationSession(recordingStorage(null, 'none'), server.create);
    await session.identify('ada:t1');
    expect(session.getSnapshot()).toMatchObject({ signedIn: true, identity: { sub: 'ada' }, id: 'v-ada' });
    await session.logout();
    expect(session.getSnapshot()).toMatchObject({ signedIn: false, identity: null, id: 'anon-1' });
  });
});

describe('startSession: one session per page view', () => {
  it('says nothing until the storage is chosen, then hands every caller the same session', async () => {
    const server = fakeServer();
    const source = startSession(null, server.create, () => recordingStorage('anon-kept', 'frame'));
    expect(source.now()).toBeNull();
    expect(source.getSnapshot()).toEqual({ id: null, signedIn: false, identity: null, storageKind: null });
    const notified = vi.fn();
    source.subscribe(notified);
    const session = await source.ready;
    expect(source.now()).toBe(session);
    expect(notified).toHaveBeenCalled();
    expect(source.getSnapshot()).toMatchObject({ storageKind: 'frame', id: null });
    expect(session.stored()).toBe('anon-kept');
    await session.adopt('anon-kept');
    expect(source.getSnapshot().id).toBe('anon-kept');
  });

  it("in an embed, the host page's token makes the customer signed in from the start", async () => {
    const channel = fakeChannel({ sessionId: 'anon-kept', storage: 'none', userToken: 'ada:t1' }, []);
    const source = startSession(channel, fakeServer().create, () => null);
    const session = await source.ready;
    expect(source.getSnapshot()).toMatchObject({ signedIn: true, storageKind: 'none' });
    expect(session.stored()).toBeNull();
  });
});

describe('storage choice', () => {
  function fakeLocalStorage(): Storage {
    const map = new Map<string, string>();
    return {
      getItem: (k) => map.get(k) ?? null,
      setItem: (k, v) => void map.set(k, v),
      removeItem: (k) => void map.delete(k),
      clear: () => map.clear(),
      key: () => null,
      get length() {
        return map.size;
      },
    };
  }

  it("frame storage is null when the browser denies it (a cross-site frame's 'Access is denied')", () => {
    expect(
      frameStorage(() => {
        throw new DOMException('Access is denied for this document.', 'SecurityError');
      }),
    ).toBeNull();
    const working = frameStorage(fakeLocalStorage);
    working?.write('s1');
    expect(working?.read()).toBe('s1');
    expect(working?.kind).toBe('frame');
  });

  it('uses the key earlier versions stored the id under', () => {
    const local = fakeLocalStorage();
    local.setItem(FRAME_SESSION_KEY, 'old');
    expect(frameStorage(() => local)?.read()).toBe('old');
  });

  it('outside an embed: the frame storage, or memory (and then the customer is told) when it is blocked', async () => {
    const frame = frameStorage(fakeLocalStorage);
    expect((await chooseStorage(null, () => frame)).storage.kind).toBe('frame');
    expect((await chooseStorage(null, () => null)).storage.kind).toBe('none');
    expect(memoryStorage().kind).toBe('none');
  });

  it("in an embed: the host page's storage, and the token it handed over", async () => {
    const posted: unknown[] = [];
    const channel = fakeChannel({ sessionId: 'anon-kept', storage: 'local', userToken: 'tok' }, posted);
    const chosen = await chooseStorage(channel, () => null);
    expect(chosen.storage.kind).toBe('host');
    expect(chosen.storage.read()).toBe('anon-kept');
    expect(chosen.userToken).toBe('tok');
    chosen.storage.write('anon-new');
    expect(posted).toContainEqual({ tether: 1, type: 'session', sessionId: 'anon-new' });
    expect(chosen.storage.read()).toBe('anon-new');
  });

  it('in an embed whose host page cannot store anything either: kind none', async () => {
    const channel = fakeChannel({ sessionId: null, storage: 'none', userToken: null }, []);
    expect((await chooseStorage(channel, () => null)).storage.kind).toBe('none');
  });
});

/** A HostChannel whose host answers `ready` with the given init. */
function fakeChannel(init: HostInit, posted: unknown[]): HostChannel {
  const listeners: ((event: MessageEvent) => void)[] = [];
  const parent = {
    postMessage: (message: unknown) => {
      posted.push(message);
      if ((message as { type?: string }).type === 'ready') {
        queueMicrotask(() => {
          for (const l of listeners) l({ origin: 'https://shop.example', source: parent, data: { tether: 1, type: 'init', ...init } } as unknown as MessageEvent);
        });
      }
    },
  };
  const win: FrameWindow = { parent, addEventListener: (_type, l) => void listeners.push(l) };
  return new HostChannel('https://shop.example', win, 1000);
}
