/**
 * LinkManager: keeps a verified session's direct link alive.
 *
 * The first link (epoch 0) is set up with the key from the code check. When a verified link
 * drops without a goodbye (network change, a peer connection closed under us), the session is
 * not over: both sides still hold the key, so they re-pair through the signaling server with
 * the next epoch's keys (keys.ts) — no new code, same safety code. The rep makes the offer;
 * a customer who notices first asks for one with a sealed `renegotiate` signal. A `repair`
 * relay (envelope.ts) names its epoch; a frame for a newer epoch than ours that opens with
 * that epoch's keys moves us to it, so the two sides always meet at the higher epoch.
 *
 * A link that stalls (its heartbeat falls silent: a network fault) first gets an ICE restart
 * on the same connection, its signals sealed through the server; if it is not heard again
 * within REPAIR_ATTEMPT_MS, or the connection fails outright, the next epoch is tried. There is
 * no time limit: re-pairing goes on for as long as the session lives, and stops only when the
 * peer is gone for good (the server says it left, after its rejoin window) or someone ends it.
 *
 * Relays are the server's to tamper with: once the session is verified a relay that fails to
 * open is dropped with a warning and never ends the session.
 */
import { RelayKind, decodeRelay, decodeRepair } from '@protocol/envelope.ts';
import { ParleyError, SECURITY_ERRORS } from '@protocol/errors.ts';
import { deriveSessionKeys } from '@protocol/keys.ts';
import type { PeerMessage } from '@protocol/peer.ts';
import type { Role } from '@protocol/cpace.ts';
import { Emitter } from './emitter.ts';
import type { IceConfig } from './ice-settings.ts';
import { PeerLink, type PeerLinkOptions } from './peer-link.ts';

/** How long one recovery attempt (ICE restart or re-pair) may take before the next epoch is tried. */
export const REPAIR_ATTEMPT_MS = 15_000;

export interface LinkManagerEvents {
  /** A link is verified: `epoch` 0 is the first, later ones are re-pairs. */
  up: { epoch: number };
  /** The verified link dropped or stalled; a recovery is under way. */
  down: void;
  message: PeerMessage;
  bulk: Uint8Array;
  stream: MediaStream;
  /** A bad message or relay was dropped; the session goes on. */
  warning: ParleyError;
  /** The session cannot go on: an error, or `null` when the peer is gone for good. */
  closed: ParleyError | null;
}

export interface LinkManagerOptions {
  role: Role;
  isk: Uint8Array;
  sid: Uint8Array;
  /** The current ICE settings, read for every link and ICE restart (PeerLinkOptions.ice). */
  ice: () => IceConfig;
  relay: (data: string) => void;
  /** Whether the server can take a relay now (PeerLinkOptions.canRelay). */
  canRelay?: () => boolean;
  createLink?: (options: PeerLinkOptions) => PeerLink;
}

export class LinkManager extends Emitter<LinkManagerEvents> {
  private link: PeerLink | null = null;
  private epoch = 0;
  private up = false;
  private everUp = false;
  private peerPresent = true;
  private attemptTimer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;
  /** Set by windDown(): our goodbye is on its way, a closing link is expected. */
  private ending = false;

  constructor(private readonly options: LinkManagerOptions) {
    super();
  }

  /** Builds the first link and feeds it the signals that arrived before it existed. */
  start(earlySignals: Uint8Array[]): void {
    const link = this.build(0);
    for (const frame of earlySignals) link.handleSignal(frame);
  }

  /**
   * After a page reload: the session was verified before, with links up to `lastEpoch`. Starts
   * re-pairing at the next epoch at once (the peer moves up to it when our first frame opens).
   */
  resume(lastEpoch: number): void {
    this.everUp = true;
    this.epoch = lastEpoch;
    this.repair();
  }

  get isUp(): boolean {
    return this.up;
  }

  get currentEpoch(): number {
    return this.epoch;
  }

  /** Sends a peer message on the verified link. @throws ParleyError `PEER_GONE` while down. */
  send(message: PeerMessage): void {
    if (!this.up || !this.link) throw new ParleyError('PEER_GONE', 'link is down');
    this.link.send(message);
  }

  sendBulk(plaintext: Uint8Array): Promise<void> {
    if (!this.up || !this.link) return Promise.reject(new ParleyError('PEER_GONE', 'link is down'));
    return this.link.sendBulk(plaintext);
  }

  addStream(stream: MediaStream): void {
    if (!this.up || !this.link) throw new ParleyError('PEER_GONE', 'link is down');
    this.link.addStream(stream);
  }

  removeStream(stream: MediaStream): void {
    this.link?.removeStream(stream);
  }

  /**
   * A relay from the server. Before the first link is verified a bad one is fatal (it is the
   * setup); afterwards it is only ever the server's doing and is dropped with a warning.
   */
  handleRelay(data: string): void {
    try {
      const { kind, body } = decodeRelay(data);
      if (kind === RelayKind.Signal) {
        if (this.epoch === 0) this.link?.handleSignal(body);
        return;
      }
      // A late PAKE share or confirmation: the key is settled, there is nothing to do with it.
      if (kind !== RelayKind.Repair || this.ending) return;
      const { epoch, sealed } = decodeRepair(body);
      if (epoch === this.epoch && this.link) return this.link.handleSignal(sealed);
      if (epoch > this.epoch && this.everUp) return this.moveTo(epoch, sealed);
      // An older epoch's straggler, or a repair before the session was ever up: nothing to do.
    } catch (err) {
      if (!this.everUp) throw err;
      this.emit('warning', err instanceof ParleyError ? err : new ParleyError('MALFORMED', String(err)));
    }
  }

