import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { ParleyError } from '../../protocol/errors.ts';
import {
  NAMEPLATE_MAX_DIGITS,
  NAMEPLATE_MIN_DIGITS,
  SECRET_DIGITS,
  formatCode,
  generateSecret,
  groupCode,
  isNameplate,
  joinLink,
  parseCode,
  type SessionCode,
} from '../../protocol/code.ts';
import { codeOf } from './helpers.ts';

const digitString = (min: number, max: number) =>
  fc.array(fc.constantFrom(...'0123456789'), { minLength: min, maxLength: max }).map((ds) => ds.join(''));
const validCode: fc.Arbitrary<SessionCode> = fc.record({
  nameplate: digitString(NAMEPLATE_MIN_DIGITS, NAMEPLATE_MAX_DIGITS),
  secret: digitString(SECRET_DIGITS, SECRET_DIGITS),
});

describe('parseCode', () => {
  const expected = { nameplate: '482', secret: '913775' };

  it.each([
    ['482-913775'],
    ['482913775'],
    [' 482 913 775 '],
    ['482–913775'], // en dash
    ['482—913775'], // em dash
    ['482.913.775'],
    ['482\t913775\n'],
    ['#482-913775'],
    ['https://x/#482-913775'],
    ['https://support.example.com/some/path?q=1#482-913775'],
  ])('accepts %j', (input) => {
    expect(parseCode(input)).toEqual(expected);
  });

  it.each([
    ['4821-913775', '4821'],
    ['48211-913775', '48211'],
    ['482113-913775', '482113'],
    ['4821 913 775', '4821'],
    ['https://x/#482113-913775', '482113'],
  ])('accepts a longer nameplate in %j', (input, nameplate) => {
    expect(parseCode(input)).toEqual({ nameplate, secret: '913775' });
  });

  it('keeps leading zeros in both parts', () => {
    expect(parseCode('007-000123')).toEqual({ nameplate: '007', secret: '000123' });
  });

  it('takes the last six digits as the secret whatever the grouping', () => {
    expect(parseCode('4829-13775')).toEqual({ nameplate: '482', secret: '913775' });
  });

  it.each([
    [''],
    ['   '],
    ['-'],
    ['#'],
    ['https://x/#'],
    ['abc-defghi'],
    ['482-91377a'],
    ['482-9137７5'], // full-width digit
    ['482-913775x'],
    ['0x482-913775'],
    ['482,913775'],
    ['+482-913775'],
    ['482-91377'], // 8 digits: nameplate too short
    ['48-913775'],
    ['913775'], // secret only
    ['12345'],
    ['1234567-913775'], // 7-digit nameplate
    ['1'.repeat(13)],
    ['1'.repeat(10_000)],
    ['482-913775#'],
    ['482\u0000913775'],
    ['٤٨٢-٩١٣٧٧٥'], // Arabic-Indic digits
  ])('rejects %j with INVALID_CODE', (input) => {
    expect(codeOf(() => parseCode(input))).toBe('INVALID_CODE');
  });

  it('round-trips formatCode for every valid code (fast-check)', () => {
    fc.assert(
      fc.property(validCode, (code) => {
        expect(parseCode(formatCode(code))).toEqual(code);
        expect(parseCode(groupCode(code))).toEqual(code);
        expect(parseCode(joinLink('https://parley.example', code))).toEqual(code);
        expect(parseCode(code.nameplate + code.secret)).toEqual(code);
      }),
    );
  });

  it('either parses to a well-formed code or throws INVALID_CODE, for any string (fast-check)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }), fc.stringMatching(/^[0-9 #-]{0,20}$/)), (input) => {
        let code: SessionCode;
        try {
          code = parseCode(input);
        } catch (e) {
          expect(e).toBeInstanceOf(ParleyError);
          expect((e as ParleyError).code).toBe('INVALID_CODE');
          return;
        }
        expect(isNameplate(code.nameplate)).toBe(true);
        expect(code.secret).toMatch(/^[0-9]{6}$/);
        expect(parseCode(formatCode(code))).toEqual(code);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('isNameplate', () => {
  it('accepts 3 to 6 ASCII digits only', () => {
    expect(isNameplate('482')).toBe(true);
    expect(isNameplate('4821')).toBe(true);
    expect(isNameplate('482113')).toBe(true);
    expect(isNameplate('48')).toBe(false);
    expect(isNameplate('4821134')).toBe(false);
    expect(isNameplate('48a')).toBe(false);
    expect(isNameplate('482\n')).toBe(false);
    expect(isNameplate(482)).toBe(false);
    expect(isNameplate(null)).toBe(false);
    expect(isNameplate(undefined)).toBe(false);
  });
});

describe('generateSecret', () => {
  it('gives six ASCII digits', () => {
    for (let i = 0; i < 200; i++) expect(generateSecret()).toMatch(/^[0-9]{6}$/);
  });

  it('uses every digit in every position over 10k samples, with no gross bias', () => {
    const counts = Array.from({ length: SECRET_DIGITS }, () => new Array<number>(10).fill(0));
    const n = 10_000;
    for (let i = 0; i < n; i++) {
      const secret = generateSecret();
      for (let p = 0; p < SECRET_DIGITS; p++) counts[p]![Number(secret[p])]!++;
    }
    for (const row of counts) {
      for (const c of row) {
        expect(c).toBeGreaterThan(0);
        // expected 1000 per digit, sd ≈ 30: these bounds are > 6 sd away
        expect(c).toBeGreaterThan(800);
        expect(c).toBeLessThan(1200);
      }
    }
  });

  it('rejects bytes 250..255 (rejection sampling, no modulo bias)', () => {
    // First call: only rejectable bytes; second call: 250..255 again then usable bytes.
    const calls: number[] = [];
    const batches = [
      new Uint8Array(16).fill(255),
      Uint8Array.from([250, 251, 252, 253, 254, 255, 249, 10, 21, 32, 43, 54, 65, 76, 87, 98]),
    ];
    const random = (n: number) => {
      calls.push(n);
      const batch = batches.shift();
      if (!batch) throw new Error('asked for too many bytes');
      expect(batch.length).toBe(n);
      return batch;
    };
    expect(generateSecret(random)).toBe('901234');
    expect(calls.length).toBe(2);
  });

  it('maps bytes below 250 by their last digit', () => {
    const random = (n: number) => Uint8Array.from({ length: n }, (_, i) => 240 + (i % 10));
    expect(generateSecret(random)).toBe('012345');
  });

  it('maps each of 0..249 to each digit exactly 25 times', () => {
    // Feed every accepted byte value once per position and count the outcomes.
    const counts = new Array<number>(10).fill(0);
    for (let b = 0; b < 256; b++) {
      const random = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i === 0 ? b : 0));
      const d = Number(generateSecret(random)[0]);
      if (b < 250) counts[d]!++;
      else expect(d).toBe(0); // byte rejected: the next accepted byte (0) is used
    }
    expect(counts).toEqual(new Array(10).fill(25));
  });
});

describe('formatCode, groupCode, joinLink', () => {
  const code = { nameplate: '482', secret: '913775' };

  it('formats NAMEPLATE-SECRET', () => {
    expect(formatCode(code)).toBe('482-913775');
    expect(formatCode({ nameplate: '482113', secret: '000001' })).toBe('482113-000001');
  });

  it('groups digits by three for reading aloud', () => {
    expect(groupCode(code)).toBe('482 913 775');
    expect(groupCode({ nameplate: '4821', secret: '000775' })).toBe('4821 000 775');
  });

  it('puts the code in the URL fragment', () => {
    expect(joinLink('https://x', code)).toBe('https://x/#482-913775');
    expect(joinLink('https://x/', code)).toBe('https://x/#482-913775');
    const url = new URL(joinLink('https://support.example.com:8443', code));
    expect(url.hash).toBe('#482-913775');
    expect(url.pathname).toBe('/');
    expect(url.search).toBe('');
  });
});
