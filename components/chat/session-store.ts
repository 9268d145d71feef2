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

/**
 * The conversation's session: the ONE source of truth for which id every request goes to. An
 * anonymous id is kept in `storage`; a verified customer's id is never stored, as their token gets
 * it again on any device. `current()` is a promise, so a send made during start-up waits for it.
 */
export class ConversationSession {
  private pending: Promise<string> | null = null;
  private known: string | null = null;
  private verifiedAs: VerifiedIdentity | null = null;

  constructor(
    private readonly storage: IdStorage,
    private readonly create: CreateSession,
    private token: string | null = null,
  ) {}

  /** The id once known (for requests that need no new session: feedback, another tab's news). */
  get id(): string | null {
    return this.known;
  }

  /** The host page said who the customer is (whether or not Tether has confirmed it yet). */
  get signedIn(): boolean {
    return this.token !== null;
  }

  get identity(): VerifiedIdentity | null {
    return this.verifiedAs;
  }

  get storageKind(): IdStorage['kind'] {
    return this.storage.kind;
  }

  /** An anonymous id kept from an earlier page view; never used when the customer is signed in. */
  stored(): string | null {
    return this.token ? null : this.storage.read();
  }

  /** The session, created on first need; a failed attempt is forgotten so the next call tries again. */
  current(): Promise<string> {
    return this.pending ?? this.track(this.open(false));
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
    if (!this.token) this.storage.write(null);
    this.pending = null;
    this.known = null;
  }

  /** "New conversation": a fresh anonymous session, or a fresh conversation for the signed-in customer. */
  startNew(): Promise<string> {
    this.forget();
    return this.track(this.open(true));
  }

  /** A new or refreshed token; resolves to the id it opens (the same one when only the token was refreshed). */
  identify(userToken: string): Promise<string> {
    this.token = userToken;
    return this.track(this.open(false));
  }

  /** Signed out: a fresh anonymous conversation on this device; the verified one waits for the next sign-in. */
  logout(): Promise<string> {
    this.token = null;
    this.verifiedAs = null;
    this.storage.write(null);
    return this.track(this.open(false));
  }

  private async open(newConversation: boolean): Promise<string> {
    const token = this.token;
    const created = await this.create(token ? { userToken: token, newConversation } : {});
    if (token) {
      this.verifiedAs = created.identity;
    } else {
      this.storage.write(created.sessionId);
    }
    return created.sessionId;
  }

  private track(pending: Promise<string>): Promise<string> {
    this.pending = pending;
    this.known = null;
    pending.then(
      (id) => {
        if (this.pending === pending) this.known = id;
      },
      () => {
        if (this.pending === pending) this.pending = null;
      },
    );
    return pending;
  }
}
