import { useEffect, useState } from 'react';
import type { ChatAction, Connection } from './chat-state';
import { probeService } from './session-client';

/** Probe back-off while the service cannot be reached; after this many failed probes the header says offline. */
const PROBE_DELAYS_MS = [1000, 2000, 4000, 8000, 15000];
const OFFLINE_AFTER_PROBES = 3;

/**
 * What the header says about the connection: the outcome of real requests, the browser's online/offline
 * events and probes. Also counts failed probes, which set the probe's back-off.
 */
export class ConnectionReport {
  private failedProbes = 0;

  constructor(
    private readonly dispatch: (action: ChatAction) => void,
    private readonly browserOnline: () => boolean | undefined = () => navigator.onLine,
  ) {}

  /** A real request (or a probe) got an answer. */
  readonly reached = (): void => {
    this.failedProbes = 0;
    this.dispatch({ type: 'connection', connection: 'online' });
  };

  /** A real request got none. */
  readonly unreachable = (): void => {
    this.dispatch({ type: 'connection', connection: this.browserOnline() === false ? 'offline' : 'reconnecting' });
  };

  readonly probeFailed = (): void => {
    this.failedProbes += 1;
    this.dispatch({
      type: 'connection',
      connection: this.failedProbes >= OFFLINE_AFTER_PROBES ? 'offline' : 'reconnecting',
    });
  };

  readonly wentOffline = (): void => {
    this.dispatch({ type: 'connection', connection: 'offline' });
  };

  readonly wentOnline = (): void => {
    this.failedProbes = 0;
    this.dispatch({ type: 'connection', connection: 'reconnecting' });
  };

  /** How long to wait before the next probe. */
  probeDelay(): number {
    return PROBE_DELAYS_MS[Math.min(this.failedProbes, PROBE_DELAYS_MS.length - 1)] ?? 15000;
  }
}

/** The chat's connection report, following the browser's online/offline events. */
export function useConnection(dispatch: (action: ChatAction) => void): ConnectionReport {
  const [report] = useState(() => new ConnectionReport(dispatch));
  useEffect(() => {
    window.addEventListener('offline', report.wentOffline);
    window.addEventListener('online', report.wentOnline);
    if (navigator.onLine === false) report.wentOffline();
    return () => {
      window.removeEventListener('offline', report.wentOffline);
      window.removeEventListener('online', report.wentOnline);
    };
  }, [report]);
  return report;
}

/**
 * While the service cannot be reached, probes it with a back-off; `onBack` runs when a probe gets
 * through (reload what may have been missed).
 */
export function useProbe(connection: Connection, report: ConnectionReport, onBack: () => void): void {
  /** Re-arms the probe timer after each failed probe (the connection state may not change). */
  const [probeTick, setProbeTick] = useState(0);
  useEffect(() => {
    if (connection !== 'reconnecting' && connection !== 'offline') return;
    if (connection === 'offline' && navigator.onLine === false) return; // the 'online' event wakes us
    const controller = new AbortController();
    const timer = setTimeout(async () => {
      const ok = await probeService(controller.signal);
      if (controller.signal.aborted) return;
      if (ok) {
        report.reached();
        onBack();
        return;
      }
      report.probeFailed();
      setProbeTick((tick) => tick + 1);
    }, report.probeDelay());
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [connection, probeTick, report, onBack]);
}
