/**
 * Content hashes of whole files (protocol/content-hash.ts): the sender's, before an offer. The
 * file is read a piece at a time, so it is never held whole.
 */
import { CONTENT_HASH_BLOCK_BYTES, ContentHasher } from '@protocol/content-hash.ts';
import { BlockFiller } from './blocks.ts';
import { ChunkReader } from './reader.ts';

/** Makes the hash of one received file (tests hand in their own to hold or fail digests). */
export type HashFactory = () => Pick<ContentHasher, 'addBlock' | 'digest'>;

export const newContentHasher: HashFactory = () => new ContentHasher();

/** Bytes per read: a quarter of a block, so each read is small garbage once copied into the block. */
const READ_BYTES = CONTENT_HASH_BLOCK_BYTES / 4;

/**
 * The content hash of a Blob, with the bytes hashed so far after each block. Reads of 1 MiB (one
 * ahead) fill one reused block buffer: reading whole 4 MiB blocks left twice as much garbage for
 * the page to collect, and a 200 MB file raised the sending page's memory by up to ~150 MB.
 */
export async function contentHashOf(source: Blob, onProgress?: (bytesHashed: number) => void): Promise<string> {
  const hash = new ContentHasher();
  const reader = new ChunkReader(source, READ_BYTES, 1);
  let hashed = 0;
  const blocks = new BlockFiller(Math.min(CONTENT_HASH_BLOCK_BYTES, source.size), (block) => {
    hash.addBlock(block); // copied by Web Crypto: the buffer is free again
    hashed += block.length;
    onProgress?.(hashed);
  });
  for (let i = 0; i < reader.chunks; i++) blocks.add(await reader.read(i));
  blocks.flush();
  return hash.digest();
}
