/**
 * A file's content hash, as offered (`FileMeta.sha256`) and checked on arrival: the SHA-256 of
 * the concatenated SHA-256 digests of its 4 MiB blocks (the last block may be shorter; an empty
 * file has no blocks, so its hash is the SHA-256 of nothing). It is Dropbox's `content_hash`, so
 * anyone can recompute it with their tools (README, "Sending files").
 *
 * Why not the plain SHA-256 of the file: Web Crypto, the browser's native SHA-256, has no
 * incremental digest, and an incremental one in the page (WebAssembly, ~235 MB/s) held the
 * receiving page's thread for a quarter of a 200 MB transfer and kept the sender hashing 1.7 s
 * before a 200 MB offer. Each block here is hashed by Web Crypto's native SHA-256, about 6 ms
 * for a 4 MiB block in Chromium on the development machine (which does it within the call, on
 * the page's thread): a short task per block.
 *
 * Memory: Web Crypto copies a block when it is handed over, so the caller reuses its buffer at
 * once; a copy lives only while its digest runs.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import { subtle } from './web-crypto.ts';

/** Bytes per block: 4 MiB, as Dropbox's content hash. */
export const CONTENT_HASH_BLOCK_BYTES = 4 * 1024 * 1024;

/**
 * Hashes a file block by block, in order.
 *
 * @example
 * const hash = new ContentHasher();
 * for (const block of blocks) hash.addBlock(block);
 * const hex = await hash.digest();
 */
export class ContentHasher {
  readonly #digests: Promise<ArrayBuffer>[] = [];
  /** Set by a block shorter than a whole one: it must have been the last. */
  #ended = false;
  #taken = false;

  /**
   * Adds the next block: exactly CONTENT_HASH_BLOCK_BYTES, or fewer (not none) for the last one.
   * The bytes are taken as they are at the call.
   * @throws RangeError for an empty or oversized block, one after a short block, or after digest().
   */
  addBlock(block: Uint8Array): void {
    if (this.#taken) throw new RangeError('content hash already taken');
    if (this.#ended) throw new RangeError('a block after the last (short) block');
    if (block.length === 0 || block.length > CONTENT_HASH_BLOCK_BYTES) throw new RangeError(`block of ${block.length} bytes`);
    if (block.length < CONTENT_HASH_BLOCK_BYTES) this.#ended = true;
    const digest = subtle().digest('SHA-256', block as Uint8Array<ArrayBuffer>);
    digest.catch(() => {}); // reported by digest(), not as an unhandled rejection meanwhile
    this.#digests.push(digest);
  }

  /** The hex content hash of the blocks given; rejects if a block's digest failed. Once only. */
  async digest(): Promise<string> {
    if (this.#taken) throw new RangeError('content hash already taken');
    this.#taken = true;
    const blocks = await Promise.all(this.#digests.splice(0));
    const joined = new Uint8Array(blocks.length * 32);
    blocks.forEach((d, i) => joined.set(new Uint8Array(d), i * 32));
    return bytesToHex(new Uint8Array(await subtle().digest('SHA-256', joined)));
  }
}
