/** The platform's Web Crypto (browsers, Node), for the bulk frames and files' content hashes. */
import { ParleyError } from './errors.ts';

export function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  // Only in a secure context (HTTPS or localhost): Parley is served over HTTPS (README).
  if (!s) throw new ParleyError('CONNECTION_FAILED', 'Web Crypto is unavailable: the page must be served over HTTPS');
  return s;
}
