import { SESSION_REF_PATTERN } from '@/lib/session-ref';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const STATIC = /^[a-z][a-z-]*$/;

/**
 * A request path fit for a log: static segments, references and UUIDs as they are, anything else
 * as "[…]". A path such as /api/admin/sessions/{session id} may carry a customer's bearer key
 * (refused, but still typed), and no log may hold one.
 */
export function loggablePath(pathname: string): string {
  return pathname
    .split('/')
    .map((segment) => (segment === '' || STATIC.test(segment) || SESSION_REF_PATTERN.test(segment) || UUID.test(segment) ? segment : '[…]'))
    .join('/')
    .slice(0, 200);
}
