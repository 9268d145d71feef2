/**
 * Text hygiene for everything placed in a prompt. All functions are pure and idempotent, so
 * re-applying them to text that was already cleaned when it was stored changes nothing.
 */

// C0 controls except \t (U+0009) and \n (U+000A), DEL, and C1 controls.
const CONTROL_CHARS = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;

// Invisible characters that can hide or reorder text: zero-width space, LRM/RLM, bidi
// embeddings/overrides/isolates, word joiner and invisible operators, BOM, soft hyphen.
// The joiners U+200C (ZWNJ) and U+200D (ZWJ) are NOT here: Persian, Hindi and emoji sequences
// (👨‍👩‍👧) need them, and they cannot hide or reorder anything.
const INVISIBLE_CHARS = /[\u200B\u200E\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\u00AD]/g;

// More than 8 horizontal blanks in a row is padding, not formatting (code indentation stays up to 8).
const LONG_BLANK_RUN = /[\t\p{Zs}]{9,}/gu;

// Three or more blank lines (possibly holding only spaces/tabs) in a row.
const EXCESS_BLANK_LINES = /\n(?:[\t\p{Zs}]*\n){3,}/gu;

/**
 * Canonical form of untrusted text: well-formed UTF-16 (lone surrogates become U+FFFD), `\n` line
 * endings, no control or invisible characters, NFC, runs of more than 8 spaces/tabs collapsed to
 * one space, at most 2 blank lines in a row, no leading/trailing whitespace.
 * This is what the MODEL sees; what the customer typed is stored as `storedText` gives it.
 */
export function normalizeText(raw: string): string {
  return raw
    .toWellFormed()
    .replace(/\r\n?/g, '\n')
    .replace(CONTROL_CHARS, '')
    .replace(INVISIBLE_CHARS, '')
    // After stripping, so a base letter and a combining mark separated by an invisible char compose.
    .normalize('NFC')
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
 * Chat-template control tokens that a model server may parse out of message text as real role or
 * turn markers. Each is rewritten so no tokenizer matches it, while a reader still sees what was typed:
 *  - `<|word|>` (ChatML, Llama 3, Phi, gpt-oss, …) and DeepSeek's fullwidth-bar `<｜word｜>`: the
 *    angle brackets become single guillemets, `‹|im_start|›`. (The bars are kept: turning `|` into
 *    the fullwidth `｜` would produce DeepSeek's real tokens.)
 *  - Llama 2 `<<SYS>>` / `<</SYS>>` → `‹‹SYS››` / `‹‹/SYS››`; `<s>` / `</s>` → `‹s›` / `‹/s›`;
 *    Gemma `<start_of_turn>` / `<end_of_turn>` / `<bos>` / `<eos>` → `‹start_of_turn›`, …;
 *    Tether's own summary fence `<earlier_conversation_notes>` (lib/prompt/assemble.ts), so typed
 *    or model-written text cannot close the fence or open a fake one.
 *  - Mistral/Llama 2 `[INST]`, `[/INST]`, `[SYSTEM_PROMPT]`, `[/SYSTEM_PROMPT]`, and Mistral's tool
 *    tokens `[TOOL_CALLS]`, `[AVAILABLE_TOOLS]`, `[TOOL_RESULTS]`, `[TOOL_CONTENT]` (and their `[/…]`
 *    closing forms) → `[ INST ]`, `[ /INST ]`, `[ TOOL_CALLS ]`, ….
 * Plain-language spoofing ("System: …", "### Instruction", fake JSON messages) is left alone: it is
 * harmless as long as it stays inside a user message, which prompt assembly guarantees.
 */
const PIPE_TOKEN = /<([|｜])([^\s<>|｜]{1,64})([|｜])>/g;
const LLAMA2_SYS_TAG = /<<(\/?SYS)>>/g;
const ANGLE_TAG_TOKEN = /<(\/?s|start_of_turn|end_of_turn|bos|eos)>/g;
const SUMMARY_FENCE = /<(\/?earlier_conversation_notes)>/gi;
const BRACKET_TOKEN = /\[(\/?(?:INST|SYSTEM_PROMPT|TOOL_CALLS|AVAILABLE_TOOLS|TOOL_RESULTS|TOOL_CONTENT))\]/g;

/** Makes chat-template control tokens inert but readable; leaves all other text untouched. */
export function neutralizeChatTemplateTokens(text: string): string {
  return text
    .replace(PIPE_TOKEN, '‹$1$2$3›')
    .replace(LLAMA2_SYS_TAG, '‹‹$1››')
    .replace(ANGLE_TAG_TOKEN, '‹$1›')
    .replace(SUMMARY_FENCE, '‹$1›')
    .replace(BRACKET_TOKEN, '[ $1 ]');
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
