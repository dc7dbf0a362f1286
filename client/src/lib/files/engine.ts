/**
 * FileTransfers: both directions of file transfer for one session, as explicit state machines
 * (types.ts), over a FileLink. Framework-free: the view listens to its events.
 *
 * - Sending: the policy is checked and the files hashed before the offer leaves (prepare.ts);
 *   accepted files are sent one chunk per turn, round robin, so several go at once at a fair
 *   share each; every `sendBulk` is awaited (real backpressure).
 * - Receiving: offers are checked against the policy (a file breaking it is declined
 *   automatically); chunks must arrive in order and are hashed in blocks as they come; `file-ack` every
 *   FILE_ACK_EVERY chunks; `file-done` with the content hash's verdict at the end.
 * - Link drops: transfers pause; when the link is back each side re-announces what the other may
 *   have missed (the receiver `file-resume`s from the next chunk it needs, the sender re-sends
 *   unanswered offers, both repeat recent final answers; the sender goes on from the last
 *   acknowledged chunk by itself), so nothing is lost or kept twice.
 *
 * The register of transfers and the helpers every transition uses (end a transfer, send a
 * control message, warn) are TransferBook's (transfer-book.ts); which ending is said again after
 * a reconnect is final-answer.ts's.
 */
import { ParleyError } from '@protocol/errors.ts';
import type { Role } from '@protocol/cpace.ts';
import {
  FILE_ACK_EVERY,
  FileType,
  checkFileChunk,
  readFileFrame,
  type FileChunk,
  type FileMessage,
  type FileOffer,
} from '@protocol/file.ts';
import { checkBatch, type FilePolicy } from '@protocol/file-policy.ts';
import type { HashFactory } from './hash-file.ts';
import { IncomingFile } from './incoming.ts';
import { OutgoingFile } from './outgoing.ts';
import { prepareOffer, type ChosenFile, type PrepareOptions } from './prepare.ts';
import { SendLoop } from './send-loop.ts';
import { TransferBook } from './transfer-book.ts';
import { FINAL_STATES, type Actor, type Batch, type FileLink } from './types.ts';

export interface FileTransfersOptions {
  link: FileLink;
  role: Role;
  policy: FilePolicy;
  /** How received files are hashed (default: protocol/content-hash.ts, Web Crypto). */
  createHash?: HashFactory;
}

/** Incoming transfers not yet finished that one peer may hold open; more offers are declined (`busy`). */
export const MAX_OPEN_INCOMING = 50;

export class FileTransfers extends TransferBook {
  private linkUp = true;
  private readonly sending: SendLoop;
  private closed = false;

  constructor(private readonly options: FileTransfersOptions) {
    super(options.link);
    this.sending = new SendLoop({
      sendBulk: (plaintext) => options.link.sendBulk(plaintext),
      canSend: () => this.linkUp && !this.closed,
      outgoing: () => this.outgoing.values(),
      allSent: (t) => this.allSent(t),
      unreadable: (t) => this.readFailed(t),
    });
  }

  get policy(): FilePolicy {
    return this.options.policy;
  }

  /**
   * Checks, hashes and offers files with an optional message. Nothing is registered or sent if
   * this throws.
   * @throws FilePolicyError (a file breaks the policy), ParleyError `PAYLOAD_TOO_LARGE` (text), `PEER_GONE` (no link)
   */
  async offer(files: readonly ChosenFile[], text?: string, prepare: Omit<PrepareOptions, 'policy'> = {}): Promise<Batch> {
    this.assertConnected();
    const offer = await prepareOffer(files, text, { ...prepare, policy: this.policy });
    this.assertConnected();
    this.options.link.sendFileMessage(offer);
    const transfers = offer.files.map((meta, i) => new OutgoingFile(offer.id, meta, files[i]!.slice()));
    for (const t of transfers) this.outgoing.set(t.fid, t);
    const batch: Batch = { id: offer.id, direction: 'out', text: offer.text, transfers };
    this.batches.set(batch.id, batch);
    this.offers.set(batch.id, offer);
    this.emit('batch', batch);
    for (const t of transfers) this.update(t, 'offered', 'me');
    return batch;
  }

