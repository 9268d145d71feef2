import { describe, expect, it } from 'vitest';
import { tabNews, type TabChannel, type TabMessage } from '@/components/chat/tab-news';

/** Channels of one name reach each other, never themselves, as BroadcastChannel does. */
function fakeBroadcast() {
  const open: FakeChannel[] = [];
  class FakeChannel implements TabChannel {
    onmessage: ((event: MessageEvent) => void) | null = null;
    closed = false;
    constructor(readonly name: string) {
      open.push(this);
    }
    postMessage(message: unknown) {
      if (this.closed) throw new DOMException('closed', 'InvalidStateError');
      for (const other of open) {
        if (other !== this && !other.closed && other.name === this.name)
          other.onmessage?.({ data: message } as MessageEvent);
      }
    }
    close() {
      this.closed = true;
    }
  }
  return (name: string) => new FakeChannel(name);
}

describe('tab news', () => {
  it("another tab hears this tab's turns; this tab does not hear itself", () => {
    const open = fakeBroadcast();
    const here = tabNews(open);
    const there = tabNews(open);
    const heardHere: TabMessage[] = [];
    const heardThere: TabMessage[] = [];
    here.listen((m) => heardHere.push(m));
    there.listen((m) => heardThere.push(m));
    here.tell({ type: 'finished', sessionId: 's1' });
    expect(heardThere).toEqual([{ type: 'finished', sessionId: 's1' }]);
    expect(heardHere).toEqual([]);
  });

  it('after closing, telling is a no-op and nothing more is heard', () => {
    const open = fakeBroadcast();
    const here = tabNews(open);
    const there = tabNews(open);
    const heard: TabMessage[] = [];
    const close = here.listen(() => undefined);
    const stop = there.listen((m) => heard.push(m));
    close();
    expect(() => here.tell({ type: 'session', sessionId: 's2' })).not.toThrow();
    stop();
    expect(heard).toEqual([]);
  });

  it('without BroadcastChannel (old browsers) the chat still works, alone', () => {
    const alone = tabNews(() => null);
    const close = alone.listen(() => undefined);
    expect(() => alone.tell({ type: 'finished', sessionId: 's1' })).not.toThrow();
    close();
  });

  it('ignores what is not a message object', () => {
    const open = fakeBroadcast();
    const here = tabNews(open);
    const heard: TabMessage[] = [];
    here.listen((m) => heard.push(m));
    const raw = open('tether.chat');
    raw.postMessage(null);
    raw.postMessage('started');
    raw.postMessage({ type: 'finished', sessionId: 's1' });
    expect(heard).toEqual([{ type: 'finished', sessionId: 's1' }]);
  });
});
