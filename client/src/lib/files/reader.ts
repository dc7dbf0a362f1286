/**
 * Reading files without ever holding them whole: from the Blob's stream, straight into buffers
 * the reader reuses.
 *
 * Why a stream rather than slices: every `slice().arrayBuffer()` is a round trip to the browser's
 * blob storage and a new buffer. At 64 kB per read that capped reading at ~30 MB/s in headless
 * Chromium on the development machine; 1 MB reads were fast, but reading 200 MB that way cost
 * 3.6–3.8 ms of CPU per MB (the page and the browser process together), and each 1 MB buffer was
 * garbage: the sending page's memory rose by ~100 MB over a 200 MB transfer. The stream costs
 * 1.2–1.7 ms per MB, but hands out new pieces of up to 2 MB. Read with a BYOB ("bring your own
 * buffer") reader it fills our buffers instead: 1.35–1.4 ms per MB, no garbage, and the sending
 * page rose by ~44 MB. Browsers without BYOB readers on Blob streams get the pieces copied in.
 */
import { FILE_CHUNK_BYTES } from '@protocol/file.ts';

/** The bytes of a Blob from an offset on, read into buffers the caller hands in. */
export interface BlobBytes {
  /**
   * Fills `into` from the start with up to `into.length` next bytes. Returns the bytes read as a
   * view of the same memory, which may be a new ArrayBuffer object: `into` must not be used
   * again, the returned view's `buffer` is the caller's buffer from now on. Null at the end (or
   * once cancelled); `into`'s memory is then lost.
   */
  read(into: Uint8Array): Promise<Uint8Array | null>;
  /** Stops reading (frees the browser's side of the stream). */
  cancel(): void;
}

/** Reads `source` from byte `from` on: with a BYOB reader where the browser has one. */
export function blobBytes(source: Blob, from = 0): BlobBytes {
  const stream = source.slice(from).stream();
  let byob: ReadableStreamBYOBReader | null = null;
  try {
    byob = stream.getReader({ mode: 'byob' });
  } catch {
    // Not a byte stream in this browser: pieces are copied in below.
  }
  if (byob) {
    const reader = byob;
    return {
      read: async (into) => {
        if (into.length === 0) return into;
        const { done, value } = await reader.read(into as Uint8Array<ArrayBuffer>);
        return done || !value ? null : value;
      },
      cancel: () => void reader.cancel().catch(() => {}),
    };
  }
  const reader = stream.getReader();
  let rest = new Uint8Array(0);
  return {
    read: async (into) => {
      if (rest.length === 0) {
        const { done, value } = await reader.read();
        if (done) return null;
        rest = value;
      }
      const taken = Math.min(into.length, rest.length);
      into.set(rest.subarray(0, taken));
      rest = rest.subarray(taken);
      return into.subarray(0, taken);
    },
    cancel: () => void reader.cancel().catch(() => {}),
  };
}

/** A file shorter than its size said (it changed on disk since it was chosen). */
export function fileChanged(): Error {
  return new Error('NotReadableError: the file changed since it was chosen');
}

/**
 * Fills `buffer` with the next bytes of `bytes`, reading as often as needed.
 * @returns the buffer's memory (a new view: `buffer` is unusable afterwards), or null if the
 *   stream ended (or was cancelled) first
 */
export async function fill(bytes: BlobBytes, buffer: Uint8Array): Promise<Uint8Array | null> {
  const size = buffer.length; // read now: a BYOB read empties `buffer`
  let memory = buffer;
  for (let filled = 0; filled < size; ) {
    const got = await bytes.read(memory.subarray(filled));
    if (!got) return null;
    memory = new Uint8Array(got.buffer, got.byteOffset - filled, size);
    filled += got.length;
  }
  return memory;
}

/** Chunks per block read from the stream: 16 × 64 000 bytes ≈ 1 MB. */
export const CHUNKS_PER_READ = 16;

/** Some chunks of the file, read: `first` is the first one's index. */
interface Block {
  first: number;
  count: number;
  data: Uint8Array;
}

