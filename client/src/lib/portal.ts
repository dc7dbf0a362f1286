/**
 * Portal: the socket.io connection to the signaling server. It validates everything the
 * server sends (the server is not trusted) and turns failures into ParleyErrors.
 * It knows nothing about keys: the session seals payloads before handing them over.
 *
 * Reconnection: the first `connect()` fails fast (SERVER_UNREACHABLE) as a page needs to say so.
 * Once connected, a dropped connection is retried for ever (randomized backoff 0.5 s → 5 s):
 * `disconnected` fires on each drop and `reconnected` once a new socket is up. The new socket is
 * in no room: the session calls `resumeRoom` (with the proof it claimed with `claimRoom`).
 * That includes the server closing the socket on purpose (`io server disconnect`: a rate-limit
 * disconnect, a server sending its clients away), after which socket.io-client itself would stay
 * disconnected for good.
 *
 * While disconnected, `relay`, `reportBadKey` and `leave` are dropped, not buffered (`relay`
 * returns false): socket.io would otherwise flush them on the new socket *before* `resume-room`,
 * where they would only meet NOT_IN_ROOM, and a counter-sealed relay replayed late is worse than
 * one known lost. The session re-sends what matters after resuming. Requests (`createRoom`, …)
 * reject at once with SERVER_UNREACHABLE.
 */
import { io, type Socket } from 'socket.io-client';
import * as v from 'valibot';
import { ParleyError, type ErrorCode } from '@protocol/errors.ts';
import type { FilePolicy } from '@protocol/file-policy.ts';
import { PROTOCOL_VERSION } from '@protocol/version.ts';
import { toBase64Url } from '@protocol/base64.ts';
import {
  ClaimRoomResultSchema,
  ClientEvent,
  CreateRoomResultSchema,
  JoinRoomResultSchema,
  RelaySchema,
  ResumeRoomResultSchema,
  RoomClosedSchema,
  ServerErrorSchema,
  ServerEvent,
  TurnCredentialsResultSchema,
  type ClientToServerEvents,
  type IceSettings,
  type RoomRole,
  type ServerToClientEvents,
} from '@protocol/signaling.ts';
import { Emitter } from './emitter.ts';
import { DeskCalls, listenDesk, type DeskPortalEvents } from './desk-portal.ts';

const REQUEST_TIMEOUT_MS = 10_000;
/** Reconnection backoff after a drop: first delay, cap, and ± spread (so clients do not come back in step). */
const RECONNECT_DELAY_MS = 500;
const RECONNECT_DELAY_MAX_MS = 5_000;
const RECONNECT_RANDOMIZATION = 0.5;
/** The server refused a reconnection at its handshake (e.g. RATE_LIMITED): socket.io stops; we try again after this. */
const REFUSED_RETRY_MS = 5_000;
const PROOF_BYTES = 32;

export interface PortalEvents extends DeskPortalEvents {
  'peer-joined': void;
  'peer-left': void;
  /** The other member's connection dropped; the server keeps its place for the rejoin window. */
  'peer-away': void;
  /** The other member resumed its place. */
  'peer-back': void;
  relay: string;
  'room-closed': ErrorCode;
  'server-error': ErrorCode;
  /** The connection dropped (each time). Reconnection is automatic after the first connect. */
  disconnected: void;
  /** Connected again after a drop, on a new socket in no room: call `resumeRoom`. */
  reconnected: void;
}

/** Room answers carry the ICE settings (servers, TURN credentials and their lifetime, policy). */
export interface CreatedRoom extends IceSettings {
  nameplate: string;
  sid: string;
  expiresAt: number;
  /** What files may be sent in this room; absent when the server sent none (the defaults apply). */
  filePolicy?: FilePolicy;
}

export interface JoinedRoom extends IceSettings {
  sid: string;
  filePolicy?: FilePolicy;
}

export interface ResumedRoom extends IceSettings {
  /** The other member is connected now; otherwise `peer-back` comes when it resumes. */
  peerPresent: boolean;
  filePolicy?: FilePolicy;
}

