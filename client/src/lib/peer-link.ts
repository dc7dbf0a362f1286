/**
 * PeerLink: one WebRTC connection (simple-peer) whose signaling travels sealed through the
 * portal and whose messages are sealed again with the directional data keys.
 *
 * After the channel opens, each side proves which DTLS certificates it sees (fp-proof). Only
 * when the peer's proof checks out does the link emit `verified`: until then nothing but the
 * proof is accepted from the channel.
 *
 * Once verified, later signals (renegotiation to add or remove the screen-share track) travel
 * as `rtc-signal` messages over the encrypted channel itself, not through the server. File
 * chunks go on a second, pre-negotiated channel with its own keys (bulk-channel.ts).
 *
 * A link belongs to one `epoch` (keys.ts): the first link is epoch 0, each re-pair after a
 * lost connection builds a new link with the next epoch's keys.
 *
 * A verified link sends a heartbeat (heartbeat.ts) and reports `stalled` when the peer falls
 * silent. While stalled, and until an ICE restart has settled, its signals go sealed through
 * the server again: the data channel they would otherwise use is the thing that is broken.
 */
import Peer from '@thaunknown/simple-peer';
import { ParleyError } from '@protocol/errors.ts';
import { RelayKind, encodeRelay, encodeRepair } from '@protocol/envelope.ts';
import { fingerprintProof, verifyFingerprintProof, type SessionKeys } from '@protocol/keys.ts';
import { Opener, Sealer, openJson, sealJson } from '@protocol/seal.ts';
import { MAX_PEER_PLAINTEXT, PeerType, parsePeerMessage, parsePeerSignal, type PeerMessage } from '@protocol/peer.ts';
import { fromBase64Url, toBase64Url } from '@protocol/base64.ts';
import { peerRole, type Role } from '@protocol/cpace.ts';
import { Emitter } from './emitter.ts';
import type { IceConfig } from './ice-settings.ts';
import { readDtlsFingerprints } from './fingerprints.ts';
import { BulkChannel } from './bulk-channel.ts';
import { Heartbeat } from './heartbeat.ts';

/** Messages kept while our own fingerprint check is still running (see receive). */
const MAX_EARLY_MESSAGES = 64;

export interface PeerLinkEvents {
  verified: void;
  message: PeerMessage;
  /** A single bad message was rejected; the link goes on. */
  rejected: ParleyError;
  /** The link is over; `null` when it closed without an error. */
  closed: ParleyError | null;
  /** One opened bulk-channel frame (a file chunk). */
  bulk: Uint8Array;
  /** The peer's media stream (screen sharing) arrived. */
  stream: MediaStream;
  /** The verified peer fell silent: the path is broken (see heartbeat.ts). */
  stalled: void;
  /** The peer is heard again after a stall. */
  resumed: void;
}

export interface PeerLinkOptions {
  role: Role;
  keys: SessionKeys;
  /**
   * ICE servers and transport policy, read when the connection is made and again at each ICE
   * restart (TURN credentials are short-lived: see ice-settings.ts).
   */
  ice: () => IceConfig;
  /** Sends a relay envelope to the other side through the signaling server. */
  relay: (data: string) => void;
  /**
   * Whether the server can take a relay now. When it cannot (the signaling server is down), a
   * verified link sends its signals over the data channel instead, so renegotiation (screen
   * sharing) still works peer to peer. Default: always.
   */
  canRelay?: () => boolean;
  /** Which link of the session this is (0 = first); `keys` must be this epoch's. */
  epoch?: number;
}

export class PeerLink extends Emitter<PeerLinkEvents> {
  private readonly peer: Peer;
  private readonly signalSealer: Sealer;
  private readonly signalOpener: Opener;
  private readonly dataSealer: Sealer;
  private readonly dataOpener: Opener;
  private verified = false;
  private destroyed = false;
  private localFingerprints: { local: string; remote: string } | null = null;
  private pendingProof: PeerMessage | null = null;
  private bulk: BulkChannel | null = null;
  private earlyMessages: PeerMessage[] = [];
  /** Signals go through the server (sealed) rather than the data channel: see the header. */
  private relaySignals = true;
  private readonly heartbeat: Heartbeat;
  readonly epoch: number;
  private readonly initiator: boolean;

