/**
 * Room logic of the signaling server, over a minimal socket interface so that it can be tested
 * without a network (fake sockets, fake clock).
 *
 * A room pairs two sockets: member A, the rep who created it, and member B, the customer who
 * joined it with the nameplate. The server never looks inside relayed data.
 *
 * Life of a room:
 * ```
 *   create ──> waiting ──join──> paired ──customer leaves──> paired, rep alone (never re-joinable)
 *                 │                 │
 *                 │ CODE_TTL        ├─ bad-key (either member) ─> closed, tombstone ROOM_BURNED
 *                 v                 └─ rep leaves/disconnects ──> closed, tombstone PEER_GONE
 *   closed, tombstone CODE_EXPIRED
 * ```
 *
 * Decisions:
 * - Nameplates are random (never sequential), never start with 0, and are unique among live
 *   rooms *and* tombstones, so a stale code never lands in someone else's new room (where a
 *   wrong-code PAKE would burn it). Length 3 is used while at most half of the 900 three-digit
 *   nameplates are taken, then 4, 5, 6 digits. Keeping each length at most half full bounds the
 *   random search to two draws on average.
 * - Relay before the peer is present (or after it left) answers `NOT_IN_ROOM` rather than
 *   dropping silently: the sender learns its message went nowhere.
 * - A room that has been joined once is never joinable again, even after the customer left
 *   (`ROOM_CROWDED`): a code is good for one customer, and nobody gets a second guess at it.
 *   A customer who lost its connection needs a new code from the rep.
 * - A socket may be in several rooms (up to `roomsPerSocket`, counting both roles). Messages
 *   name the room with its `sid`; the `sid` may be left out when the socket is in one room only.
 * - Closed rooms leave a tombstone (reason + expiry) for `tombstoneTtlMs`, at most
 *   `maxTombstones` of them (oldest evicted first), so memory stays bounded.
 */
import { randomBytes as nodeRandomBytes, randomInt as nodeRandomInt } from 'node:crypto';
import type { ErrorCode } from '../protocol/errors.ts';
import type { ServerToClientEvents } from '../protocol/signaling.ts';
import { toBase64Url } from '../protocol/base64.ts';
import { NAMEPLATE_MAX_DIGITS, NAMEPLATE_MIN_DIGITS } from '../protocol/code.ts';

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
  /** How long a closed room's nameplate answers with its reason (default 1 hour). */
  tombstoneTtlMs?: number;
  /** Most tombstones kept (default 50 000); the oldest go first. */
  maxTombstones?: number;
  /** Clock in milliseconds (default `Date.now`). */
  now?: () => number;
  /** Uniform random integer in [min, max) (default `crypto.randomInt`). */
  randomInt?: (min: number, max: number) => number;
  /** Random bytes (default `crypto.randomBytes`). */
  randomBytes?: (n: number) => Uint8Array;
  /** Log hook. Receives opaque internal room numbers only: never nameplates, sids or data. */
  log?: (level: 'debug' | 'info', event: string, fields: Record<string, string | number>) => void;
}

interface Room {
  /** Internal number, for logs only. */
  readonly id: number;
  readonly sid: string;
  readonly nameplate: string;
  readonly rep: RoomSocket;
  customer: RoomSocket | null;
  /** A customer has joined once; the room never accepts another. */
  paired: boolean;
  readonly expiresAt: number;
}

interface Tombstone {
  readonly reason: ErrorCode;
  readonly expiresAt: number;
}

export interface RoomStats {
  /** Live rooms. */
  rooms: number;
  /** Live rooms waiting for their customer. */
  waiting: number;
  /** Live rooms that have been joined. */
  paired: number;
  /** Closed rooms whose nameplate is still reserved. */
  tombstones: number;
  /** Sockets that are in at least one room. */
  sockets: number;
  /** Nameplates in use (rooms + tombstones) by number of digits. */
  nameplatesByDigits: Record<number, number>;
}

/** Number of nameplates with `digits` digits (no leading zero). */
export function nameplateSpace(digits: number): number {
  return 9 * 10 ** (digits - 1);
}

/** Most nameplates that can be in use at once (each length at most half full). */
export const NAMEPLATE_CAPACITY = (() => {
  let total = 0;
  for (let d = NAMEPLATE_MIN_DIGITS; d <= NAMEPLATE_MAX_DIGITS; d++) total += Math.floor(nameplateSpace(d) / 2);
  return total;
})();

const DEFAULT_TOMBSTONE_TTL_MS = 60 * 60 * 1000;
const DEFAULT_MAX_TOMBSTONES = 50_000;
const MAX_DRAWS = 64;

export class RoomManager {
  readonly #codeTtlMs: number;
  readonly #roomsPerSocket: number;
  readonly #maxRooms: number;
  readonly #tombstoneTtlMs: number;
  readonly #maxTombstones: number;
  readonly #now: () => number;
  readonly #randomInt: (min: number, max: number) => number;
  readonly #randomBytes: (n: number) => Uint8Array;
  readonly #log: NonNullable<RoomManagerOptions['log']>;

