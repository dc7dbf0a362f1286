/**
 * Types of the room logic (rooms.ts): the socket interface it needs, its options, results and
 * statistics, and the shape of a room.
 */
import type { ErrorCode } from '../protocol/errors.ts';
import type { RoomRole, ServerToClientEvents } from '../protocol/signaling.ts';

export type ServerEventName = keyof ServerToClientEvents;
export type ServerEventPayload<E extends ServerEventName> = Parameters<ServerToClientEvents[E]>[0];

/** What the room logic needs from a connection. */
export interface RoomSocket {
  readonly id: string;
  emit<E extends ServerEventName>(event: E, payload: ServerEventPayload<E>): void;
}

export type Failure = { ok: false; error: ErrorCode };
export type Result<T extends object = object> = ({ ok: true } & T) | Failure;

export interface RoomManagerOptions {
  /** Lifetime of an unjoined code, in milliseconds. */
  codeTtlMs: number;
  /** Most rooms one socket may be a member of at once (both roles counted). */
  roomsPerSocket: number;
  /** Most live rooms on this server; beyond it `create` answers `SERVER_FULL`. */
  maxRooms: number;
  /** How long a member of a claimed room stays "away" after its socket dropped (default 0: it leaves at once). */
  rejoinWindowMs?: number;
  /** How long a closed room's nameplate and sid answer with its reason (default 1 hour). */
  tombstoneTtlMs?: number;
  /** Most tombstones kept (default 50 000) of each kind; the oldest go first. */
  maxTombstones?: number;
  /** Clock in milliseconds (default `Date.now`). */
  now?: () => number;
  /** Uniform random integer in [min, max) (default `crypto.randomInt`). */
  randomInt?: (min: number, max: number) => number;
  /** Random bytes (default `crypto.randomBytes`). */
  randomBytes?: (n: number) => Uint8Array;
  /** Log hook. Receives opaque internal room numbers only: never nameplates, sids, proofs or data. */
  log?: (level: 'debug' | 'info', event: string, fields: Record<string, string | number>) => void;
}

export interface Slot {
  socket: RoomSocket | null;
  /** While the member is away: when its slot is given up. Null when present or gone. */
  awayUntil: number | null;
}

export interface Room {
  /** Internal number, for logs only. */
  readonly id: number;
  readonly sid: string;
  /** Null for a restored room: it is never joinable by code. */
  readonly nameplate: string | null;
  readonly slots: Record<RoomRole, Slot>;
  /** A customer has joined once; the room never accepts another. */
  paired: boolean;
  readonly expiresAt: number;
  /** SHA-256 of the claimed room proof; null until a member claims. */
  proofHash: Buffer | null;
}

export interface RoomStats {
  /** Live rooms. */
  rooms: number;
  /** Live rooms waiting for their customer. */
  waiting: number;
  /** Live rooms that have been joined (or restored). */
  paired: number;
  /** Members away (socket dropped, slot kept for the rejoin window). */
  away: number;
  /** Closed rooms whose nameplate is still reserved. */
  tombstones: number;
  /** Closed rooms whose sid still answers `resume-room` with the reason. */
  closedSids: number;
  /** Sockets that are in at least one room. */
  sockets: number;
  /** Nameplates in use (rooms + tombstones) by number of digits. */
  nameplatesByDigits: Record<number, number>;
}

type Awaitable<T> = T | Promise<T>;

/**
 * The room logic as the server uses it: {@link RoomManager} (rooms.ts, in memory, one node)
 * answers at once; `RedisRoomManager` (redis-rooms.ts, several nodes) answers from Redis.
 * A store that cannot be reached rejects with `StoreUnavailableError`.
 */
export interface Rooms {
  create(rep: RoomSocket): Awaitable<Result<{ nameplate: string; sid: string; expiresAt: number }>>;
  join(customer: RoomSocket, nameplate: string): Awaitable<Result<{ sid: string }>>;
  relay(from: RoomSocket, data: string, sid?: string): Awaitable<Result>;
  badKey(from: RoomSocket, sid?: string): Awaitable<Result>;
  leave(from: RoomSocket, sid?: string): Awaitable<Result>;
  claim(from: RoomSocket, proof: Uint8Array, sid?: string): Awaitable<Result>;
  resume(socket: RoomSocket, sid: string, role: RoomRole, proof: Uint8Array): Awaitable<Result<{ peerPresent: boolean; peerLeft: boolean }>>;
  disconnect(socket: RoomSocket): Awaitable<void>;
  sweep(): Awaitable<void>;
  isMember(socket: RoomSocket, sid?: string): Awaitable<boolean>;
  stats(): Awaitable<RoomStats>;
}

/** The shared store (Redis) did not answer: the request is refused with `SERVICE_UNAVAILABLE`. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}
