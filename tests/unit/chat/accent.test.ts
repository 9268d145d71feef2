import { describe, expect, it } from 'vitest';
import { onAccent, parseAccent } from '@/lib/chat/accent';

describe('accent colour', () => {
  it('accepts only #rgb and #rrggbb, so a data- attribute cannot inject CSS', () => {
    expect(parseAccent('#0F766E')).toBe('#0f766e');
    expect(parseAccent('#abc')).toBe('#abc');
    for (const bad of ['red', '#12345', 'url(x)', '#123456;background:red', null]) expect(parseAccent(bad)).toBeNull();
  });

  it('picks the text colour that stays readable on the accent', () => {
    expect(onAccent('#2563eb')).toBe('#ffffff');
    expect(onAccent('#fde047')).toBe('#0f172a');
    expect(onAccent('#000')).toBe('#ffffff');
  });
});
