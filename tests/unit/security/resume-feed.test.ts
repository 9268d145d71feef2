import { describe, expect, it } from 'vitest';
import type { ChatEvent } from '@/lib/chat/events';
import { createLiveReplyTee, LiveReplyHub, StreamSlots, type LiveReplyStore } from '@/lib/chat/live-reply';
import { LocalLiveReplyStore } from '@/lib/conversation/local/live-reply';
import { tailLiveReply } from '@/lib/chat/resume';
import { HealthCache, type HealthCheck } from '@/lib/health-checks';

const AUDIT = '0190a000-0000-7000-8000-0000000000aa';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A store that counts reads (the Redis GETs a resume would cost). */
function countingStore() {
  const inner = new LocalLiveReplyStore();
  let reads = 0;
  const store: LiveReplyStore = {
    write: (id, reply, ttl) => inner.write(id, reply, ttl),
    append: (id, text, ttl) => inner.append(id, text, ttl),
    read: (id) => {
      reads += 1;
      return inner.read(id);
    },
  };
  return { store, reads: () => reads };
}

async function collect(events: AsyncGenerator<ChatEvent>): Promise<ChatEvent[]> {
  const out: ChatEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

const textOf = (events: ChatEvent[]) => events.flatMap((e) => (e.event === 'delta' ? [e.data.text] : [])).join('');

describe('resume: one feed per live reply per instance', () => {
  it('a turn on another instance: 200 watchers cost the store what one costs (one read per interval)', async () => {
    const { store, reads } = countingStore();
    // The runtime's one hub for its store: every watcher on this instance meets there.
    const hub = new LiveReplyHub(store);
    await store.write('s', { auditId: AUDIT, userText: 'q', at: 'now', status: 'streaming', text: 'Hello' }, 60);
    const watchers = Array.from({ length: 200 }, () => collect(tailLiveReply(hub, 's', AUDIT, { pollMs: 20, maxMs: 10_000 })));
    // The "other instance" writes the rest of the reply over ~300 ms.
    for (const piece of [' there', ', how', ' are', ' you']) {
      await sleep(60);
      await store.append('s', piece, 60);
    }
    await sleep(60);
    await store.write('s', { auditId: AUDIT, userText: 'q', at: 'now', status: 'done', text: 'Hello there, how are you?' }, 20);
    const results = await Promise.all(watchers);
    for (const events of results) {
      expect(textOf(events)).toBe('Hello there, how are you?');
      expect(events.at(-1)).toMatchObject({ event: 'done' });
    }
    // ~360 ms at one read per 20 ms: about 18 reads for all 200 watchers (each alone would make as many).
    expect(reads()).toBeLessThan(40);
    expect(hub.size).toBe(0);
  });

  it('a turn on this instance: watchers are fed from memory, the store is never read', async () => {
    const { store, reads } = countingStore();
    const hub = new LiveReplyHub(store);
    const tee = createLiveReplyTee(hub, 's2', 'question');
    tee({ event: 'meta', data: { auditId: AUDIT, memory: 'ok', notice: null, replay: false } });
    tee({ event: 'delta', data: { text: 'Part one' } });
    const watchers = Array.from({ length: 50 }, () => collect(tailLiveReply(hub, 's2', AUDIT, { pollMs: 5, maxMs: 10_000 })));
    await sleep(30);
    tee({ event: 'delta', data: { text: ', part two' } });
    await sleep(30);
    tee({ event: 'done', data: { auditId: AUDIT, reply: 'Part one, part two.', remembered: true } });
    for (const events of await Promise.all(watchers)) {
      expect(textOf(events)).toBe('Part one, part two.');
      expect(events[0]).toMatchObject({ event: 'meta' });
      expect(events.at(-1)).toMatchObject({ event: 'done', data: { reply: 'Part one, part two.' } });
    }
    expect(reads()).toBe(0);
  });

  it('a watcher that leaves stops costing: the feed ends with its last watcher', async () => {
    const { store, reads } = countingStore();
    await store.write('s3', { auditId: AUDIT, userText: 'q', at: 'now', status: 'streaming', text: 'x' }, 60);
    const hub = new LiveReplyHub(store);
    const subscription = hub.watch('s3', AUDIT, { pollMs: 10 });
    expect(await subscription.next(Date.now() + 1000)).toMatchObject({ text: 'x' });
    subscription.close();
    const after = reads();
    await sleep(80);
    expect(reads() - after).toBeLessThanOrEqual(1);
    expect(hub.size).toBe(0);
  });
});

describe('resume streams open at once', () => {
  it('refuses past the per-session and per-address limits and frees the slot on release', () => {
    const slots = new StreamSlots();
    const claim = (session: string, address: string) =>
      slots.tryAcquire([
        [`session:${session}`, 3],
        [`address:${address}`, 5],
      ]);
    const held = [claim('a', 'ip1'), claim('a', 'ip1'), claim('a', 'ip1')];
    expect(held.every(Boolean)).toBe(true);
    expect(claim('a', 'ip1')).toBeNull();
    expect(claim('a', 'ip2')).toBeNull(); // the session is full, whoever asks
    expect(claim('b', 'ip1')).not.toBeNull();
    expect(claim('c', 'ip1')).not.toBeNull();
    expect(claim('d', 'ip1')).toBeNull(); // the address is full
    held[0]!();
    held[0]!(); // releasing twice frees one slot, not two
    expect(slots.count('session:a')).toBe(2);
    expect(claim('a', 'ip3')).not.toBeNull();
    expect(claim('a', 'ip3')).toBeNull();
    // 0 turns a limit off.
    expect(slots.tryAcquire([['session:z', 0]])).not.toBeNull();
  });
});

describe('anonymous readiness is shared', () => {
  it('N calls within the cache time cost one probe; after it, one more', async () => {
    let probes = 0;
    const checks = (): HealthCheck[] => [{ name: 'database', kind: 'x', probe: async () => void (probes += 1) }];
    let now = 1000;
    const cache = new HealthCache(1500, () => now);
    const reports = await Promise.all(Array.from({ length: 500 }, () => cache.shared(checks)));
    expect(reports.every((r) => r.status === 'ok')).toBe(true);
    expect(probes).toBe(1);
    now += 1000;
    await cache.shared(checks);
    expect(probes).toBe(1);
    now += 600;
    await cache.shared(checks);
    expect(probes).toBe(2);
    // A fresh probe (a token holder's) replaces the shared answer at once: a backend that just went
    // down is not reported up for another 1.5 s.
    cache.remember({ status: 'unavailable', checks: {} });
    expect((await cache.shared(checks)).status).toBe('unavailable');
    expect(probes).toBe(2);
  });

  it('a probe that took longer than the cache time is stale when it settles (a server still migrating)', async () => {
    let probes = 0;
    let now = 0;
    const slow = (): HealthCheck[] => [
      {
        name: 'database',
        kind: 'x',
        probe: async () => {
          probes += 1;
          now += 5000;
          if (probes === 1) throw new Error('still migrating');
        },
      },
    ];
    const cache = new HealthCache(1500, () => now);
    expect((await cache.shared(slow)).status).toBe('unavailable');
    expect((await cache.shared(slow)).status).toBe('ok');
    expect(probes).toBe(2);
  });
});
