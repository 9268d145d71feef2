import { useCallback, useEffect, useRef, useState, type Dispatch } from 'react';
import type { ChatAction, Connection } from './chat-state';
import { probeService } from './session-client';

/** Probe back-off while the service cannot be reached; after this many failed probes the header says offline. */
const PROBE_DELAYS_MS = [1000, 2000, 4000, 8000, 15000];
const OFFLINE_AFTER_PROBES = 3;

export interface ConnectionReport {
  /** A real request got an answer. */
  reached: () => void;
  /** A real request got none. */
  unreachable: () => void;
}

/**
 * What the header says about the connection: the outcome of real requests, the browser's
 * online/offline events, and a backed-off probe while the service cannot be reached.
 * `onBack` runs when a probe gets through (reload what may have been missed).
 */
export function useConnection(connection: Connection, dispatch: Dispatch<ChatAction>, onBack: () => void): ConnectionReport {
  const failedProbes = useRef(0);
  /** Re-arms the probe timer after each failed probe (the connection state may not change). */
  const [probeTick, setProbeTick] = useState(0);
  const back = useRef(onBack);
  back.current = onBack;

  const reached = useCallback(() => {
    failedProbes.current = 0;
    dispatch({ type: 'connection', connection: 'online' });
  }, [dispatch]);
  const unreachable = useCallback(() => {
    dispatch({ type: 'connection', connection: navigator.onLine === false ? 'offline' : 'reconnecting' });
  }, [dispatch]);

  useEffect(() => {
    const onOffline = () => dispatch({ type: 'connection', connection: 'offline' });
    const onOnline = () => {
      failedProbes.current = 0;
      dispatch({ type: 'connection', connection: 'reconnecting' });
    };
    window.addEventListener('offline', onOffline);
    window.addEventListener('online', onOnline);
    if (navigator.onLine === false) onOffline();
    return () => {
      window.removeEventListener('offline', onOffline);
      window.removeEventListener('online', onOnline);
    };
  }, [dispatch]);

  useEffect(() => {
    if (connection !== 'reconnecting' && connection !== 'offline') return;
    if (connection === 'offline' && navigator.onLine === false) return; // the 'online' event wakes us
    const controller = new AbortController();
    const delay = PROBE_DELAYS_MS[Math.min(failedProbes.current, PROBE_DELAYS_MS.length - 1)] ?? 15000;
    const timer = setTimeout(async () => {
      const ok = await probeService(controller.signal);
      if (controller.signal.aborted) return;
      if (ok) {
        reached();
        back.current();
        return;
      }
      failedProbes.current += 1;
      dispatch({ type: 'connection', connection: failedProbes.current >= OFFLINE_AFTER_PROBES ? 'offline' : 'reconnecting' });
      setProbeTick((tick) => tick + 1);
    }, delay);
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [connection, probeTick, reached, dispatch]);

  return { reached, unreachable };
}
