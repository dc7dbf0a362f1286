/**
 * The register of one session's file transfers and how their changes are told: the transfers
 * and batches by id, our offers as sent, the link epoch each ended in, and the helpers that
 * move a transfer to its end, send a control message and emit events. The protocol itself (what
 * each message and frame does) is FileTransfers, in engine.ts.
 */
import { ParleyError } from '@protocol/errors.ts';
import type { FileMessage, FileOffer } from '@protocol/file.ts';
import { Emitter } from '../emitter.ts';
import { finalAnswer } from './final-answer.ts';
import { IncomingFile } from './incoming.ts';
import type { OutgoingFile } from './outgoing.ts';
import type { Actor, Batch, FailureReason, FileLink, Transfer, TransferUpdate, UpdateKind } from './types.ts';

export interface FileTransferEvents {
  /** A batch appeared: our offer went out, or the peer's arrived. */
  batch: Batch;
  /** A transfer changed state (progress alone changes `bytes` without an event). */
  update: TransferUpdate;
  /** The peer sent something wrong; the transfer it named (if any) failed, the session goes on. */
  warning: ParleyError;
}

export type AnyFile = IncomingFile | OutgoingFile;

export class TransferBook extends Emitter<FileTransferEvents> {
  protected readonly outgoing = new Map<string, OutgoingFile>();
  protected readonly incoming = new Map<string, IncomingFile>();
  protected readonly batches = new Map<string, Batch>();
  /** Our offers as sent, to send again if the link drops before they are answered. */
  protected readonly offers = new Map<string, FileOffer>();
  /** Counts link drops; a transfer remembers the epoch it ended in. */
  protected epoch = 0;
  private readonly lastWarning = new Map<string, number>();

  constructor(private readonly messages: Pick<FileLink, 'sendFileMessage'>) {
    super();
  }

  /** Our outgoing file `fid`; a message naming any other is the peer's mistake (a warning). */
  protected outgoingFor(fid: string): OutgoingFile | undefined {
    const t = this.outgoing.get(fid);
    if (!t) this.warn(new ParleyError('MALFORMED', 'message for a file we did not offer'));
    return t;
  }

  /** Sends a control message; false when the link is down (the reconnection announce covers it). */
  protected send(message: FileMessage): boolean {
    try {
      this.messages.sendFileMessage(message);
      return true;
    } catch (err) {
      if (!(err instanceof ParleyError && err.code === 'PEER_GONE')) this.warn(err instanceof ParleyError ? err : new ParleyError('MALFORMED', String(err)));
      return false;
    }
  }

  protected fail(t: AnyFile, reason: FailureReason, by: Actor): void {
    t.failure = reason;
    this.finish(t, 'failed', 'failed', by);
  }

  protected finish(t: AnyFile, state: 'done' | 'declined' | 'cancelled' | 'failed', what: UpdateKind, by: Actor): void {
    t.state = state;
    if (state !== 'done' && state !== 'failed') t.by = by;
    t.endedEpoch = this.epoch;
    this.update(t, what, by);
  }

  /** Frees what a stopped transfer holds. */
  protected drop(t: AnyFile): void {
    if (t instanceof IncomingFile) t.discard();
    else t.reader.clear();
  }

  protected update(transfer: Transfer, what: UpdateKind, by: Actor): void {
    this.emit('update', { transfer, what, by });
  }

  protected *all(): Iterable<AnyFile> {
    yield* this.outgoing.values();
    yield* this.incoming.values();
  }

  /** Repeats how `t` ended, if this side ended it (final-answer.ts). */
  protected sayAgain(t: AnyFile): void {
    const answer = finalAnswer(t);
    if (answer) this.send(answer);
  }

  /** A hostile peer could flood: at most one warning per code every 10 s. */
  protected warn(err: ParleyError): void {
    const now = Date.now();
    if (now - (this.lastWarning.get(err.code) ?? -Infinity) < 10_000) return;
    this.lastWarning.set(err.code, now);
    this.emit('warning', err);
  }
}
