/**
 * One file being received: each chunk is hashed as it comes and copied into one reusable ~1 MB
 * buffer, kept as a Blob (the browser may page it out to disk) each time it fills; the Blobs are
 * joined into one at the end, only if the SHA-256 matches the offer.
 *
 * Why hash here, on the page's thread, and not in a Worker: a Worker's queue has no limit. When
 * the transfer ran faster than the Worker hashed (AES-GCM made transfers faster; the Worker
 * shares 2 cores with both pages), a 200 MB file left ~200 MB of copies queued in the receiving
 * page. Hashed here, a chunk is done before its acknowledgement goes (or, while the WebAssembly
 * hash loads, queued up to MAX_QUEUED_BYTES: sha256.ts), and the sender never runs more than its
 * send window ahead (send-loop.ts): the page holds a few MB whatever the speed. 64 kB at a time
 * keeps each task short. The hash exists only from the first chunk to the verdict.
 */
import { chunkCount, type DeclineReason, type FileMeta } from '@protocol/file.ts';
import { fileHash, type HashFactory, type IncrementalHash } from './sha256.ts';
import { blobType } from './mime.ts';
import type { Actor, FailureReason, Transfer, TransferState } from './types.ts';

/** Bytes gathered into one Blob: fewer, larger Blobs than one per chunk. */
const PART_BYTES = 1024 * 1024;

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
  private hash: IncrementalHash | null = null;
  private parts: Blob[] = [];
  /** The part being filled (allocated with the first chunk), and how much of it is. */
  private part: Uint8Array | null = null;
  private filled = 0;

  constructor(
    readonly batchId: string,
    readonly meta: FileMeta,
    private readonly createHash: HashFactory = fileHash,
  ) {
    this.fid = meta.fid;
  }

  get chunks(): number {
    return chunkCount(this.meta.size);
  }

  /** Takes one chunk, already checked to be the next one and of the right length. Returns true after the last. */
  take(data: Uint8Array): boolean {
    (this.hash ??= this.createHash()).update(data);
    // Copied in, at once: what was hashed is exactly what is kept, whatever the caller does later.
    if (this.part && this.filled + data.length > this.part.length) this.flush();
    if (data.length > (this.part?.length ?? PART_BYTES)) {
      this.keep(data); // larger than a part (never with the protocol's chunks): kept as it is
    } else {
      this.part ??= new Uint8Array(Math.min(PART_BYTES, Math.max(data.length, this.meta.size)));
      this.part.set(data, this.filled);
      this.filled += data.length;
    }
    this.next += 1;
    this.bytes += data.length;
    return this.next >= this.chunks;
  }

  /**
   * After the last chunk: the whole file if its SHA-256 is the offered one, else null; rejects if
   * the digest could not be computed. The parts are released either way.
   */
  async finish(): Promise<Blob | null> {
    this.flush();
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
    this.part = null;
    this.filled = 0;
    this.hash?.drop();
    this.hash = null;
  }

  private flush(): void {
    if (!this.part || this.filled === 0) return;
    this.keep(this.part.subarray(0, this.filled));
    this.filled = 0;
  }

  /** Kept as a Blob, a copy of `bytes` (the part buffer is reused). */
  private keep(bytes: Uint8Array): void {
    this.parts.push(new Blob([bytes as Uint8Array<ArrayBuffer>]));
  }
}