  constructor(private readonly options: PeerLinkOptions) {
    super();
    const { keys, role } = options;
    this.epoch = options.epoch ?? 0;
    this.initiator = role === 'rep'; // the rep always makes the offer, on every epoch
    this.signalSealer = new Sealer(keys.signalSend);
    this.signalOpener = new Opener(keys.signalRecv);
    this.dataSealer = new Sealer(keys.dataSend);
    this.dataOpener = new Opener(keys.dataRecv, { maxPlaintext: MAX_PEER_PLAINTEXT });
    this.peer = new Peer({
      initiator: this.initiator,
      trickle: true,
      config: options.ice(),
      channelConfig: { ordered: true },
    });
    this.markConnectionSteps();
    this.heartbeat = new Heartbeat({
      ping: () => this.send({ type: PeerType.Ping }),
      onStalled: () => {
        this.relaySignals = true;
        this.emit('stalled', undefined);
      },
      onResumed: () => {
        this.emit('resumed', undefined);
        this.settleSignalPath();
      },
    });
    this.peer.on('signal', (signal: unknown) => {
      if (this.destroyed) return;
      try {
        const viaServer = this.relaySignals && (!this.verified || (this.options.canRelay?.() ?? true));
        if (!viaServer) return this.send({ type: PeerType.RtcSignal, signal: parsePeerSignal(signal) });
        this.relaySealed(sealJson(this.signalSealer, signal));
      } catch (err) {
        // Thrown inside simple-peer's event: end the link here instead of leaving it half set up.
        this.destroy(err instanceof ParleyError ? err : new ParleyError('CONNECTION_FAILED', String(err)));
      }
    });
    this.peer.on('connect', () => {
      performance.mark('parley:channel-open');
      this.watchChannel();
      this.openBulk();
      void this.proveFingerprints();
    });
    this.peer.on('stream', (stream: MediaStream) => this.emit('stream', stream));
    this.peer.on('data', (chunk: Uint8Array) => this.receive(chunk));
    // After verification a transport error means the peer is gone (its browser died, the network
    // went away): the session ends as "connection lost", not as a failure to connect.
    this.peer.on('error', (err: Error & { code?: string }) =>
      this.destroy(this.verified ? null : new ParleyError('CONNECTION_FAILED', `peer: ${err.code ?? err.message}`)),
    );
    this.peer.on('close', () => this.destroy(this.verified ? null : new ParleyError('CONNECTION_FAILED', 'peer closed')));
  }

  /**
   * simple-peer's own teardown on a closing channel emits no 'close' we can rely on, so watch
   * the channel and the connection state directly: a peer whose tab closed must show up as
   * gone, not as "Connected" forever.
   */
  private watchChannel(): void {
    const internals = this.peer as unknown as { _channel?: RTCDataChannel; _pc?: RTCPeerConnection };
    const gone = () => this.destroy(this.verified ? null : new ParleyError('CONNECTION_FAILED', 'channel closed'));
    internals._channel?.addEventListener('close', gone);
    internals._pc?.addEventListener('connectionstatechange', () => {
      const state = internals._pc?.connectionState;
      if (state === 'failed' || state === 'closed') gone();
    });
    internals._pc?.addEventListener('signalingstatechange', () => this.settleSignalPath());
    internals._pc?.addEventListener('icegatheringstatechange', () => this.settleSignalPath());
  }

  /** Performance marks of the connection's steps: where a join's time goes (test/bench/join.ts). */
  private markConnectionSteps(): void {
    const pc = this.pc;
    if (!pc || typeof performance?.mark !== 'function') return;
    pc.addEventListener('signalingstatechange', () => performance.mark(`parley:sdp-${pc.signalingState}`));
    pc.addEventListener('iceconnectionstatechange', () => performance.mark(`parley:ice-${pc.iceConnectionState}`));
    pc.addEventListener('connectionstatechange', () => performance.mark(`parley:pc-${pc.connectionState}`));
  }

  private get pc(): RTCPeerConnection | undefined {
    return (this.peer as unknown as { _pc?: RTCPeerConnection })._pc;
  }

  private relaySealed(sealed: Uint8Array): void {
    this.options.relay(this.epoch === 0 ? encodeRelay(RelayKind.Signal, sealed) : encodeRelay(RelayKind.Repair, encodeRepair(this.epoch, sealed)));
  }

