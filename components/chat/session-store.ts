import type { HostChannel, HostInit } from './host-channel';
import type { CreateSessionOptions, NewSession, VerifiedIdentity } from './session-client';

/**
 * Where an anonymous conversation's id survives a reload: the frame's own localStorage (the page at
 * `/`, or a same-site embed), the host page's storage through the loader (a cross-site embed, where
 * the frame's storage is blocked or partitioned), or nowhere (everything blocked: the customer is told).
 */
export interface IdStorage {
  readonly kind: 'frame' | 'host' | 'none';
  read(): string | null;
  write(sessionId: string | null): void;
}

/** Kept in the frame's own origin; the key is the one earlier versions used, so stored ids keep working. */
export const FRAME_SESSION_KEY = 'tether.sessionId';

/** The frame's localStorage, or null when the browser denies it (a cross-site frame in most browsers now). */
export function frameStorage(store: () => Storage = () => window.localStorage): IdStorage | null {
  let storage: Storage;
  try {
    storage = store();
    // Reading is not enough: some browsers allow the object and throw on use.
    storage.getItem(FRAME_SESSION_KEY);
  } catch {
    return null;
  }
  return {
    kind: 'frame',
    read: () => {
      try {
        return storage.getItem(FRAME_SESSION_KEY);
      } catch {
        return null;
      }
    },
    write: (sessionId) => {
      try {
        if (sessionId) storage.setItem(FRAME_SESSION_KEY, sessionId);
        else storage.removeItem(FRAME_SESSION_KEY);
      } catch {
        // Storage that stops working mid-page leaves this page view's conversation as it is.
      }
    },
  };
}

/** The host page's storage, through the loader: it sent what it kept, and keeps what we send it. */
export function hostStorage(channel: HostChannel, init: HostInit): IdStorage {
  let current = init.sessionId;
  return {
    kind: init.storage === 'none' ? 'none' : 'host',
    read: () => current,
    write: (sessionId) => {
      current = sessionId;
      channel.saveSession(sessionId);
    },
  };
}

/** This page view only. */
export function memoryStorage(): IdStorage {
  let current: string | null = null;
  return {
    kind: 'none',
    read: () => current,
    write: (sessionId) => {
      current = sessionId;
    },
  };
}

/**
 * Picks where the id lives, once: inside a widget.js embed the host page keeps it (one place, whatever
 * the browser does to the frame's storage); otherwise the frame's own storage; otherwise memory.
 * Also returns the signed-in customer's token the host page handed over, if any.
 */
export async function chooseStorage(
  channel: HostChannel | null,
  frame: () => IdStorage | null = frameStorage,
): Promise<{ storage: IdStorage; userToken: string | null }> {
  const init = channel ? await channel.init : null;
  if (channel && init) return { storage: hostStorage(channel, init), userToken: init.userToken };
  return { storage: frame() ?? memoryStorage(), userToken: null };
}

export type CreateSession = (options: CreateSessionOptions) => Promise<NewSession>;

/** What the chat renders from the session; a new object on every change, so `useSyncExternalStore` sees it. */
export interface SessionSnapshot {
  /** The id requests go to, once known; null while it is being opened, after it was forgotten, or before start. */
  readonly id: string | null;
  /** The host page said who the customer is (whether or not Tether has confirmed it yet). */
  readonly signedIn: boolean;
  readonly identity: VerifiedIdentity | null;
  /** Where the anonymous id lives; null until the embed has said (a widget waits for the loader's `init`). */
  readonly storageKind: IdStorage['kind'] | null;
}

export const STARTING_SNAPSHOT: SessionSnapshot = { id: null, signedIn: false, identity: null, storageKind: null };

/**
 * The session's whole state, replaced as one value. `opening` holds the promise of the id (so a send made
 * during start-up waits for it) and, once it resolves, the id itself: the two cannot disagree.
 */
interface SessionState {
  readonly opening: { readonly pending: Promise<string>; readonly id: string | null } | null;
  readonly token: string | null;
  readonly identity: VerifiedIdentity | null;
}

/**
 * The conversation's session: the ONE source of truth for which id every request goes to, and an external
 * store the chat subscribes to. An anonymous id is mirrored into `storage` (read once, at start, by
 * `stored()`); a verified customer's id is never stored, as their token gets it again on any device.
 */