  /** Receiver: takes an offered file. */
  accept(fid: string): void {
    const t = this.incoming.get(fid);
    if (t) this.acceptAs(t, 'me');
  }

  /** Receiver: refuses an offered file. */
  decline(fid: string): void {
    const t = this.incoming.get(fid);
    if (!t || t.state !== 'offered') return;
    t.declineReason = 'declined';
    this.finish(t, 'declined', 'declined', 'me');
    this.send({ type: FileType.Decline, fid, reason: 'declined' });
  }

  /** Either side: stops a file that is offered or under way (an incoming offer is declined). */
  cancel(fid: string): void {
    const t = this.outgoing.get(fid) ?? this.incoming.get(fid);
    if (!t || FINAL_STATES.has(t.state)) return;
    if (t.direction === 'in' && t.state === 'offered') return this.decline(fid);
    this.drop(t);
    this.finish(t, 'cancelled', 'cancelled', 'me');
    this.send({ type: FileType.Cancel, fid, reason: 'cancelled' });
  }

  /** A verified `file-*` message from the peer. */
  handleMessage(message: FileMessage): void {
    if (this.closed) return;
    switch (message.type) {
      case FileType.Offer:
        return this.onOffer(message);
      case FileType.Accept: {
        const t = this.outgoingFor(message.fid);
        if (t?.state === 'offered') {
          t.state = t.chunks === 0 ? 'verifying' : 'active';
          t.by = 'peer';
          this.update(t, 'accepted', 'peer');
          this.sending.kick();
        }
        return;
      }
      case FileType.Decline: {
        const t = this.outgoingFor(message.fid);
        if (t?.state !== 'offered') return;
        t.declineReason = message.reason;
        return this.finish(t, 'declined', 'declined', 'peer');
      }
      case FileType.Cancel: {
        const t = this.outgoing.get(message.fid) ?? this.incoming.get(message.fid);
        if (!t) return this.warn(new ParleyError('MALFORMED', 'file-cancel for an unknown file'));
        if (FINAL_STATES.has(t.state)) return;
        this.drop(t);
        if (message.reason === 'error') return this.fail(t, 'peer-error', 'peer');
        return this.finish(t, 'cancelled', 'cancelled', 'peer');
      }
      case FileType.Ack: {
        const t = this.outgoingFor(message.fid);
        if (!t || FINAL_STATES.has(t.state) || t.state === 'offered') return;
        // Up to the furthest chunk ever sent: after a resume the receiver may still take, and
        // acknowledge, chunks the connection held from before. Those it need not get again, and
        // ignoring their acks would leave the send window full of resent chunks it drops.
        if (message.next > t.sentHigh) return this.warn(new ParleyError('MALFORMED', 'file-ack for chunks not sent'));
        t.acknowledge(message.next);
        if (t.state === 'active' && message.next > t.next) {
          t.skipTo(message.next);
          if (t.next >= t.chunks) return this.allSent(t);
        }
        return this.sending.kick(); // its send window may have room again
      }
      case FileType.Resume:
        return this.onResume(message.fid, message.next);
      case FileType.Done: {
        const t = this.outgoingFor(message.fid);
        if (!t || FINAL_STATES.has(t.state)) return;
        this.drop(t); // its reader's buffers: nothing more is read
        if (!message.ok) return this.fail(t, 'corrupt', 'peer');
        t.acknowledge(t.chunks);
        t.bytes = t.meta.size;
        return this.finish(t, 'done', 'done', 'peer');
      }
    }
  }

