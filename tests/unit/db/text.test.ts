import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ESCAPED_TEXT_MARKER, fromDbText, isStorableText, toDbSearchText, toDbText } from '@/lib/db/text';

/** Strings made of the characters that matter here, mixed with ordinary ones. */
const hostileChar = fc.constantFrom('\u0000', '\uD83D', '\uDE00', '\uDBFF', '\uDC00', '\\', '0', 'u', ESCAPED_TEXT_MARKER, 'a', 'é', '😀');
const hostileString = fc.array(hostileChar, { maxLength: 40 }).map((chars) => chars.join(''));
/** Arbitrary UTF-16 code units: lone surrogates and NUL included. */
const anyString = fc.string({ unit: 'binary' });

/** What Postgres text/jsonb refuse: a NUL, or a surrogate half without its partner. */
function postgresCanHold(value: string): boolean {
  if (value.includes('\u0000')) return false;
  return value.isWellFormed();
}

describe('the stored text form', () => {
  it('round-trips every string, lone surrogates and NUL included', () => {
    for (const arbitrary of [anyString, hostileString, fc.string({ unit: 'grapheme' })]) {
      fc.assert(
        fc.property(arbitrary, (value) => {
          expect(fromDbText(toDbText(value))).toBe(value);
        }),
        { numRuns: 2000 },
      );
    }
  });

  it('always gives text Postgres can hold', () => {
    fc.assert(
      fc.property(fc.oneof(anyString, hostileString), (value) => {
        expect(postgresCanHold(toDbText(value))).toBe(true);
        expect(isStorableText(toDbText(value))).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('leaves ordinary text byte-identical (search and old rows unchanged)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (value) => {
        fc.pre(!value.includes('\u0000') && !value.startsWith(ESCAPED_TEXT_MARKER));
        expect(toDbText(value)).toBe(value);
      }),
    );
    expect(toDbText('C:\\path\\0 and \\u0041')).toBe('C:\\path\\0 and \\u0041');
  });

  it('writes the documented form', () => {
    expect(toDbText('nul:\u0000:end')).toBe(`${ESCAPED_TEXT_MARKER}nul:\\0:end`);
    expect(toDbText('half \uD83D and a\\b')).toBe(`${ESCAPED_TEXT_MARKER}half \\uD83D and a\\\\b`);
    expect(toDbText('low \uDE00 pair 😀')).toBe(`${ESCAPED_TEXT_MARKER}low \\uDE00 pair 😀`);
    expect(toDbText(`${ESCAPED_TEXT_MARKER}x`)).toBe(`${ESCAPED_TEXT_MARKER}${ESCAPED_TEXT_MARKER}x`);
  });

  it('reads a preview cut inside an escape without showing half of it', () => {
    const stored = toDbText('ab\uD83D');
    expect(fromDbText(stored.slice(0, stored.length - 2))).toBe('ab');
    expect(fromDbText(toDbText('a\\\u0000'))).toBe('a\\\u0000');
    expect(fromDbText(`${ESCAPED_TEXT_MARKER}a\\\\`)).toBe('a\\');
  });

  it('makes a search term Postgres can take', () => {
    expect(toDbSearchText('\u0000')).toBe('\\0');
    expect(toDbSearchText('parcel')).toBe('parcel');
    fc.assert(
      fc.property(anyString, (value) => {
        expect(postgresCanHold(toDbSearchText(value))).toBe(true);
      }),
    );
  });
});
