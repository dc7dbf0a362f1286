import { ParleyError } from './errors.ts';

/** Base64url without padding (RFC 4648 §5). Not crypto: a transport encoding for bytes in JSON. */
export function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const B64URL_RE = /^[A-Za-z0-9_-]*$/;

/** @throws ParleyError `MALFORMED` on anything that is not canonical base64url. */
export function fromBase64Url(text: string): Uint8Array {
  if (!B64URL_RE.test(text) || text.length % 4 === 1) throw new ParleyError('MALFORMED', 'not base64url');
  const padded = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  const binary = atob(padded);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  // atob ignores the unused low bits of the last character ('AB' decodes like 'AA'): refuse such
  // non-canonical spellings so each byte string has exactly one encoding.
  if (toBase64Url(out) !== text) throw new ParleyError('MALFORMED', 'not canonical base64url');
  return out;
}
