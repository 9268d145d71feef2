import { describe, expect, it } from 'vitest';
import type { ChatAction, Connection } from '@/components/chat/chat-state';
import { ConnectionReport } from '@/components/chat/use-connection';

function report(online: boolean | undefined = true) {
  const said: Connection[] = [];
  const connection = new ConnectionReport(
    (action: ChatAction) => {
      if (action.type === 'connection') said.push(action.connection);
    },
    () => online,
  );
  return { connection, said };
}

describe('what the header says about the connection', () => {
  it('reconnecting after failed requests and probes, offline after the third failed probe', () => {
    const { connection, said } = report();
    connection.unreachable();
    connection.probeFailed();
    connection.probeFailed();
    connection.probeFailed();
    expect(said).toEqual(['reconnecting', 'reconnecting', 'reconnecting', 'offline']);
  });

  it('probes back off 1, 2, 4, 8, then every 15 s; an answer starts over', () => {
    const { connection } = report();
    const delays = [connection.probeDelay()];
    for (let i = 0; i < 6; i++) {
      connection.probeFailed();
      delays.push(connection.probeDelay());
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 15000, 15000, 15000]);
    connection.reached();
    expect(connection.probeDelay()).toBe(1000);
  });

  it('the browser going offline says offline at once; back online, reconnecting and a fresh back-off', () => {
    const { connection, said } = report(false);
    connection.unreachable();
    connection.probeFailed();
    connection.wentOnline();
    connection.wentOffline();
    expect(said).toEqual(['offline', 'reconnecting', 'reconnecting', 'offline']);
    expect(connection.probeDelay()).toBe(1000);
  });
});