  /** One opened bulk-channel frame from the peer. */
  handleBulk(frame: Uint8Array): void {
    if (this.closed) return;
    let chunk: FileChunk;
    try {
      chunk = readFileFrame(frame);
    } catch (err) {
      return this.warn(err as ParleyError);
    }
    const t = this.incoming.get(chunk.fid);
    // Chunks in flight when a transfer ended, or from a link that just dropped, are expected.
    if (t && (FINAL_STATES.has(t.state) || t.state === 'paused')) return;
    if (t?.state === 'offered') return this.warn(new ParleyError('MALFORMED', 'chunk before the file was accepted'));
    // A chunk we already have: after a stall the connection delivers what it still held, and
    // the sender then resends from the point we asked to resume at. Authentic, so harmless.
    if (t && chunk.index < t.next) return;
    try {
      checkFileChunk(chunk, t ? { next: t.next, size: t.meta.size } : undefined);
    } catch (err) {
      this.warn(err as ParleyError);
      if (!t) return;
      this.drop(t);
      this.fail(t, 'protocol', 'me');
      this.send({ type: FileType.Cancel, fid: t.fid, reason: 'error' });
      return;
    }
    if (!t) return;
    if (t.take(chunk.data)) return this.complete(t);
    if (t.next % FILE_ACK_EVERY === 0) this.send({ type: FileType.Ack, fid: t.fid, next: t.next });
  }

  /** The direct link went down (a re-pair is under way) or is verified again. */
  handleLink(up: boolean): void {
    if (this.closed || up === this.linkUp) return;
    this.linkUp = up;
    if (!up) {
      this.epoch += 1;
      for (const t of this.all()) {
        if (t.state === 'active' || t.state === 'verifying') {
          t.state = 'paused';
          this.update(t, 'paused', 'auto');
        }
      }
      return;
    }
    this.announce();
    this.resumeOutgoing();
    this.sending.restart(); // a loop stuck on the old link must not block this one
  }

  /**
   * Our files paused by the drop go on from what the receiver acknowledged, without waiting for
   * its `file-resume`: when only this side saw the link drop (it noticed the stall first), none
   * comes. The receiver ignores chunks it already has; a `file-resume` that does come moves the
   * file to exactly the chunk it asks for.
   */
  private resumeOutgoing(): void {
    for (const t of this.outgoing.values()) {
      if (t.state !== 'paused') continue;
      t.resumeFrom(t.acked);
      t.state = t.acked >= t.chunks ? 'verifying' : 'active';
      this.update(t, 'resumed', 'auto');
    }
  }

  /** The session is over: whatever is not finished has failed. */
  close(): void {
    if (this.closed) return;
    for (const t of this.all()) {
      if (FINAL_STATES.has(t.state)) continue;
      this.drop(t);
      this.fail(t, 'ended', 'auto');
    }
    this.closed = true;
    this.sending.stop();
  }

  /**
   * The peer's page closed or reloaded (its goodbye said so): what it held of a transfer under
   * way is gone, so those transfers end as interrupted (send again). Our offers it has not
   * accepted yet are kept: they are offered again when it is back.
   */
  peerPageClosed(): void {
    if (this.closed) return;
    for (const t of this.all()) {
      if (FINAL_STATES.has(t.state) || (t.direction === 'out' && t.state === 'offered')) continue;
      this.drop(t);
      this.fail(t, 'interrupted', 'auto');
    }
  }

  private onOffer(offer: FileOffer): void {
    if (this.batches.has(offer.id)) return; // sent again after a reconnect: already here
    if (offer.files.some((f) => this.incoming.has(f.fid) || this.outgoing.has(f.fid))) {
      return this.warn(new ParleyError('MALFORMED', 'offer reuses a file id'));
    }
    const rules = checkBatch(this.policy, offer.files);
    let open = [...this.incoming.values()].filter((t) => !FINAL_STATES.has(t.state)).length;
    const transfers = offer.files.map((meta) => new IncomingFile(offer.id, meta, this.options.createHash));
    const batch: Batch = { id: offer.id, direction: 'in', text: offer.text, transfers };
    for (const t of transfers) this.incoming.set(t.fid, t);
    this.batches.set(batch.id, batch);
    this.emit('batch', batch);
    transfers.forEach((t, i) => {
      this.update(t, 'offered', 'peer');
      const reason = rules[i]?.rule ?? (open >= MAX_OPEN_INCOMING ? 'busy' : null);
      if (reason) {
        // Declined before anyone is asked: the policy is the server's, and it is the same for both sides.
        t.declineReason = reason;
        this.finish(t, 'declined', 'declined', 'auto');
        this.send({ type: FileType.Decline, fid: t.fid, reason });
      } else {
        open += 1;
      }
    });
    if (this.options.role === 'customer' && this.policy.autoAcceptFromRep) {
      for (const t of transfers) this.acceptAs(t, 'auto');
    }
  }

