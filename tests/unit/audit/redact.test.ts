import { describe, it, expect } from 'vitest';
import { ibanValid, luhnValid, redactMessages, redactText, type RedactionKind } from '@/lib/audit/redact';

const NONE: Record<RedactionKind, number> = { email: 0, phone: 0, card: 0, iban: 0 };

/** Expects `input` to be masked entirely as one finding of `kind`. */
function expectMasked(input: string, kind: RedactionKind): void {
  expect(redactText(input)).toEqual({ text: `[${kind}]`, counts: { ...NONE, [kind]: 1 } });
}

function expectUntouched(input: string): void {
  expect(redactText(input)).toEqual({ text: input, counts: NONE });
}

describe('luhnValid', () => {
  it('accepts well-known test card numbers', () => {
    for (const digits of ['4111111111111111', '5500000000000004', '378282246310005', '30569309025904', '4222222222222', '6799990100000000019']) {
      expect(luhnValid(digits)).toBe(true);
    }
  });

  it('rejects a number whose check digit is off by one', () => {
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(luhnValid('1234567812345678')).toBe(false);
  });

  it('rejects empty and non-digit input instead of checking it', () => {
    expect(luhnValid('')).toBe(false);
    expect(luhnValid('4111 1111 1111 1111')).toBe(false);
    expect(luhnValid('4111-1111-1111-1111')).toBe(false);
    expect(luhnValid('41111111111111a1')).toBe(false);
  });
});

describe('ibanValid', () => {
  it('accepts valid IBANs, grouped or not, in any case', () => {
    expect(ibanValid('DE89 3704 0044 0532 0130 00')).toBe(true);
    expect(ibanValid('DE89370400440532013000')).toBe(true);
    expect(ibanValid('GB29NWBK60161331926819')).toBe(true);
    expect(ibanValid('gb29 nwbk 6016 1331 9268 19')).toBe(true);
    expect(ibanValid('NO93 8601 1117 947')).toBe(true); // shortest national format, 15 characters
    expect(ibanValid('FR14 2004 1010 0505 0001 3M02 606')).toBe(true);
  });

  it('rejects a wrong check digit or a transposition', () => {
    expect(ibanValid('DE88 3704 0044 0532 0130 00')).toBe(false);
    expect(ibanValid('DE89 3704 0044 0532 0130 01')).toBe(false);
    expect(ibanValid('GB29NWBK60161331926891')).toBe(false);
  });

  it('rejects check digits 00, 01 and 99 even when mod-97 works out', () => {
    // Each pair shares the same remainder mod 97: only the issued check digits (02–98) count.
    expect(ibanValid('DE02 3704 0044 0532 0130 14')).toBe(true);
    expect(ibanValid('DE99 3704 0044 0532 0130 14')).toBe(false);
    expect(ibanValid('DE98 3704 0044 0532 0130 32')).toBe(true);
    expect(ibanValid('DE01 3704 0044 0532 0130 32')).toBe(false);
    expect(ibanValid('DE97 3704 0044 0532 0130 50')).toBe(true);
    expect(ibanValid('DE00 3704 0044 0532 0130 50')).toBe(false);
  });

  it('rejects malformed candidates', () => {
    expect(ibanValid('')).toBe(false);
    expect(ibanValid('1289370400440532013000')).toBe(false); // no country letters
    expect(ibanValid('DEAB370400440532013000')).toBe(false); // letters as check digits
    expect(ibanValid('DE89 3704 0044')).toBe(false); // too short
    expect(ibanValid(`DE89${'1'.repeat(31)}`)).toBe(false); // too long
    expect(ibanValid('DE89-3704-0044-0532-0130-00')).toBe(false);
  });
});

describe('redactText: e-mail addresses', () => {
  it('masks plain, plus-addressed and subdomain addresses', () => {
    expectMasked('jane@example.com', 'email');
    expectMasked('jane.doe+support@mail.example.co.uk', 'email');
    expectMasked('J_Doe-99%x@sub-domain.Example.ORG', 'email');
  });

  it('masks addresses inside a sentence and keeps the surrounding punctuation', () => {
    expect(redactText('Write to <jane@example.com> or mailto:ops@example.org.')).toEqual({
      text: 'Write to <[email]> or mailto:[email].',
      counts: { ...NONE, email: 2 },
    });
  });

  it('leaves domains without a dot, @mentions and non-ASCII local parts alone', () => {
    expectUntouched('foo@bar');
    expectUntouched('user@localhost');
    expectUntouched('thanks @alice and @bob.smith!');
    expectUntouched('jösé@example.com');
    expectUntouched('foo@bar.');
    expectUntouched('foo@.com');
    expectUntouched('foo@example.c0m');
  });
});

