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
import { fromBase64Url } from '@protocol/base64.ts';
import { generateSecret, joinLink, type SessionCode } from '@protocol/code.ts';
import { peerRole, type Role } from '@protocol/cpace.ts';
import { RelayKind, decodeRelay, encodeRelay } from '@protocol/envelope.ts';
import { ParleyError, SECURITY_ERRORS, type ErrorCode } from '@protocol/errors.ts';
import { deriveSessionKeys } from '@protocol/keys.ts';
import { MAX_LOCALE_CHARS, MAX_NAME_CHARS, MAX_REQUEST_CHARS, MAX_USER_AGENT_CHARS } from '@protocol/limits.ts';
import { MAX_CHAT_CHARS, PeerType, isPushableUrl, newMessageId, type Chat, type Hello, type PeerMessage } from '@protocol/peer.ts';
import { safetyEmoji, type SasSymbol } from '@protocol/sas.ts';
import type { IceServer } from '@protocol/signaling.ts';
import { PROTOCOL_VERSION } from '@protocol/version.ts';
import { CodeCheck } from './code-check.ts';
import { Emitter } from './emitter.ts';
import { PeerLink, type PeerLinkOptions } from './peer-link.ts';
import { Portal } from './portal.ts';

export type SessionState = 'idle' | 'waiting' | 'joining' | 'pake' | 'connecting' | 'verified' | 'ended' | 'failed';

/** How long the key agreement and the direct connection may take before we give up. */
const PAKE_TIMEOUT_MS = 20_000;
/** Sealed signals kept while the key is being confirmed (an offer and its candidates fit easily). */
const MAX_EARLY_SIGNALS = 64;
const CONNECT_TIMEOUT_MS = 30_000;

export interface SessionEvents {
  state: SessionState;
  /** Rep side: the room exists and the code can be shown. */
  code: { code: SessionCode; link: string; expiresAt: number };
  'peer-joined': void;
  'key-confirmed': void;
  verified: { safetyCode: SasSymbol[] };
  hello: Hello;
  chat: Chat;
  ack: string;
  typing: boolean;
  /** Customer side: the rep asks to open this (already validated) http(s) address. */
  'url-push': string;
  /**
   * The other side is gone: `ended` / `left` when it said goodbye (rep ends, customer leaves),
   * `lost` when the channel closed without a goodbye.
   */
  'peer-left': 'ended' | 'left' | 'lost';
  /** A recoverable problem: one message was rejected. */
  warning: ParleyError;
  /** The session stopped because of this error (state is `failed`). */
  failed: ParleyError;
}

export interface SessionOptions {
  role: Role;
  name: string;
  /** Customer: the "how can we help?" text, sent in the (end-to-end encrypted) hello. */
  request?: string;
  serverUrl?: string;
  /** Where join links point; defaults to the page origin. */
  origin?: string;
  /** A portal opened ahead of time (see Portal.connect); the session takes it over. */
  portal?: Portal;
  /** Makes the peer link (tests pass an in-memory one; the default is WebRTC). */
  createLink?: (options: PeerLinkOptions) => PeerLink;
}

export class Session extends Emitter<SessionEvents> {
  state: SessionState = 'idle';
  readonly role: Role;
  private readonly portal: Portal;
  private code: SessionCode | null = null;
  private sid: Uint8Array | null = null;
  private iceServers: IceServer[] = [];
  private check: CodeCheck | null = null;
  private link: PeerLink | null = null;
  private pendingSignals: Uint8Array[] = [];
  /** Relays that arrive while `join-room` is still being answered (they can share a packet). */
  private earlyRelays: string[] = [];
  private helloSeen = false;
  private lastWarning = new Map<string, number>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private tornDown = false;