  private acceptAs(t: IncomingFile, by: Actor): void {
    if (t.state !== 'offered') return;
    t.by = by;
    // Sent while the link is down it is lost: the `file-resume` sent on reconnection stands for it.
    t.state = this.linkUp && this.send({ type: FileType.Accept, fid: t.fid }) ? 'active' : 'paused';
    this.update(t, 'accepted', by);
    if (t.chunks === 0) this.complete(t);
  }

  /** Every chunk of `t` went out: the receiver's verdict is awaited. Said once, though a resume may send the last chunks again. */
  private allSent(t: OutgoingFile): void {
    t.state = 'verifying';
    if (t.allSentOnce) return;
    t.allSentOnce = true;
    this.update(t, 'sent', 'me');
  }

  /** The last chunk arrived (or there were none): the content hash decides. */
  private complete(t: IncomingFile): void {
    void t.finish().then(
      (blob) => this.verdict(t, blob),
      () => this.verdict(t, undefined),
    );
  }

  /** The file (its hash matched), null (it did not), or undefined (it could not be computed). */
  private verdict(t: IncomingFile, blob: Blob | null | undefined): void {
    // Cancelled, or the session ended, while the digest was being computed.
    if (this.closed || FINAL_STATES.has(t.state)) return;
    if (blob === undefined) {
      this.fail(t, 'check', 'me');
      this.send({ type: FileType.Cancel, fid: t.fid, reason: 'error' });
    } else if (blob === null) {
      this.fail(t, 'corrupt', 'me');
      this.send({ type: FileType.Done, fid: t.fid, ok: false });
    } else {
      t.blob = blob;
      this.finish(t, 'done', 'done', 'me');
      this.send({ type: FileType.Done, fid: t.fid, ok: true });
    }
  }

  private onResume(fid: string, next: number): void {
    const t = this.outgoing.get(fid);
    if (!t) {
      // Not ours, or offered by this page before it was reloaded (its bytes are gone): say so,
      // so the receiver's card ends instead of waiting for chunks that will never come.
      this.warn(new ParleyError('MALFORMED', 'message for a file we did not offer'));
      this.send({ type: FileType.Cancel, fid, reason: 'error' });
      return;
    }
    if (FINAL_STATES.has(t.state)) return this.sayAgain(t); // the receiver missed how it ended
    if (next > t.chunks) return this.warn(new ParleyError('MALFORMED', 'file-resume past the end'));
    const wasOffered = t.state === 'offered';
    const wasGoing = t.state === 'active' || t.state === 'verifying'; // resumed already (or never paused here)
    t.resumeFrom(next);
    t.state = next >= t.chunks ? 'verifying' : 'active';
    if (wasOffered) t.by = 'peer';
    if (!wasGoing) this.update(t, wasOffered ? 'accepted' : 'resumed', 'peer');
    this.sending.kick();
  }

  /**
   * After a reconnect, tell the peer what it may have missed: resumes for what we receive,
   * unanswered offers again, and final answers given since the link before this one.
   */
  private announce(): void {
    for (const t of this.incoming.values()) {
      if (t.state === 'paused' && this.send({ type: FileType.Resume, fid: t.fid, next: t.next })) {
        t.state = 'active';
        this.update(t, 'resumed', 'auto');
      }
    }
    for (const [id, offer] of this.offers) {
      if (this.batches.get(id)?.transfers.some((t) => t.state === 'offered')) this.send(offer);
    }
    for (const t of this.all()) if (t.endedEpoch >= this.epoch - 1) this.sayAgain(t);
  }


  private readFailed(t: OutgoingFile): void {
    this.drop(t);
    this.fail(t, 'read', 'me');
    this.send({ type: FileType.Cancel, fid: t.fid, reason: 'error' });
  }

  private assertConnected(): void {
    if (this.closed || !this.linkUp) throw new ParleyError('PEER_GONE', 'not connected');
  }
}