export class Portal extends Emitter<PortalEvents> {
  private socket: Socket<ServerToClientEvents, ClientToServerEvents> | null = null;
  private destroyed = false;
  /** Set by the first successful connect: from then on drops are reconnected. */
  private connectedOnce = false;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private connecting: Promise<void> | null = null;
  private abortConnect: (() => void) | null = null;
  /** The support desk requests (desk-portal.ts); their server events are this portal's `desk-*` events. */
  readonly desk: DeskCalls = new DeskCalls((event, payload) => this.request(event, payload));

  constructor(private readonly url: string = globalThis.location?.origin ?? '') {
    super();
  }

  /**
   * Connects once (later calls share the first attempt, so a page can connect early while the
   * customer is still typing); rejects with SERVER_UNREACHABLE or VERSION_MISMATCH.
   */
  connect(): Promise<void> {
    this.connecting ??= this.open();
    this.connecting.catch(() => (this.connecting = null)); // a failed attempt may be retried
    return this.connecting;
  }

  private open(): Promise<void> {
    if (this.destroyed) return Promise.reject(new ParleyError('CONNECTION_FAILED', 'portal destroyed'));
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(this.url, {
      auth: { version: PROTOCOL_VERSION },
      // WebSocket only: one connection that stays on one node, so several nodes behind a load
      // balancer need no sticky sessions (long-polling's many requests would). socket.io-client
      // never fell back to polling anyway (its `tryAllTransports` is off).
      transports: ['websocket'],
      // Off for the first attempt (it must fail fast); switched on once connected.
      reconnection: false,
      reconnectionAttempts: Infinity,
      reconnectionDelay: RECONNECT_DELAY_MS,
      reconnectionDelayMax: RECONNECT_DELAY_MAX_MS,
      randomizationFactor: RECONNECT_RANDOMIZATION,
      // Our own manager: the reconnection switch must not change another portal's connection.
      forceNew: true,
      timeout: REQUEST_TIMEOUT_MS,
    });
    this.socket = socket;
    this.listen(socket);
    return new Promise((resolve, reject) => {
      const onConnect = () => {
        socket.off('connect_error', onError);
        this.abortConnect = null;
        this.connectedOnce = true;
        socket.io.reconnection(true);
        resolve();
      };
      const onError = (err: Error) => {
        socket.off('connect', onConnect);
        socket.disconnect();
        this.abortConnect = null;
        // The server names why it refused the handshake; anything else means it could not be reached.
        const refused = err.message === 'VERSION_MISMATCH' || err.message === 'RATE_LIMITED' ? err.message : 'SERVER_UNREACHABLE';
        reject(new ParleyError(refused, err.message));
      };
      // destroy() during the attempt removes socket.io's listeners silently: settle here instead.
      this.abortConnect = () => reject(new ParleyError('CONNECTION_FAILED', 'portal closed while connecting'));
      socket.once('connect', onConnect);
      socket.once('connect_error', onError);
    });
  }

  /** Rooms this portal moved on from (a transfer): what the server still says about them is not for the next session. */
  private readonly forgottenRooms = new Set<string>();

  /** Drops later `peer-left` / `room-closed` about room `sid` (base64url): the portal now serves another room. */
  forgetRoom(sid: string): void {
    if (this.forgottenRooms.size > 16) this.forgottenRooms.clear();
    this.forgottenRooms.add(sid);
  }

  private forgotten(msg: unknown): boolean {
    const sid = typeof msg === 'object' && msg !== null ? (msg as { sid?: unknown }).sid : undefined;
    return typeof sid === 'string' && this.forgottenRooms.has(sid);
  }

