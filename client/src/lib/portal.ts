/**
 * Portal: the socket.io connection to the signaling server. It validates everything the
 * server sends (the server is not trusted) and turns failures into ParleyErrors.
 * It knows nothing about keys: the session seals payloads before handing them over.
 */
import { io, type Socket } from 'socket.io-client';
import * as v from 'valibot';
import { ParleyError, type ErrorCode } from '@protocol/errors.ts';
import type { FilePolicy } from '@protocol/file-policy.ts';
import { PROTOCOL_VERSION } from '@protocol/version.ts';
import {
  ClientEvent,
  CreateRoomResultSchema,
  JoinRoomResultSchema,
  RelaySchema,
  RoomClosedSchema,
  ServerErrorSchema,
  ServerEvent,
  type ClientToServerEvents,
  type IceServer,
  type ServerToClientEvents,
} from '@protocol/signaling.ts';
import { Emitter } from './emitter.ts';

const REQUEST_TIMEOUT_MS = 10_000;

export interface PortalEvents {
  'peer-joined': void;
  'peer-left': void;
  relay: string;
  'room-closed': ErrorCode;
  'server-error': ErrorCode;
  disconnected: void;
}

export interface CreatedRoom {
  nameplate: string;
  sid: string;
  expiresAt: number;
  iceServers: IceServer[];
  /** What files may be sent in this room; absent when the server sent none (the defaults apply). */
  filePolicy?: FilePolicy;
}

export interface JoinedRoom {
  sid: string;
  iceServers: IceServer[];
  filePolicy?: FilePolicy;
}

export class Portal extends Emitter<PortalEvents> {
  private socket: Socket<ServerToClientEvents, ClientToServerEvents> | null = null;
  private destroyed = false;
  private connecting: Promise<void> | null = null;
  private abortConnect: (() => void) | null = null;

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
      transports: ['websocket', 'polling'],
      // A room belongs to one socket id: a reconnected socket would not be in it (see Session).
      reconnection: false,
      timeout: REQUEST_TIMEOUT_MS,
    });
    this.socket = socket;
    this.listen(socket);
    return new Promise((resolve, reject) => {
      const onConnect = () => {
        socket.off('connect_error', onError);
        this.abortConnect = null;
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

  private listen(socket: Socket<ServerToClientEvents, ClientToServerEvents>): void {
    // Every server message is parsed: unknown or malformed ones are dropped, never trusted.
    socket.on(ServerEvent.PeerJoined, () => this.emit('peer-joined', undefined));
    socket.on(ServerEvent.PeerLeft, () => this.emit('peer-left', undefined));
    socket.on(ServerEvent.Relay, (msg: unknown) => {
      const parsed = v.safeParse(RelaySchema, msg);
      if (parsed.success) this.emit('relay', parsed.output.data);
    });
    socket.on(ServerEvent.RoomClosed, (msg: unknown) => {
      const parsed = v.safeParse(RoomClosedSchema, msg);
      if (parsed.success) this.emit('room-closed', parsed.output.reason);
    });
    socket.on(ServerEvent.ServerError, (msg: unknown) => {
      const parsed = v.safeParse(ServerErrorSchema, msg);
      if (parsed.success) this.emit('server-error', parsed.output.code);
    });
    socket.on('disconnect', () => {
      if (!this.destroyed) this.emit('disconnected', undefined);
    });
  }

  async createRoom(): Promise<CreatedRoom> {
    const result = v.safeParse(CreateRoomResultSchema, await this.request(ClientEvent.CreateRoom, {}));
    if (!result.success) throw new ParleyError('MALFORMED', 'bad create-room answer');
    if (!result.output.ok) throw new ParleyError(result.output.error);
    const { nameplate, sid, expiresAt, iceServers, filePolicy } = result.output;
    return { nameplate, sid, expiresAt, iceServers, filePolicy };
  }

  async joinRoom(nameplate: string): Promise<JoinedRoom> {
    const result = v.safeParse(JoinRoomResultSchema, await this.request(ClientEvent.JoinRoom, { nameplate }));
    if (!result.success) throw new ParleyError('MALFORMED', 'bad join-room answer');
    if (!result.output.ok) throw new ParleyError(result.output.error);
    const { sid, iceServers, filePolicy } = result.output;
    return { sid, iceServers, filePolicy };
  }

  relay(data: string): void {
    this.socket?.emit(ClientEvent.Relay, { data });
  }

  /** Tells the server the key confirmation failed, so it burns the room. */
  reportBadKey(): void {
    this.socket?.emit(ClientEvent.BadKey, {});
  }

  leave(): void {
    this.socket?.emit(ClientEvent.LeaveRoom, {});
  }

  private request(event: 'create-room' | 'join-room', payload: object): Promise<unknown> {
    const socket = this.socket;
    if (!socket) return Promise.reject(new ParleyError('SERVER_UNREACHABLE', 'not connected'));
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
    this.socket?.disconnect();
    this.socket = null;
    this.clear();
  }
}