  constructor(private readonly options: SessionOptions) {
    super();
    this.role = options.role;
    this.portal = options.portal ?? new Portal(options.serverUrl);
    this.portal.on('peer-joined', () => this.onPeerJoined());
    this.portal.on('relay', (data) => {
      if (this.state === 'joining') {
        if (this.earlyRelays.length < 8) this.earlyRelays.push(data);
        return;
      }
      this.guard(() => this.onRelay(data));
    });
    this.portal.on('room-closed', (reason) => {
      // After verification the room is only a fallback path: the peer's own `bye` or the
      // channel closing tells us the session is over, not the (untrusted) server.
      if (this.state === 'verified') return;
      // Burned after both sides proved the code: the other side caught tampering in transit.
      const tampered = reason === 'ROOM_BURNED' && !!this.check?.confirmed;
      this.destroy(tampered ? new ParleyError('TAMPERED', 'peer detected tampering') : new ParleyError(reason));
    });
    this.portal.on('peer-left', () => {
      // Once verified the data channel carries the session: signaling may come and go.
      if (this.state !== 'verified') this.destroy(new ParleyError('PEER_GONE', 'peer left during setup'));
    });
    this.portal.on('server-error', (code) => this.warn(new ParleyError(code)));
    this.portal.on('disconnected', () => {
      // Before the direct channel exists, the room lives on this socket: without it the code is dead.
      if (this.state !== 'verified') this.destroy(new ParleyError('SERVER_UNREACHABLE', 'signaling connection lost'));
    });
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
    this.sid = fromBase64Url(room.sid);
    this.iceServers = room.iceServers;
    this.check = new CodeCheck({ code: this.code, sid: this.sid, role: 'rep' });
    this.setState('waiting');
    const origin = this.options.origin ?? globalThis.location?.origin ?? '';
    this.emit('code', { code: this.code, link: joinLink(origin, this.code), expiresAt: room.expiresAt });
    return this.code;
  }

  /** Customer: joins the room named by the code and starts the key agreement. */
  async join(code: SessionCode): Promise<void> {
    this.assertState('idle');
    this.code = code;
    this.setState('joining');
    try {
      await this.portal.connect();
      this.assertAlive();
      const room = await this.portal.joinRoom(code.nameplate).catch((err: unknown) => {
        // A code whose session already ended (the rep left) is, to the customer, a dead code.
        throw err instanceof ParleyError && err.code === 'PEER_GONE' ? new ParleyError('CODE_EXPIRED', 'session already ended') : err;
      });
      this.assertAlive();
      this.sid = fromBase64Url(room.sid);
      this.iceServers = room.iceServers;
      this.check = new CodeCheck({ code, sid: this.sid, role: 'customer' });
      this.beginPake();
      for (const data of this.earlyRelays.splice(0)) this.guard(() => this.onRelay(data));
    } catch (err) {
      this.destroy(toParleyError(err));
      throw toParleyError(err);
    }
  }

  private onPeerJoined(): void {
    if (this.state !== 'waiting') return;
    this.emit('peer-joined', undefined);
    this.beginPake();
  }

  private beginPake(): void {
    if (!this.check) return;
    this.setState('pake');
    this.armTimer(PAKE_TIMEOUT_MS, 'key agreement timed out');
    this.portal.relay(encodeRelay(RelayKind.Pake, this.check.share));
  }

  private onRelay(data: string): void {
    if (this.tornDown || this.state === 'ended' || this.state === 'failed') return;
    if (this.state === 'verified') return this.onLateRelay(data);
    const { kind, body } = decodeRelay(data);
    switch (kind) {
      case RelayKind.Pake:
        return this.onPeerShare(body);
      case RelayKind.Confirm:
        this.check?.onPeerConfirmation(body);
        return this.checkConfirmation();
      case RelayKind.Signal:
        if (this.link) return this.link.handleSignal(body);
        // Signals can only follow a confirmed key; keep them until the link exists.
        if (this.pendingSignals.length >= MAX_EARLY_SIGNALS) throw new ParleyError('MALFORMED', 'too many early signals');
        this.pendingSignals.push(body);
    }
  }

