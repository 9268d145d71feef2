import { describe, expect, it } from 'vitest';
import { issueSessionId, SESSION_ID_MAX_LENGTH, verifySessionId } from '@/lib/session-id';

const SECRET = 'unit-test-session-secret-0123456789abcdef';
const OTHER_SECRET = 'another-deployment-secret-0123456789abcdef';
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function parts(id: string): { nonce: string; tag: string } {
  const [version, nonce, tag, ...rest] = id.split('.');
  if (version !== 's1' || nonce === undefined || tag === undefined || rest.length > 0) {
    throw new Error(`not an s1 id: ${id}`);
  }
  return { nonce, tag };
}

/** Another base64url character than `char`, chosen so every position is tried with a different neighbour. */
function otherChar(char: string, salt: number): string {
  const index = BASE64URL.indexOf(char);
  return BASE64URL.charAt((index + 1 + (salt % 63)) % 64);
}

function replaceAt(text: string, index: number, char: string): string {
  return text.slice(0, index) + char + text.slice(index + 1);
}

describe('issueSessionId', () => {
  it('issues ids that verify with the same secret', () => {
    for (let i = 0; i < 50; i++) expect(verifySessionId(SECRET, issueSessionId(SECRET))).toBe(true);
  });

  it('uses the format s1.<22 base64url>.<43 base64url>', () => {
    const id = issueSessionId(SECRET);
    expect(id).toMatch(/^s1\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
    expect(id).toHaveLength(SESSION_ID_MAX_LENGTH);
    const { nonce, tag } = parts(id);
    // 128 random bits and a full HMAC-SHA256 tag.
    expect(Buffer.from(nonce, 'base64url')).toHaveLength(16);
    expect(Buffer.from(tag, 'base64url')).toHaveLength(32);
  });

  it('never repeats an id over 10,000 issues (nor a nonce)', () => {
    const ids = new Set<string>();
    const nonces = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      const id = issueSessionId(SECRET);
      ids.add(id);
      nonces.add(parts(id).nonce);
    }
    expect(ids.size).toBe(10_000);
    expect(nonces.size).toBe(10_000);
  });
});

