/**
 * What the file transfer engine tells the UI: transfers grouped in batches (one offer, one
 * message), their state, and the updates worth logging.
 */
import type { DeclineReason, FileMessage, FileMeta } from '@protocol/file.ts';

export type Direction = 'out' | 'in';

/**
 * offered → active ⇄ paused → (out: verifying →) done, or declined / cancelled / failed.
 * `paused`: the link is down, waiting for it to come back and for the receiver's `file-resume`.
 * `verifying` (sender): every chunk went out; waiting for the receiver's `file-done`.
 */
export type TransferState = 'offered' | 'active' | 'paused' | 'verifying' | 'done' | 'declined' | 'cancelled' | 'failed';

export const FINAL_STATES: ReadonlySet<TransferState> = new Set(['done', 'declined', 'cancelled', 'failed']);

/** Who did it: this side's person, the other side, or this side's browser on its own (policy, auto-accept). */
export type Actor = 'me' | 'peer' | 'auto';

/**
 * Why a transfer failed: `corrupt` (the content hash of what arrived differs from the offer, seen by
 * the receiver and reported to the sender), `read` (the sender could not read its file),
 * `protocol` (the receiver got a bad chunk), `check` (the receiver could not compute the
 * content hash), `peer-error` (the other side stopped with an error), `ended` (the session ended first).
 */
export type FailureReason = 'corrupt' | 'read' | 'protocol' | 'check' | 'peer-error' | 'ended' | 'interrupted';

/** One file, in either direction. The engine updates it in place; `bytes` changes without an event. */
export interface Transfer {
  readonly fid: string;
  readonly batchId: string;
  readonly direction: Direction;
  readonly meta: FileMeta;
  state: TransferState;
  /** Sender: bytes the receiver acknowledged; receiver: bytes received. */
  bytes: number;
  /** Who accepted, declined or cancelled it. */
  by?: Actor;
  declineReason?: DeclineReason;
  failure?: FailureReason;
  /** Receiver, once done: the file, checked. */
  blob?: Blob;
}

export interface Batch {
  readonly id: string;
  readonly direction: Direction;
  /** The message typed with the files. */
  readonly text?: string;
  readonly transfers: readonly Transfer[];
}

export type UpdateKind = 'offered' | 'accepted' | 'declined' | 'cancelled' | 'paused' | 'resumed' | 'sent' | 'done' | 'failed';

/** A change worth showing or logging. */
export interface TransferUpdate {
  transfer: Transfer;
  what: UpdateKind;
  by: Actor;
}

/**
 * What the engine needs from the session: the two send paths. The session feeds it back with
 * `handleMessage`, `handleBulk` and `handleLink`.
 */
export interface FileLink {
  /** Sends a control message; throws ParleyError `PEER_GONE` while the link is down. */
  sendFileMessage(message: FileMessage): void;
  /**
   * Sends one bulk frame; resolves when the channel can take more; rejects `PEER_GONE` if the
   * link drops. The frame's bytes are taken by then: the caller may reuse its buffer.
   */
  sendBulk(plaintext: Uint8Array): Promise<void>;
}
