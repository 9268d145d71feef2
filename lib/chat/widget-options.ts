import { parseAccent } from './accent';
import { toLang, type Lang } from '@/lib/copy/strings';

/** The widget frame's options, from its URL (set by public/widget.js from the script tag's data- attributes). */
export interface WidgetOptions {
  lang: Lang;
  title: string | null;
  greeting: string | null;
  accent: string | null;
  hostOrigin: string | null;
}

type Params = Record<string, string | string[] | undefined>;

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Plain text, bounded: React escapes it, the bound keeps a URL from filling the header. */
function shortText(value: string | undefined, max: number): string | null {
  const text = value?.trim();
  return text ? text.slice(0, max) : null;
}

/** An http(s) origin exactly (scheme://host[:port]), or null. */
export function parseOrigin(value: string | undefined): string | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value ? url.origin : null;
  } catch {
    return null;
  }
}

export function parseWidgetOptions(params: Params): WidgetOptions {
  return {
    lang: toLang(first(params.lang)),
    title: shortText(first(params.title), 60),
    greeting: shortText(first(params.greeting), 300),
    accent: parseAccent(first(params.accent)),
    hostOrigin: parseOrigin(first(params.host)),
  };
}

/**
 * The host origin the frame may talk to: one WIDGET_ALLOWED_ORIGINS lists, or Tether's own origin
 * (`requestHost` is the Host header of the widget page's request). Any other value is dropped, so the
 * frame never sends a session id to, or takes a token from, a page that may not frame it anyway.
 */
export function acceptHostOrigin(hostOrigin: string | null, allowed: readonly string[], requestHost: string | null): string | null {
  if (!hostOrigin) return null;
  if (allowed.includes(hostOrigin)) return hostOrigin;
  return requestHost !== null && new URL(hostOrigin).host === requestHost ? hostOrigin : null;
}