describe('verifySessionId', () => {
  it('rejects an id issued under a different secret', () => {
    const foreign = issueSessionId(OTHER_SECRET);
    expect(verifySessionId(OTHER_SECRET, foreign)).toBe(true);
    expect(verifySessionId(SECRET, foreign)).toBe(false);
  });

  it('rejects a valid nonce paired with the tag of another id', () => {
    const a = parts(issueSessionId(SECRET));
    const b = parts(issueSessionId(SECRET));
    expect(verifySessionId(SECRET, `s1.${a.nonce}.${b.tag}`)).toBe(false);
  });

  it('rejects any single-character change to the nonce', () => {
    const id = issueSessionId(SECRET);
    const { nonce, tag } = parts(id);
    for (let i = 0; i < nonce.length; i++) {
      for (const salt of [0, 31]) {
        const forged = `s1.${replaceAt(nonce, i, otherChar(nonce.charAt(i), salt + i))}.${tag}`;
        expect(forged).not.toBe(id);
        expect(verifySessionId(SECRET, forged), `nonce position ${i}`).toBe(false);
      }
    }
  });

  it('rejects any single-character change to the tag', () => {
    const id = issueSessionId(SECRET);
    const { nonce, tag } = parts(id);
    for (let i = 0; i < tag.length; i++) {
      for (const salt of [0, 31]) {
        const forged = `s1.${nonce}.${replaceAt(tag, i, otherChar(tag.charAt(i), salt + i))}`;
        expect(forged).not.toBe(id);
        expect(verifySessionId(SECRET, forged), `tag position ${i}`).toBe(false);
      }
    }
  });

  it('rejects look-alike ids whose tag differs only in the spare base64url bits', () => {
    // 32 tag bytes take 43 characters = 258 bits: the low 2 bits of the last character carry no data,
    // so these strings decode to exactly the same bytes as the real tag.
    let checked = 0;
    for (let n = 0; n < 20; n++) {
      const { nonce, tag } = parts(issueSessionId(SECRET));
      const last = BASE64URL.indexOf(tag.charAt(42));
      for (const flip of [1, 2, 3]) {
        const lookAlike = tag.slice(0, 42) + BASE64URL.charAt(last ^ flip);
        expect(lookAlike).not.toBe(tag);
        expect(Buffer.from(lookAlike, 'base64url').equals(Buffer.from(tag, 'base64url'))).toBe(true);
        expect(verifySessionId(SECRET, `s1.${nonce}.${lookAlike}`)).toBe(false);
        checked++;
      }
    }
    expect(checked).toBe(60);
  });

  it('rejects look-alike ids whose nonce differs only in the spare base64url bits', () => {
    // 16 nonce bytes take 22 characters = 132 bits: the low 4 bits of the last character are spare.
    const { nonce, tag } = parts(issueSessionId(SECRET));
    const last = BASE64URL.indexOf(nonce.charAt(21));
    for (let flip = 1; flip < 16; flip++) {
      const lookAlike = nonce.slice(0, 21) + BASE64URL.charAt(last ^ flip);
      expect(Buffer.from(lookAlike, 'base64url').equals(Buffer.from(nonce, 'base64url'))).toBe(true);
      expect(verifySessionId(SECRET, `s1.${lookAlike}.${tag}`)).toBe(false);
    }
  });

  it('rejects a wrong or missing version prefix', () => {
    const { nonce, tag } = parts(issueSessionId(SECRET));
    for (const version of ['s2', 'S1', 's0', 'v1', 'x1']) {
      expect(verifySessionId(SECRET, `${version}.${nonce}.${tag}`), version).toBe(false);
    }
    expect(verifySessionId(SECRET, `${nonce}.${tag}`)).toBe(false);
    expect(verifySessionId(SECRET, `.${nonce}.${tag}`)).toBe(false);
  });

  it('rejects ids with extra or moved dots', () => {
    const id = issueSessionId(SECRET);
    const { nonce, tag } = parts(id);
    expect(verifySessionId(SECRET, `${id}.`)).toBe(false);
    expect(verifySessionId(SECRET, `s1..${nonce}.${tag}`)).toBe(false);
    expect(verifySessionId(SECRET, `s1.${nonce}..${tag}`)).toBe(false);
    expect(verifySessionId(SECRET, `s1.${nonce}.${tag}.x`)).toBe(false);
    // Same length as a real id, one character turned into a dot.
    expect(verifySessionId(SECRET, replaceAt(id, 10, '.'))).toBe(false);
    expect(verifySessionId(SECRET, replaceAt(id, 40, '.'))).toBe(false);
    // The separator moved by one: the same characters, split differently.
    const moved = `s1.${nonce}${tag.charAt(0)}.${tag.slice(1)}`;
    expect(moved).toHaveLength(id.length);
    expect(verifySessionId(SECRET, moved)).toBe(false);
  });

  it('rejects ids that are too long or too short', () => {
    const id = issueSessionId(SECRET);
    expect(verifySessionId(SECRET, `${id}A`)).toBe(false);
    expect(verifySessionId(SECRET, `${id}${id}`)).toBe(false);
    expect(verifySessionId(SECRET, id.slice(0, -1))).toBe(false);
    expect(verifySessionId(SECRET, id.slice(1))).toBe(false);
    expect(verifySessionId(SECRET, '')).toBe(false);
    expect(verifySessionId(SECRET, `${id}\n`)).toBe(false);
    expect(verifySessionId(SECRET, ` ${id}`)).toBe(false);
    expect(verifySessionId(SECRET, 's1.' + 'A'.repeat(10_000))).toBe(false);
  });

  it('rejects non-string candidates, including objects that stringify to a valid id', () => {
    const id = issueSessionId(SECRET);
    const candidates: unknown[] = [
      null,
      undefined,
      42,
      Number.NaN,
      true,
      {},
      { sessionId: id },
      { toString: () => id },
      [id],
      Buffer.from(id),
      new String(id),
    ];
    for (const candidate of candidates) expect(verifySessionId(SECRET, candidate), String(candidate)).toBe(false);
  });

  it('gives the same verdict however many leading tag characters match', () => {
    // Behaviour only (no timing): a tag that is right except for its last data-carrying character is
    // rejected exactly like one that is wrong from the first character.
    const { nonce, tag } = parts(issueSessionId(SECRET));
    for (let keep = 0; keep < tag.length; keep++) {
      const wrongTail = Array.from(tag.slice(keep), (char, i) => otherChar(char, i)).join('');
      const forged = `s1.${nonce}.${tag.slice(0, keep)}${wrongTail}`;
      expect(verifySessionId(SECRET, forged), `first ${keep} characters right`).toBe(false);
    }
  });
});
