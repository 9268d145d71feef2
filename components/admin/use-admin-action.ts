'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';

/**
 * One console action at a time: `run(work)` marks the form busy, shows the API's refusal as `error`,
 * and on success refreshes the page's server data (the server is the truth, not local state).
 */
export function useAdminAction(): { busy: boolean; error: string | null; run: (work: () => Promise<unknown>) => Promise<boolean> } {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function run(work: () => Promise<unknown>): Promise<boolean> {
    setBusy(true);
    setError(null);
    try {
      await work();
      router.refresh();
      return true;
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
      return false;
    } finally {
      setBusy(false);
    }
  }

  return { busy, error, run };
}
