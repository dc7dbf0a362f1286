/**
 * Signed customer identity: an organisation's own site, where the customer is already signed
 * in, vouches for the customer's name and e-mail so the rep can trust them.
 *
 * Token: `base64url(JSON payload) + "." + base64url(signature)`, payload
 * `{ name, email, iat, exp, iss? }` (times in seconds since the epoch; `iss` an optional site
 * name shown as "Verified by <iss>"). There is no header: the algorithm comes from the desk
 * config (`customerSigning`), never from the token, so a token cannot pick a weaker check.
 *
 * - HMAC-SHA256 with `hmacSecret`: signature = HMAC(secret, HMAC_CONTEXT ‖ payloadPart), 32 bytes.
 * - Ed25519 with `ed25519PublicKey`: signature = Ed25519 over ED25519_CONTEXT ‖ payloadPart, 64 bytes.
 *
 * The signed bytes start with an algorithm-specific context, so a signature made for one
 * algorithm is never valid input for the other, and a signature's length says which configured
 * key to try (the other key is never consulted).
 *
 * Checked in the rep's browser; the server never needs to see the details.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { equalBytes } from '@noble/curves/utils.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import * as v from 'valibot';
import { fromBase64Url, toBase64Url } from './base64.ts';
import { MAX_IDENTITY_TOKEN_CHARS } from './limits.ts';
import { MAX_NAME_CHARS } from './limits.ts';

export const HMAC_CONTEXT = 'parley-customer-identity/v1/hmac-sha256\n';
export const ED25519_CONTEXT = 'parley-customer-identity/v1/ed25519\n';
export { MAX_IDENTITY_TOKEN_CHARS } from './limits.ts';
export const MAX_EMAIL_CHARS = 254;
/** Clock difference tolerated between the signing site and the rep's browser. */
export const CLOCK_SKEW_SECONDS = 120;
/** Longest validity a token may claim (exp - iat): signed details are for one visit, not forever. */
export const MAX_LIFETIME_SECONDS = 7 * 24 * 3600;

/** The keys from the desk config (CustomerSigningSchema): either or both. */
export interface SigningKeys {
  hmacSecret?: string;
  ed25519PublicKey?: string;
}

const Seconds = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(253_402_300_799));
export const IdentityPayloadSchema = v.object({
  name: v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_NAME_CHARS)),
  email: v.pipe(v.string(), v.maxLength(MAX_EMAIL_CHARS), v.check((e) => e === '' || /^[^\s@]+@[^\s@]+$/.test(e), 'not an e-mail address')),
  iat: Seconds,
  exp: Seconds,
  iss: v.optional(v.pipe(v.string(), v.maxLength(100))),
});
export type IdentityPayload = v.InferOutput<typeof IdentityPayloadSchema>;

export type IdentityCheck =
  | { status: 'verified'; name: string; email: string; site?: string; algorithm: 'hmac-sha256' | 'ed25519' }
  | { status: 'invalid' | 'expired' | 'unsigned'; reason: string };

/**
 * Checks a token against the configured keys at `now` (ms since the epoch).
 * `unsigned`: no token, or no key configured; `invalid`: malformed, oversized, bad signature,
 * wrong algorithm, future `iat`, too long a lifetime; `expired`: past `exp`.
 */
export function verifySignedIdentity(token: string | undefined | null, signing: SigningKeys, now: number): IdentityCheck {
  if (!token) return { status: 'unsigned', reason: 'no signed details' };
  if (!signing.hmacSecret && !signing.ed25519PublicKey) return { status: 'unsigned', reason: 'no signing key configured' };
  if (token.length > MAX_IDENTITY_TOKEN_CHARS) return { status: 'invalid', reason: 'too long' };
  const parts = token.split('.');
  if (parts.length !== 2) return { status: 'invalid', reason: 'not payload.signature' };
  const [payloadPart, signaturePart] = parts as [string, string];
  let signature: Uint8Array;
  let payloadBytes: Uint8Array;
  try {
    signature = fromBase64Url(signaturePart);
    payloadBytes = fromBase64Url(payloadPart);
  } catch {
    return { status: 'invalid', reason: 'not base64url' };
  }
  const signed = signatureValid(payloadPart, signature, signing);
  if (signed === null) return { status: 'invalid', reason: 'bad signature' };
  // Only now is the payload read: nothing from an unauthenticated token is parsed.
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payloadBytes));
  } catch {
    return { status: 'invalid', reason: 'payload is not JSON' };
  }
  const parsed = v.safeParse(IdentityPayloadSchema, json);
  if (!parsed.success) return { status: 'invalid', reason: 'bad payload' };
  const { name, email, iat, exp, iss } = parsed.output;
  const nowSeconds = Math.floor(now / 1000);
  if (iat > nowSeconds + CLOCK_SKEW_SECONDS) return { status: 'invalid', reason: 'issued in the future' };
  if (exp <= iat || exp - iat > MAX_LIFETIME_SECONDS) return { status: 'invalid', reason: 'bad lifetime' };
  if (exp + CLOCK_SKEW_SECONDS <= nowSeconds) return { status: 'expired', reason: 'expired' };
  return { status: 'verified', name, email, ...(iss ? { site: iss } : {}), algorithm: signed };
}

/** Which configured algorithm the signature is valid for, or null. Constant-time compare for HMAC. */
function signatureValid(payloadPart: string, signature: Uint8Array, signing: SigningKeys): 'hmac-sha256' | 'ed25519' | null {
  if (signature.length === 32 && signing.hmacSecret) {
    const expected = hmac(sha256, decodeKey(signing.hmacSecret), utf8ToBytes(HMAC_CONTEXT + payloadPart));
    return equalBytes(signature, expected) ? 'hmac-sha256' : null;
  }
  if (signature.length === 64 && signing.ed25519PublicKey) {
    try {
      const ok = ed25519.verify(signature, utf8ToBytes(ED25519_CONTEXT + payloadPart), decodeKey(signing.ed25519PublicKey));
      return ok ? 'ed25519' : null;
    } catch {
      return null; // a malformed key or signature point
    }
  }
  return null;
}

function decodeKey(text: string): Uint8Array {
  return fromBase64Url(text);
}

/** The payload part of a token. */
export function encodeIdentityPayload(payload: IdentityPayload): string {
  return toBase64Url(utf8ToBytes(JSON.stringify(payload)));
}

/** Signs with an HMAC secret (base64url, ≥ 32 bytes): for organisations' servers, the CLI and tests. */
export function signIdentityHmac(payload: IdentityPayload, hmacSecret: string): string {
  const payloadPart = encodeIdentityPayload(payload);
  const signature = hmac(sha256, decodeKey(hmacSecret), utf8ToBytes(HMAC_CONTEXT + payloadPart));
  return `${payloadPart}.${toBase64Url(signature)}`;
}

/** Signs with an Ed25519 private key (32-byte seed, base64url). */
export function signIdentityEd25519(payload: IdentityPayload, privateKey: string): string {
  const payloadPart = encodeIdentityPayload(payload);
  const signature = ed25519.sign(concatBytes(utf8ToBytes(ED25519_CONTEXT + payloadPart)), decodeKey(privateKey));
  return `${payloadPart}.${toBase64Url(signature)}`;
}

/** A new Ed25519 key pair, base64url: the private key stays with the organisation, the public key goes in the desk config. */
export function newEd25519KeyPair(): { privateKey: string; publicKey: string } {
  const secretKey = ed25519.utils.randomSecretKey();
  return { privateKey: toBase64Url(secretKey), publicKey: toBase64Url(ed25519.getPublicKey(secretKey)) };
}
