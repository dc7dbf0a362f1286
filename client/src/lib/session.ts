/**
 * Session: one support session seen from one side, as an explicit state machine.
 *
 *   idle → waiting (rep: room made, code shown) ─┐
 *   idle → joining (customer: code typed) ───────┴→ pake → connecting → verified → ended
 *                                      any state ──────────────────────────────→ failed
 *
 * It drives the Portal (signaling), CPace (key agreement with the code) and the PeerLink
 * (data channel). Every way out goes through `destroy(err)`, which is safe to call twice.
 * It throws and emits typed ParleyErrors only; turning them into words is the UI's job.
 */
import { fromBase64Url, toBase64Url } from '@protocol/base64.ts';
import { generateSecret, joinLink, type SessionCode } from '@protocol/code.ts';
import type { Role } from '@protocol/cpace.ts';
import { RelayKind, decodeRelay } from '@protocol/envelope.ts';
import { ParleyError, SECURITY_ERRORS, toParleyError, type ErrorCode } from '@protocol/errors.ts';
import { DEFAULT_FILE_POLICY, type FilePolicy } from '@protocol/file-policy.ts';
import { deriveSessionKeys, roomProof } from '@protocol/keys.ts';
import { PeerType, type Chat, type PeerMessage } from '@protocol/peer.ts';
import { safetyEmoji, type SasSymbol } from '@protocol/sas.ts';
import { Pairing } from './pairing.ts';
import { FreshIceSettings } from './ice-settings.ts';
import { Emitter } from './emitter.ts';
import { LinkManager } from './link-manager.ts';
import { NudgeGate } from './nudge.ts';
import { Conversation } from './conversation.ts';
import { routePeerMessage, type Inbox } from './peer-inbox.ts';
import { Portal } from './portal.ts';
import type { DeskRoom } from './desk-portal.ts'; // a room answer: sid, ICE settings, file policy
import { RoomPresence } from './room-presence.ts';
import { buildHello, type SessionEvents, type SessionOptions, type SessionState } from './session-contract.ts';

export type { SessionEvents, SessionOptions, SessionState };

/** How long the key agreement and the direct connection may take before we give up. */
const PAKE_TIMEOUT_MS = 20_000;
const CONNECT_TIMEOUT_MS = 30_000;

export class Session extends Emitter<SessionEvents> {
  state: SessionState = 'idle';
  readonly role: Role;
  protected readonly portal: Portal;
  private code: SessionCode | null = null;
  protected sid: Uint8Array | null = null;
  /** ICE servers and policy from the room answers, TURN credentials kept fresh (ice-settings.ts). */
  private readonly ice: FreshIceSettings;
  /** What files may be sent, from the room answer (the server's settings). */
  filePolicy: FilePolicy = DEFAULT_FILE_POLICY;
  /** False for a desk session (DeskSession, desk-session.ts) until the safety code is confirmed; code sessions are authenticated by the code. */
  authenticated = true;
  /** The code check over the relay, until the key is confirmed (pairing.ts). */
  private pairing: Pairing | null = null;
  /** The session key once confirmed (kept to claim and rejoin the room, and for a reload). */
  private isk: Uint8Array | null = null;
  /** Our place in the signaling room once verified (room-presence.ts). */
  private readonly presence: RoomPresence;
  private links: LinkManager | null = null;
  /** Relays that arrive while `join-room` is still being answered (they can share a packet). */
  protected earlyRelays: string[] = [];
  private lastWarning = new Map<string, number>();
  /** Chat, receipts, typing, URL pushes and nudges (conversation.ts). */
  private readonly conversation: Conversation;
  /** Where verified peer messages go (peer-inbox.ts). */
  private readonly inbox: Inbox;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private tornDown = false;
  /** Unsubscribes from the portal (when the portal goes on with another session: a transfer). */
  private readonly portalOffs: (() => void)[] = [];
  /** The portal is handed to the next session: tearing down must not close it. */
  private portalReleased = false;