  private listen(socket: Socket<ServerToClientEvents, ClientToServerEvents>): void {
    // Every server message is parsed: unknown or malformed ones are dropped, never trusted.
    socket.on(ServerEvent.PeerJoined, () => this.emit('peer-joined', undefined));
    socket.on(ServerEvent.PeerLeft, (msg: unknown) => {
      if (!this.forgotten(msg)) this.emit('peer-left', undefined);
    });
    socket.on(ServerEvent.Relay, (msg: unknown) => {
      const parsed = v.safeParse(RelaySchema, msg);
      if (parsed.success) this.emit('relay', parsed.output.data);
    });
    socket.on(ServerEvent.RoomClosed, (msg: unknown) => {
      const parsed = v.safeParse(RoomClosedSchema, msg);
      if (parsed.success && !this.forgotten(parsed.output)) this.emit('room-closed', parsed.output.reason);
    });
    socket.on(ServerEvent.ServerError, (msg: unknown) => {
      const parsed = v.safeParse(ServerErrorSchema, msg);
      if (parsed.success) this.emit('server-error', parsed.output.code);
    });
    socket.on(ServerEvent.PeerAway, () => this.emit('peer-away', undefined));
    listenDesk(socket as unknown as { on(event: string, listener: (msg: unknown) => void): void }, (event, payload) => this.emit(event, payload as never));
    socket.on(ServerEvent.PeerBack, () => this.emit('peer-back', undefined));
    socket.on('disconnect', (reason) => {
      if (this.destroyed) return;
      this.emit('disconnected', undefined);
      // socket.io-client reconnects after every drop except this one; we do, after the usual delay.
      if (reason === 'io server disconnect' && this.connectedOnce && !this.destroyed) this.retryAfter(reconnectDelay());
    });
    // Registered before open()'s own `once('connect')`: on the first connect `connectedOnce` is still false.
    socket.on('connect', () => {
      if (this.connectedOnce && !this.destroyed) this.emit('reconnected', undefined);
    });
    socket.on('connect_error', (err: Error) => {
      // A refusal by the server's handshake (not a network error) stops socket.io's retries.
      if (!this.connectedOnce || this.destroyed || socket.active) return;
      if (err.message === 'VERSION_MISMATCH') {
        this.emit('server-error', 'VERSION_MISMATCH'); // the server was upgraded: retrying will not help
        return;
      }
      this.retryAfter(REFUSED_RETRY_MS);
    });
  }

  /** Connects the socket again after `ms`, unless connected or destroyed by then (one timer at a time). */
  private retryAfter(ms: number): void {
    this.retryTimer ??= setTimeout(() => {
      this.retryTimer = null;
      const socket = this.socket;
      if (!this.destroyed && socket && !socket.connected) socket.connect();
    }, ms);
  }

  async createRoom(): Promise<CreatedRoom> {
    const result = v.safeParse(CreateRoomResultSchema, await this.request(ClientEvent.CreateRoom, {}));
    if (!result.success) throw new ParleyError('MALFORMED', 'bad create-room answer');
    if (!result.output.ok) throw new ParleyError(result.output.error);
    const { nameplate, sid, expiresAt, filePolicy } = result.output;
    return { nameplate, sid, expiresAt, ...iceSettings(result.output), filePolicy };
  }

  async joinRoom(nameplate: string): Promise<JoinedRoom> {
    const result = v.safeParse(JoinRoomResultSchema, await this.request(ClientEvent.JoinRoom, { nameplate }));
    if (!result.success) throw new ParleyError('MALFORMED', 'bad join-room answer');
    if (!result.output.ok) throw new ParleyError(result.output.error);
    const { sid, filePolicy } = result.output;
    return { sid, ...iceSettings(result.output), filePolicy };
  }

  /**
   * Hands the server the room proof (keys.ts `roomProof`) once the session is verified, so the
   * room can be resumed after a drop. Throws ParleyError (`RESUME_REFUSED`: the room was claimed
   * with another proof; `NOT_IN_ROOM`; `SERVER_UNREACHABLE`; `MALFORMED`).
   */
  async claimRoom(proof: Uint8Array): Promise<void> {
    const answer = await this.request(ClientEvent.ClaimRoom, { proof: encodeProof(proof) });
    const result = v.safeParse(ClaimRoomResultSchema, answer);
    if (!result.success) throw new ParleyError('MALFORMED', 'bad claim-room answer');
    if (!result.output.ok) throw new ParleyError(result.output.error);
  }

