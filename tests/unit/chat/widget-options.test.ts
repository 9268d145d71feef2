import { describe, expect, it } from 'vitest';
import { acceptHostOrigin, parseOrigin, parseWidgetOptions } from '@/lib/chat/widget-options';

describe('widget frame options', () => {
  it('reads language, title, greeting, accent and host origin', () => {
    expect(
      parseWidgetOptions({ lang: 'de', title: 'Acme Hilfe', greeting: 'Hallo!', accent: '#0F766E', host: 'https://shop.example' }),
    ).toEqual({ lang: 'de', title: 'Acme Hilfe', greeting: 'Hallo!', accent: '#0f766e', hostOrigin: 'https://shop.example' });
  });

  it('falls back on anything it does not accept', () => {
    expect(parseWidgetOptions({ lang: 'xx', title: '  ', accent: 'red;x', host: 'javascript:alert(1)' })).toEqual({
      lang: 'en',
      title: null,
      greeting: null,
      accent: null,
      hostOrigin: null,
    });
    expect(parseWidgetOptions({ title: 'x'.repeat(500) }).title).toHaveLength(60);
  });

  it('takes an origin only when it is exactly one', () => {
    expect(parseOrigin('http://127.0.0.1:3502')).toBe('http://127.0.0.1:3502');
    for (const bad of ['https://a.example/path', 'https://a.example/', 'file:///x', 'null', '']) expect(parseOrigin(bad)).toBeNull();
  });
});

describe('acceptHostOrigin: the one origin the frame talks to', () => {
  const allowed = ['https://shop.example', 'http://localhost:8080'];
  it('keeps an origin WIDGET_ALLOWED_ORIGINS lists, or Tether’s own', () => {
    expect(acceptHostOrigin('https://shop.example', allowed, 'chat.tether.example')).toBe('https://shop.example');
    expect(acceptHostOrigin('http://127.0.0.1:3000', [], '127.0.0.1:3000')).toBe('http://127.0.0.1:3000');
  });
  it('drops any other origin, and an absent one', () => {
    expect(acceptHostOrigin('https://evil.example', allowed, 'chat.tether.example')).toBeNull();
    expect(acceptHostOrigin('https://shop.example.evil.example', allowed, 'chat.tether.example')).toBeNull();
    expect(acceptHostOrigin('http://localhost:8081', allowed, '127.0.0.1:3000')).toBeNull();
    expect(acceptHostOrigin(null, allowed, 'chat.tether.example')).toBeNull();
    expect(acceptHostOrigin('https://evil.example', allowed, null)).toBeNull();
  });
});
