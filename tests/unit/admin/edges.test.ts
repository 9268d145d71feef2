import { describe, expect, it } from 'vitest';
import { plural } from '@/components/admin/format';
import { asRefQuery } from '@/lib/admin/sessions';
import { loggablePath } from '@/lib/auth/log-path';

describe('plural', () => {
  it('"1 turn", "0 turns", "2 turns", and irregular nouns', () => {
    expect(plural(1, 'turn')).toBe('1 turn');
    expect(plural(0, 'turn')).toBe('0 turns');
    expect(plural(2, 'turn')).toBe('2 turns');
    expect(plural(1, 'rated reply', 'rated replies')).toBe('1 rated reply');
    expect(plural(3, 'rated reply', 'rated replies')).toBe('3 rated replies');
  });
});

describe('a reference typed into the search box', () => {
  it('whole or from c_ and 4 characters on, in any case; anything else is a word search', () => {
    expect(asRefQuery('c_lqm2')).toBe('c_lqm2');
    expect(asRefQuery(' C_LQM2ABCD ')).toBe('c_lqm2abcd');
    expect(asRefQuery('c_abcdefghijklmnop')).toBe('c_abcdefghijklmnop');
    expect(asRefQuery('c_lqm')).toBeNull();
    expect(asRefQuery('c_lqm1')).toBeNull(); // 1 is not base32
    expect(asRefQuery('c_abcdefghijklmnopq')).toBeNull();
    expect(asRefQuery('refund')).toBeNull();
  });
});

describe('loggablePath', () => {
  it('keeps static segments, references and UUIDs; hides anything else (a session id is a bearer key)', () => {
    expect(loggablePath('/api/admin/sessions/c_abcdefghijklmnop')).toBe('/api/admin/sessions/c_abcdefghijklmnop');
    expect(loggablePath('/api/admin/flags/00000000-0000-4000-8000-000000000000')).toBe('/api/admin/flags/00000000-0000-4000-8000-000000000000');
    expect(loggablePath('/api/admin/sessions/s1.aM-uns2HD0uYKqszhPk5ng.NrOBOnpWZPnzmCs62GdEVn5O8kmtZ_wv1bqFMZJU3fA')).toBe('/api/admin/sessions/[…]');
    expect(loggablePath('/api/admin/sessions/s1.x/export')).toBe('/api/admin/sessions/[…]/export');
  });
});
