/**
 * In-memory stand-ins for what a Session talks to, so its state machine can be tested without
 * a network or WebRTC:
 *
 * - FakeSignalingServer + FakePortal: one room, two members, relays forwarded asynchronously
 *   (one microtask each, in order, like a socket). The server is hostile on demand: `intercept`
 *   sees every relay and decides what is forwarded (tamper, drop, duplicate, hold for later), and
 *   `send`/`inject` push any event to one side.
 * - FakeLinkNet + FakeLink: a PeerLink pair. It uses the real session keys: signals are sealed
 *   with `keys.signalSend` and opened with `keys.signalRecv`, data messages with the data keys,
 *   so tampering or replay in transit fails for real (TAMPERED / REPLAYED), as in PeerLink.
 *   The rep sends an offer and a candidate on creation, the customer answers the offer, and
 *   when the rep opens the answer both links become verified (if both are still alive).
 */
import type { PeerLink, PeerLinkEvents, PeerLinkOptions } from '../../client/src/lib/peer-link.ts';
import type { CreatedRoom, JoinedRoom, PortalEvents } from '../../client/src/lib/portal.ts';
import { Emitter } from '../../client/src/lib/emitter.ts';
import { toBase64Url, fromBase64Url } from '../../protocol/base64.ts';
import { peerRole, type Role } from '../../protocol/cpace.ts';
import { RelayKind, decodeRelay, encodeRelay, encodeRepair } from '../../protocol/envelope.ts';
import { ParleyError, type ErrorCode } from '../../protocol/errors.ts';
import { MAX_PEER_PLAINTEXT, parsePeerMessage, parsePeerSignal, type PeerMessage, type PeerSignal } from '../../protocol/peer.ts';
import { Opener, Sealer, openJson, sealJson } from '../../protocol/seal.ts';

export type Side = Role;

/** One relay as a client sent it to the server. */
export interface RelayPacket {
  from: Side;
  to: Side;
  data: string;
}

/** A promise with its settle functions outside. */
export interface Gate<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (err: unknown) => void;
}