  /** We said goodbye: the link is about to close and must not be re-paired. */
  windDown(): void {
    this.ending = true;
    this.clearTimers();
  }

  /** The peer left the signaling room for good: if the link is down there is nobody to re-pair with. */
  peerAbsent(): void {
    this.peerPresent = false;
    if (!this.up && this.everUp) this.giveUp();
  }

  /** The peer is in the signaling room again (it came back after a reload or an outage): re-pair now if down. */
  peerPresentAgain(): void {
    this.peerPresent = true;
    if (this.everUp && !this.up && !this.closed && !this.ending) this.repair();
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.clearTimers();
    this.dropLink();
    this.clear();
  }

  /** The peer wants epoch `epoch`: build that link and let it take the frame; keep ours if it does not open. */
  private moveTo(epoch: number, sealed: Uint8Array): void {
    const previous = this.link;
    const candidate = this.build(epoch, false);
    try {
      candidate.handleSignal(sealed);
    } catch (err) {
      candidate.destroy();
      throw err;
    }
    this.epoch = epoch;
    if (previous) this.retire(previous);
    this.link = candidate;
    if (this.up) this.markDown();
    this.armAttempt();
  }

  /** Makes the link for `epoch`, wires it, and (by default) makes it current. */
  private build(epoch: number, makeCurrent = true): PeerLink {
    const { role, isk, sid, ice, relay, canRelay } = this.options;
    const createLink = this.options.createLink ?? ((o: PeerLinkOptions) => new PeerLink(o));
    const keys = deriveSessionKeys(isk, sid, role, epoch);
    const link = createLink({ role, keys, ice, relay, canRelay, epoch });
    if (makeCurrent) {
      this.link = link;
      this.epoch = epoch;
    }
    link.on('verified', () => {
      if (link !== this.link) return;
      this.clearTimers();
      this.up = true;
      this.everUp = true;
      this.emit('up', { epoch });
    });
    link.on('message', (message) => link === this.link && this.emit('message', message));
    link.on('bulk', (plaintext) => link === this.link && this.emit('bulk', plaintext));
    link.on('stream', (stream) => link === this.link && this.emit('stream', stream));
    link.on('rejected', (err) => this.emit('warning', err));
    link.on('stalled', () => link === this.link && this.onStalled(link));
    link.on('resumed', () => {
      if (link !== this.link || this.up || this.closed) return;
      this.clearTimers();
      this.up = true;
      this.emit('up', { epoch });
    });
    link.on('closed', (err) => {
      if (link !== this.link || this.closed || this.ending) return;
      this.onLinkClosed(err);
    });
    return link;
  }

  private onLinkClosed(err: ParleyError | null): void {
    // An attack on the connection (wrong DTLS certificates, forged frames) is never retried.
    if (err && SECURITY_ERRORS.has(err.code)) return this.fail(err);
    if (!this.everUp) return this.fail(err ?? new ParleyError('CONNECTION_FAILED', 'link closed during setup'));
    if (this.up) this.markDown();
    if (!this.peerPresent) return this.giveUp();
    this.repair();
  }

  /** The link went silent: restart ICE on it (the rep does; the customer asks) and give it one attempt's time. */
  private onStalled(link: PeerLink): void {
    if (this.closed || this.ending || !this.up) return;
    this.markDown();
    if (this.options.role === 'rep') link.restartIce();
    else link.askForRestart();
    this.armAttempt();
  }

  private markDown(): void {
    this.up = false;
    this.emit('down', undefined);
  }

  /** Starts the next epoch: the rep offers; the customer asks for an offer. */
  private repair(): void {
    if (this.closed) return;
    const old = this.link;
    const next = this.epoch + 1;
    if (old) this.retire(old);
    const link = this.build(next);
    if (this.options.role === 'customer') link.requestOffer();
    this.armAttempt();
  }

  private armAttempt(): void {
    if (this.attemptTimer) clearTimeout(this.attemptTimer);
    this.attemptTimer = setTimeout(() => {
      this.attemptTimer = null;
      if (!this.up && !this.closed) this.repair();
    }, REPAIR_ATTEMPT_MS);
  }

  /** Closes a link we moved away from without treating it as a loss. */
  private retire(link: PeerLink): void {
    if (this.link === link) this.link = null;
    link.destroy();
  }

  private dropLink(): void {
    const link = this.link;
    this.link = null;
    link?.destroy();
  }

  private giveUp(): void {
    if (this.closed) return;
    this.clearTimers();
    this.dropLink();
    this.emit('closed', null);
  }

  private fail(err: ParleyError): void {
    if (this.closed) return;
    this.clearTimers();
    this.dropLink();
    this.emit('closed', err);
  }

  private clearTimers(): void {
    if (this.attemptTimer) clearTimeout(this.attemptTimer);
    this.attemptTimer = null;
  }
}
