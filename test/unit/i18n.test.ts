import { describe, it, expect } from 'vitest';
import { en } from '../../client/src/lib/i18n/en.ts';
import { fr } from '../../client/src/lib/i18n/fr.ts';

const placeholders = (template: string) => [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!).sort();
const enKeys = Object.keys(en).sort();
const frKeys = Object.keys(fr).sort();

describe('i18n catalogues', () => {
  it('French has exactly the English keys', () => {
    expect(frKeys.filter((k) => !(k in en))).toEqual([]); // no stray French keys
    expect(enKeys.filter((k) => !(k in fr))).toEqual([]); // no missing French keys
    expect(frKeys).toEqual(enKeys);
  });

  it.each([
    ['en', en],
    ['fr', fr],
  ] as const)('%s has no empty or whitespace-only strings', (_locale, catalogue) => {
    const empty = Object.entries(catalogue).filter(([, value]) => typeof value !== 'string' || value.trim() === '');
    expect(empty).toEqual([]);
  });

  it('uses the same {placeholder} names per key in both languages', () => {
    const mismatched = enKeys
      .map((key) => ({ key, en: placeholders(en[key as keyof typeof en]), fr: placeholders(fr[key as keyof typeof fr] ?? '') }))
      .filter((entry) => JSON.stringify(entry.en) !== JSON.stringify(entry.fr));
    expect(mismatched).toEqual([]);
  });

  it.each([
    ['en', en],
    ['fr', fr],
  ] as const)('%s has no malformed placeholders (unbalanced or non-word braces)', (_locale, catalogue) => {
    const bad = Object.entries(catalogue).filter(([, value]) => /[{}]/.test(value.replace(/\{\w+\}/g, '')));
    expect(bad).toEqual([]);
  });

  it('has some keys at all (the check above is not vacuous)', () => {
    expect(enKeys.length).toBeGreaterThan(50);
    expect(enKeys.some((k) => placeholders(en[k as keyof typeof en]).length > 0)).toBe(true);
  });
});
