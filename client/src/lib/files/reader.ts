/**
 * Reads a file chunk by chunk with `Blob.slice`, a few chunks ahead of the consumer, so a large
 * file never sits in memory whole and the disk is not waited on between two sends.
 */
import { FILE_CHUNK_BYTES } from '@protocol/file.ts';

export class ChunkReader {
  private readonly ahead = new Map<number, Promise<Uint8Array>>();
  private readonly count: number;

  constructor(
    private readonly source: Blob,
    /** Chunks read ahead of the one asked for. */
    private readonly depth = 4,
    private readonly chunkBytes = FILE_CHUNK_BYTES,
  ) {
    this.count = Math.ceil(source.size / chunkBytes);
  }

  /** The bytes of chunk `index` (any index: after a resume the reader starts over there). */
  read(index: number): Promise<Uint8Array> {
    for (const key of this.ahead.keys()) if (key < index) this.ahead.delete(key);
    const chunk = this.ahead.get(index) ?? this.fetch(index);
    this.ahead.delete(index);
    for (let i = index + 1; i <= index + this.depth && i < this.count; i++) {
      if (!this.ahead.has(i)) this.ahead.set(i, this.fetch(i));
    }
    return chunk;
  }

  /** Number of chunks in the source. */
  get chunks(): number {
    return this.count;
  }

  /** Forgets what was read ahead (cancel, or the reader is no longer needed). */
  clear(): void {
    this.ahead.clear();
  }

  private fetch(index: number): Promise<Uint8Array> {
    const start = index * this.chunkBytes;
    const read = this.source
      .slice(start, Math.min(this.source.size, start + this.chunkBytes))
      .arrayBuffer()
      .then((buffer) => new Uint8Array(buffer));
    read.catch(() => {}); // a read-ahead nobody asks for must not be an unhandled rejection
    return read;
  }
}
