/**
 * Optional masking of personal data in what the audit trail stores (`AUDIT_REDACT=mask`). Only the
 * stored copy goes through here; the live reply to the user is never altered.
 *
 * Findings are replaced by a visible token (`[email]`, `[phone]`, `[card]`, `[iban]`) so a reviewer
 * reading the trail can still follow the conversation. The tokens contain no digits and no `@`, so
 * redacting already-redacted text changes nothing (outbox replays may apply it twice).
 *
 * All rules run in ONE left-to-right pass of a single regex whose alternatives are tried in order
 * e-mail → IBAN → card → phone at each position. A run of characters claimed by an earlier rule is
 * consumed even when its check fails, so e.g. a 16-digit number that fails Luhn is left alone as a
 * whole and cannot be re-read as a phone number. The phone rule is deliberately conservative: it
 * accepts a few common shapes only, because masking ordinary numbers (dates, amounts, order numbers)
 * would make the trail useless, while an unusual phone format merely stays visible.
 */

export type RedactionKind = 'email' | 'phone' | 'card' | 'iban';

/*
 * Regex fragments. They must contain only non-capturing groups: the combined pattern below relies on
 * its top-level capture groups being exactly (email)(iban)(card), in that order.
 */

// Dot-atom local part (ASCII only, no leading/trailing/double dots), then a domain with at least one
// dot and a letters-only TLD. The look-behind makes the match start at the real start of the address,
// so `@mentions` (no local part) and `foo@bar` (no dot in the domain) never match.
const EMAIL = String.raw`(?<![A-Za-z0-9._%+-])[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}(?![A-Za-z0-9-]|\.[A-Za-z0-9])`;

// Country code + 2 check digits + BBAN, either unbroken or in space-separated groups of four with a
// shorter last group (the paper format). Letters in either case. Length and mod-97 are checked later.
const IBAN = String.raw`(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?:[A-Za-z0-9]{11,30}|(?: [A-Za-z0-9]{4}){2,7}(?: [A-Za-z0-9]{1,4})?)(?![A-Za-z0-9])`;

// A number must not continue a word, an amount, a decimal, a path or a dash/dot-joined sequence
// (dates like 2026-11-25, versions like 1.2.3) on either side.
const NUMBER_END = String.raw`(?![A-Za-z0-9_]|[.,:/-]\d)`;

// Card shapes as printed: 4-4-4-4, Amex 4-6-5, Diners 4-6-4, or 13–19 unbroken digits. Only the
// shape is matched here; the Luhn check decides whether it is masked. A leading `#` is allowed (a
// card number quoted as `#4111…` is still a card number).
const CARD = String.raw`(?<![A-Za-z0-9_$€£¥+.,/-])(?:\d{4}(?:[ -]\d{4}){3}|\d{4}[ -]\d{6}[ -]\d{4,5}|\d{13,19})${NUMBER_END}`;

// Phone shapes, each requiring separators or a `+` so bare digit runs (order numbers, ids) never match:
//  - international: `+CC`, optional `(area)`, then digit groups split by space, dot or dash;
//  - North American: `(415) 555-0132`, `415-555-0132`, `415.555.0132`, optional leading `1-`;
//    area code and exchange start with 2–9 as the numbering plan requires;
//  - trunk-prefixed national (UK/EU): `020 7946 0958`, `(030) 1234567`, `07700 900123`; groups
//    after the area code have 3+ digits, which rules out dd-mm-yyyy dates.
// `#` before the number marks an order/ticket number, so it blocks a phone match.
const PHONE_INTERNATIONAL = String.raw`\+[1-9]\d{0,2}(?:[ .-]?\(\d{1,4}\))?[ .-]?\d+(?:[ .-]\d{2,}){0,5}`;
const PHONE_NORTH_AMERICAN = String.raw`(?:1[ .-])?(?:\([2-9]\d{2}\) ?|[2-9]\d{2}[ .-])[2-9]\d{2}[ .-]\d{4}`;
const PHONE_TRUNK = String.raw`(?:\(0[1-9]\d{0,3}\)|0[1-9]\d{0,3})(?:[ -]\d{3,8}){1,2}`;
const PHONE = String.raw`(?<![A-Za-z0-9_#$€£¥+.,/-])(?:${PHONE_INTERNATIONAL}|${PHONE_NORTH_AMERICAN}|${PHONE_TRUNK})${NUMBER_END}`;

