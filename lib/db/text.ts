/**
 * The one lossless form for text Postgres cannot hold (docs/memory.md, "Text the database cannot hold").
 *
 * Postgres `text` refuses U+0000 (22P05 / 22021) and `jsonb` refuses U+0000 and unpaired UTF-16
 * surrogates (22P05 / 22P02). A JavaScript string may hold both: a model reply, a stopped stream
 * cut between the halves of an emoji, a customer's message, an agent's note. So every value written
 * to a text or jsonb column goes through `toDbText`, and every value read back for display or for an
 * answer goes through `fromDbText`.
 *
 * The form, per value (no column or row marker needed, so any column can hold it):
 * - A string Postgres can hold, that does not start with U+FDD0, is stored as it is (almost all text:
 *   byte-identical, searchable as before).
 * - Anything else is stored as U+FDD0 (a Unicode noncharacter: never in text people write) followed
 *   by the string with `\` written `\\`, U+0000 written `\0`, and each unpaired surrogate written
 *   `\uXXXX` (four upper-case hex digits). Everything else stays as it is.
 * Decoding reverses it exactly: fromDbText(toDbText(s)) === s for every string s.
 */

export const ESCAPED_TEXT_MARKER = '\uFDD0';

/** A NUL, or a surrogate half without its partner. */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const TO_ESCAPE = /\\|\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Whether Postgres text and jsonb can hold the string as it is. */
export function isStorableText(value: string): boolean {
  return !UNSTORABLE.test(value);
}

function escapeBody(value: string): string {
  return value.replace(TO_ESCAPE, (match) => {
    if (match === '\\') return '\\\\';
    if (match === '\u0000') return '\\0';
    return `\\u${match.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
  });
}

/** The stored form of a string: itself when Postgres can hold it, else the marked escaped form. */
export function toDbText(value: string): string {
  if (!value.startsWith(ESCAPED_TEXT_MARKER) && isStorableText(value)) return value;
  return ESCAPED_TEXT_MARKER + escapeBody(value);
}

export function toDbTextOrNull(value: string | null): string | null {
  return value === null ? null : toDbText(value);
}

/**
 * The original string of a stored value. Tolerates a value cut short by a preview (`left(…, 500)`):
 * an escape sequence cut in half is dropped rather than shown half.
 */
export function fromDbText(stored: string): string {
  if (!stored.startsWith(ESCAPED_TEXT_MARKER)) return stored;
  let out = '';
  let i = ESCAPED_TEXT_MARKER.length;
  while (i < stored.length) {
    const next = stored.indexOf('\\', i);
    if (next === -1) {
      out += stored.slice(i);
      break;
    }
    out += stored.slice(i, next);
    const code = stored[next + 1];
    if (code === '\\') {
      out += '\\';
      i = next + 2;
    } else if (code === '0') {
      out += '\u0000';
      i = next + 2;
    } else if (code === 'u' && /^[0-9A-F]{4}$/.test(stored.slice(next + 2, next + 6))) {
      out += String.fromCharCode(parseInt(stored.slice(next + 2, next + 6), 16));
      i = next + 6;
    } else {
      // Only a preview cut inside an escape gets here: drop the half sequence.
      break;
    }
  }
  return out;
}

export function fromDbTextOrNull(stored: string | null): string | null {
  return stored === null ? null : fromDbText(stored);
}

/**
 * A search term as it would appear inside stored text: a query with a NUL or an unpaired surrogate
 * (`q=%00`) is looked for in its escaped form instead of reaching Postgres raw (which refuses it).
 */
export function toDbSearchText(value: string): string {
  return isStorableText(value) ? value : escapeBody(value);
}