export class ConversationSession {
  private state: SessionState;
  private snapshot: SessionSnapshot;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly storage: IdStorage,
    private readonly create: CreateSession,
    token: string | null = null,
  ) {
    this.state = { opening: null, token, identity: null };
    this.snapshot = this.snapshotOf(this.state);
  }

  /** For useSyncExternalStore: stable functions, a snapshot that changes only when the session does. */
  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getSnapshot = (): SessionSnapshot => this.snapshot;

  /** The id once known (for requests that need no new session: feedback, another tab's news). */
  get id(): string | null {
    return this.state.opening?.id ?? null;
  }

  /** The host page said who the customer is (whether or not Tether has confirmed it yet). */
  get signedIn(): boolean {
    return this.state.token !== null;
  }

  get identity(): VerifiedIdentity | null {
    return this.state.identity;
  }

  get storageKind(): IdStorage['kind'] {
    return this.storage.kind;
  }

  /** An anonymous id kept from an earlier page view; never used when the customer is signed in. */
  stored(): string | null {
    return this.state.token ? null : this.storage.read();
  }

  /** The session, created on first need; a failed attempt is forgotten so the next call tries again. */
  current(): Promise<string> {
    return this.state.opening?.pending ?? this.track(this.open(false));
  }

  /** Continue with an id known to be this conversation's (a stored one, or one another tab started). */
  adopt(sessionId: string): Promise<string> {
    return this.track(Promise.resolve(sessionId));
  }

  /** Follows a load that ends with the id to use (restoring a stored one, or replacing a rejected one). */
  follow(pending: Promise<string>): Promise<string> {
    return this.track(pending);
  }

  /** The server no longer knows this id: forget it everywhere. */
  forget(): void {
    if (!this.state.token) this.storage.write(null);
    this.set({ opening: null });
  }

  /** "New conversation": a fresh anonymous session, or a fresh conversation for the signed-in customer. */
  startNew(): Promise<string> {
    this.forget();
    return this.track(this.open(true));
  }

  /** A new or refreshed token; resolves to the id it opens (the same one when only the token was refreshed). */
  identify(userToken: string): Promise<string> {
    this.set({ token: userToken });
    return this.track(this.open(false));
  }

  /** Signed out: a fresh anonymous conversation on this device; the verified one waits for the next sign-in. */
  logout(): Promise<string> {
    this.set({ token: null, identity: null });
    this.storage.write(null);
    return this.track(this.open(false));
  }

  private async open(newConversation: boolean): Promise<string> {
    const token = this.state.token;
    const created = await this.create(token ? { userToken: token, newConversation } : {});
    if (token) {
      this.set({ identity: created.identity });
    } else {
      this.storage.write(created.sessionId);
    }
    return created.sessionId;
  }

  private track(pending: Promise<string>): Promise<string> {
    this.set({ opening: { pending, id: null } });
    pending.then(
      (id) => {
        if (this.state.opening?.pending === pending) this.set({ opening: { pending, id } });
      },
      () => {
        if (this.state.opening?.pending === pending) this.set({ opening: null });
      },
    );
    return pending;
  }

  private set(change: Partial<SessionState>): void {
    this.state = { ...this.state, ...change };
    const next = this.snapshotOf(this.state);
    const before = this.snapshot;
    if (
      next.id === before.id &&
      next.signedIn === before.signedIn &&
      next.identity === before.identity &&
      next.storageKind === before.storageKind
    ) {
      return;
    }
    this.snapshot = next;
    for (const listener of this.listeners) listener();
  }

  private snapshotOf(state: SessionState): SessionSnapshot {
    return {
      id: state.opening?.id ?? null,
      signedIn: state.token !== null,
      identity: state.identity,
      storageKind: this.storage.kind,
    };
  }
}

/** The page view's session: it exists once the embed has said where ids live (at once on `/`; after the loader's `init` in a widget). */
export interface SessionSource {
  /** The session once started: what a send made during start-up waits for. */
  readonly ready: Promise<ConversationSession>;
  /** The same, synchronously: null during start-up. */
  now(): ConversationSession | null;
  subscribe(listener: () => void): () => void;
  getSnapshot(): SessionSnapshot;
}

/** Starts the page view's session: picks where the id lives, then hands out one ConversationSession. */
export function startSession(
  channel: HostChannel | null,
  create: CreateSession,
  frame: () => IdStorage | null = frameStorage,
): SessionSource {
  let session: ConversationSession | null = null;
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const listener of listeners) listener();
  };
  const ready = chooseStorage(channel, frame).then(({ storage, userToken }) => {
    const started = new ConversationSession(storage, create, userToken);
    started.subscribe(notify);
    session = started;
    notify();
    return started;
  });
  return {
    ready,
    now: () => session,
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    getSnapshot: () => session?.getSnapshot() ?? STARTING_SNAPSHOT,
  };
}

/** On the server: no session, and none will come (the browser starts its own when it renders). */
export const SERVER_SESSION: SessionSource = {
  ready: new Promise<ConversationSession>(() => undefined),
  now: () => null,
  subscribe: () => () => undefined,
  getSnapshot: () => STARTING_SNAPSHOT,
};