  constructor(private readonly options: SessionOptions) {
    super();
    this.role = options.role;
    this.inbox = {
      role: this.role,
      emit: (event, payload) => this.emit(event, payload),
      warn: (err) => this.warn(err),
      fail: (step) => this.guard(step),
      peerGone: (reason) => this.peerGone(reason),
      peerAway: () => this.presence.peerSaidAway(),
      nudgesIn: new NudgeGate(),
    };
    this.portal = options.portal ?? new Portal(options.serverUrl);
    this.ice = new FreshIceSettings({ fetch: () => this.portal.turnCredentials() });
    this.portalOffs.push(this.portal.on('peer-joined', () => this.onPeerJoined()));
    // Customer, shared sessions: a colleague of the rep took the chat over (protocol/desk.ts `desk-handover`).
    this.portalOffs.push(this.portal.on('desk-accepted', (accepted) => this.state === 'verified' && this.role === 'customer' && this.emit('handed-over', accepted)));
    this.portalOffs.push(this.portal.on('relay', (data) => {
      if (this.state === 'joining') {
        if (this.earlyRelays.length < 8) this.earlyRelays.push(data);
        return;
      }
      this.guard(() => this.onRelay(data));
    }));
    this.portalOffs.push(this.portal.on('room-closed', (reason) => {
      // After verification the room is only the path for re-pairing: the peer's own `bye` or
      // the link failing for good tells us the session is over, not the (untrusted) server.
      if (this.state === 'verified') return this.links?.peerAbsent();
      // Burned after both sides proved the code: the other side caught tampering in transit.
      const tampered = reason === 'ROOM_BURNED' && !!this.pairing?.confirmed;
      this.destroy(tampered ? new ParleyError('TAMPERED', 'peer detected tampering') : new ParleyError(reason));
    }));
    this.conversation = new Conversation({
      role: this.role,
      links: () => (this.state === 'verified' ? this.links : null),
      guard: (step) => this.guard(step),
      chatSent: (id) => this.emit('chat-sent', id),
    });
    this.presence = new RoomPresence({
      role: this.role,
      portal: this.portal,
      verified: () => this.state === 'verified',
      credentials: () => (this.sid && this.isk ? { sid: this.sid, isk: this.isk } : null),
      links: () => this.links,
      peerAway: () => this.emit('peer-away', undefined),
      peerPageClosed: () => this.emit('peer-page-closed', undefined),
      peerBack: () => this.emit('peer-back', undefined),
      signaling: (up) => this.emit('signaling', up),
      iceSettings: (settings) => this.ice.update(settings),
      warn: (err) => this.warn(err),
    });
    this.portalOffs.push(this.portal.on('peer-left', () => {
      // Once verified the data channel carries the session: signaling may come and go, but
      // a dropped link can no longer be re-paired.
      if (this.state === 'verified') return this.links?.peerAbsent();
      this.destroy(new ParleyError('PEER_GONE', 'peer left during setup'));
    }));
    this.portalOffs.push(this.portal.on('server-error', (code) => {
      // A re-pair signal sent while the peer is away (reloading, rejoining) goes nowhere: expected,
      // and the next attempt follows; not something to alarm anyone with.
      if (code === 'NOT_IN_ROOM' && this.state === 'verified') return;
      this.warn(new ParleyError(code));
    }));
    this.portalOffs.push(this.portal.on('disconnected', () => {
      // Once verified the direct link carries the session and RoomPresence rejoins the room when
      // the portal reconnects. Before that, the room lives on this socket: the code is dead.
      if (this.state !== 'verified') this.destroy(new ParleyError('SERVER_UNREACHABLE', 'signaling connection lost'));
    }));
  }

  /** Non-fatal problems reach the log at most once per code every 10 s (a hostile server could flood). */
  private warn(err: ParleyError): void {
    const now = Date.now();
    if (now - (this.lastWarning.get(err.code) ?? -Infinity) < 10_000) return;
    this.lastWarning.set(err.code, now);
    this.emit('warning', err);
  }

  /** Rep: creates a room and a fresh secret; resolves with the code to give the customer. */
  async start(): Promise<SessionCode> {
    this.assertState('idle');
    let room;
    try {
      await this.portal.connect();
      this.assertAlive();
      room = await this.portal.createRoom();
      this.assertAlive();
    } catch (err) {
      this.destroy(toParleyError(err));
      throw toParleyError(err);
    }
    this.code = { nameplate: room.nameplate, secret: generateSecret() };
    this.useRoom(room, { code: this.code });
    this.setState('waiting');
    const origin = this.options.origin ?? globalThis.location?.origin ?? '';
    this.emit('code', { code: this.code, link: joinLink(origin, this.code), expiresAt: room.expiresAt });
    return this.code;
  }

