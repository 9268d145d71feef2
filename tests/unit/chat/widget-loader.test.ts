import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';

/**
 * public/widget.js (the loader, in the host page's origin) run against a small stand-in for the DOM:
 * what it keeps for the frame, and which messages it accepts and sends.
 */
const SOURCE = readFileSync(path.join(__dirname, '..', '..', '..', 'public', 'widget.js'), 'utf8');
const TETHER = 'https://chat.tether.example';
const HOST = 'https://shop.example';

class FakeElement {
  attributes: Record<string, string> = {};
  children: FakeElement[] = [];
  listeners: Record<string, (() => void)[]> = {};
  style: Record<string, string> = {};
  hidden = false;
  src = '';
  className = '';
  contentWindow: { postMessage: (message: unknown, target: string) => void } | null = null;
  constructor(
    readonly tag: string,
    private readonly onFrame: (el: FakeElement) => void,
  ) {}
  setAttribute(name: string, value: string) {
    this.attributes[name] = value;
  }
  getAttribute(name: string) {
    return this.attributes[name] ?? null;
  }
  appendChild(child: FakeElement) {
    this.children.push(child);
    if (child.tag === 'iframe') this.onFrame(child);
    return child;
  }
  attachShadow() {
    return this;
  }
  addEventListener(type: string, listener: () => void) {
    (this.listeners[type] ??= []).push(listener);
  }
  focus() {}
  click() {
    for (const l of this.listeners.click ?? []) l();
  }
}

class FakeStorage {
  map = new Map<string, string>();
  constructor(private readonly blocked = false) {}
  private check() {
    if (this.blocked) throw new DOMException('The operation is insecure.', 'SecurityError');
  }
  getItem(k: string) {
    this.check();
    return this.map.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.check();
    this.map.set(k, v);
  }
  removeItem(k: string) {
    this.check();
    this.map.delete(k);
  }
}

interface Page {
  window: Record<string, unknown> & { Tether?: Record<string, (arg?: string) => void> };
  frame: () => FakeElement | null;
  toFrame: { message: Record<string, unknown>; target: string }[];
  fromFrame: (data: unknown, options?: { origin?: string; source?: unknown }) => void;
  launcher: () => FakeElement;
  local: FakeStorage;
  session: FakeStorage;
}

function loadPage(options: { data?: Record<string, string>; local?: FakeStorage; session?: FakeStorage } = {}): Page {
  const local = options.local ?? new FakeStorage();
  const session = options.session ?? new FakeStorage();
  const toFrame: Page['toFrame'] = [];
  const frameWindow = { postMessage: (message: Record<string, unknown>, target: string) => void toFrame.push({ message, target }) };
  let frame: FakeElement | null = null;
  const onFrame = (el: FakeElement) => {
    el.contentWindow = frameWindow as FakeElement['contentWindow'];
    frame = el;
  };
  const body = new FakeElement('body', onFrame);
  const messageListeners: ((event: unknown) => void)[] = [];
  const window: Page['window'] = {
    localStorage: local,
    sessionStorage: session,
    addEventListener: (type: string, l: (event: unknown) => void) => {
      if (type === 'message') messageListeners.push(l);
    },
  };
  const document = {
    currentScript: { src: `${TETHER}/widget.js`, dataset: { title: 'Acme support', ...options.data } },
    body,
    createElement: (tag: string) => new FakeElement(tag, onFrame),
    addEventListener: () => undefined,
  };
  runInNewContext(SOURCE, { window, document, location: { href: `${HOST}/shop`, origin: HOST }, URL, URLSearchParams, Math, parseInt });
  return {
    window,
    frame: () => frame,
    toFrame,
    fromFrame: (data, { origin = TETHER, source } = {}) => {
      for (const l of messageListeners) l({ origin, data, source: source === undefined ? frameWindow : source });
    },
    launcher: () => {
      const host = body.children[0]!;
      return host.children.find((c) => c.tag === 'button')!;
    },
    local,
    session,
  };
}

const KEY = `tether:${TETHER}:session`;