  /**
   * Once verified, the server has no say in the session: only renegotiation signals are
   * expected, and anything wrong with a relay (garbage, replay, tampering) is the server's
   * doing, so it is logged and dropped, never allowed to end the session.
   */
  private onLateRelay(data: string): void {
    try {
      const { kind, body } = decodeRelay(data);
      if (kind === RelayKind.Signal) this.link?.handleSignal(body);
    } catch (err) {
      this.warn(toParleyError(err));
    }
  }

  private onPeerShare(peerShare: Uint8Array): void {
    if (!this.check || this.state !== 'pake') throw new ParleyError('REPLAYED', 'unexpected PAKE message');
    // A bad share throws BAD_KEY: destroy() then burns the room.
    this.portal.relay(encodeRelay(RelayKind.Confirm, this.check.onPeerShare(peerShare)));
    this.checkConfirmation();
  }

  /** One guess per session: a wrong code (or tampering) throws BAD_KEY and burns the room for both. */
  private checkConfirmation(): void {
    if (this.state !== 'pake') return;
    const isk = this.check?.confirm();
    if (!isk) return;
    performance.mark('parley:key-confirmed');
    this.emit('key-confirmed', undefined);
    this.connectPeer(isk);
  }

  private connectPeer(isk: Uint8Array): void {
    if (!this.sid) return;
    const keys = deriveSessionKeys(isk, this.sid, this.role);
    this.setState('connecting');
    this.armTimer(CONNECT_TIMEOUT_MS, 'direct connection timed out');
    const createLink = this.options.createLink ?? ((options: PeerLinkOptions) => new PeerLink(options));
    const link = createLink({ role: this.role, keys, iceServers: this.iceServers, relay: (d) => this.portal.relay(d) });
    this.link = link;
    link.on('verified', () => {
      if (this.state !== 'connecting') return; // ended meanwhile
      this.clearTimer();
      this.setState('verified');
      this.emit('verified', { safetyCode: safetyEmoji(keys.sas) });
      link.send({
        type: PeerType.Hello,
        version: PROTOCOL_VERSION,
        role: this.role,
        name: this.options.name.slice(0, MAX_NAME_CHARS),
        capabilities: ['chat'],
        userAgent: this.role === 'customer' ? globalThis.navigator?.userAgent.slice(0, MAX_USER_AGENT_CHARS) : undefined,
        locale: globalThis.navigator?.language.slice(0, MAX_LOCALE_CHARS),
        request: this.role === 'customer' ? this.options.request?.trim().slice(0, MAX_REQUEST_CHARS) || undefined : undefined,
      });
    });
    link.on('message', (message) => this.onPeerMessage(message));
    link.on('rejected', (err) => this.warn(err));
    link.on('closed', (err) => {
      if (err) this.destroy(err);
      else this.peerGone('lost');
    });
    for (const frame of this.pendingSignals.splice(0)) this.guard(() => link.handleSignal(frame));
  }

  private onPeerMessage(message: PeerMessage): void {
    // After end() the channel lingers a moment to flush our bye: nothing more is taken in.
    if (this.state !== 'verified') return;
    switch (message.type) {
      case PeerType.Hello:
        return this.guard(() => this.onHello(message));
      case PeerType.Chat:
        // The view acknowledges it (acknowledge()) as it takes it in.
        return this.emit('chat', message);
      case PeerType.Ack:
        globalThis.performance?.mark?.('parley:chat-acked', { detail: message.id });
        return this.emit('ack', message.id);
      case PeerType.Typing:
        return this.emit('typing', message.active);
      case PeerType.Bye:
        return this.peerGone(message.reason);
      case PeerType.FingerprintProof:
        return this.warn(new ParleyError('MALFORMED', 'late fingerprint proof'));
      case PeerType.UrlPush:
        // Only a rep may open pages on the customer's side.
        if (this.role !== 'customer') return this.warn(new ParleyError('MALFORMED', 'url-push to a rep'));
        return this.emit('url-push', message.url);
    }
  }