export function gate<T>(): Gate<T> {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every pending microtask (and the chains they start) run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The kind of a relay envelope. */
export function kindOf(data: string): RelayKind {
  return decodeRelay(data).kind;
}

/**
 * The same envelope with bit 0 of the body's first byte flipped. For a PAKE share that makes the
 * ristretto255 encoding "negative", which never decodes; for a confirmation it changes the MAC;
 * for a sealed signal it changes the counter, which is the nonce, so authentication fails.
 */
export function tamperRelay(data: string): string {
  const bytes = fromBase64Url(data);
  bytes[1] = (bytes[1] ?? 0) ^ 1;
  return toBase64Url(bytes);
}

/** 32 random bytes as the server's room sid. */
function randomSid(): string {
  return toBase64Url(globalThis.crypto.getRandomValues(new Uint8Array(32)));
}

export class FakePortal extends Emitter<PortalEvents> {
  destroyed = false;
  /** Every call the session made, in order (`joinRoom:482`, `relay:1`, …; relays with their kind). */
  readonly calls: string[] = [];
  /** Every relay delivered to this portal's listeners. */
  readonly received: string[] = [];
  private pendingConnect: Gate<void> | null = null;

  constructor(
    private readonly server: FakeSignalingServer,
    readonly side: Side,
  ) {
    super();
  }

  /** As Portal: whether relays can go out now. */
  get connected(): boolean {
    return !this.destroyed;
  }

  connect(): Promise<void> {
    this.calls.push('connect');
    if (this.destroyed) return Promise.reject(new ParleyError('CONNECTION_FAILED', 'portal destroyed'));
    const held = this.server.connectGate;
    if (!held) return Promise.resolve();
    // Like Portal: destroy() during the attempt settles it (unless the test wants it left hanging).
    this.pendingConnect = gate<void>();
    held.promise.then(this.pendingConnect.resolve, this.pendingConnect.reject);
    return this.pendingConnect.promise;
  }

  createRoom(): Promise<CreatedRoom> {
    this.calls.push('createRoom');
    return this.server.createRoom(this);
  }

  joinRoom(nameplate: string): Promise<JoinedRoom> {
    this.calls.push(`joinRoom:${nameplate}`);
    return this.server.joinRoom(this, nameplate);
  }

  relay(data: string): void {
    this.calls.push(`relay:${kindOf(data)}`);
    if (!this.destroyed) this.server.relay(this, data);
  }

  claimRoom(proof: Uint8Array): Promise<void> {
    this.calls.push('claimRoom');
    return this.server.claim(this, proof);
  }

  resumeRoom(sid: string, role: Side, proof: Uint8Array): Promise<{ peerPresent: boolean; iceServers: [] }> {
    this.calls.push(`resumeRoom:${role}`);
    return this.server.resume(this, sid, role, proof);
  }

  reportBadKey(): void {
    this.calls.push('reportBadKey');
    if (!this.destroyed) this.server.badKey(this);
  }

  leave(): void {
    this.calls.push('leave');
    if (!this.destroyed) this.server.leave(this);
  }

  destroy(): void {
    this.calls.push('destroy');
    if (this.destroyed) return;
    this.destroyed = true;
    if (this.server.rejectConnectOnDestroy) {
      this.pendingConnect?.reject(new ParleyError('CONNECTION_FAILED', 'portal closed while connecting'));
    }
    this.clear();
    this.server.disconnect(this);
  }

  /** Emits a portal event now (the server delivers through this). A destroyed portal is silent. */
  fire<K extends keyof PortalEvents>(event: K, payload: PortalEvents[K]): void {
    if (this.destroyed) return;
    if (event === 'relay') this.received.push(payload as string);
    this.emit(event, payload);
  }
}

/** One room on an in-memory signaling server, with hooks for a hostile server. */
export class FakeSignalingServer {
  readonly nameplate = '482';
  readonly sid = randomSid();
  readonly expiresAt = Date.now() + 10 * 60_000;
  readonly portals: Partial<Record<Side, FakePortal>> = {};
  /** Why the room closed (`null` while it is open). */
  closed: ErrorCode | null = null;
  /** Who sent `bad-key`, in order. */
  readonly badKeyReports: Side[] = [];
  /** Every relay a client sent, in order (before `intercept`). */
  readonly log: RelayPacket[] = [];
  /** Decides what is forwarded for each relay: the data strings to deliver, in order. */
  intercept: (packet: RelayPacket) => string[] = (packet) => [packet.data];
  /** When set, `connect()` waits for it. */
  connectGate: Gate<void> | null = null;
  /** Whether a portal destroyed during `connect()` rejects it (as Portal does). */
  rejectConnectOnDestroy = true;
  /** When set, the join answer waits for it (the customer is already in the room meanwhile). */
  joinGate: Gate<void> | null = null;
  private members: { rep: FakePortal | null; customer: FakePortal | null } = { rep: null, customer: null };
  /** The first room proof claimed (base64url), as the real server keeps its hash. */
  claimed: string | null = null;

  claim(portal: FakePortal, proof: Uint8Array): Promise<void> {
    if (this.members[portal.side] !== portal) return Promise.reject(new ParleyError('NOT_IN_ROOM'));
    this.claimed ??= toBase64Url(proof);
    return this.claimed === toBase64Url(proof) ? Promise.resolve() : Promise.reject(new ParleyError('RESUME_REFUSED'));
  }

  /** As the real server: a member with the claimed proof takes its place again; the other is told. */
  async resume(portal: FakePortal, sid: string, side: Side, proof: Uint8Array): Promise<{ peerPresent: boolean; iceServers: [] }> {
    if (sid !== this.sid || this.claimed !== toBase64Url(proof)) throw new ParleyError('RESUME_REFUSED');
    if (this.closed) throw new ParleyError(this.closed);
    this.portals[side] = portal;
    this.members[side] = portal;
    const other = peerRole(side);
    if (this.members[other]) this.send(other, 'peer-back', undefined);
    return { peerPresent: !!this.members[other], iceServers: [] };
  }

  /** The member's socket dropped without leaving: its place is kept (the rejoin window), the other is told. */
  drop(side: Side): void {
    const portal = this.members[side];
    if (!portal) return;
    portal.destroyed = true; // its page is gone: it says nothing more, not even leave
    this.members[side] = null;
    this.send(peerRole(side), 'peer-away', undefined);
  }

  portal(side: Side): FakePortal {
    const portal = new FakePortal(this, side);
    this.portals[side] = portal;
    return portal;
  }

  /** Delivers an event to one side after the current task's microtasks queued so far (FIFO). */
  send<K extends keyof PortalEvents>(to: Side, event: K, payload: PortalEvents[K]): void {
    const portal = this.portals[to];
    queueMicrotask(() => portal?.fire(event, payload));
  }

  /** Delivers a relay the peer never sent. */
  inject(to: Side, data: string): void {
    this.send(to, 'relay', data);
  }

  /** The relays `from` sent of this kind (as sent, before `intercept`). */
  sent(from: Side, kind: RelayKind): string[] {
    return this.log.filter((p) => p.from === from && kindOf(p.data) === kind).map((p) => p.data);
  }

  createRoom(portal: FakePortal): Promise<CreatedRoom> {
    this.members.rep = portal;
    return Promise.resolve({ nameplate: this.nameplate, sid: this.sid, expiresAt: this.expiresAt, iceServers: [] });
  }

  async joinRoom(portal: FakePortal, nameplate: string): Promise<JoinedRoom> {
    if (nameplate !== this.nameplate || !this.members.rep) throw new ParleyError('ROOM_NOT_FOUND');
    if (this.closed) throw new ParleyError(this.closed);
    if (this.members.customer) throw new ParleyError('ROOM_CROWDED');
    this.members.customer = portal;
    // As the real server: peer-joined goes to the rep before the join answer.
    this.send('rep', 'peer-joined', undefined);
    if (this.joinGate) await this.joinGate.promise;
    if (portal.destroyed) throw new ParleyError('SERVER_UNREACHABLE', 'no answer');
    return { sid: this.sid, iceServers: [] };
  }

  relay(from: FakePortal, data: string): void {
    const to = peerRole(from.side);
    const packet = { from: from.side, to, data };
    this.log.push(packet);
    if (this.closed || this.members[from.side] !== from || !this.members[to]) return; // NOT_IN_ROOM
    for (const out of this.intercept(packet)) this.send(to, 'relay', out);
  }

  badKey(from: FakePortal): void {
    this.badKeyReports.push(from.side);
    if (this.closed) return;
    this.close('ROOM_BURNED');
  }

  /** Closes the room and tells both members (as bad-key, expiry or the rep leaving do). */
  close(reason: ErrorCode): void {
    this.closed = reason;
    for (const side of ['rep', 'customer'] as const) {
      if (this.members[side]) this.send(side, 'room-closed', reason);
    }
  }

  leave(from: FakePortal): void {
    if (this.closed) return;
    if (this.members.rep === from) {
      this.closed = 'PEER_GONE';
      if (this.members.customer) {
        this.send('customer', 'peer-left', undefined);
        this.send('customer', 'room-closed', 'PEER_GONE');
      }
    } else if (this.members.customer === from) {
      this.members.customer = null;
      this.send('rep', 'peer-left', undefined);
    }
  }

  disconnect(portal: FakePortal): void {
    this.leave(portal);
  }
}

/** A pair of in-memory peer links, made through Session's `createLink` option. */
export class FakeLinkNet {
  readonly links: Partial<Record<Role, FakeLink>> = {};
  /** Rewrites what a side's session sends over its link, before sealing (a misbehaving peer). */
  rewrite: ((from: Role, message: PeerMessage) => PeerMessage) | null = null;

  readonly createLink = (options: PeerLinkOptions): PeerLink => {
    const link = new FakeLink(this, options);
    this.links[options.role] = link;
    return link as unknown as PeerLink;
  };

  link(role: Role): FakeLink {
    const link = this.links[role];
    if (!link) throw new Error(`no ${role} link`);
    return link;
  }

  /** The channel opens: both links become verified at once, if both are still alive. */
  open(): void {
    queueMicrotask(() => {
      const { rep, customer } = this.links;
      if (!rep || !customer || rep.destroyed || customer.destroyed || rep.epoch !== customer.epoch) return;
      rep.verified = true;
      customer.verified = true;
      rep.fire('verified', undefined);
      customer.fire('verified', undefined);
    });
  }
}

export class FakeLink extends Emitter<PeerLinkEvents> {
  verified = false;
  destroyed = false;
  /** What `destroy` was called with (undefined: not destroyed). */
  destroyedWith: ParleyError | null | undefined = undefined;
  /** Signals opened from the peer, in order. */
  readonly signals: PeerSignal[] = [];
  /** Messages this link sealed and sent, in order. */
  readonly sent: PeerMessage[] = [];
  readonly role: Role;
  readonly epoch: number;
  /** Bulk frames this link sent, in order. */
  readonly bulkSent: Uint8Array[] = [];
  /** Streams added and not removed. */
  readonly streams = new Set<MediaStream>();
  private readonly signalSealer: Sealer;
  private readonly signalOpener: Opener;
  private readonly dataSealer: Sealer;
  private readonly dataOpener: Opener;

  constructor(
    private readonly net: FakeLinkNet,
    private readonly options: PeerLinkOptions,
  ) {
    super();
    this.role = options.role;
    this.signalSealer = new Sealer(options.keys.signalSend);
    this.signalOpener = new Opener(options.keys.signalRecv);
    this.dataSealer = new Sealer(options.keys.dataSend);
    this.dataOpener = new Opener(options.keys.dataRecv, { maxPlaintext: MAX_PEER_PLAINTEXT });
    this.epoch = options.epoch ?? 0;
    if (options.role === 'rep') {
      // simple-peer signals asynchronously: an offer, then one trickled candidate.
      queueMicrotask(() => {
        this.sendSignal({ type: 'offer', sdp: 'v=0' });
        this.sendSignal({ type: 'candidate', candidate: { candidate: 'candidate:1 1 udp 1 192.0.2.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0 } });
      });
    }
  }

  private sendSignal(signal: PeerSignal): void {
    if (this.destroyed) return;
    const sealed = sealJson(this.signalSealer, signal);
    this.options.relay(this.epoch === 0 ? encodeRelay(RelayKind.Signal, sealed) : encodeRelay(RelayKind.Repair, encodeRepair(this.epoch, sealed)));
  }

  /** As PeerLink: the customer asks for an offer on a re-paired link. */
  requestOffer(): void {
    if (this.epoch > 0) this.sendSignal({ type: 'renegotiate', renegotiate: true });
  }

  /** ICE restarts this link was asked to make (rep) or asked the peer for (customer). */
  restarts = 0;

  /** As PeerLink: the rep restarts ICE on a verified link (nothing to do in memory). */
  restartIce(): void {
    if (!this.destroyed && this.verified && this.role === 'rep') this.restarts++;
  }

  /** As PeerLink: the customer asks the rep for an ICE restart, sealed through the server. */
  askForRestart(): void {
    if (this.destroyed || this.role === 'rep') return;
    this.restarts++;
    this.sendSignal({ type: 'renegotiate', renegotiate: true });
  }

  /** As PeerLink: the frame goes to the peer's link (if verified) as a `bulk` event. */
  sendBulk(plaintext: Uint8Array): Promise<void> {
    if (this.destroyed || !this.verified) return Promise.reject(new ParleyError('PEER_GONE', 'link not ready'));
    this.bulkSent.push(plaintext);
    const peer = this.net.links[peerRole(this.role)];
    queueMicrotask(() => peer?.fire('bulk', plaintext));
    return Promise.resolve();
  }

  addStream(stream: MediaStream): void {
    if (this.destroyed || !this.verified) throw new ParleyError('PEER_GONE', 'link not ready');
    this.streams.add(stream);
    const peer = this.net.links[peerRole(this.role)];
    queueMicrotask(() => peer?.fire('stream', stream));
  }

  removeStream(stream: MediaStream): void {
    this.streams.delete(stream);
  }

  /** As PeerLink: tampering or replay throws (the session turns it into a failure). */
  handleSignal(frame: Uint8Array): void {
    if (this.destroyed) return;
    const signal = parsePeerSignal(openJson(this.signalOpener, frame));
    this.signals.push(signal);
    if (signal.type === 'renegotiate') return this.verified ? this.restartIce() : undefined;
    if (signal.type === 'offer') this.sendSignal({ type: 'answer', sdp: 'v=0' });
    if (signal.type === 'answer') this.net.open();
  }

  send(message: PeerMessage): void {
    if (this.destroyed) throw new ParleyError('PEER_GONE', 'link closed');
    if (!this.verified) throw new ParleyError('CONNECTION_FAILED', 'not verified yet');
    this.sendRaw(this.net.rewrite ? this.net.rewrite(this.role, message) : message);
  }

  /** Seals any JSON value and puts it on the channel (bypasses `rewrite`). */
  sendRaw(value: unknown): void {
    this.sent.push(value as PeerMessage);
    const frame = sealJson(this.dataSealer, value);
    const peer = this.net.links[peerRole(this.role)];
    queueMicrotask(() => peer?.receive(frame));
  }

  /** As PeerLink.receive once verified: bad frames are fatal, bad messages are rejected. */
  receive(frame: Uint8Array): void {
    if (this.destroyed) return;
    let message: PeerMessage;
    try {
      const value = openJson(this.dataOpener, frame);
      try {
        message = parsePeerMessage(value);
      } catch (err) {
        this.fire('rejected', err as ParleyError);
        return;
      }
    } catch (err) {
      this.destroy(err as ParleyError);
      return;
    }
    this.fire('message', message);
  }

  destroy(err: ParleyError | null = null): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.destroyedWith = err;
    this.emit('closed', err);
    this.clear();
    // The other end sees the channel close a little later (after what was already sent), if
    // it is still the link of the same epoch (a re-paired side has already moved on).
    const peer = this.net.links[peerRole(this.role)];
    if (peer?.epoch !== this.epoch) return;
    queueMicrotask(() => peer.destroy(peer.verified ? null : new ParleyError('CONNECTION_FAILED', 'peer closed')));
  }

  fire<K extends keyof PeerLinkEvents>(event: K, payload: PeerLinkEvents[K]): void {
    if (!this.destroyed) this.emit(event, payload);
  }
}
