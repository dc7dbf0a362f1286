/** Signed customer identity (protocol/customer-identity.ts): HMAC-SHA256 and Ed25519 tokens, and everything that must not pass. */
import { describe, expect, it } from 'vitest';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { fromBase64Url, toBase64Url } from '../../protocol/base64.ts';
import {
  ED25519_CONTEXT,
  HMAC_CONTEXT,
  MAX_IDENTITY_TOKEN_CHARS,
  encodeIdentityPayload,
  newEd25519KeyPair,
  signIdentityEd25519,
  signIdentityHmac,
  verifySignedIdentity,
  type IdentityPayload,
} from '../../protocol/customer-identity.ts';

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);
const nowS = NOW / 1000;
const payload: IdentityPayload = { name: 'Ada Lovelace', email: 'ada@example.com', iat: nowS - 60, exp: nowS + 3600, iss: 'example.com' };
const hmacSecret = toBase64Url(new Uint8Array(32).fill(7));
const otherSecret = toBase64Url(new Uint8Array(32).fill(8));
const keys = newEd25519KeyPair();
const otherKeys = newEd25519KeyPair();

describe('verifySignedIdentity', () => {
  it('verifies a good HMAC-SHA256 token', () => {
    const token = signIdentityHmac(payload, hmacSecret);
    expect(verifySignedIdentity(token, { hmacSecret }, NOW)).toEqual({ status: 'verified', name: 'Ada Lovelace', email: 'ada@example.com', site: 'example.com', algorithm: 'hmac-sha256' });
  });

  it('verifies a good Ed25519 token', () => {
    const token = signIdentityEd25519(payload, keys.privateKey);
    expect(verifySignedIdentity(token, { ed25519PublicKey: keys.publicKey }, NOW)).toMatchObject({ status: 'verified', name: 'Ada Lovelace', algorithm: 'ed25519' });
  });

  it('with both keys configured, each token is checked by its own algorithm', () => {
    const both = { hmacSecret, ed25519PublicKey: keys.publicKey };
    expect(verifySignedIdentity(signIdentityHmac(payload, hmacSecret), both, NOW)).toMatchObject({ status: 'verified', algorithm: 'hmac-sha256' });
    expect(verifySignedIdentity(signIdentityEd25519(payload, keys.privateKey), both, NOW)).toMatchObject({ status: 'verified', algorithm: 'ed25519' });
  });

  it('rejects a tampered payload (name changed, signature kept)', () => {
    for (const [token, signing] of [
      [signIdentityHmac(payload, hmacSecret), { hmacSecret }],
      [signIdentityEd25519(payload, keys.privateKey), { ed25519PublicKey: keys.publicKey }],
    ] as const) {
      const signature = token.split('.')[1];
      const forged = `${encodeIdentityPayload({ ...payload, name: 'Mallory' })}.${signature}`;
      expect(verifySignedIdentity(forged, signing, NOW)).toEqual({ status: 'invalid', reason: 'bad signature' });
    }
  });

  it('rejects a tampered signature byte', () => {
    const token = signIdentityHmac(payload, hmacSecret);
    const [p, s] = token.split('.') as [string, string];
    const flipped = s[0] === 'A' ? `B${s.slice(1)}` : `A${s.slice(1)}`;
    expect(verifySignedIdentity(`${p}.${flipped}`, { hmacSecret }, NOW).status).toBe('invalid');
  });

  it('rejects a token signed with the wrong key', () => {
    expect(verifySignedIdentity(signIdentityHmac(payload, otherSecret), { hmacSecret }, NOW).status).toBe('invalid');
    expect(verifySignedIdentity(signIdentityEd25519(payload, otherKeys.privateKey), { ed25519PublicKey: keys.publicKey }, NOW).status).toBe('invalid');
  });

  it('says expired past exp (beyond the clock skew), verified just inside it', () => {
    const old = { ...payload, iat: nowS - 7200, exp: nowS - 3600 };
    expect(verifySignedIdentity(signIdentityHmac(old, hmacSecret), { hmacSecret }, NOW)).toEqual({ status: 'expired', reason: 'expired' });
    const justNow = { ...payload, iat: nowS - 7200, exp: nowS - 60 };
    expect(verifySignedIdentity(signIdentityHmac(justNow, hmacSecret), { hmacSecret }, NOW).status).toBe('verified');
  });

  it('rejects a token issued in the future, or living longer than a week', () => {
    const future = { ...payload, iat: nowS + 3600, exp: nowS + 7200 };
    expect(verifySignedIdentity(signIdentityHmac(future, hmacSecret), { hmacSecret }, NOW)).toEqual({ status: 'invalid', reason: 'issued in the future' });
    const forever = { ...payload, exp: nowS + 365 * 24 * 3600 };
    expect(verifySignedIdentity(signIdentityHmac(forever, hmacSecret), { hmacSecret }, NOW).status).toBe('invalid');
  });

  it('algorithm confusion: an HMAC token against an Ed25519-only config, and the reverse, are invalid', () => {
    expect(verifySignedIdentity(signIdentityHmac(payload, hmacSecret), { ed25519PublicKey: keys.publicKey }, NOW).status).toBe('invalid');
    expect(verifySignedIdentity(signIdentityEd25519(payload, keys.privateKey), { hmacSecret }, NOW).status).toBe('invalid');
    // The Ed25519 public key is public: used as an HMAC secret it must not verify anything.
    const withPublicAsSecret = signIdentityHmac(payload, keys.publicKey);
    expect(verifySignedIdentity(withPublicAsSecret, { ed25519PublicKey: keys.publicKey }, NOW).status).toBe('invalid');
  });

  it('signatures are bound to their algorithm context', () => {
    expect(HMAC_CONTEXT).not.toBe(ED25519_CONTEXT);
  });

  it('is unsigned without a token or without a configured key', () => {
    expect(verifySignedIdentity(undefined, { hmacSecret }, NOW).status).toBe('unsigned');
    expect(verifySignedIdentity('', { hmacSecret }, NOW).status).toBe('unsigned');
    expect(verifySignedIdentity(signIdentityHmac(payload, hmacSecret), {}, NOW).status).toBe('unsigned');
  });

  it.each([
    ['no dot', 'abc'],
    ['three parts', 'a.b.c'],
    ['not base64url', 'a+b.c/d'],
    ['non-canonical base64url', 'AB.AB'],
    ['empty parts', '.'],
  ])('rejects a malformed token (%s)', (_name, token) => {
    expect(verifySignedIdentity(token, { hmacSecret }, NOW).status).toBe('invalid');
  });

  it('rejects a correctly signed payload that is not the expected JSON', () => {
    // Signed with the right key, so only the payload check can refuse them.
    const signRaw = (text: string) => {
      const part = toBase64Url(new TextEncoder().encode(text));
      return `${part}.${toBase64Url(hmac(sha256, fromBase64Url(hmacSecret), new TextEncoder().encode(HMAC_CONTEXT + part)))}`;
    };
    expect(verifySignedIdentity(signRaw('not json'), { hmacSecret }, NOW)).toEqual({ status: 'invalid', reason: 'payload is not JSON' });
    for (const bad of [{}, { name: 'A' }, { ...payload, email: 'not an address' }, { ...payload, name: '' }, { ...payload, iat: 1.5 }]) {
      expect(verifySignedIdentity(signRaw(JSON.stringify(bad)), { hmacSecret }, NOW)).toEqual({ status: 'invalid', reason: 'bad payload' });
    }
  });

  it('rejects an oversized token before any crypto', () => {
    const big = signIdentityHmac({ ...payload, iss: 'x'.repeat(60) }, hmacSecret);
    expect(big.length).toBeLessThan(MAX_IDENTITY_TOKEN_CHARS);
    const huge = `${'A'.repeat(MAX_IDENTITY_TOKEN_CHARS)}.${big.split('.')[1]}`;
    expect(verifySignedIdentity(huge, { hmacSecret }, NOW)).toEqual({ status: 'invalid', reason: 'too long' });
  });

  it('accepts an empty e-mail (a portal may know only the name)', () => {
    const token = signIdentityHmac({ ...payload, email: '' }, hmacSecret);
    expect(verifySignedIdentity(token, { hmacSecret }, NOW)).toMatchObject({ status: 'verified', email: '' });
  });
});