const FINDINGS = new RegExp(`(${EMAIL})|(${IBAN})|(${CARD})|${PHONE}`, 'g');

// E.164 allows at most 15 digits. The minimum of 8 (a few tiny numbering plans have 7) keeps
// `+1 000 000` from being read as a phone number.
const INTERNATIONAL_DIGITS = { min: 8, max: 15 };
// The national shapes above are 10–11 digits in practice; 9 admits short German/Dutch numbers while
// keeping 24-hour time ranges such as `0900-1700` (8 digits) out.
const NATIONAL_DIGITS = { min: 9, max: 12 };

/** Luhn (mod 10) check over a string of decimal digits; false for an empty or non-digit string. */
export function luhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  const sum = [...digits].reverse().reduce((acc, ch, index) => {
    const digit = Number(ch);
    // Every second digit from the right is doubled; a two-digit product counts as its digit sum.
    const doubled = digit * 2;
    return acc + (index % 2 === 1 ? (doubled > 9 ? doubled - 9 : doubled) : digit);
  }, 0);
  return sum % 10 === 0;
}

/**
 * ISO 13616 IBAN check: 2 letters, check digits 02–98, 11–30 alphanumerics (15–34 characters in all),
 * and the ISO 7064 mod-97-10 remainder equals 1. Spaces are ignored and letters may be lower case.
 */
export function ibanValid(candidate: string): boolean {
  const iban = candidate.replace(/\s/g, '').toUpperCase();
  // 00, 01 and 99 can satisfy mod-97 but are never issued as check digits.
  if (!/^[A-Z]{2}(?:0[2-9]|[1-8]\d|9[0-8])[A-Z0-9]{11,30}$/.test(iban)) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const ch of rearranged) {
    // Base 36 gives exactly the ISO values: 0–9 for digits, A=10 … Z=35 (two decimal digits).
    const value = parseInt(ch, 36);
    remainder = (remainder * (value < 10 ? 10 : 100) + value) % 97;
  }
  return remainder === 1;
}

/**
 * The longest leading run of space-separated groups that is a valid IBAN. The grouped IBAN pattern
 * can swallow a following short word ("… 7034 your order"), so whole trailing groups are dropped
 * until the check passes.
 */
function longestValidIbanPrefix(match: string): string | undefined {
  const groups = match.split(' ');
  for (let kept = groups.length; kept >= 1; kept -= 1) {
    const head = groups.slice(0, kept).join(' ');
    if (ibanValid(head)) return head;
  }
  return undefined;
}

function isPlausiblePhoneLength(candidate: string): boolean {
  const digits = candidate.replace(/\D/g, '').length;
  const bounds = candidate.startsWith('+') ? INTERNATIONAL_DIGITS : NATIONAL_DIGITS;
  return digits >= bounds.min && digits <= bounds.max;
}

/** Masks e-mail addresses, phone numbers, Luhn-valid card numbers and valid IBANs; counts each kind. */
export function redactText(text: string): { text: string; counts: Record<RedactionKind, number> } {
  const counts: Record<RedactionKind, number> = { email: 0, phone: 0, card: 0, iban: 0 };
  const mask = (kind: RedactionKind): string => {
    counts[kind] += 1;
    return `[${kind}]`;
  };
  const redacted = text.replace(FINDINGS, (match: string, email?: string, iban?: string, card?: string) => {
    if (email !== undefined) return mask('email');
    if (iban !== undefined) {
      const valid = longestValidIbanPrefix(match);
      return valid === undefined ? match : mask('iban') + match.slice(valid.length);
    }
    if (card !== undefined) return luhnValid(match.replace(/[ -]/g, '')) ? mask('card') : match;
    return isPlausiblePhoneLength(match) ? mask('phone') : match;
  });
  return { text: redacted, counts };
}

/** Copies of the messages with personal data in `content` masked; other fields are kept as they are. */
export function redactMessages<T extends { content: string }>(messages: T[]): T[] {
  return messages.map((message) => ({ ...message, content: redactText(message.content).text }));
}
