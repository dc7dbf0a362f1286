/**
 * What a customer tells the desk when asking for a chat on the portal, sealed so that only rep
 * consoles can read it: the server stores and forwards the sealed blobs with the queue entry
 * and never sees name, e-mail or problem (protocol/desk.ts).
 *
 * Sealing: `nacl.box` from a fresh ephemeral key pair to one rep console's public key, framed as
 * base64url(ephemeral public key (32) ‖ nonce (24) ‖ box). One blob per rep key. The ephemeral
 * key is used for a single request and thrown away.
 *
 * `signed`: a token from the organisation's site vouching for name and e-mail (checked in the
 * rep's browser against the desk's `customerSigning` keys; see `verifySignedIdentity`).
 */
import nacl from 'tweetnacl';
import * as v from 'valibot';
import { fromBase64Url, toBase64Url } from './base64.ts';
import { ParleyError } from './errors.ts';
import { MAX_SEALED_DETAILS_CHARS } from './desk.ts';
import { CUSTOMER_LIMITS } from './limits.ts';

export { CUSTOMER_LIMITS };

/**
 * @example { name: 'Ada', email: 'ada@example.org', description: 'The printer says PC LOAD LETTER', queue: 'general', browser: 'Firefox 140', os: 'Windows 11', recordingConsent: true }
 */
export const CustomerDetailsSchema = v.object({
  name: v.pipe(v.string(), v.trim(), v.nonEmpty(), v.maxLength(CUSTOMER_LIMITS.name)),
  email: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(CUSTOMER_LIMITS.email))),
  description: v.pipe(v.string(), v.trim(), v.nonEmpty(), v.maxLength(CUSTOMER_LIMITS.description)),
  queue: v.string(),
  browser: v.optional(v.pipe(v.string(), v.maxLength(CUSTOMER_LIMITS.platform))),
  os: v.optional(v.pipe(v.string(), v.maxLength(CUSTOMER_LIMITS.platform))),
  /** The customer's answer to "may we keep a transcript?" (absent: not asked). */
  recordingConsent: v.optional(v.boolean()),
  /** Signed identity token passed in by the organisation's site (customer-identity.ts). */
  signed: v.optional(v.pipe(v.string(), v.maxLength(CUSTOMER_LIMITS.signed))),
});
export type CustomerDetails = v.InferOutput<typeof CustomerDetailsSchema>;

const EPHEMERAL_BYTES = nacl.box.publicKeyLength; // 32
const NONCE_BYTES = nacl.box.nonceLength; // 24

/** Seals `details` for one rep console's box public key (32 bytes). */
export function sealDetails(details: CustomerDetails, repPublicKey: Uint8Array): string {
  if (repPublicKey.length !== nacl.box.publicKeyLength) throw new ParleyError('BAD_KEY', 'rep key must be 32 bytes');
  const ephemeral = nacl.box.keyPair();
  const nonce = nacl.randomBytes(NONCE_BYTES);
  const plain = new TextEncoder().encode(JSON.stringify(details));
  const box = nacl.box(plain, nonce, repPublicKey, ephemeral.secretKey);
  ephemeral.secretKey.fill(0);
  const framed = new Uint8Array(EPHEMERAL_BYTES + NONCE_BYTES + box.length);
  framed.set(ephemeral.publicKey, 0);
  framed.set(nonce, EPHEMERAL_BYTES);
  framed.set(box, EPHEMERAL_BYTES + NONCE_BYTES);
  const sealed = toBase64Url(framed);
  if (sealed.length > MAX_SEALED_DETAILS_CHARS) throw new ParleyError('PAYLOAD_TOO_LARGE', 'customer details too large');
  return sealed;
}

/**
 * Opens a blob sealed for our key pair and validates what is inside.
 * @throws ParleyError `PAYLOAD_TOO_LARGE`, `TAMPERED` (not for us, or changed), `MALFORMED` (not details).
 */
export function openDetails(sealed: string, ourSecretKey: Uint8Array): CustomerDetails {
  if (sealed.length > MAX_SEALED_DETAILS_CHARS) throw new ParleyError('PAYLOAD_TOO_LARGE', 'sealed details too large');
  let framed: Uint8Array;
  try {
    framed = fromBase64Url(sealed);
  } catch {
    throw new ParleyError('MALFORMED', 'sealed details are not base64url');
  }
  if (framed.length < EPHEMERAL_BYTES + NONCE_BYTES + nacl.box.overheadLength) throw new ParleyError('MALFORMED', 'sealed details too short');
  const plain = nacl.box.open(
    framed.subarray(EPHEMERAL_BYTES + NONCE_BYTES),
    framed.subarray(EPHEMERAL_BYTES, EPHEMERAL_BYTES + NONCE_BYTES),
    framed.subarray(0, EPHEMERAL_BYTES),
    ourSecretKey,
  );
  if (!plain) throw new ParleyError('TAMPERED', 'sealed details do not open with our key');
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plain));
  } catch {
    throw new ParleyError('MALFORMED', 'sealed details are not JSON');
  }
  const parsed = v.safeParse(CustomerDetailsSchema, json);
  if (!parsed.success) throw new ParleyError('MALFORMED', 'sealed details do not match the schema');
  return parsed.output;
}
