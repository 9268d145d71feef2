/** The brand colour a host page may choose (`data-accent`), and a text colour that stays readable on it. */
const HEX = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;
export const DEFAULT_ACCENT = '#2563eb';

export function parseAccent(value: unknown): string | null {
  return typeof value === 'string' && HEX.test(value) ? value.toLowerCase() : null;
}

function channel(hex: string, index: number): number {
  const full = hex.length === 4 ? hex.slice(1).replace(/./g, (c) => c + c) : hex.slice(1);
  const value = parseInt(full.slice(index * 2, index * 2 + 2), 16) / 255;
  return value <= 0.04045 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
}

/** WCAG relative luminance. */
export function luminance(hex: string): number {
  return 0.2126 * channel(hex, 0) + 0.7152 * channel(hex, 1) + 0.0722 * channel(hex, 2);
}

function contrast(a: number, b: number): number {
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}

/** White or near-black, whichever contrasts more with the accent. */
export function onAccent(hex: string): string {
  const l = luminance(hex);
  return contrast(l, 1) >= contrast(l, luminance('#0f172a')) ? '#ffffff' : '#0f172a';
}
