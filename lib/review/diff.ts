import { diffWords } from 'diff';

/**
 * The word diff between a reply and its correction. jsdiff (the `diff` package) rather than a
 * hand-written LCS: its word tokenizer handles punctuation, whitespace runs and Unicode letters, and
 * its Myers implementation stays fast on replies of thousands of words. `diffWords` (not
 * `diffWordsWithSpace`): a change of spacing alone is not a change a reader needs marked, so
 * "next week" → "tomorrow, sorry" reads as one replacement; unchanged parts and insertions carry
 * the correction's own spacing, so the corrected text reads back exactly.
 */
export type DiffPart = { kind: 'same' | 'added' | 'removed'; text: string };

export function wordDiff(original: string, corrected: string): DiffPart[] {
  const parts: DiffPart[] = [];
  for (const change of diffWords(original, corrected)) {
    const kind = change.added ? 'added' : change.removed ? 'removed' : 'same';
    const last = parts.at(-1);
    // Adjacent parts of one kind read as one change.
    if (last && last.kind === kind) last.text += change.value;
    else parts.push({ kind, text: change.value });
  }
  return parts;
}

/** Words inserted and removed, for a one-line summary beside the diff. */
export function diffCounts(parts: readonly DiffPart[]): { added: number; removed: number } {
  const words = (text: string) => text.split(/\s+/).filter(Boolean).length;
  return {
    added: parts.filter((part) => part.kind === 'added').reduce((sum, part) => sum + words(part.text), 0),
    removed: parts.filter((part) => part.kind === 'removed').reduce((sum, part) => sum + words(part.text), 0),
  };
}
