/**
 * PeerLink: one WebRTC data channel (simple-peer) whose signaling travels sealed through the
 * portal and whose messages are sealed again with the directional data keys.
 *
 * After the channel opens, each side proves which DTLS certificates it sees (fp-proof). Only
 * when the peer's proof checks out does the link emit `verified`: until then nothing but the
 * proof is accepted from the channel.
 */
import Peer from '@thaunknown/simple-peer/lite.js';
import { ParleyError } from '@protocol/errors.ts';
import { RelayKind, encodeRelay } from '@protocol/envelope.ts';
import { fingerprintProof, verifyFingerprintProof, type SessionKeys } from '@protocol/keys.ts';
import { Opener, Sealer, openJson, sealJson } from '@protocol/seal.ts';
import { MAX_PEER_PLAINTEXT, PeerType, parsePeerMessage, parsePeerSignal, type PeerMessage } from '@protocol/peer.ts';
import { fromBase64Url, toBase64Url } from '@protocol/base64.ts';
import { peerRole, type Role } from '@protocol/cpace.ts';
import type { IceServer } from '@protocol/signaling.ts';
import { Emitter } from './emitter.ts';
import { readDtlsFingerprints } from './fingerprints.ts';

export interface PeerLinkEvents {
  verified: void;
  message: PeerMessage;
  /** A single bad message was rejected; the link goes on. */
  rejected: ParleyError;
  /** The link is over; `null` when it closed without an error. */
  closed: ParleyError | null;
}

export interface PeerLinkOptions {
  role: Role;
  keys: SessionKeys;
  iceServers: IceServer[];
  /** Sends a relay envelope to the other side through the signaling server. */
  relay: (data: string) => void;
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

  constructor(private readonly options: PeerLinkOptions) {
    super();
    const { keys, role } = options;
    this.signalSealer = new Sealer(keys.signalSend);
    this.signalOpener = new Opener(keys.signalRecv);
    this.dataSealer = new Sealer(keys.dataSend);
    this.dataOpener = new Opener(keys.dataRecv, { maxPlaintext: MAX_PEER_PLAINTEXT });
    this.peer = new Peer({
      initiator: role === 'rep',
      trickle: true,
      config: { iceServers: options.iceServers },
      channelConfig: { ordered: true },
    });
    this.peer.on('signal', (signal: unknown) => {
      if (this.destroyed) return;
      try {
        options.relay(encodeRelay(RelayKind.Signal, sealJson(this.signalSealer, signal)));
      } catch (err) {
        // Thrown inside simple-peer's event: end the link here instead of leaving it half set up.
        this.destroy(err instanceof ParleyError ? err : new ParleyError('CONNECTION_FAILED', String(err)));
      }
    });
    this.peer.on('connect', () => {
      performance.mark('parley:channel-open');
      this.watchChannel();
      void this.proveFingerprints();
    });
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
  }

  /** A sealed `signal` envelope body from the other side. Tampering or replay is fatal. */
  handleSignal(frame: Uint8Array): void {
    if (this.destroyed) return;
    const signal = parsePeerSignal(openJson(this.signalOpener, frame));
    this.peer.signal(signal);
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
    this.emit('verified', undefined);
  }

  private receive(chunk: Uint8Array): void {
    if (this.destroyed) return;
    let message: PeerMessage;
    try {
      // Authentication and ordering failures are attacks: fatal.
      const value = openJson(this.dataOpener, chunk);
      try {
        message = parsePeerMessage(value);
      } catch (err) {
        // A well-sealed but unknown/invalid message is the peer's bug, not an attack: skip it.
        if (!this.verified) throw err;
        this.emit('rejected', err as ParleyError);
        return;
      }
      if (!this.verified) {
        this.checkProof(message);
        return;
      }
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
    try {
      this.peer.destroy();
    } catch {
      // already torn down by simple-peer
    }
    this.emit('closed', err);
    this.clear();
  }
}