/**
 * One file read chunk by chunk for the sender (send-loop.ts): the stream fills blocks of
 * CHUNKS_PER_READ chunks, the next block while the current one is sent, into two buffers used
 * in turn. Reading 64 kB per stream read instead held a transfer to ~23 MB/s (each read waits on
 * the browser), whatever the network could take.
 */
export class ChunkReader {
  private readonly count: number;
  private bytes: BlobBytes | null = null;
  private current: Block | null = null;
  /** The block after `current`, being read. */
  private ahead: Promise<Block | null> | null = null;
  /** A buffer free for the next block (the one `current` had, once it is done). */
  private spare: Uint8Array | null = null;

  constructor(
    private readonly source: Blob,
    private readonly chunkBytes = FILE_CHUNK_BYTES,
    private readonly chunksPerRead = CHUNKS_PER_READ,
  ) {
    this.count = Math.ceil(source.size / chunkBytes);
  }

  /** Number of chunks in the source. */
  get chunks(): number {
    return this.count;
  }

  /**
   * The bytes of chunk `index`: a view into a buffer this reader reuses, valid until the next
   * call (the send loop copies it into its frame at once). Reading on in order goes on in the
   * stream; any other index (a resume, a skip) starts the stream over there. Calls must not
   * overlap. Null when `clear` was called meanwhile (the file was cancelled or resumed: the
   * caller looks again at what to send).
   * @throws the browser's read error (the file changed or went away), Error if the file turns
   *   out shorter than its size, RangeError for an index outside the file
   */
  async read(index: number): Promise<Uint8Array | null> {
    if (!Number.isInteger(index) || index < 0 || index >= this.count) throw new RangeError(`no chunk ${index}`);
    const inBlock = (b: Block | null) => b !== null && index >= b.first && index < b.first + b.count;
    if (!inBlock(this.current)) {
      // In the block being read ahead (in order, or a short skip forward): no need to start over.
      const nextFirst = this.current ? this.current.first + this.current.count : -1;
      const follows = this.current !== null && this.ahead !== null && index >= nextFirst && index < nextFirst + this.chunksPerRead;
      if (!follows) this.restartAt(index);
      const ahead = this.ahead;
      const next = await ahead;
      if (this.ahead !== ahead) return null; // cleared meanwhile
      if (!next) throw fileChanged();
      if (this.current) this.spare = new Uint8Array(this.current.data.buffer);
      this.current = next;
      this.ahead = this.readBlock(next.first + next.count);
    }
    const block = this.current!;
    const from = (index - block.first) * this.chunkBytes;
    return block.data.subarray(from, Math.min(block.data.length, from + this.chunkBytes));
  }

  /** Stops reading and lets go of the buffers (cancel, a resume, or the reader is no longer needed). */
  clear(): void {
    this.bytes?.cancel();
    this.bytes = null;
    this.current = null;
    this.ahead = null;
    this.spare = null;
  }

  private restartAt(index: number): void {
    this.clear();
    this.bytes = blobBytes(this.source, index * this.chunkBytes);
    this.ahead = this.readBlock(index);
  }

  /** Reads the block starting at chunk `first` (null past the end, or when the stream ended early). */
  private readBlock(first: number): Promise<Block | null> | null {
    const spare = this.spare;
    this.spare = null; // lent to the stream, or let go at the end of the file
    if (first >= this.count) return null;
    const bytes = this.bytes!;
    const count = Math.min(this.chunksPerRead, this.count - first);
    const size = Math.min(count * this.chunkBytes, this.source.size - first * this.chunkBytes);
    // No bigger than the rest of the file: a 5 kB file gets a 5 kB buffer.
    const buffer = spare && spare.length >= size ? spare : new Uint8Array(Math.min(this.chunksPerRead * this.chunkBytes, this.source.size - first * this.chunkBytes));
    const read = fill(bytes, buffer.subarray(0, size)).then((data) => (data ? { first, count, data } : null));
    read.catch(() => {}); // a read ahead nobody asks for must not be an unhandled rejection
    return read;
  }
}