  /** Customer: joins the room named by the code and starts the key agreement. */
  async join(code: SessionCode): Promise<void> {
    this.assertState('idle');
    this.code = code;
    // Asked before the state changes (the page re-renders on each one), and a socket connected
    // while the code was typed need not wait for it.
    const early = this.portal.connected ? this.portal.joinRoom(code.nameplate) : null;
    early?.catch(() => {}); // handled below, once awaited
    this.setState('joining');
    try {
      await this.portal.connect();
      this.assertAlive();
      globalThis.performance?.mark?.('parley:portal-connected');
      const room = await (early ?? this.portal.joinRoom(code.nameplate)).catch((err: unknown) => {
        // A code whose session already ended (the rep left) is, to the customer, a dead code.
        throw err instanceof ParleyError && err.code === 'PEER_GONE' ? new ParleyError('CODE_EXPIRED', 'session already ended') : err;
      });
      this.assertAlive();
      globalThis.performance?.mark?.('parley:room-joined');
      this.useRoom(room, { code });
      this.beginPake();
      for (const data of this.earlyRelays.splice(0)) this.guard(() => this.onRelay(data));
    } catch (err) {
      this.destroy(toParleyError(err));
      throw toParleyError(err);
    }
  }

  protected useRoom(room: DeskRoom, secret: { code: SessionCode } | { password: string }): void {
    this.sid = fromBase64Url(room.sid);
    this.ice.update(room);
    this.filePolicy = room.filePolicy ?? DEFAULT_FILE_POLICY;
    this.pairing = this.makePairing(secret, this.sid);
  }

  private onPeerJoined(): void {
    if (this.state !== 'waiting') return;
    this.emit('peer-joined', undefined);
    this.beginPake();
  }

  private makePairing(secret: { code: SessionCode } | { password: string }, sid: Uint8Array): Pairing {
    return new Pairing(
      { ...secret, sid, role: this.role },
      {
        relay: (data) => this.portal.relay(data),
        confirmed: (isk, earlySignals) => {
          performance.mark('parley:key-confirmed');
          this.emit('key-confirmed', undefined);
          this.connectPeer(isk, earlySignals);
        },
      },
    );
  }

  protected beginPake(): void {
    if (!this.pairing) return;
    this.setState('pake');
    // A withheld confirmation counts as a failed one (BAD_KEY: the room burns, the rep is
    // warned): whoever withholds it has had its one guess at the code.
    this.armTimer(PAKE_TIMEOUT_MS, () =>
      this.pairing?.awaitingPeerConfirmation ? new ParleyError('BAD_KEY', 'peer never confirmed the key') : new ParleyError('CONNECTION_FAILED', 'key agreement timed out'),
    );
    this.pairing.begin();
  }

  protected onRelay(data: string): void {
    if (this.tornDown || this.state === 'ended' || this.state === 'failed') return;
    // Once the key is confirmed, relays carry link signals: the link manager takes them
    // (fatal before the first link is verified, only a warning afterwards).
    if (this.links) return this.links.handleRelay(data);
    const { kind, body } = decodeRelay(data);
    if (this.pairing) this.pairing.handle(kind, body);
    else if (kind === RelayKind.Pake) throw new ParleyError('REPLAYED', 'unexpected PAKE message');
  }

  private connectPeer(isk: Uint8Array, earlySignals: Uint8Array[]): void {
    if (!this.sid) return;
    this.isk = isk;
    const sas = deriveSessionKeys(isk, this.sid, this.role).sas;
    this.setState('connecting');
    this.armTimer(CONNECT_TIMEOUT_MS, 'direct connection timed out');
    const links = this.makeLinks(isk, this.sid, sas);
    this.guard(() => links.start(earlySignals));
  }

  /**
   * After a page reload: rejoins the room with the saved key (no code, no key agreement) and
   * re-pairs at the epoch after `lastEpoch`. `unacked` (our chat the peer never acknowledged)
   * goes again once a link is up; `seen` are the peer's messages already in our transcript.
   * Resolves with the safety code (the same as before). @throws ParleyError as the server refuses.
   */
  async resume(saved: { sid: Uint8Array; isk: Uint8Array; lastEpoch: number; unacked: Chat[]; seen: string[]; authenticated?: boolean }): Promise<SasSymbol[]> {
    this.assertState('idle');
    this.authenticated = saved.authenticated ?? true;
    this.sid = saved.sid;
    this.isk = saved.isk;
    this.setState('connecting'); // what the page shows while it rejoins
    try {
      await this.portal.connect();
      this.assertAlive();
      const room = await this.portal.resumeRoom(toBase64Url(saved.sid), this.role, roomProof(saved.isk, saved.sid));
      this.assertAlive();
      this.ice.update(room);
      this.filePolicy = room.filePolicy ?? DEFAULT_FILE_POLICY;
    } catch (err) {
      this.destroy(toParleyError(err));
      throw toParleyError(err);
    }
    this.conversation.restore(saved.unacked, saved.seen);
    const sas = deriveSessionKeys(saved.isk, saved.sid, this.role).sas;
    this.setState('verified');
    const safetyCode = safetyEmoji(sas);
    this.emit('resumed', { safetyCode, authenticated: this.authenticated });
    const links = this.makeLinks(saved.isk, saved.sid, sas);
    this.guard(() => links.resume(saved.lastEpoch));
    return safetyCode;
  }