  /**
   * Back to the data channel for signals once the link is verified, heard, and no offer,
   * answer or candidate of a restart is still on its way (all of one negotiation must take
   * the same path, or a candidate could overtake its description).
   */
  private settleSignalPath(): void {
    const pc = this.pc;
    if (!this.verified || this.heartbeat.isStalled || !pc) return;
    if (pc.signalingState === 'stable' && pc.iceGatheringState === 'complete') this.relaySignals = false;
  }

  /**
   * Rep: restarts ICE on this connection (new candidates, same DTLS session and channels),
   * the offer going through the server. A negotiation already under way is left to finish.
   */
  restartIce(): void {
    const pc = this.pc;
    if (this.destroyed || !this.verified || !pc || !this.initiator || pc.signalingState !== 'stable') return;
    this.relaySignals = true;
    this.useCurrentIce(pc);
    pc.restartIce();
    (this.peer as unknown as { negotiate(): void }).negotiate(); // missing from the type definitions
  }

  /** Customer: asks the rep, through the server, to restart ICE on this link. */
  askForRestart(): void {
    if (this.destroyed || this.initiator) return;
    this.relaySignals = true;
    if (this.pc) this.useCurrentIce(this.pc);
    this.relaySealed(sealJson(this.signalSealer, { type: 'renegotiate', renegotiate: true }));
  }

  /**
   * Gives the connection the current ICE settings before it gathers candidates again (an ICE
   * restart), so it allocates its TURN relay with credentials that still work.
   */
  private useCurrentIce(pc: RTCPeerConnection): void {
    try {
      pc.setConfiguration({ ...pc.getConfiguration(), ...this.options.ice() });
    } catch {
      // The browser refused the change: the restart goes on with the settings it has.
    }
  }

  private openBulk(): void {
    const pc = (this.peer as unknown as { _pc?: RTCPeerConnection })._pc;
    if (!pc) return;
    this.bulk = BulkChannel.open(pc, {
      sendKey: this.options.keys.bulkSend,
      recvKey: this.options.keys.bulkRecv,
      accepting: () => this.verified && !this.destroyed,
      onFrame: (plaintext) => {
        this.heartbeat.heard();
        this.emit('bulk', plaintext);
      },
      onFatal: (err) => this.destroy(err),
    });
  }

  /**
   * Sends one file chunk frame on the bulk channel; resolves when the channel can take more.
   * @throws ParleyError `PEER_GONE` when the link is closed or not verified.
   */
  sendBulk(plaintext: Uint8Array): Promise<void> {
    if (this.destroyed || !this.verified || !this.bulk) return Promise.reject(new ParleyError('PEER_GONE', 'link not ready'));
    return this.bulk.send(plaintext);
  }

  /** Adds our screen-share stream to the connection (renegotiated over the data channel). */
  addStream(stream: MediaStream): void {
    if (this.destroyed || !this.verified) throw new ParleyError('PEER_GONE', 'link not ready');
    this.peer.addStream(stream);
  }

  /** Takes a stream added with addStream off the connection again. */
  removeStream(stream: MediaStream): void {
    if (this.destroyed) return;
    try {
      this.peer.removeStream(stream);
    } catch {
      // never added on this link (e.g. it was re-paired meanwhile)
    }
  }

  /** A sealed `signal` envelope body from the other side. Tampering or replay is fatal. */
  handleSignal(frame: Uint8Array): void {
    if (this.destroyed) return;
    const signal = parsePeerSignal(openJson(this.signalOpener, frame));
    // Once verified, a signal through the server means the peer cannot use the channel: answer
    // the same way. An offer that way is the rep's ICE restart: gather with the current settings.
    if (this.verified) {
      this.relaySignals = true;
      if (signal.type === 'offer' && this.pc) this.useCurrentIce(this.pc);
    }
    if (signal.type === 'renegotiate' && this.initiator) {
      // Before verification this is a re-pair request (our fresh link is already offering);
      // after it, the customer lost us and asks for an ICE restart.
      if (this.verified) this.restartIce();
      return;
    }
    this.peer.signal(signal);
  }