  /** Live rooms by nameplate. */
  readonly #rooms = new Map<string, Room>();
  /** Unjoined rooms by sid, in creation order = expiry order (constant TTL). */
  readonly #waiting = new Map<string, Room>();
  /** Tombstones by nameplate, in closing order = expiry order (constant TTL). */
  readonly #tombstones = new Map<string, Tombstone>();
  /** Rooms of each socket, by socket id. */
  readonly #memberships = new Map<string, Set<Room>>();
  /** Nameplates in use (rooms + tombstones) per number of digits. */
  readonly #usedByDigits = new Map<number, number>();
  #nextRoomId = 1;

  constructor(options: RoomManagerOptions) {
    this.#codeTtlMs = options.codeTtlMs;
    this.#roomsPerSocket = options.roomsPerSocket;
    this.#maxRooms = options.maxRooms;
    this.#tombstoneTtlMs = options.tombstoneTtlMs ?? DEFAULT_TOMBSTONE_TTL_MS;
    this.#maxTombstones = options.maxTombstones ?? DEFAULT_MAX_TOMBSTONES;
    this.#now = options.now ?? Date.now;
    this.#randomInt = options.randomInt ?? nodeRandomInt;
    this.#randomBytes = options.randomBytes ?? nodeRandomBytes;
    this.#log = options.log ?? (() => {});
  }

