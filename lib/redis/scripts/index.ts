/** Every Lua script Tether runs, by name (their SHA-1s are pinned in tests/unit/redis/scripts.test.ts). */
export { TAKE_AUDIT_BATCH, RELEASE_AUDIT_LOCK, LEASES_HELD } from '@/lib/redis/scripts/audit-stream';
export { APPEND_MESSAGE } from '@/lib/redis/scripts/append-message';
export { BEGIN_TURN } from '@/lib/redis/scripts/begin-turn';
export { CHANGE_STATE } from '@/lib/redis/scripts/change-state';
export { COMMIT_TURN } from '@/lib/redis/scripts/commit-turn';
export { RECORD_TURN } from '@/lib/redis/scripts/record-turn';
export { RENEW_LEASE } from '@/lib/redis/scripts/renew-lease';
export { ADOPT_LEGACY_KEYS, READ_SESSION, REGISTER_SESSION, SAVE_SUMMARY } from '@/lib/redis/scripts/session';
export { SLIDING_WINDOW } from '@/lib/redis/scripts/sliding-window';