  /**
   * Customer side of a re-pair: asks the rep, through the server, for an offer on this
   * link's epoch (the rep always makes the offer).
   */
  requestOffer(): void {
    if (this.destroyed || this.epoch === 0) return;
    this.relaySealed(sealJson(this.signalSealer, { type: 'renegotiate', renegotiate: true }));
  }

  send(message: PeerMessage): void {
    if (this.destroyed) throw new ParleyError('PEER_GONE', 'link closed');
    if (!this.verified && message.type !== PeerType.FingerprintProof) throw new ParleyError('CONNECTION_FAILED', 'not verified yet');
    this.peer.send(sealJson(this.dataSealer, message));
  }

  get isVerified(): boolean {
    return this.verified;
  }

  private async proveFingerprints(): Promise<void> {
    try {
      const pc = (this.peer as unknown as { _pc: RTCPeerConnection })._pc;
      this.localFingerprints = await readDtlsFingerprints(pc);
      if (this.destroyed) return;
      const { local, remote } = this.localFingerprints;
      const mac = fingerprintProof(this.options.keys.fingerprint, this.options.role, local, remote);
      this.send({ type: PeerType.FingerprintProof, local, remote, mac: toBase64Url(mac) });
      if (this.pendingProof) this.checkProof(this.pendingProof);
    } catch (err) {
      this.destroy(err instanceof ParleyError ? err : new ParleyError('CONNECTION_FAILED', String(err)));
    }
  }

  private checkProof(message: PeerMessage): void {
    if (message.type !== PeerType.FingerprintProof) {
      throw new ParleyError('FINGERPRINT_MISMATCH', 'message before fingerprint proof');
    }
    const mine = this.localFingerprints;
    if (!mine) {
      this.pendingProof = message; // our own stats are not read yet
      return;
    }
    const otherRole = peerRole(this.options.role);
    // The MAC is checked over what *we* see on the wire: the peer's local certificate must be
    // our remote one and vice versa. The fingerprints the peer claims are not trusted.
    const ok = verifyFingerprintProof(this.options.keys.fingerprint, otherRole, mine.remote, mine.local, fromBase64Url(message.mac));
    if (!ok) throw new ParleyError('FINGERPRINT_MISMATCH', 'DTLS fingerprints differ');
    this.verified = true;
    this.pendingProof = null;
    this.heartbeat.start();
    this.settleSignalPath();
    this.emit('verified', undefined);
    for (const early of this.earlyMessages.splice(0)) {
      if (this.destroyed) return;
      if (early.type === PeerType.RtcSignal) this.peer.signal(early.signal);
      else this.emit('message', early);
    }
  }

  private receive(chunk: Uint8Array): void {
    if (this.destroyed) return;
    let message: PeerMessage;
    try {
      // Authentication and ordering failures are attacks: fatal.
      const value = openJson(this.dataOpener, chunk);
      this.heartbeat.heard();
      try {
        message = parsePeerMessage(value);
      } catch (err) {
        // A well-sealed but unknown/invalid message is the peer's bug, not an attack: skip it.
        if (!this.verified) throw err;
        this.emit('rejected', err as ParleyError);
        return;
      }
      if (!this.verified) {
        // The peer may verify us (and start talking) while our own stats are still being
        // read: keep what follows its proof until we have checked that proof.
        if (this.pendingProof && message.type !== PeerType.FingerprintProof) {
          if (message.type === PeerType.Ping) return; // the peer verified us first; nothing to keep
          if (this.earlyMessages.length >= MAX_EARLY_MESSAGES) throw new ParleyError('MALFORMED', 'too many messages before verification');
          this.earlyMessages.push(message);
          return;
        }
        this.checkProof(message);
        return;
      }
      if (message.type === PeerType.RtcSignal) {
        this.peer.signal(message.signal);
        return;
      }
      if (message.type === PeerType.Ping) return;
    } catch (err) {
      this.destroy(err instanceof ParleyError ? err : new ParleyError('MALFORMED', String(err)));
      return;
    }
    this.emit('message', message);
  }

  /** One teardown path, safe to call twice. */
  destroy(err: ParleyError | null = null): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.heartbeat.stop();
    this.bulk?.close();
    try {
      this.peer.destroy();
    } catch {
      // already torn down by simple-peer
    }
    this.emit('closed', err);
    this.clear();
  }
}
