import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

const source = readFileSync(path.join(__dirname, '..', '..', 'public', 'widget.js'), 'utf8');

describe('public/widget.js', () => {
  it('is at most 6 KB gzipped', () => {
    expect(gzipSync(source, { level: 9 }).byteLength).toBeLessThanOrEqual(6 * 1024);
  });

  it('never blocks the host page: no document.write, no synchronous XHR, no eval', () => {
    expect(source).not.toMatch(/document\.write|eval\(|new Function|\.open\([^)]*false\)/);
  });

  it('checks the origin of every message it accepts and names the target of every message it sends', () => {
    expect(source).toMatch(/event\.origin !== origin/);
    expect(source).not.toMatch(/postMessage\([^)]*['"]\*['"]\)/);
  });
});
