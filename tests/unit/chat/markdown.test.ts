import { describe, expect, it } from 'vitest';
import { safeUrl } from '@/components/chat/Markdown';

describe('links in replies', () => {
  it('keep http, https and mailto', () => {
    for (const url of ['https://example.com/a?b=1', 'http://x.test', 'mailto:help@example.com', 'HTTPS://EXAMPLE.COM']) {
      expect(safeUrl(url)).toBe(url);
    }
  });

  it('drop every other scheme, however it is disguised', () => {
    for (const url of ['javascript:alert(1)', ' JavaScript:alert(1)', 'data:text/html,<script>', 'vbscript:x', 'file:///etc/passwd', '//evil.test', '/relative']) {
      expect(safeUrl(url)).toBe('');
    }
  });
});