  /** One hello, from the other role, speaking our version. */
  private onHello(hello: Hello): void {
    if (this.helloSeen) return this.warn(new ParleyError('MALFORMED', 'second hello'));
    if (hello.role !== peerRole(this.role)) throw new ParleyError('MALFORMED', 'peer claims our role');
    if (hello.version !== PROTOCOL_VERSION) throw new ParleyError('VERSION_MISMATCH', `peer speaks v${hello.version}`);
    this.helloSeen = true;
    this.emit('hello', hello);
  }

  /** Tells the peer its message `id` arrived (authenticated and valid). */
  acknowledge(id: string): void {
    if (this.state === 'verified') this.guard(() => this.link?.send({ type: PeerType.Ack, id }));
  }

  /**
   * Sends a chat message. Checks the limit before anything leaves, so the caller keeps the
   * text on error. Returns the message as sent (id and time) so it can be logged.
   */
  sendChat(text: string): Chat {
    if (text.length > MAX_CHAT_CHARS) throw new ParleyError('PAYLOAD_TOO_LARGE', 'chat message too long');
    if (this.state !== 'verified' || !this.link) throw new ParleyError('PEER_GONE', 'not connected');
    const chat: Chat = { type: PeerType.Chat, id: newMessageId(), text, sentAt: Date.now() };
    this.link.send(chat);
    globalThis.performance?.mark?.('parley:chat-sent', { detail: chat.id });
    return chat;
  }

  /**
   * Rep: asks the customer's browser to open `url`. Only absolute http(s) addresses; checked
   * here (so the rep's text is kept on error) and again by the receiver.
   */
  pushUrl(url: string): string {
    const address = url.trim();
    if (this.role !== 'rep' || !isPushableUrl(address)) throw new ParleyError('INVALID_URL', 'not an http(s) URL');
    if (this.state !== 'verified' || !this.link) throw new ParleyError('PEER_GONE', 'not connected');
    this.link.send({ type: PeerType.UrlPush, id: newMessageId(), url: address });
    return address;
  }

  sendTyping(active: boolean): void {
    if (this.state === 'verified') this.guard(() => this.link?.send({ type: PeerType.Typing, active }));
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
    try {
      this.link?.send({ type: PeerType.Bye, reason: this.role === 'rep' ? 'ended' : 'left' });
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
  private guard(step: () => void): void {
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
    this.link?.destroy();
    this.link = null;
    this.portal.destroy();
    if (finished) return; // an ended or failed session never changes its outcome
    if (err) {
      this.setState('failed');
      this.emit('failed', err);
    } else {
      this.setState('ended');
    }
  }

  private setState(state: SessionState): void {
    // An ended or failed session never changes its outcome.
    if (this.state === state || this.state === 'ended' || this.state === 'failed') return;
    this.state = state;
    // Marks let benchmarks and the browser's performance panel see where setup time goes.
    globalThis.performance?.mark?.(`parley:${state}`);
    this.emit('state', state);
  }

  private assertState(expected: SessionState): void {
    if (this.state !== expected) throw new ParleyError('CONNECTION_FAILED', `session is ${this.state}, not ${expected}`);
  }

  /** After each await in start()/join(): the session may have been torn down meanwhile. */
  private assertAlive(): void {
    if (this.tornDown) throw new ParleyError('CONNECTION_FAILED', 'session closed while setting up');
  }

  private armTimer(ms: number, why: string): void {
    this.clearTimer();
    this.timer = setTimeout(() => this.destroy(new ParleyError('CONNECTION_FAILED', why)), ms);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

export function toParleyError(err: unknown): ParleyError {
  if (err instanceof ParleyError) return err;
  return new ParleyError('CONNECTION_FAILED', err instanceof Error ? err.message : String(err), { cause: err });
}

export type { ErrorCode, SasSymbol };