describe('redactText: phone numbers', () => {
  it('masks international + forms', () => {
    expectMasked('+44 20 7946 0958', 'phone');
    expectMasked('+1 (415) 555-0132', 'phone');
    expectMasked('+49-30-1234567', 'phone');
    expectMasked('+44 (0)20 7946 0958', 'phone');
    expectMasked('+33 1 23 45 67 89', 'phone');
    expectMasked('+4915112345678', 'phone');
  });

  it('masks common national forms with separators', () => {
    expectMasked('(415) 555-0132', 'phone');
    expectMasked('415-555-0132', 'phone');
    expectMasked('415.555.0132', 'phone');
    expectMasked('1-800-555-0199', 'phone');
    expectMasked('020 7946 0958', 'phone');
    expectMasked('07700 900123', 'phone');
    expectMasked('030-1234567', 'phone');
    expectMasked('(020) 7946 0958', 'phone');
  });

  it('masks a phone number inside a sentence', () => {
    expect(redactText('Call me on 415-555-0132, or +44 20 7946 0958.')).toEqual({
      text: 'Call me on [phone], or [phone].',
      counts: { ...NONE, phone: 2 },
    });
  });

  it('leaves dates, times, versions, amounts and order numbers alone', () => {
    for (const text of [
      '2026-11-25',
      '25.11.2026',
      '11/25/2026',
      '2026-11-25T14:30:00Z',
      '14:30',
      '14:30:59',
      '#123456',
      'order #415-555-0132',
      '1.2.3',
      'v10.15.7',
      '$1,234.56',
      '€ 1.234,56',
      '$415 555 0132',
      '192.168.100.200',
      '0900-1700', // a 24-hour time range
      '05-11-2026',
    ]) {
      expectUntouched(text);
    }
  });

  it('leaves plain numbers, years and bare digit runs alone', () => {
    for (const text of ['42', '2026', '1234567', '4155550132', '020 12', '+1 000 000 users', '+44 20', '1 234 567']) {
      expectUntouched(text);
    }
  });

  it('leaves North American shapes whose area code or exchange cannot exist alone', () => {
    expectUntouched('100-555-0132');
    expectUntouched('415-055-0132');
  });

  it('leaves numbers glued to words, paths or longer sequences alone', () => {
    expectUntouched('ref415-555-0132');
    expectUntouched('/calls/415-555-0132');
    expectUntouched('415-555-0132-7');
    expectUntouched('+44 20 7946 0958 1234 5678'); // more than 15 digits is no E.164 number
  });
});

describe('redactText: card numbers', () => {
  it('masks Luhn-valid numbers, grouped or not', () => {
    expectMasked('4111 1111 1111 1111', 'card');
    expectMasked('5500-0000-0000-0004', 'card');
    expectMasked('378282246310005', 'card');
    expectMasked('3782 822463 10005', 'card');
    expectMasked('4222222222222', 'card'); // 13 digits
    expectMasked('6799990100000000019', 'card'); // 19 digits
  });

  it('masks a card number quoted like an order number, keeping the #', () => {
    expect(redactText('#4111111111111111')).toEqual({ text: '#[card]', counts: { ...NONE, card: 1 } });
  });

  it('masks a card number inside a sentence and leaves the CVV-like rest', () => {
    expect(redactText('card 4111 1111 1111 1111 exp 12/27')).toEqual({
      text: 'card [card] exp 12/27',
      counts: { ...NONE, card: 1 },
    });
  });

  it('leaves a number that fails Luhn alone', () => {
    expectUntouched('4111 1111 1111 1112');
    expectUntouched('1234567812345678');
    expectUntouched('1234-5678-1234-5678');
  });

  it('does not fall back to a phone match for a card-shaped number that fails Luhn', () => {
    // The first 12 digits alone are a valid trunk-prefixed phone shape…
    expectMasked('0201 2345 6789', 'phone');
    // …but the 16-digit run is claimed by the card rule first and, failing Luhn, stays as it is.
    expect(luhnValid('0201234567890123')).toBe(false);
    expectUntouched('0201 2345 6789 0123');
  });

  it('leaves digit runs outside 13–19 digits alone even when Luhn-valid', () => {
    expect(luhnValid('41111111111111111115')).toBe(true); // 20 digits
    expectUntouched('41111111111111111115');
    expect(luhnValid('411111111117')).toBe(true); // 12 digits
    expectUntouched('411111111117');
  });

  it('leaves odd groupings and numbers glued to words alone', () => {
    expectUntouched('41 11 11 11 11 11 11 11');
    expectUntouched('ID4111111111111111');
    expectUntouched('4111111111111111.50');
  });
});

