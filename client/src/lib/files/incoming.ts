/**
 * One file being received: hashed incrementally as chunks arrive, kept as a list of Blobs (which
 * the browser may page out to disk) and joined into one Blob at the end, only if its SHA-256
 * matches the offer.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { chunkCount, type DeclineReason, type FileMeta } from '@protocol/file.ts';
import { blobType } from './mime.ts';
import type { Actor, FailureReason, Transfer, TransferState } from './types.ts';

/** Chunks gathered into one Blob: fewer, larger Blobs than one per chunk (~1 MB each). */
const CHUNKS_PER_PART = 16;

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
  private hash = sha256.create();
  private parts: Blob[] = [];
  private pending: Uint8Array[] = [];

  constructor(
    readonly batchId: string,
    readonly meta: FileMeta,
  ) {
    this.fid = meta.fid;
  }

  get chunks(): number {
    return chunkCount(this.meta.size);
  }

  /** Takes one chunk, already checked to be the next one and of the right length. Returns true after the last. */
  take(data: Uint8Array): boolean {
    this.hash.update(data);
    // A copy: what is hashed is exactly what is kept, whatever the caller does with its buffer.
    this.pending.push(data.slice());
    if (this.pending.length >= CHUNKS_PER_PART) this.flush();
    this.next += 1;
    this.bytes += data.length;
    return this.next >= this.chunks;
  }

  /** The whole file if its SHA-256 is the offered one, else null (the bytes are dropped either way from the parts). */
  finish(): Blob | null {
    this.flush();
    const digest = bytesToHex(this.hash.digest());
    const blob = digest === this.meta.sha256 ? new Blob(this.parts, { type: blobType(this.meta.mime) }) : null;
    this.parts = [];
    return blob;
  }

  /** Drops whatever arrived (cancel, failure). */
  discard(): void {
    this.parts = [];
    this.pending = [];
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    this.parts.push(new Blob(this.pending as BlobPart[]));
    this.pending = [];
  }
}