  /**
   * Takes our place in the room back on the current socket (after `reconnected`, or from a
   * reloaded page). Throws ParleyError: `RESUME_REFUSED`, the room's closing reason
   * (`PEER_GONE`, `ROOM_BURNED`, …), `RATE_LIMITED`, `SERVER_FULL`, `SERVER_UNREACHABLE`, `MALFORMED`.
   */
  async resumeRoom(sid: string, role: RoomRole, proof: Uint8Array): Promise<ResumedRoom> {
    const answer = await this.request(ClientEvent.ResumeRoom, { sid, role, proof: encodeProof(proof) });
    const result = v.safeParse(ResumeRoomResultSchema, answer);
    if (!result.success) throw new ParleyError('MALFORMED', 'bad resume-room answer');
    if (!result.output.ok) throw new ParleyError(result.output.error);
    const { peerPresent, filePolicy } = result.output;
    return { peerPresent, ...iceSettings(result.output), filePolicy };
  }

  /**
   * Fresh ICE settings (new TURN credentials) for a long session. Only a member of a live room
   * gets them. Throws ParleyError (`NOT_IN_ROOM`, `RATE_LIMITED`, `SERVER_UNREACHABLE`, `MALFORMED`).
   */
  async turnCredentials(): Promise<IceSettings> {
    const result = v.safeParse(TurnCredentialsResultSchema, await this.request(ClientEvent.TurnCredentials, {}));
    if (!result.success) throw new ParleyError('MALFORMED', 'bad turn-credentials answer');
    if (!result.output.ok) throw new ParleyError(result.output.error);
    return iceSettings(result.output);
  }

  /** Sends `data` to the other member. False when disconnected: dropped, not buffered (see top). */
  /** True while the socket to the server is connected (relays can go out). */
  get connected(): boolean {
    return !!this.socket?.connected;
  }

  relay(data: string): boolean {
    if (!this.socket?.connected) return false;
    this.socket.emit(ClientEvent.Relay, { data });
    return true;
  }

  /** Tells the server the key confirmation failed, so it burns the room. */
  reportBadKey(): void {
    if (this.socket?.connected) this.socket.emit(ClientEvent.BadKey, {});
  }

  leave(): void {
    if (this.socket?.connected) this.socket.emit(ClientEvent.LeaveRoom, {});
  }

  private request(event: string, payload: object): Promise<unknown> {
    const socket = this.socket;
    // Not buffered while disconnected: it would go out on the next socket, maybe before resume-room.
    if (!socket?.connected) return Promise.reject(new ParleyError('SERVER_UNREACHABLE', 'not connected'));
    return new Promise((resolve, reject) => {
      // socket.io's own ack timeout: rejects when the server never answers.
      (socket.timeout(REQUEST_TIMEOUT_MS) as unknown as { emit: (e: string, p: object, cb: (err: Error | null, res: unknown) => void) => void }).emit(
        event,
        payload,
        (err, res) => (err ? reject(new ParleyError('SERVER_UNREACHABLE', 'no answer')) : resolve(res)),
      );
    });
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.abortConnect?.();
    this.abortConnect = null;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.socket?.disconnect(); // also stops reconnecting
    this.socket = null;
    this.clear();
  }
}

/** The first reconnection delay, spread like socket.io-client's own (so clients do not come back in step). */
function reconnectDelay(): number {
  return RECONNECT_DELAY_MS * (1 + (Math.random() * 2 - 1) * RECONNECT_RANDOMIZATION);
}

/** The ICE settings of a validated answer. */
function iceSettings({ iceServers, iceTransportPolicy, iceServersTtlSeconds }: IceSettings): IceSettings {
  return { iceServers, iceTransportPolicy, iceServersTtlSeconds };
}

function encodeProof(proof: Uint8Array): string {
  if (!(proof instanceof Uint8Array) || proof.length !== PROOF_BYTES) throw new ParleyError('MALFORMED', 'room proof must be 32 bytes');
  return toBase64Url(proof);
}
