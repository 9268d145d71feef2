/**
 * Search highlights are plain text plus markers, never HTML: pages render the parts as text and
 * wrap the matches in <mark>, so a transcript containing markup stays inert.
 *
 * List snippets come from Postgres (ts_headline, exact to the search's stemming) with two control
 * characters around each match. In a transcript, which must show every word as the customer saw
 * it (ts_headline drops tag-like text), the words of the query are marked here instead, as prefixes.
 */
export const MARK_START = '\u0002';
export const MARK_END = '\u0003';

/** ts_headline options for list snippets; passed as a bound parameter, not spliced into SQL. */
export const SNIPPET_OPTIONS = `StartSel=${MARK_START}, StopSel=${MARK_END}, MaxFragments=2, MaxWords=18, MinWords=6, FragmentDelimiter=" … "`;

export interface TextPart {
  text: string;
  match: boolean;
}

export function splitMarked(marked: string): TextPart[] {
  const parts: TextPart[] = [];
  let match = false;
  let current = '';
  for (const char of marked) {
    if (char === MARK_START || char === MARK_END) {
      if (current) parts.push({ text: current, match });
      current = '';
      match = char === MARK_START;
      continue;
    }
    current += char;
  }
  if (current) parts.push({ text: current, match });
  return parts;
}

/** The words of a web-search query worth marking: no operators, no excluded (-word) terms. */
export function queryTerms(query: string): string[] {
  const terms = query
    .replace(/"/g, ' ')
    .split(/\s+/)
    .filter((word) => word && !word.startsWith('-') && word.toLowerCase() !== 'or')
    .map((word) => word.replace(/[^\p{L}\p{N}]/gu, '').toLowerCase())
    // Crude stemming, enough to mark "refunded" for "refund" and "deliveries" for "delivery".
    .map((word) => (word.length > 4 ? word.replace(/(ies|es|s|ed|ing|y)$/, '') : word))
    .filter((word) => word.length >= 2);
  return [...new Set(terms)];
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Marks every word that starts with one of the terms. */
export function highlightTerms(text: string, terms: readonly string[]): TextPart[] {
  if (terms.length === 0) return [{ text, match: false }];
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}])(?:${terms.map(escapeRegExp).join('|')})[\\p{L}\\p{N}]*`, 'giu');
  const parts: TextPart[] = [];
  let last = 0;
  for (const found of text.matchAll(pattern)) {
    const start = found.index;
    if (start > last) parts.push({ text: text.slice(last, start), match: false });
    parts.push({ text: found[0], match: true });
    last = start + found[0].length;
  }
  if (last < text.length) parts.push({ text: text.slice(last), match: false });
  return parts;
}
