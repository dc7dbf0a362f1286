/**
 * The content hash of protocol/content-hash.ts computed a second, independent way (Node's
 * crypto, all at once), for tests to check offers, transcripts and reports against.
 */
import { createHash } from 'node:crypto';

const BLOCK = 4 * 1024 * 1024;

export function nodeContentHash(bytes: Uint8Array): string {
  const outer = createHash('sha256');
  for (let at = 0; at < bytes.length; at += BLOCK) outer.update(createHash('sha256').update(bytes.subarray(at, at + BLOCK)).digest());
  return outer.digest('hex');
}
