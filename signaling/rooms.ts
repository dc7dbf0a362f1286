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
 *
 *   paired ──claim-room──> claimed: a member's socket that drops is "away" (peer-away) for the
 *   rejoin window; resume-room with the claimed proof takes the slot back (peer-back); when the
 *   window passes, it counts as that member leaving (above).
 *   resume-room for an unknown sid (server restarted): a restored room, no nameplate, holding the
 *   resumer, the other slot away.
 * ```
 *
 * Decisions:
 * - Nameplates: see nameplates.ts.
 * - Relay before the peer is present (or after it left, or while it is away) answers
 *   `NOT_IN_ROOM` rather than dropping silently: the sender learns its message went nowhere.
 * - A room that has been joined once is never joinable again, even after the customer left
 *   (`ROOM_CROWDED`): a code is good for one customer, and nobody gets a second guess at it.
 *   Coming back is only by `resume-room`, which needs the room proof (keys.ts `roomProof`), i.e.
 *   the session key: the server keeps only its SHA-256 and compares in constant time.
 * - Only a claimed room (both members verified, or at least one) keeps an away slot: a room still
 *   in setup loses a member on disconnect as before, since nobody could prove to be it again.
 * - A socket may be in several rooms (up to `roomsPerSocket`, counting both roles). Messages
 *   name the room with its `sid`; the `sid` may be left out when the socket is in one room only.
 * - Closed rooms leave a tombstone by nameplate (answers `join-room`) and one by sid (answers
 *   `resume-room`, so a session that ended on purpose is not restored as an unknown sid), each
 *   for `tombstoneTtlMs`, at most `maxTombstones` of each (oldest evicted first).
 * - Every deadline (code TTL, away window, tombstones) is one constant per kind, so maps in
 *   insertion order are in expiry order and `sweep` only looks at what has expired: no timers.
 */
import { createHash, randomBytes as nodeRandomBytes, randomInt as nodeRandomInt, timingSafeEqual } from 'node:crypto';
import type { ErrorCode } from '../protocol/errors.ts';
import type { RoomRole } from '../protocol/signaling.ts';
import { toBase64Url } from '../protocol/base64.ts';
import { ExpiringMap } from './expiring-map.ts';
import { Memberships } from './memberships.ts';
import { NameplatePool } from './nameplates.ts';
import type { Failure, Result, Room, RoomManagerOptions, RoomSocket, RoomStats } from './room-types.ts';

export { NAMEPLATE_CAPACITY, nameplateSpace } from './nameplates.ts';
export type { Failure, Result, RoomManagerOptions, RoomSocket, RoomStats, ServerEventName, ServerEventPayload } from './room-types.ts';

const DEFAULT_TOMBSTONE_TTL_MS = 60 * 60 * 1000;
const DEFAULT_MAX_TOMBSTONES = 50_000;

const otherRole = (role: RoomRole): RoomRole => (role === 'rep' ? 'customer' : 'rep');
const hashProof = (proof: Uint8Array): Buffer => createHash('sha256').update(proof).digest();

export class RoomManager {
  readonly #codeTtlMs: number;
  readonly #roomsPerSocket: number;
  readonly #maxRooms: number;
  readonly #rejoinWindowMs: number;
  readonly #now: () => number;
  readonly #randomBytes: (n: number) => Uint8Array;
  readonly #log: NonNullable<RoomManagerOptions['log']>;
  readonly #nameplates: NameplatePool;

  /** Live rooms by sid. */
  readonly #rooms = new Map<string, Room>();
  /** Live rooms by nameplate (restored rooms have none). */
  readonly #byNameplate = new Map<string, Room>();
  /** Unjoined rooms by sid, in creation order = expiry order (constant TTL). */
  readonly #waiting = new Map<string, Room>();
  /** Away slots by `roomId:role`, in expiry order (constant window; re-inserted when renewed). */
  readonly #away = new Map<string, { room: Room; role: RoomRole }>();
  /** Reasons of closed rooms by nameplate; going frees the nameplate. */
  readonly #tombstones: ExpiringMap<string, ErrorCode>;
  /** Reasons of closed rooms by sid. */
  readonly #closedSids: ExpiringMap<string, ErrorCode>;
  /** Rooms of each socket. */
  readonly #memberships = new Memberships<Room>();
  #nextRoomId = 1;

  constructor(options: RoomManagerOptions) {
    this.#codeTtlMs = options.codeTtlMs;
    this.#roomsPerSocket = options.roomsPerSocket;
    this.#maxRooms = options.maxRooms;
    this.#rejoinWindowMs = options.rejoinWindowMs ?? 0;
    const ttl = options.tombstoneTtlMs ?? DEFAULT_TOMBSTONE_TTL_MS;
    const max = options.maxTombstones ?? DEFAULT_MAX_TOMBSTONES;
    this.#now = options.now ?? Date.now;
    this.#randomBytes = options.randomBytes ?? nodeRandomBytes;
    this.#log = options.log ?? (() => {});
    this.#nameplates = new NameplatePool(options.randomInt ?? nodeRandomInt);
    this.#tombstones = new ExpiringMap(ttl, max, (nameplate) => this.#nameplates.release(nameplate));
    this.#closedSids = new ExpiringMap(ttl, max);
  }

  /** The rep opens a room. Answers its nameplate, sid and expiry time. */
  create(rep: RoomSocket): Result<{ nameplate: string; sid: string; expiresAt: number }> {
    this.sweep();
    if (this.#memberships.count(rep) >= this.#roomsPerSocket) return fail('RATE_LIMITED');
    if (this.#rooms.size >= this.#maxRooms) return fail('SERVER_FULL');
    const nameplate = this.#nameplates.allocate((n) => this.#byNameplate.has(n) || this.#tombstones.has(n));
    if (nameplate === null) return fail('SERVER_FULL');
    const room = this.#newRoom(toBase64Url(this.#randomBytes(32)), nameplate, rep, 'rep');
    this.#waiting.set(room.sid, room);
    this.#log('debug', 'room-created', { room: room.id, rooms: this.#rooms.size });
    return { ok: true, nameplate, sid: room.sid, expiresAt: room.expiresAt };
  }

  /** A customer joins by nameplate. On success the rep is told `peer-joined`. */
  join(customer: RoomSocket, nameplate: string): Result<{ sid: string }> {
    this.sweep();
    const room = this.#byNameplate.get(nameplate);
    if (!room) return fail(this.#tombstones.get(nameplate) ?? 'ROOM_NOT_FOUND');
    if (room.slots.customer.socket?.id === customer.id) return { ok: true, sid: room.sid }; // asked again
    if (room.paired || room.slots.rep.socket?.id === customer.id) return fail('ROOM_CROWDED');
    if (this.#memberships.count(customer) >= this.#roomsPerSocket) return fail('RATE_LIMITED');
    room.slots.customer.socket = customer;
    room.paired = true;
    this.#waiting.delete(room.sid);
    this.#memberships.add(customer, room);
    this.#log('debug', 'room-joined', { room: room.id });
    room.slots.rep.socket?.emit('peer-joined', { sid: room.sid });
    return { ok: true, sid: room.sid };
  }

  /** Forwards `data` to the other member of the sender's room, unchanged. */
  relay(from: RoomSocket, data: string, sid?: string): Result {
    const found = this.#memberOf(from, sid);
    if (!found) return fail('NOT_IN_ROOM');
    const other = found.room.slots[otherRole(found.role)].socket;
    if (!other) return fail('NOT_IN_ROOM');
    other.emit('relay', { data, sid: found.room.sid });
    return { ok: true };
  }

  /**
   * Key confirmation failed on the sender's side: the room is burned. Both members get
   * `room-closed {reason: 'ROOM_BURNED'}`, and the nameplate answers `ROOM_BURNED` while the
   * tombstone lives.
   */
  badKey(from: RoomSocket, sid?: string): Result {
    const found = this.#memberOf(from, sid);
    if (!found) return fail('NOT_IN_ROOM');
    const { room } = found;
    const members = [room.slots.rep.socket, room.slots.customer.socket];
    this.#close(room, 'ROOM_BURNED');
    for (const member of members) member?.emit('room-closed', { reason: 'ROOM_BURNED', sid: room.sid });
    this.#log('info', 'room-burned', { room: room.id });
    return { ok: true };
  }

  /**
   * A member leaves, at once (also from a claimed room). The other gets `peer-left`. When the rep
   * leaves, the room closes (the customer also gets `room-closed {reason: 'PEER_GONE'}`); when the
   * customer leaves, the room stays open for the rep but never accepts another customer.
   */
  leave(from: RoomSocket, sid?: string): Result {
    const found = this.#memberOf(from, sid);
    if (!found) return fail('NOT_IN_ROOM');
    this.#leave(found.room, found.role);
    return { ok: true };
  }

  /**
   * A verified member hands in the room proof. The first proof of a paired room is kept (as its
   * SHA-256); a different one later is refused with `RESUME_REFUSED` and changes nothing.
   */
  claim(from: RoomSocket, proof: Uint8Array, sid?: string): Result {
    const found = this.#memberOf(from, sid);
    if (!found || !found.room.paired) return fail('NOT_IN_ROOM');
    const { room } = found;
    const hash = hashProof(proof);
    if (room.proofHash === null) {
      room.proofHash = hash;
      this.#log('debug', 'room-claimed', { room: room.id });
    } else if (!timingSafeEqual(room.proofHash, hash)) {
      this.#log('debug', 'claim-mismatch', { room: room.id });
      return fail('RESUME_REFUSED');
    }
    return { ok: true };
  }

  /**
   * A member takes its slot back on a (new) socket with the claimed proof. `peerLeft`: the other
   * member has left for good (the caller tells the resumer `peer-left` after answering).
   * See PROTOCOL.md §5.2 `resume-room` for every case.
   */
  resume(socket: RoomSocket, sid: string, role: RoomRole, proof: Uint8Array): Result<{ peerPresent: boolean; peerLeft: boolean }> {
    this.sweep();
    if (this.#rejoinWindowMs <= 0) return fail('RESUME_REFUSED');
    const hash = hashProof(proof);
    const room = this.#rooms.get(sid);
    if (!room) return this.#restore(socket, sid, role, hash);
    if (room.proofHash === null || !timingSafeEqual(room.proofHash, hash)) {
      this.#log('debug', 'resume-refused', { room: room.id });
      return fail('RESUME_REFUSED');
    }
    const slot = room.slots[role];
    const other = room.slots[otherRole(role)];
    if (other.socket?.id === socket.id) return fail('RESUME_REFUSED'); // one socket, both roles
    const peer = { peerPresent: other.socket !== null, peerLeft: other.socket === null && other.awayUntil === null };
    if (slot.socket?.id === socket.id) return { ok: true, ...peer }; // already resumed
    if (slot.socket === null && slot.awayUntil === null) return fail('PEER_GONE'); // it left for good
    if (this.#memberships.count(socket) >= this.#roomsPerSocket) return fail('RATE_LIMITED');
    // The old socket (away, or not timed out yet) loses the slot without being told.
    if (slot.socket) this.#memberships.remove(slot.socket, room);
    this.#away.delete(`${room.id}:${role}`);
    slot.socket = socket;
    slot.awayUntil = null;
    this.#memberships.add(socket, room);
    other.socket?.emit('peer-back', { sid });
    this.#log('debug', 'member-back', { room: room.id });
    return { ok: true, ...peer };
  }

  /**
   * The socket is gone. In a claimed room (and with a rejoin window) its slot is kept: the other
   * member gets `peer-away`. Anywhere else it leaves as with `leave`.
   */
  disconnect(socket: RoomSocket): void {
    for (const room of this.#memberships.of(socket)) {
      const role = this.#roleOf(room, socket);
      if (!role) continue;
      if (room.proofHash !== null && this.#rejoinWindowMs > 0) this.#setAway(room, role);
      else this.#leave(room, role);
    }
    this.#memberships.forget(socket);
  }

  /**
   * Expires unjoined rooms past their TTL (the rep gets `room-closed {reason: 'CODE_EXPIRED'}`),
   * gives up away slots past the rejoin window (as if that member left), and forgets old
   * tombstones. Cheap: it only looks at what has expired.
   */
  sweep(): void {
    const now = this.#now();
    for (const room of this.#waiting.values()) {
      if (room.expiresAt > now) break;
      const rep = room.slots.rep.socket;
      this.#close(room, 'CODE_EXPIRED');
      rep?.emit('room-closed', { reason: 'CODE_EXPIRED', sid: room.sid });
      this.#log('debug', 'room-expired', { room: room.id });
    }
    for (const [key, { room, role }] of this.#away) {
      if ((room.slots[role].awayUntil ?? 0) > now) break;
      this.#away.delete(key);
      room.slots[role].awayUntil = null;
      this.#log('debug', 'away-expired', { room: room.id });
      this.#leave(room, role);
    }
    this.#tombstones.sweep(now);
    this.#closedSids.sweep(now);
  }

  /** Whether `socket` is a present member of a live room (the one named by `sid`, or any one). */
  isMember(socket: RoomSocket, sid?: string): boolean {
    if (sid === undefined) return this.#memberships.count(socket) > 0;
    return this.#memberOf(socket, sid) !== null;
  }

  stats(): RoomStats {
    const waiting = this.#waiting.size;
    return {
      rooms: this.#rooms.size,
      waiting,
      paired: this.#rooms.size - waiting,
      away: this.#away.size,
      tombstones: this.#tombstones.size,
      closedSids: this.#closedSids.size,
      sockets: this.#memberships.size,
      nameplatesByDigits: this.#nameplates.byDigits(),
    };
  }

  /** `resume-room` for a sid this server does not know: closed here, or restored (server restart). */
  #restore(socket: RoomSocket, sid: string, role: RoomRole, hash: Buffer): Result<{ peerPresent: boolean; peerLeft: boolean }> {
    const closed = this.#closedSids.get(sid);
    if (closed) return fail(closed);
    if (this.#memberships.count(socket) >= this.#roomsPerSocket) return fail('RATE_LIMITED');
    if (this.#rooms.size >= this.#maxRooms) return fail('SERVER_FULL');
    const room = this.#newRoom(sid, null, socket, role);
    room.paired = true;
    room.proofHash = hash;
    this.#setAway(room, otherRole(role), false); // the resumer learns it from `peerPresent`
    this.#log('debug', 'room-restored', { room: room.id, rooms: this.#rooms.size });
    return { ok: true, peerPresent: false, peerLeft: false };
  }

  #newRoom(sid: string, nameplate: string | null, member: RoomSocket, role: RoomRole): Room {
    const room: Room = {
      id: this.#nextRoomId++,
      sid,
      nameplate,
      slots: { rep: { socket: null, awayUntil: null }, customer: { socket: null, awayUntil: null } },
      paired: false,
      expiresAt: this.#now() + this.#codeTtlMs,
      proofHash: null,
    };
    room.slots[role].socket = member;
    this.#rooms.set(sid, room);
    if (nameplate !== null) this.#byNameplate.set(nameplate, room);
    this.#memberships.add(member, room);
    return room;
  }

  /** The member of `role` is away: its socket (if any) is dropped, its slot kept for the window. */
  #setAway(room: Room, role: RoomRole, notify = true): void {
    const slot = room.slots[role];
    if (slot.socket) this.#memberships.remove(slot.socket, room);
    slot.socket = null;
    slot.awayUntil = this.#now() + this.#rejoinWindowMs;
    const key = `${room.id}:${role}`;
    this.#away.delete(key); // re-inserted last: the map stays in expiry order
    this.#away.set(key, { room, role });
    if (notify) room.slots[otherRole(role)].socket?.emit('peer-away', { sid: room.sid });
    this.#log('debug', 'member-away', { room: room.id });
  }

  /** The member of `role` is gone for good (left, disconnected unclaimed, or away too long). */
  #leave(room: Room, role: RoomRole): void {
    if (role === 'rep') {
      const customer = room.slots.customer.socket;
      this.#close(room, 'PEER_GONE');
      if (customer) {
        customer.emit('peer-left', { sid: room.sid });
        customer.emit('room-closed', { reason: 'PEER_GONE', sid: room.sid });
      }
      this.#log('debug', 'room-closed', { room: room.id });
    } else {
      const slot = room.slots.customer;
      if (slot.socket) this.#memberships.remove(slot.socket, room);
      slot.socket = null;
      slot.awayUntil = null;
      this.#away.delete(`${room.id}:customer`);
      room.slots.rep.socket?.emit('peer-left', { sid: room.sid });
      this.#log('debug', 'customer-left', { room: room.id });
    }
  }

  /** Removes a live room and leaves tombstones with `reason`. Does not notify anyone. */
  #close(room: Room, reason: ErrorCode): void {
    const now = this.#now();
    this.#rooms.delete(room.sid);
    this.#waiting.delete(room.sid);
    for (const role of ['rep', 'customer'] as const) {
      const slot = room.slots[role];
      if (slot.socket) this.#memberships.remove(slot.socket, room);
      slot.socket = null;
      slot.awayUntil = null;
      this.#away.delete(`${room.id}:${role}`);
    }
    this.#closedSids.set(room.sid, reason, now);
    if (room.nameplate === null) return;
    this.#byNameplate.delete(room.nameplate);
    if (!this.#tombstones.set(room.nameplate, reason, now)) this.#nameplates.release(room.nameplate);
  }

  #roleOf(room: Room, socket: RoomSocket): RoomRole | null {
    if (room.slots.rep.socket?.id === socket.id) return 'rep';
    if (room.slots.customer.socket?.id === socket.id) return 'customer';
    return null;
  }

  /** The room of `socket` named by `sid` (or its only room when `sid` is absent) and its role there. */
  #memberOf(socket: RoomSocket, sid: string | undefined): { room: Room; role: RoomRole } | null {
    const rooms = this.#memberships.of(socket);
    let room: Room | undefined;
    if (sid === undefined) {
      if (rooms.length === 1) [room] = rooms;
    } else {
      for (const candidate of rooms) if (candidate.sid === sid) room = candidate;
    }
    const role = room ? this.#roleOf(room, socket) : null;
    return room && role ? { room, role } : null;
  }
}

function fail(error: ErrorCode): Failure {
  return { ok: false, error };
}
