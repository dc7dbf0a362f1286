/**
 * One file being sent: its source on disk, read chunk by chunk, and how far the receiver has got.
 */
import { FILE_CHUNK_BYTES, chunkCount, type DeclineReason, type FileMeta } from '@protocol/file.ts';
import { ChunkReader } from './reader.ts';
import type { Actor, FailureReason, Transfer, TransferState } from './types.ts';

export class OutgoingFile implements Transfer {
  readonly direction = 'out' as const;
  readonly fid: string;
  state: TransferState = 'offered';
  bytes = 0;
  by?: Actor;
  declineReason?: DeclineReason;
  failure?: FailureReason;
  /** The next chunk to send. */
  next = 0;
  /** Chunks the receiver has acknowledged. */
  acked = 0;
  /** One past the furthest chunk ever handed to the link (a resume does not lower it). */
  sentHigh = 0;
  /** Its last chunk went out once already ("sent" is said once, though a resume may resend chunks). */
  allSentOnce = false;
  endedEpoch = -1;
  readonly reader: ChunkReader;

  constructor(
    readonly batchId: string,
    readonly meta: FileMeta,
    source: Blob,
  ) {
    this.fid = meta.fid;
    this.reader = new ChunkReader(source);
  }

  get chunks(): number {
    return chunkCount(this.meta.size);
  }

  /** The receiver has every chunk before `next`. */
  acknowledge(next: number): void {
    this.acked = Math.max(this.acked, next);
    this.bytes = Math.min(this.meta.size, this.acked * FILE_CHUNK_BYTES);
  }

  /** The receiver already has every chunk before `next` (taken from the old connection after a resume): skip them. */
  skipTo(next: number): void {
    this.next = Math.max(this.next, next);
  }

  /** Continue from chunk `next`, as the receiver asks after a reconnect. */
  resumeFrom(next: number): void {
    this.next = next;
    this.acked = next;
    this.bytes = Math.min(this.meta.size, next * FILE_CHUNK_BYTES);
    this.reader.clear();
  }
}
