/**
 * Text hygiene for everything placed in a prompt. All functions are pure and idempotent, so
 * re-applying them to text that was already cleaned when it was stored changes nothing.
 * docs/security.md ("Prompt hygiene") lists exactly what is and is not neutralised.
 */
import { CONTROL_TOKENS } from './control-tokens';

// C0 controls except \t (U+0009) and \n (U+000A), DEL, and C1 controls.
const CONTROL_CHARS = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;

// Every line terminator a renderer, a tokenizer's pre-splitter or a model may treat as a new line:
// CRLF, lone CR, VT, FF, NEL, LINE SEPARATOR, PARAGRAPH SEPARATOR. They all become `\n` before any
// label-bearing text is built, so indenting on `\n` (assemble.ts) is enough to keep a typed
// "Customer: …" from starting a line of its own.
const LINE_BREAKS = /\r\n|[\r\u000B\u000C\u0085\u2028\u2029]/g;

/*
 * Invisible characters that can hide, smuggle or reorder text. Unicode's Default_Ignorable_Code_Point
 * property (rendered as nothing when unsupported) covers ZWSP, word joiner, invisible operators, BOM,
 * soft hyphen, bidi marks, embeddings, overrides and isolates (incl. U+061C), the Hangul fillers
 * U+115F/U+1160/U+3164/U+FFA0, U+034F, U+17B4/U+17B5, U+180E, the musical format controls
 * U+1D173–1D17A, the shorthand format controls and the whole tag block U+E0000–E0FFF. Added by hand:
 * U+2800 (Braille blank) and the interlinear annotation controls U+FFF9–FFFB, which are invisible or
 * hide text but are not in the property. Excluded here and handled below: the joiners U+200C/U+200D
 * and the variation selectors, which emoji and some scripts need.
 */
const INVISIBLE_CHARS = /[\p{Default_Ignorable_Code_Point}\u2800\uFFF9-\uFFFB]/gu;
const KEPT_FOR_NOW = /^[\u200C\u200D\p{Variation_Selector}]$/u;

// The three subdivision flags of the emoji standard (England, Scotland, Wales): 🏴 + tag letters +
// CANCEL TAG. Only these fixed spellings keep their tags; any other tag character is removed.
const BLACK_FLAG = '\u{1F3F4}';
const RGI_TAG_FLAG = /\u{1F3F4}(?:\u{E0067}\u{E0062}(?:\u{E0065}\u{E006E}\u{E0067}|\u{E0073}\u{E0063}\u{E0074}|\u{E0077}\u{E006C}\u{E0073}))\u{E007F}/u;
const INVISIBLE_OR_FLAG = new RegExp(`(${RGI_TAG_FLAG.source})|${INVISIBLE_CHARS.source}`, 'gu');

/** Removes the invisible characters above; joiners and variation selectors are judged later. */
function removeInvisible(text: string): string {
  const pattern = text.includes(BLACK_FLAG) ? INVISIBLE_OR_FLAG : INVISIBLE_CHARS;
  return text.replace(pattern, (match: string, flag?: string) =>
    typeof flag === 'string' || KEPT_FOR_NOW.test(match) ? match : '',
  );
}

