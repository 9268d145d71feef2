'use client';

import { useEffect } from 'react';

const isTyping = (target: EventTarget | null) =>
  target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));

/**
 * j/k (or the arrow keys) move the focus through the page's `[data-nav]` links, as they move
 * through the sessions list; Enter opens the focused one (a link's own behaviour).
 */
export function KeyNav() {
  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      if (event.metaKey || event.ctrlKey || event.altKey || isTyping(event.target)) return;
      const forward = event.key === 'j' || event.key === 'ArrowDown';
      const back = event.key === 'k' || event.key === 'ArrowUp';
      if (!forward && !back) return;
      const items = [...document.querySelectorAll<HTMLElement>('[data-nav]')].filter((el) => el.offsetParent !== null);
      if (items.length === 0) return;
      event.preventDefault();
      const current = items.indexOf(document.activeElement as HTMLElement);
      const next = current < 0 ? (forward ? 0 : items.length - 1) : Math.min(items.length - 1, Math.max(0, current + (forward ? 1 : -1)));
      items[next]?.focus();
      items[next]?.scrollIntoView({ block: 'nearest' });
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  return null;
}
