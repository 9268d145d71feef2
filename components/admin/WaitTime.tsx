'use client';

import { useEffect, useState } from 'react';
import { waitedFor } from './handoff-words';

/** "waiting 3 min", kept current while the page stays open (the server's figure on first paint). */
export function WaitTime({ since, renderedAt, verb }: { since: string; renderedAt: number; verb?: string }) {
  const [now, setNow] = useState(renderedAt);
  useEffect(() => {
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 15_000);
    return () => clearInterval(timer);
  }, []);
  return (
    <time dateTime={since} title={since}>
      {waitedFor(since, now, verb)}
    </time>
  );
}