const VARIATION_RUN = /\p{Variation_Selector}+/gu;
const EMOJI = /^\p{Emoji}$/u;
const EMOJI_PRESENTATION = /^\p{Emoji_Presentation}$/u;
const KEYCAP_BASE = /^[0-9#*]$/;
const MONGOLIAN_LETTER = /^\p{Script=Mongolian}$/u;
const MONGOLIAN_FVS = /^[\u180B-\u180D\u180F]$/;

/**
 * Variation selectors carry data invisibly when chained (the "emoji smuggling" trick encodes a byte
 * per selector). One is kept only where it changes what is drawn, so it hides nothing:
 * - VS16 (U+FE0F) after an emoji-capable character whose default is text (❤ → ❤️, ☺, ™, ▶, …),
 *   and after 0–9 # * only in a keycap (1️⃣, followed by U+20E3);
 * - one Mongolian free variation selector after a Mongolian letter.
 * Everything else goes: runs, VS16 after a character already drawn as emoji (no visible change),
 * VS15, VS1–14 (standardized variants of maths symbols and CJK compatibility forms) and the
 * ideographic variation selectors U+E0100–E01EF (the ideograph stays, in its default glyph).
 */
function filterVariationSelectors(text: string): string {
  return text.replace(VARIATION_RUN, (run: string, offset: number) => {
    const base = lastCodePoint(text.slice(Math.max(0, offset - 2), offset));
    return isVisibleVariation(base, run, text.charAt(offset + run.length)) ? run : '';
  });
}

/** The last code point of `text` ('' when empty); `text` may start in the middle of a surrogate pair. */
function lastCodePoint(text: string): string {
  return Array.from(text).at(-1) ?? '';
}

function isVisibleVariation(base: string, run: string, next: string): boolean {
  if (MONGOLIAN_FVS.test(run)) return MONGOLIAN_LETTER.test(base);
  if (run !== '\uFE0F') return false;
  if (KEYCAP_BASE.test(base)) return next === '\u20E3';
  return EMOJI.test(base) && !EMOJI_PRESENTATION.test(base);
}

const JOINER_RUN = /[\u200C\u200D]+/g;
// What a joiner may sit between: letters and marks of scripts that shape with it (Arabic, Persian,
// Indic, …) and emoji parts. ASCII never needs one.
const JOINER_NEIGHBOUR = /^(?![\x00-\x7F])[\p{L}\p{M}\p{Extended_Pictographic}\p{Emoji_Modifier}\uFE0F\u20E3]$/u;

/**
 * ZWNJ/ZWJ stay only one at a time between two non-ASCII letters, marks or emoji (می‌خواهم,
 * क्‍ष, 👨‍👩‍👧). Elsewhere they shape nothing and could only hide a token (`<‍|im_start|>`) or
 * carry bits (runs of joiners between ASCII letters are a known steganography), so they go.
 */
function filterJoiners(text: string): string {
  return text.replace(JOINER_RUN, (run: string, offset: number) => {
    if (run.length !== 1) return '';
    const before = lastCodePoint(text.slice(Math.max(0, offset - 2), offset));
    const after = Array.from(text.slice(offset + 1, offset + 3))[0] ?? '';
    return JOINER_NEIGHBOUR.test(before) && JOINER_NEIGHBOUR.test(after) ? run : '';
  });
}

// Every space character (NBSP, ideographic space, en/em spaces, …) is a plain space to the model:
// which space was typed carries no meaning, and choosing among them could carry hidden bits.
// (\p{Zs} minus U+0020, spelled out: a `u`-mode class is several times slower on long text.)
const SPACE_CHARS = /[\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]/g;

// More than 8 horizontal blanks in a row is padding, not formatting (code indentation stays up to 8).
const LONG_BLANK_RUN = /[\t ]{9,}/g;

// Three or more blank lines (possibly holding only spaces/tabs) in a row.
const EXCESS_BLANK_LINES = /\n(?:[\t ]*\n){3,}/g;

/**
 * Canonical form of untrusted text for the MODEL: well-formed UTF-16 (lone surrogates become
 * U+FFFD), every line terminator a `\n`, no control or invisible character, variation selectors and
 * joiners only where they change what is drawn, NFC, every space character a plain space, runs of
 * more than 8 spaces/tabs collapsed to one space, at most 2 blank lines in a row, no leading or
 * trailing whitespace. What the customer typed is stored and shown as `storedText` gives it.
 */
export function normalizeText(raw: string): string {
  const visible = raw.toWellFormed().replace(LINE_BREAKS, '\n').replace(CONTROL_CHARS, '');
  return filterJoiners(filterVariationSelectors(removeInvisible(visible)))
    // After stripping, so a base letter and a combining mark separated by an invisible char compose.
    .normalize('NFC')
    .replace(SPACE_CHARS, ' ')
    .replace(LONG_BLANK_RUN, ' ')
    .replace(EXCESS_BLANK_LINES, '\n\n\n')
    .trim();
}

/**
 * The customer's words as stored, shown and audited: exactly as typed, except for changes that
 * alter no rendering — well-formed UTF-16 (a lone surrogate, which no font can draw, becomes
 * U+FFFD), `\n` line endings, C0/C1 controls other than tab and newline removed (they have no
 * glyph, and Postgres cannot store U+0000), and no leading/trailing whitespace (the chat bubble
 * shows the composer's trimmed text, so the stored form matches what the customer saw sent).
 * Joiners, bidi marks and combining sequences are kept as typed (no NFC).
 */
export function storedText(raw: string): string {
  return raw.toWellFormed().replace(/\r\n?/g, '\n').replace(CONTROL_CHARS, '').trim();
}

/*
 * Chat-template control tokens (the table in control-tokens.ts, plus any `<|word|>` / `<｜word｜>`)
 * and Tether's own summary fence are searched for in a SKELETON of the text: invisible characters
 * skipped, and every character that NFKC folds to ASCII (fullwidth `＜｜［／`, small forms `﹤﹥`,
 * fullwidth and mathematical letters, ligatures like `ﬆ`, …) read as that ASCII text. A match is
 * rewritten in the original text, so what is not a token is left exactly as it was:
 *  - angle-bracket tokens: each `<` / `>` becomes a single guillemet, `<|im_start|>` → `‹|im_start|›`,
 *    `<tool_call>` → `‹tool_call›`, `<<SYS>>` → `‹‹SYS››`, DeepSeek `<｜User｜>` → `‹｜User｜›`;
 *  - bracket tokens: spaces inside, `[INST]` → `[ INST ]`, `[gMASK]` → `[ gMASK ]`.
 * Tokens match case-sensitively, as tokenizers match them (`<BOS>` is plain text to Gemma).
 *
 * The fence `<earlier_conversation_notes>` is read by the model, not by a tokenizer, so it is matched
 * the way a reader would see it: any case, whitespace (newlines, tabs) around the slash and inside
 * the name, `_`/`-`/nothing between the words, `<` or any bracket that looks like it (‹ « 〈 ⟨ ❮ ˂ ᐸ …),
 * `/` or a slash look-alike. Any such tag head becomes `(earlier_conversation_notes` or
 * `(/earlier_conversation_notes`, and a closing bracket right after it `)`: no text can close the
 * fence or open a second one.
 *
 * Plain-language spoofing ("System: …", "### Instruction", fake JSON messages) is left alone: it is
 * harmless as long as it stays inside a user message, which prompt assembly guarantees.
 */

let asciiFolds: Map<number, string> | null = null;

/**
 * Non-ASCII code points whose NFKC form is printable ASCII: fullwidth and small forms, mathematical
 * letters, and ligatures such as `ﬆ` → `st` (≈1,300; built on first use, ≈20 ms).
 */
function asciiFold(): Map<number, string> {
  if (asciiFolds) return asciiFolds;
  const folds = new Map<number, string>();
  for (let cp = 0xa0; cp < 0x20000; cp += 1) {
    if (cp >= 0xd800 && cp < 0xe000) continue;
    const folded = String.fromCodePoint(cp).normalize('NFKC');
    if (/^[ -~]{1,4}$/.test(folded)) folds.set(cp, folded);
  }
  asciiFolds = folds;
  return folds;
}

const SKIPPED_IN_SKELETON = /^(?:[\u200C\u200D\p{Variation_Selector}\u2800\uFFF9-\uFFFB]|\p{Default_Ignorable_Code_Point})$/u;

interface Skeleton {
  text: string;
  /** For each UTF-16 unit of `text`: the index in `points` of the code point it came from. */
  source: number[];
  /** The original text's code points, in order. */
  points: string[];
}

function skeletonOf(text: string): Skeleton {
  const folds = asciiFold();
  const points = Array.from(text);
  let skeleton = '';
  const source: number[] = [];
  points.forEach((point, index) => {
    if (SKIPPED_IN_SKELETON.test(point)) return;
    const read = folds.get(point.codePointAt(0) ?? 0) ?? point;
    skeleton += read;
    for (let unit = 0; unit < read.length; unit += 1) source.push(index);
  });
  return { text: skeleton, source, points };
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The token as its skeleton reads: DeepSeek's fullwidth bars fold to `|` like any other. */
const skeletonToken = (token: string) =>
  Array.from(token, (ch) => asciiFold().get(ch.codePointAt(0) ?? 0) ?? ch).join('');

const FENCE_OPEN = '<‹«\u2329\u3008\u27E8\u27EA\u276C\u276E\u2770\u29FC\u02C2\u1438\u227A\u300A\u2991';
const FENCE_CLOSE = '>›»\u232A\u3009\u27E9\u27EB\u276D\u276F\u2771\u29FD\u02C3\u1433\u227B\u300B\u2992';
const FENCE_SLASH = '/\u2044\u2215\u29F8';
const FENCE_WORD_GAP = '[\\s_\\-]*';
const caseless = (word: string) => Array.from(word, (ch) => `[${ch}${ch.toUpperCase()}]`).join('');
const FENCE_HEAD =
  `[${FENCE_OPEN}]\\s*(?<slash>[${FENCE_SLASH}]\\s*)?` +
  [caseless('earlier'), caseless('conversation'), caseless('notes')].join(FENCE_WORD_GAP) +
  `(?<close>\\s*[${FENCE_CLOSE}])?`;

let tokenPattern: RegExp | null = null;

function controlTokenPattern(): RegExp {
  if (tokenPattern) return tokenPattern;
  // Longest first, so `<start_of_turn>` wins over a shorter token at the same place.
  const listed = [...new Set(CONTROL_TOKENS.map((entry) => skeletonToken(entry.token)))]
    .sort((a, b) => b.length - a.length)
    .map(escapeRegExp);
  const anyPipeToken = '<\\|[^\\s<>|]{1,64}\\|>';
  tokenPattern = new RegExp(`(?<fence>${FENCE_HEAD})|${anyPipeToken}|${listed.join('|')}`, 'gu');
  return tokenPattern;
}

/** The inert form of the original code points `span` that one match covers. */
function inertForm(match: RegExpExecArray, span: readonly string[]): string {
  const groups = match.groups ?? {};
  if (groups.fence !== undefined) {
    return `(${groups.slash ? '/' : ''}earlier_conversation_notes${groups.close ? ')' : ''}`;
  }
  const folds = asciiFold();
  const read = (point: string) => folds.get(point.codePointAt(0) ?? 0) ?? point;
  if (match[0].startsWith('[')) return `[ ${span.slice(1, -1).join('')} ]`;
  // Only the angle brackets change; invisible characters inside stay, so NFC cannot shift on a re-run.
  return span.map((point) => (read(point) === '<' ? '‹' : read(point) === '>' ? '›' : point)).join('');
}

let openerPattern: RegExp | null = null;

/** Any character that can start a token or a fence tag (most messages have none: no skeleton needed). */
function mayHoldToken(text: string): boolean {
  if (!openerPattern) {
    const folded = [...asciiFold()].filter(([, ascii]) => ascii.startsWith('<') || ascii.startsWith('['));
    // Today all of them are in the BMP, where a plain (non-`u`) class is several times faster.
    const bmp = folded.every(([cp]) => cp <= 0xffff);
    const escaped = folded.map(([cp]) => (bmp ? `\\u${cp.toString(16).padStart(4, '0')}` : `\\u{${cp.toString(16)}}`));
    openerPattern = new RegExp(`[<\\[${FENCE_OPEN}${escaped.join('')}]`, bmp ? '' : 'u');
  }
  return openerPattern.test(text);
}

/** Makes chat-template control tokens and summary-fence tags inert but readable; leaves all other text untouched. */
export function neutralizeChatTemplateTokens(text: string): string {
  if (!mayHoldToken(text)) return text;
  const skeleton = skeletonOf(text);
  const pattern = controlTokenPattern();
  pattern.lastIndex = 0;
  let out = '';
  let copied = 0; // code points of the original already in `out`
  let found = false;
  for (let match = pattern.exec(skeleton.text); match; match = pattern.exec(skeleton.text)) {
    found = true;
    const first = skeleton.source[match.index] ?? 0;
    const last = skeleton.source[match.index + match[0].length - 1] ?? first;
    out += skeleton.points.slice(copied, first).join('') + inertForm(match, skeleton.points.slice(first, last + 1));
    copied = last + 1;
  }
  return found ? out + skeleton.points.slice(copied).join('') : text;
}

/** normalizeText then neutralizeChatTemplateTokens: the order matters, since stripping invisible characters can join a token. */
export function sanitizeText(raw: string): string {
  return neutralizeChatTemplateTokens(normalizeText(raw));
}

export interface TruncatedText {
  text: string;
  truncated: boolean;
}

function cutMarker(omitted: number): string {
  return `[…message cut: ${omitted} characters omitted]`;
}

/**
 * Caps `text` at `maxChars` UTF-16 code units (String#length, the unit a request schema checks).
 * An over-long text keeps its start and ends with a visible `\n[…message cut: N characters omitted]`,
 * N counted in code units of the original. The WHOLE result, marker included, is at most `maxChars`
 * long, which also makes the function idempotent; only a `maxChars` below the marker's own length
 * (about 40) yields the bare marker, longer than `maxChars`.
 */
export function truncateMessage(text: string, maxChars: number): TruncatedText {
  if (text.length <= maxChars) return { text, truncated: false };
  // Sized for the largest possible N, so the real marker never exceeds the room reserved for it.
  const room = Math.max(0, maxChars - cutMarker(text.length).length - 1);
  // Never split a surrogate pair: back off one unit if the cut lands after a high surrogate.
  const end = /[\uD800-\uDBFF]/.test(text.charAt(room - 1)) ? room - 1 : room;
  // Dropping the trailing whitespace keeps the result stable under normalizeText.
  const head = text.slice(0, end).trimEnd();
  const marker = cutMarker(text.length - head.length);
  return { text: head ? `${head}\n${marker}` : marker, truncated: true };
}
