/**
 * Content hashes of whole files (protocol/content-hash.ts): the sender's, before an offer. The
 * file is read a piece at a time, so it is never held whole.
 */
import { CONTENT_HASH_BLOCK_BYTES, ContentHasher } from '@protocol/content-hash.ts';
import { blobBytes, fileChanged, fill } from './reader.ts';

/** Makes the hash of one received file (tests hand in their own to hold or fail digests). */
export type HashFactory = () => Pick<ContentHasher, 'addBlock' | 'digest'>;

export const newContentHasher: HashFactory = () => new ContentHasher();

/**
 * The content hash of a Blob, with the bytes hashed so far after each block. The Blob's stream
 * is read straight into one reused block buffer (reader.ts): reading whole 4 MiB slices had left
 * the page that much garbage per block, and a 200 MB file raised the sending page's memory by up
 * to ~150 MB.
 */
export async function contentHashOf(source: Blob, onProgress?: (bytesHashed: number) => void): Promise<string> {
  const hash = new ContentHasher();
  const bytes = blobBytes(source);
  const blockBytes = Math.min(CONTENT_HASH_BLOCK_BYTES, source.size);
  let block: Uint8Array = new Uint8Array(blockBytes);
  try {
    for (let hashed = 0; hashed < source.size; ) {
      const filled = await fill(bytes, block.subarray(0, Math.min(blockBytes, source.size - hashed)));
      if (!filled) throw fileChanged();
      hash.addBlock(filled); // copied by Web Crypto during the call: the buffer is free again
      // A BYOB read moved the memory into a new ArrayBuffer object: that is the block now.
      block = new Uint8Array(filled.buffer, filled.byteOffset, blockBytes);
      hashed += filled.length;
      onProgress?.(hashed);
    }
  } finally {
    bytes.cancel();
  }
  return hash.digest();
}
