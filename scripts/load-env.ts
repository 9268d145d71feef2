import { loadEnvConfig } from '@next/env';

// Scripts read the same .env files as `next dev` / `next start`, in the same order.
loadEnvConfig(process.cwd(), process.env.NODE_ENV !== 'production');
