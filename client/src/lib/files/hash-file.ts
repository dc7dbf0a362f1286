/**
 * Content hashes of whole files (protocol/content-hash.ts): the sender's, before an offer. The
 * file is read one block at a time (one more read ahead), so it is never held whole.
 */
import { CONTENT_HASH_BLOCK_BYTES, ContentHasher } from '@protocol/content-hash.ts';
import { ChunkReader } from './reader.ts';

/** Makes the hash of one received file (tests hand in their own to hold or fail digests). */
export type HashFactory = () => Pick<ContentHasher, 'addBlock' | 'digest'>;

export const newContentHasher: HashFactory = () => new ContentHasher();

/** The content hash of a Blob, with the bytes hashed so far after each block. */
export async function contentHashOf(source: Blob, onProgress?: (bytesHashed: number) => void): Promise<string> {
  const hash = new ContentHasher();
  const reader = new ChunkReader(source, CONTENT_HASH_BLOCK_BYTES, 1);
  let done = 0;
  for (let i = 0; i < reader.chunks; i++) {
    const block = await reader.read(i);
    hash.addBlock(block);
    done += block.length;
    onProgress?.(done);
  }
  return hash.digest();
}