  /** What a reloaded page needs to rejoin (resume-state.ts), or null before verification. */
  resumeSnapshot(): { sid: Uint8Array; isk: Uint8Array; epoch: number; authenticated: boolean } | null {
    if (this.state !== 'verified' || !this.sid || !this.isk || !this.links) return null;
    return { sid: this.sid, isk: this.isk, epoch: this.links.currentEpoch, authenticated: this.authenticated };
  }

  private makeLinks(isk: Uint8Array, sid: Uint8Array, sas: Uint8Array): LinkManager {
    const links = new LinkManager({
      role: this.role,
      isk,
      sid,
      ice: () => this.ice.current,
      relay: (d) => this.portal.relay(d),
      canRelay: () => this.portal.connected,
      createLink: this.options.createLink,
    });
    this.links = links;
    links.on('up', ({ epoch }) => {
      if (epoch === 0) this.onFirstLinkUp(sas);
      if (this.state !== 'verified') return;
      this.emit('link', true);
      this.conversation.flush(epoch);
    });
    links.on('down', () => this.emit('link', false));
    links.on('message', (message) => this.onPeerMessage(message));
    links.on('bulk', (plaintext) => this.emit('bulk', plaintext));
    links.on('stream', (stream) => this.role === 'rep' && this.emit('screen-stream', stream));
    links.on('warning', (err) => this.warn(err));
    links.on('closed', (err) => {
      if (err) this.destroy(err);
      else this.peerGone(this.presence.goneReason); // gone for good
    });
    return links;
  }

  /**
   * The page is closing or reloading: tells the peer we may be back (bye `away`) and keeps our
   * place in the room (no leave), so a reload within the server's rejoin window resumes.
   */
  pageHiding(): void {
    if (this.state !== 'verified' || !this.links?.isUp) return;
    this.guard(() => this.links?.send({ type: PeerType.Bye, reason: 'away' }));
  }

  private onFirstLinkUp(sas: Uint8Array): void {
    if (this.state !== 'connecting') return; // ended meanwhile
    this.clearTimer();
    this.setState('verified');
    this.emit('verified', { safetyCode: safetyEmoji(sas), authenticated: this.authenticated });
    this.presence.claim();
    this.guard(() => this.links?.send(buildHello(this.role, this.options.name, this.options.request, this.options.identity)));
  }

  private onPeerMessage(message: PeerMessage): void {
    // After end() the channel lingers a moment to flush our bye: nothing more is taken in.
    if (this.state !== 'verified') return;
    if (this.conversation.admit(message)) routePeerMessage(this.inbox, message);
  }

  /**
   * Sends a chat message, or keeps it pending while the link is down (Conversation.sendChat).
   * `author`: a colleague's message this rep relays in a shared session (shared-session-gate.ts).
   */
  sendChat(text: string, author?: string): Chat {
    return this.conversation.sendChat(text, author);
  }

  /** True while our chat message `id` waits for a link to be sent on. */
  isPending(id: string): boolean {
    return this.conversation.isPending(id);
  }

  /** Tells the peer its message `id` arrived (authenticated and valid). */
  acknowledge(id: string): void {
    this.conversation.acknowledge(id);
  }

  /** Rep: asks the customer's browser to open `url` (Conversation.pushUrl). Returns the address sent. */
  pushUrl(url: string): string {
    return this.conversation.pushUrl(url);
  }

  /** Rep: asks for the customer's attention; returns when the next nudge is allowed (Conversation.nudge). */
  nudge(): number {
    return this.conversation.nudge();
  }

  sendTyping(active: boolean): void {
    this.conversation.sendTyping(active);
  }

  /** True while a verified link carries the session (false during a re-pair). */
  get linkUp(): boolean {
    return this.state === 'verified' && !!this.links?.isUp;
  }

  /**
   * Sends a peer message on the verified link.
   * @throws ParleyError `PEER_GONE` when not connected (the caller keeps what was to be sent).
   */
  sendPeer(message: PeerMessage): void {
    this.conversation.send(message);
  }

