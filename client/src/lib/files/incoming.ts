/**
 * One file being received: each chunk is copied into one reusable block buffer (4 MiB, the
 * content hash's block: protocol/content-hash.ts); each full block is handed to the hash (Web
 * Crypto: native, ~6 ms a block) and kept as a Blob (the browser may page it out to disk).
 * The Blobs are joined into one at the end, only if the content hash matches the offer.
 *
 * The page holds one block buffer whatever the file's size, and the sender never runs more than
 * its send window ahead (send-loop.ts): a few MB in all. The hash exists only from the first
 * block to the verdict.
 */
import { CONTENT_HASH_BLOCK_BYTES } from '@protocol/content-hash.ts';
import { chunkCount, type DeclineReason, type FileMeta } from '@protocol/file.ts';
import { BlockFiller } from './blocks.ts';
import { newContentHasher, type HashFactory } from './hash-file.ts';
import { blobType } from './mime.ts';
import type { Actor, FailureReason, Transfer, TransferState } from './types.ts';

export class IncomingFile implements Transfer {
  readonly direction = 'in' as const;
  readonly fid: string;
  state: TransferState = 'offered';
  bytes = 0;
  by?: Actor;
  declineReason?: DeclineReason;
  failure?: FailureReason;
  blob?: Blob;
  /** The only chunk index accepted next (everything before it has arrived). */
  next = 0;
  /** Link epoch in which it ended (its last message may have been lost with that link). */
  endedEpoch = -1;
  private hash: ReturnType<HashFactory> | null = null;
  private parts: Blob[] = [];
  /** Each block is hashed and kept as a Blob (a copy: the filler's buffer is reused). */
  private readonly blocks: BlockFiller;

  constructor(
    readonly batchId: string,
    readonly meta: FileMeta,
    private readonly createHash: HashFactory = newContentHasher,
  ) {
    this.fid = meta.fid;
    this.blocks = new BlockFiller(Math.min(CONTENT_HASH_BLOCK_BYTES, meta.size), (block) => {
      (this.hash ??= this.createHash()).addBlock(block);
      this.parts.push(new Blob([block as Uint8Array<ArrayBuffer>]));
    });
  }

  get chunks(): number {
    return chunkCount(this.meta.size);
  }

  /** Takes one chunk, already checked to be the next one and of the right length. Returns true after the last. */
  take(data: Uint8Array): boolean {
    // Copied in, at once: what is hashed is exactly what is kept, whatever the caller does later.
    this.blocks.add(data);
    this.next += 1;
    this.bytes += data.length;
    return this.next >= this.chunks;
  }

  /**
   * After the last chunk: the whole file if its content hash is the offered one, else null;
   * rejects if the hash could not be computed. The parts are released either way.
   */
  async finish(): Promise<Blob | null> {
    this.blocks.flush();
    this.blocks.release();
    const parts = this.parts;
    this.parts = [];
    const hash = this.hash ?? this.createHash(); // a zero-byte file has no chunks
    this.hash = null;
    const digest = await hash.digest();
    return digest === this.meta.sha256 ? new Blob(parts, { type: blobType(this.meta.mime) }) : null;
  }

  /** Drops whatever arrived (cancel, failure). */
  discard(): void {
    this.parts = [];
    this.blocks.release();
    this.hash = null; // a digest still running ends unread
  }
}
