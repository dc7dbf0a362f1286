import { describe, expect, it } from 'vitest';
import { PASSWORD_HASH_RE } from '../../protocol/desk-config.ts';
import { DEFAULT_SCRYPT, MAX_PASSWORD_CHARS, hashPassword, parsePasswordHash, verifyPassword } from '../../signaling/desk/passwords.ts';

const FAST = { log2N: 14, r: 8, p: 1 };

describe('rep passwords (scrypt)', () => {
  it('hashes in the documented format with N=2^15, r=8, p=1 by default, and verifies', async () => {
    const hash = await hashPassword('correct horse battery');
    expect(hash).toMatch(PASSWORD_HASH_RE);
    expect(hash.startsWith(`scrypt$${DEFAULT_SCRYPT.log2N}$8$1$`)).toBe(true);
    expect(await verifyPassword(hash, 'correct horse battery')).toBe(true);
    expect(await verifyPassword(hash, 'correct horse batterY')).toBe(false);
    expect(await verifyPassword(hash, '')).toBe(false);
  });

  it('salts every hash: the same password twice gives two hashes', async () => {
    const [a, b] = await Promise.all([hashPassword('same password', FAST), hashPassword('same password', FAST)]);
    expect(a).not.toBe(b);
    expect(await verifyPassword(a, 'same password')).toBe(true);
    expect(await verifyPassword(b, 'same password')).toBe(true);
  });

  it('keeps working with the parameters stored in an older hash', async () => {
    const hash = await hashPassword('parameters travel', FAST);
    expect(hash.startsWith('scrypt$14$')).toBe(true);
    expect(await verifyPassword(hash, 'parameters travel')).toBe(true);
  });

  it('treats Unicode compositions of one password as the same password (NFC)', async () => {
    const hash = await hashPassword('caf\u00e9 au lait', FAST);
    expect(await verifyPassword(hash, 'cafe\u0301 au lait')).toBe(true);
  });

  it('answers false (never throws) for an unknown user, still spending a hash on it', async () => {
    expect(await verifyPassword(undefined, 'anything at all')).toBe(false);
  });

  it('answers false for malformed or tampered hashes', async () => {
    const hash = await hashPassword('tamper with me', FAST);
    const parts = hash.split('$');
    const flipped = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    const malformed = [
      '',
      'not a hash',
      hash.replace('scrypt$', 'bcrypt$'),
      hash.replace('$14$', '$13$'), // below the accepted cost
      hash.replace('$14$', '$40$'),
      [...parts.slice(0, 4), parts[4], flipped(parts[5]!)].join('$'), // another key
      [...parts.slice(0, 4), flipped(parts[4]!), parts[5]].join('$'), // another salt
      `${hash}$extra`,
      hash.slice(0, -5),
      hash.replace(/\$([^$]+)$/, '$$$1=='), // padded base64: not canonical
    ];
    for (const bad of malformed) expect(await verifyPassword(bad, 'tamper with me'), bad).toBe(false);
    expect(parsePasswordHash('scrypt$15$8$1$short$short')).toBeNull();
  });

  it('refuses to hash an empty or oversized password and never verifies an oversized one', async () => {
    await expect(hashPassword('')).rejects.toThrow(RangeError);
    await expect(hashPassword('x'.repeat(MAX_PASSWORD_CHARS + 1))).rejects.toThrow(RangeError);
    const hash = await hashPassword('x'.repeat(MAX_PASSWORD_CHARS), FAST);
    expect(await verifyPassword(hash, 'x'.repeat(MAX_PASSWORD_CHARS))).toBe(true);
    expect(await verifyPassword(hash, 'x'.repeat(MAX_PASSWORD_CHARS + 1))).toBe(false);
  });
});
