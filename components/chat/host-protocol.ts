/**
 * The embed protocol between public/widget.js (the loader, in the host page's origin) and the widget
 * frame. Every message is `{tether: 1, type, ...}`, sent to the other side's exact origin and
 * accepted only from it (and, in the frame, only from its own parent window).
 *
 *   frame → host  `ready`                      the frame has loaded; answer with `init`
 *                 `session` {sessionId|null}   keep this anonymous conversation's id (null: forget it)
 *                 `close`                      the customer closed the panel
 *   host → frame  `init` {sessionId, storage, userToken}
 *                                              what the host page kept, whether it can keep anything
 *                                              (`local`, `tab` = sessionStorage only, `none`), and the
 *                                              signed-in customer's token (or null)
 *                 `open`                       the panel became visible: focus the composer
 *                 `identify` {userToken}       a new or refreshed token (Tether.identify)
 *                 `logout`                     the customer signed out (Tether.logout)
 */

/** Where the host page can keep the conversation's id. */
export type HostStorage = 'local' | 'tab' | 'none';

export type HostMessage =
  | { type: 'init'; sessionId: string | null; storage: HostStorage; userToken: string | null }
  | { type: 'open' }
  | { type: 'identify'; userToken: string }
  | { type: 'logout' };

/** Ids and tokens are short; anything longer is not ours. */
const MAX_VALUE = 4096;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function shortString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_VALUE;
}

/** The host's message, checked field by field; null for anything else (other scripts post messages too). */
export function parseHostMessage(data: unknown): HostMessage | null {
  if (!isRecord(data) || data.tether !== 1) return null;
  switch (data.type) {
    case 'init': {
      const storage = data.storage === 'local' || data.storage === 'tab' || data.storage === 'none' ? data.storage : null;
      if (!storage) return null;
      return {
        type: 'init',
        sessionId: shortString(data.sessionId) ? data.sessionId : null,
        storage,
        userToken: shortString(data.userToken) ? data.userToken : null,
      };
    }
    case 'open':
    case 'logout':
      return { type: data.type };
    case 'identify':
      return shortString(data.userToken) ? { type: 'identify', userToken: data.userToken } : null;
    default:
      return null;
  }
}