  /** One file chunk frame on the bulk channel; resolves when it can take more. Rejects `PEER_GONE`. */
  sendBulk(plaintext: Uint8Array): Promise<void> {
    if (this.state !== 'verified' || !this.links) return Promise.reject(new ParleyError('PEER_GONE', 'not connected'));
    return this.links.sendBulk(plaintext);
  }

  /** Customer: adds the screen-share stream to the link (renegotiated over the data channel). */
  addStream(stream: MediaStream): void {
    if (this.state !== 'verified' || !this.links) throw new ParleyError('PEER_GONE', 'not connected');
    this.links.addStream(stream);
  }

  removeStream(stream: MediaStream): void {
    this.links?.removeStream(stream);
  }

  /**
   * Customer, shared sessions: the chat was handed over to another rep (`handed-over`). Ends this
   * session without a goodbye through the server and gives its portal (now in the new rep's
   * room) to the caller for the next session. The direct link to the old rep closes.
   */
  releasePortal(): Portal {
    this.portalReleased = true;
    // The server closes our old room after the handover: that is not the next session's room.
    if (this.sid) this.portal.forgetRoom(toBase64Url(this.sid));
    for (const off of this.portalOffs.splice(0)) off();
    this.presence.stop();
    this.links?.windDown();
    this.setState('ended');
    this.destroy(null);
    return this.portal;
  }

  /** Ends the session on purpose: tells the peer, then tears down. */
  end(): void {
    if (this.state === 'ended' || this.state === 'failed') return;
    if (this.state !== 'verified') {
      // Nothing to say goodbye over yet: stop now, so no setup step runs after the end.
      this.portal.leave();
      this.destroy(null);
      return;
    }
    this.links?.windDown();
    try {
      this.links?.send({ type: PeerType.Bye, reason: this.role === 'rep' ? 'ended' : 'left' });
    } catch {
      // The channel is already closing: the peer will see it close instead of a bye.
    }
    this.portal.leave();
    this.setState('ended');
    // Give the bye a moment to flush before the channel closes.
    setTimeout(() => this.destroy(null), 100);
  }

  private peerGone(reason: 'ended' | 'left' | 'lost'): void {
    if (this.tornDown || this.state === 'ended' || this.state === 'failed') return;
    this.emit('peer-left', reason);
    this.destroy(null);
  }

  /** Runs a step and turns any throw into the one teardown path. */
  protected guard(step: () => void): void {
    try {
      step();
    } catch (err) {
      this.destroy(toParleyError(err));
    }
  }

  /** One teardown path; safe to call twice. `null` means a normal end. */
  destroy(err: ParleyError | null = null): void {
    // Closing the link below fires its 'closed' event synchronously: don't come back in here.
    if (this.tornDown) return;
    this.tornDown = true;
    const finished = this.state === 'ended' || this.state === 'failed';
    if (!finished && err && SECURITY_ERRORS.has(err.code) && err.code !== 'ROOM_BURNED') {
      // Tell the other side through the server (it burns the room), so both stop loudly.
      this.portal.reportBadKey();
    }
    this.clearTimer();
    this.presence.stop();
    this.ice.stop();
    this.links?.destroy();
    this.links = null;
    if (!this.portalReleased) this.portal.destroy();
    if (finished) return; // an ended or failed session never changes its outcome
    if (err) {
      this.setState('failed');
      this.emit('failed', err);
    } else {
      this.setState('ended');
    }
  }

  protected setState(state: SessionState): void {
    // An ended or failed session never changes its outcome.
    if (this.state === state || this.state === 'ended' || this.state === 'failed') return;
    this.state = state;
    // Marks let benchmarks and the browser's performance panel see where setup time goes.
    globalThis.performance?.mark?.(`parley:${state}`);
    this.emit('state', state);
  }

  protected assertState(expected: SessionState): void {
    if (this.state !== expected) throw new ParleyError('CONNECTION_FAILED', `session is ${this.state}, not ${expected}`);
  }

  /** After each await in start()/join(): the session may have been torn down meanwhile. */
  protected assertAlive(): void {
    if (this.tornDown) throw new ParleyError('CONNECTION_FAILED', 'session closed while setting up');
  }

  private armTimer(ms: number, why: string | (() => ParleyError)): void {
    this.clearTimer();
    this.timer = setTimeout(() => this.destroy(typeof why === 'string' ? new ParleyError('CONNECTION_FAILED', why) : why()), ms);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

export { toParleyError };

export type { ErrorCode, SasSymbol };