describe('public/widget.js', () => {
  it('creates the frame on first open, with the host origin in its URL and no token or session id there', () => {
    const page = loadPage({ data: { userToken: 'secret.jwt.token' } });
    page.local.setItem(KEY, 's1.kept');
    expect(page.frame()).toBeNull();
    page.launcher().click();
    const src = page.frame()!.src;
    expect(src.startsWith(`${TETHER}/widget?`)).toBe(true);
    expect(new URL(src).searchParams.get('host')).toBe(HOST);
    expect(src).not.toContain('secret');
    expect(src).not.toContain('s1.kept');
  });

  it("answers the frame's ready with what the host page kept and the token, to Tether's exact origin", () => {
    const page = loadPage({ data: { userToken: 'jwt-1' } });
    page.local.setItem(KEY, 's1.kept');
    page.launcher().click();
    page.fromFrame({ tether: 1, type: 'ready' });
    expect(page.toFrame[0]).toEqual({
      message: { tether: 1, type: 'init', sessionId: 's1.kept', storage: 'local', userToken: 'jwt-1' },
      target: TETHER,
    });
  });

  it('keeps the id the frame sends, and forgets it on null', () => {
    const page = loadPage();
    page.launcher().click();
    page.fromFrame({ tether: 1, type: 'session', sessionId: 's1.new' });
    expect(page.local.getItem(KEY)).toBe('s1.new');
    page.fromFrame({ tether: 1, type: 'session', sessionId: null });
    expect(page.local.getItem(KEY)).toBeNull();
  });

  it('ignores messages from another origin, from another window, or not of the protocol', () => {
    const page = loadPage();
    page.launcher().click();
    page.fromFrame({ tether: 1, type: 'session', sessionId: 'evil' }, { origin: 'https://evil.example' });
    page.fromFrame({ tether: 1, type: 'session', sessionId: 'evil2' }, { source: {} });
    page.fromFrame({ type: 'session', sessionId: 'evil3' });
    page.fromFrame({ tether: 1, type: 'session', sessionId: { not: 'a string' } });
    expect(page.local.getItem(KEY)).toBeNull();
  });

  it('falls back to sessionStorage (this tab), and says "none" when the host page cannot store anything', () => {
    const tab = loadPage({ local: new FakeStorage(true) });
    tab.launcher().click();
    tab.fromFrame({ tether: 1, type: 'ready' });
    expect(tab.toFrame[0]?.message).toMatchObject({ storage: 'tab' });
    tab.fromFrame({ tether: 1, type: 'session', sessionId: 's1.tab' });
    expect(tab.session.getItem(KEY)).toBe('s1.tab');

    const none = loadPage({ local: new FakeStorage(true), session: new FakeStorage(true) });
    none.launcher().click();
    none.fromFrame({ tether: 1, type: 'ready' });
    expect(none.toFrame[0]?.message).toMatchObject({ storage: 'none', sessionId: null });
  });

  it('Tether.identify and Tether.logout reach the frame by message; logout forgets the kept id', () => {
    const page = loadPage();
    page.local.setItem(KEY, 's1.anon');
    page.window.Tether!.identify!('jwt-early'); // before the frame exists: kept for its init
    page.window.Tether!.open!();
    page.fromFrame({ tether: 1, type: 'ready' });
    expect(page.toFrame[0]?.message).toMatchObject({ type: 'init', userToken: 'jwt-early' });
    page.window.Tether!.identify!('jwt-refreshed');
    expect(page.toFrame.at(-1)).toEqual({ message: { tether: 1, type: 'identify', userToken: 'jwt-refreshed' }, target: TETHER });
    page.window.Tether!.logout!();
    expect(page.toFrame.at(-1)).toEqual({ message: { tether: 1, type: 'logout' }, target: TETHER });
    expect(page.local.getItem(KEY)).toBeNull();
  });

  it('reopens on the next page of the tab when the panel was open (a reply may still be coming)', () => {
    const session = new FakeStorage();
    const first = loadPage({ session });
    first.launcher().click();
    expect(first.launcher().getAttribute('aria-expanded')).toBe('true');
    const next = loadPage({ session });
    expect(next.frame()).not.toBeNull();
    expect(next.launcher().getAttribute('aria-expanded')).toBe('true');
    next.window.Tether!.close!();
    expect(loadPage({ session }).frame()).toBeNull();
  });
});
