import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { ParleyError } from '../../protocol/errors.ts';
import { SAS_SYMBOLS, safetyEmoji, safetyNumber } from '../../protocol/sas.ts';
import { codeOf } from './helpers.ts';

describe('SAS_SYMBOLS', () => {
  it('has 64 distinct entries with names in both languages', () => {
    expect(SAS_SYMBOLS.length).toBe(64);
    for (const field of ['emoji', 'en', 'fr'] as const) {
      const values = SAS_SYMBOLS.map((s) => s[field]);
      expect(values.every((v) => v.length > 0)).toBe(true);
      expect(new Set(values).size).toBe(64);
    }
  });

  it('follows the Matrix SAS order', () => {
    const en = SAS_SYMBOLS.map((s) => s.en);
    expect(en.slice(0, 5)).toEqual(['Dog', 'Cat', 'Lion', 'Horse', 'Unicorn']);
    expect(en[29]).toBe('Heart');
    expect(en[36]).toBe('Thumbs Up');
    expect(en[53]).toBe('Aeroplane');
    expect(en.slice(59)).toEqual(['Bell', 'Anchor', 'Headphones', 'Folder', 'Pin']);
    expect(SAS_SYMBOLS[0]).toEqual({ emoji: '🐶', en: 'Dog', fr: 'Chien' });
    expect(SAS_SYMBOLS[10]?.fr).toBe('Manchot');
    expect(SAS_SYMBOLS[34]?.fr).toBe('Clé à molette');
    expect(SAS_SYMBOLS[63]).toEqual({ emoji: '📌', en: 'Pin', fr: 'Punaise' });
  });

  it('keeps the emoji variation selector where Matrix has one', () => {
    expect(SAS_SYMBOLS[21]?.emoji).toBe('\u2601\uFE0F'); // Cloud
    expect(SAS_SYMBOLS[29]?.emoji).toBe('\u2764\uFE0F'); // Heart
    expect(SAS_SYMBOLS[38]?.emoji).toBe('\u231B'); // Hourglass, no selector
  });

  it('is frozen', () => {
    expect(Object.isFrozen(SAS_SYMBOLS)).toBe(true);
    expect(Object.isFrozen(SAS_SYMBOLS[0])).toBe(true);
  });
});

describe('safetyEmoji', () => {
  it('takes 6 bits per symbol, big-endian from the first byte', () => {
    // 000001 000010 000011 000100 000101 00 → 0x0420C414
    const symbols = safetyEmoji(Uint8Array.of(0x04, 0x20, 0xc4, 0x14, 0, 0, 0, 0));
    expect(symbols.map((s) => s.index)).toEqual([1, 2, 3, 4, 5]);
    expect(symbols.map((s) => s.en)).toEqual(['Cat', 'Lion', 'Horse', 'Unicorn', 'Pig']);
    expect(symbols[0]).toEqual({ index: 1, emoji: '🐱', en: 'Cat', fr: 'Chat' });
  });

  it('extremes', () => {
    expect(safetyEmoji(new Uint8Array(8)).map((s) => s.en)).toEqual(Array(5).fill('Dog'));
    expect(safetyEmoji(new Uint8Array(8).fill(0xff)).map((s) => s.en)).toEqual(Array(5).fill('Pin'));
  });

  it('the last 2 bits of byte 3 and later bytes do not change the emoji', () => {
    const a = safetyEmoji(Uint8Array.of(0x12, 0x34, 0x56, 0x78, 1, 2, 3, 4));
    const b = safetyEmoji(Uint8Array.of(0x12, 0x34, 0x56, 0x7b, 9, 9, 9, 9));
    expect(a).toEqual(b);
  });

  it('needs at least 4 bytes', () => {
    expect(codeOf(() => safetyEmoji(new Uint8Array(3)))).toBe('MALFORMED');
    expect(codeOf(() => safetyEmoji('x' as unknown as Uint8Array))).toBe('MALFORMED');
  });

  it('fast-check: always 5 valid symbols matching the table', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 8 }), (sas) => {
        const symbols = safetyEmoji(sas);
        expect(symbols.length).toBe(5);
        for (const s of symbols) {
          expect(s.index).toBeGreaterThanOrEqual(0);
          expect(s.index).toBeLessThan(64);
          expect(SAS_SYMBOLS[s.index]).toEqual({ emoji: s.emoji, en: s.en, fr: s.fr });
        }
      }),
    );
  });
});

describe('safetyNumber', () => {
  const u64 = (n: bigint) => {
    const out = new Uint8Array(8);
    new DataView(out.buffer).setBigUint64(0, n, false);
    return out;
  };

  it('is the 64-bit big-endian value mod 10^6, grouped 3 + 3', () => {
    expect(safetyNumber(new Uint8Array(8))).toBe('000 000');
    expect(safetyNumber(u64(123456n))).toBe('123 456');
    expect(safetyNumber(u64(1_000_007n))).toBe('000 007');
    expect(safetyNumber(u64(0xffffffffffffffffn))).toBe('551 615'); // 18446744073709551615
  });

  it('needs 8 bytes', () => {
    expect(codeOf(() => safetyNumber(new Uint8Array(7)))).toBe('MALFORMED');
  });

  it('reads from a view into a larger buffer', () => {
    const big = new Uint8Array(12);
    big.set(u64(654321n), 3);
    expect(safetyNumber(big.subarray(3, 11))).toBe('654 321');
  });

  it('fast-check: always "ddd ddd"', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 8 }), (sas) => {
        expect(safetyNumber(sas)).toMatch(/^\d{3} \d{3}$/);
      }),
    );
  });
});