describe('redactText: IBANs', () => {
  it('masks valid IBANs, grouped or not, in any case', () => {
    expectMasked('DE89 3704 0044 0532 0130 00', 'iban');
    expectMasked('GB29NWBK60161331926819', 'iban');
    expectMasked('de89 3704 0044 0532 0130 00', 'iban');
    expectMasked('gb29nwbk60161331926819', 'iban');
    expectMasked('NO93 8601 1117 947', 'iban');
    expectMasked('FR14 2004 1010 0505 0001 3M02 606', 'iban');
  });

  it('stops at the end of the IBAN when short words follow it', () => {
    expect(redactText('IBAN BE68 5390 0754 7034 your order, thanks')).toEqual({
      text: 'IBAN [iban] your order, thanks',
      counts: { ...NONE, iban: 1 },
    });
  });

  it('leaves IBAN-shaped text failing mod-97 alone, and does not re-read its digits as a card', () => {
    expectUntouched('DE88 3704 0044 0532 0130 00');
    expectUntouched('GB29NWBK60161331926891');
    expectUntouched('DE99 3704 0044 0532 0130 14');
  });

  it('leaves codes that are too short or glued to other text alone', () => {
    expectUntouched('AB12 3456 7890');
    expectUntouched('XDE89370400440532013000');
  });
});

describe('redactText: mixed and ordinary text', () => {
  it('leaves an ordinary support conversation exactly as it is', () => {
    const paragraph = [
      'Hi! My order 12345 still has not arrived. I am on version 2.4.1 of the app (build 2026.11.3).',
      'I paid $49.99 on 2026-11-25 at 14:30, then another €12,50 on 25.11.2026.',
      'Ticket #123456, room 101, 3 items, 2 x 250 ml. Back in 2024 it worked; support hours are 0900-1700.',
      'Total was $1,234.56 — please check order 98765-2 and ref A1B2C3.',
    ].join('\n');
    expectUntouched(paragraph);
  });

  it('masks each kind once in a mixed message and counts them', () => {
    const input =
      'I am jane@example.com, phone +44 20 7946 0958, card 4111-1111-1111-1111, IBAN GB29 NWBK 6016 1331 9268 19. Order 12345.';
    expect(redactText(input)).toEqual({
      text: 'I am [email], phone [phone], card [card], IBAN [iban]. Order 12345.',
      counts: { email: 1, phone: 1, card: 1, iban: 1 },
    });
  });

  it('counts repeated findings of the same kind', () => {
    expect(redactText('a@example.com b@example.com c@example.com').counts).toEqual({ ...NONE, email: 3 });
  });

  it('masks an address as a whole even when it contains a phone number', () => {
    expectMasked('+14155550132@sms.example.com', 'email');
  });

  it('changes nothing when applied to already-redacted text', () => {
    const once = redactText('jane@example.com, 415-555-0132, 4111111111111111, DE89370400440532013000').text;
    expect(redactText(once)).toEqual({ text: once, counts: NONE });
  });

  it('returns an empty string unchanged', () => {
    expectUntouched('');
  });
});

describe('redactMessages', () => {
  it('returns new message objects with redacted content and other fields kept', () => {
    const messages = [
      { role: 'user' as const, content: 'Reach me at jane@example.com', extra: 1 },
      { role: 'assistant' as const, content: 'Thanks, noted.', extra: 2 },
    ];
    const result = redactMessages(messages);
    expect(result).toEqual([
      { role: 'user', content: 'Reach me at [email]', extra: 1 },
      { role: 'assistant', content: 'Thanks, noted.', extra: 2 },
    ]);
    expect(result[0]).not.toBe(messages[0]);
    expect(result[1]).not.toBe(messages[1]);
  });

  it('does not modify the input messages', () => {
    const messages = [{ content: 'card 4111 1111 1111 1111' }];
    redactMessages(messages);
    expect(messages).toEqual([{ content: 'card 4111 1111 1111 1111' }]);
  });

  it('returns an empty array for no messages', () => {
    expect(redactMessages([])).toEqual([]);
  });
});