  /** The rep opens a room. Answers its nameplate, sid and expiry time. */
  create(rep: RoomSocket): Result<{ nameplate: string; sid: string; expiresAt: number }> {
    this.sweep();
    if (this.#roomCount(rep) >= this.#roomsPerSocket) return fail('RATE_LIMITED');
    if (this.#rooms.size >= this.#maxRooms) return fail('SERVER_FULL');
    const nameplate = this.#allocateNameplate();
    if (nameplate === null) return fail('SERVER_FULL');
    const sid = toBase64Url(this.#randomBytes(32));
    const room: Room = {
      id: this.#nextRoomId++,
      sid,
      nameplate,
      rep,
      customer: null,
      paired: false,
      expiresAt: this.#now() + this.#codeTtlMs,
    };
    this.#rooms.set(nameplate, room);
    this.#waiting.set(sid, room);
    this.#addMembership(rep, room);
    this.#log('debug', 'room-created', { room: room.id, rooms: this.#rooms.size });
    return { ok: true, nameplate, sid, expiresAt: room.expiresAt };
  }

  /** A customer joins by nameplate. On success the rep is told `peer-joined`. */
  join(customer: RoomSocket, nameplate: string): Result<{ sid: string }> {
    this.sweep();
    const room = this.#rooms.get(nameplate);
    if (!room) return fail(this.#tombstones.get(nameplate)?.reason ?? 'ROOM_NOT_FOUND');
    if (room.paired || room.rep.id === customer.id) return fail('ROOM_CROWDED');
    if (this.#roomCount(customer) >= this.#roomsPerSocket) return fail('RATE_LIMITED');
    room.customer = customer;
    room.paired = true;
    this.#waiting.delete(room.sid);
    this.#addMembership(customer, room);
    this.#log('debug', 'room-joined', { room: room.id });
    room.rep.emit('peer-joined', { sid: room.sid });
    return { ok: true, sid: room.sid };
  }

  /** Forwards `data` to the other member of the sender's room, unchanged. */
  relay(from: RoomSocket, data: string, sid?: string): Result {
    const room = this.#roomOf(from, sid);
    if (!room) return fail('NOT_IN_ROOM');
    const other = room.rep.id === from.id ? room.customer : room.rep;
    if (!other) return fail('NOT_IN_ROOM');
    other.emit('relay', { data, sid: room.sid });
    return { ok: true };
  }

  /**
   * Key confirmation failed on the sender's side: the room is burned. Both members get
   * `room-closed {reason: 'ROOM_BURNED'}`, and the nameplate answers `ROOM_BURNED` while the
   * tombstone lives.
   */
  badKey(from: RoomSocket, sid?: string): Result {
    const room = this.#roomOf(from, sid);
    if (!room) return fail('NOT_IN_ROOM');
    this.#close(room, 'ROOM_BURNED');
    for (const member of [room.rep, room.customer]) member?.emit('room-closed', { reason: 'ROOM_BURNED', sid: room.sid });
    this.#log('info', 'room-burned', { room: room.id });
    return { ok: true };
  }

  /**
   * A member leaves. The other gets `peer-left`. When the rep leaves, the room closes (the
   * customer also gets `room-closed {reason: 'PEER_GONE'}`); when the customer leaves, the room
   * stays open for the rep but never accepts another customer.
   */
  leave(from: RoomSocket, sid?: string): Result {
    const room = this.#roomOf(from, sid);
    if (!room) return fail('NOT_IN_ROOM');
    this.#leave(room, from);
    return { ok: true };
  }

  /** The socket is gone: it leaves every room it was in. */
  disconnect(socket: RoomSocket): void {
    const rooms = this.#memberships.get(socket.id);
    if (!rooms) return;
    for (const room of [...rooms]) this.#leave(room, socket);
    this.#memberships.delete(socket.id);
  }

  /**
   * Expires unjoined rooms past their TTL (the rep gets `room-closed {reason: 'CODE_EXPIRED'}`)
   * and forgets old tombstones. Cheap: it only looks at what has expired.
   */
  sweep(): void {
    const now = this.#now();
    for (const room of this.#waiting.values()) {
      if (room.expiresAt > now) break;
      this.#close(room, 'CODE_EXPIRED');
      room.rep.emit('room-closed', { reason: 'CODE_EXPIRED', sid: room.sid });
      this.#log('debug', 'room-expired', { room: room.id });
    }
    for (const [nameplate, tombstone] of this.#tombstones) {
      if (tombstone.expiresAt > now) break;
      this.#deleteTombstone(nameplate);
    }
  }

  stats(): RoomStats {
    const waiting = this.#waiting.size;
    return {
      rooms: this.#rooms.size,
      waiting,
      paired: this.#rooms.size - waiting,
      tombstones: this.#tombstones.size,
      sockets: this.#memberships.size,
      nameplatesByDigits: Object.fromEntries(this.#usedByDigits),
    };
  }

  #leave(room: Room, member: RoomSocket): void {
    if (room.rep.id === member.id) {
      this.#close(room, 'PEER_GONE');
      if (room.customer) {
        room.customer.emit('peer-left', { sid: room.sid });
        room.customer.emit('room-closed', { reason: 'PEER_GONE', sid: room.sid });
      }
      this.#log('debug', 'room-closed', { room: room.id });
    } else if (room.customer?.id === member.id) {
      room.customer = null;
      this.#removeMembership(member, room);
      room.rep.emit('peer-left', { sid: room.sid });
      this.#log('debug', 'customer-left', { room: room.id });
    }
  }

  /** Removes a live room and leaves a tombstone with `reason`. Does not notify anyone. */
  #close(room: Room, reason: ErrorCode): void {
    this.#rooms.delete(room.nameplate);
    this.#waiting.delete(room.sid);
    this.#removeMembership(room.rep, room);
    if (room.customer) this.#removeMembership(room.customer, room);
    if (this.#maxTombstones > 0 && this.#tombstoneTtlMs > 0) {
      while (this.#tombstones.size >= this.#maxTombstones) {
        const oldest = this.#tombstones.keys().next();
        if (oldest.done) break;
        this.#deleteTombstone(oldest.value);
      }
      this.#tombstones.set(room.nameplate, { reason, expiresAt: this.#now() + this.#tombstoneTtlMs });
    } else {
      this.#releaseNameplate(room.nameplate);
    }
  }

  #deleteTombstone(nameplate: string): void {
    if (this.#tombstones.delete(nameplate)) this.#releaseNameplate(nameplate);
  }

  /** The room of `socket` named by `sid`, or its only room when `sid` is absent. */
  #roomOf(socket: RoomSocket, sid: string | undefined): Room | null {
    const rooms = this.#memberships.get(socket.id);
    if (!rooms) return null;
    if (sid === undefined) {
      if (rooms.size !== 1) return null;
      const [only] = rooms;
      return only ?? null;
    }
    for (const room of rooms) if (room.sid === sid) return room;
    return null;
  }

  #roomCount(socket: RoomSocket): number {
    return this.#memberships.get(socket.id)?.size ?? 0;
  }

  #addMembership(socket: RoomSocket, room: Room): void {
    let rooms = this.#memberships.get(socket.id);
    if (!rooms) this.#memberships.set(socket.id, (rooms = new Set()));
    rooms.add(room);
  }

  #removeMembership(socket: RoomSocket, room: Room): void {
    const rooms = this.#memberships.get(socket.id);
    if (!rooms) return;
    rooms.delete(room);
    if (rooms.size === 0) this.#memberships.delete(socket.id);
  }

  /** A random free nameplate of the shortest length that stays at most half used, or null. */
  #allocateNameplate(): string | null {
    for (let digits = NAMEPLATE_MIN_DIGITS; digits <= NAMEPLATE_MAX_DIGITS; digits++) {
      const space = nameplateSpace(digits);
      const used = this.#usedByDigits.get(digits) ?? 0;
      if ((used + 1) * 2 > space) continue;
      const low = 10 ** (digits - 1);
      for (let draw = 0; draw < MAX_DRAWS; draw++) {
        const nameplate = String(this.#randomInt(low, low * 10));
        if (nameplate.length !== digits) continue; // a broken random source; never trust it
        if (this.#rooms.has(nameplate) || this.#tombstones.has(nameplate)) continue;
        this.#usedByDigits.set(digits, used + 1);
        return nameplate;
      }
    }
    return null;
  }

  #releaseNameplate(nameplate: string): void {
    const digits = nameplate.length;
    const used = this.#usedByDigits.get(digits) ?? 0;
    if (used <= 1) this.#usedByDigits.delete(digits);
    else this.#usedByDigits.set(digits, used - 1);
  }
}

function fail(error: ErrorCode): Failure {
  return { ok: false, error };
}
