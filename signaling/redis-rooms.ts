/**
 * The room logic of several signaling nodes sharing one Redis: same behaviour as `RoomManager`
 * (rooms.ts; the same unit tests run against both), with the state in Redis and each operation
 * one atomic Lua script (redis-rooms.lua.ts).
 *
 * What stays on the node: which of its own sockets are in which rooms (a socket lives on one
 * node), as a hint for the per-socket limit, for requests that leave out the sid, and for
 * `disconnect`. Redis is the authority: a hint that no longer matches (the room was closed from
 * another node) is dropped when it is next used.
 *
 * Messages to a member go through `deliver(socketId, …)`, which reaches a socket on any node
 * (socket.io with the Redis adapter: `io.to(socketId).emit`).
 *
 * A node that dies cannot say that its sockets are gone: each node renews a heartbeat at every
 * sweep, and the first node to see one older than {@link NODE_DEAD_AFTER_MS} handles the dead
 * node's members as disconnected (away in a verified room, so they can resume on another node).
 */
import { createHash, randomBytes as nodeRandomBytes, randomInt as nodeRandomInt, randomUUID } from 'node:crypto';
import { ReplyError, type Redis } from 'ioredis';
import { toBase64Url } from '../protocol/base64.ts';
import { isErrorCode, type ErrorCode } from '../protocol/errors.ts';
import type { RoomRole } from '../protocol/signaling.ts';
import { ROOM_SCRIPTS, type RoomScriptName } from './redis-rooms.lua.ts';
import { StoreUnavailableError, type Failure, type Result, type RoomManagerOptions, type Rooms, type RoomSocket, type RoomStats, type ServerEventName, type ServerEventPayload } from './room-types.ts';

/** A node whose heartbeat is older than this is taken for dead (sweeps renew it every second). */
export const NODE_DEAD_AFTER_MS = 15_000;
/** Random nameplate candidates handed to `create` per length: each length is at most half used, so all 32 are taken with odds 2^-32. */
const CANDIDATES_PER_LENGTH = 32;
/** Most expired entries of each kind one sweep handles (the next sweep takes the rest). */
const SWEEP_LIMIT = 1000;
const DEFAULT_TOMBSTONE_TTL_MS = 60 * 60 * 1000;
const DEFAULT_MAX_TOMBSTONES = 50_000;
/** The log events of rooms.ts for a room closed with each reason (the metrics count them). */
const CLOSING_EVENTS: Readonly<Record<string, string>> = { CODE_EXPIRED: 'room-expired', ROOM_BURNED: 'room-burned', PEER_GONE: 'room-closed' };

export interface RedisRoomManagerOptions extends RoomManagerOptions {
  redis: Redis;
  /** Sends an event to a socket on any node. */
  deliver<E extends ServerEventName>(socketId: string, event: E, payload: ServerEventPayload<E>): void;
  /** Key prefix (default `parley:`), so several deployments can share one Redis. */
  prefix?: string;
  /** This node's id (default: a random UUID). */
  nodeId?: string;
  /** A node silent this long is taken for dead (default {@link NODE_DEAD_AFTER_MS}; shorter in tests). */
  nodeDeadAfterMs?: number;
  /**
   * This node could not reach Redis for so long that the others took it for dead and made its
   * sockets' places "away": the sockets should reconnect (and resume) to be members again.
   */
  onTakenOver?(): void;
}

type ScriptReply = [status: string, values: (string | number)[], effects: string[], closures?: string[]];
type ScriptRunner = (...args: (string | number)[]) => Promise<ScriptReply>;

/**
 * Error replies that mean Redis cannot take writes now (a replica after a failover, out of
 * memory, busy with a long script, failing to persist, loading, its primary down). Any other
 * error reply (`ERR …`, e.g. raised inside a script) is a bug.
 */
const UNAVAILABLE_REPLY = /^(READONLY|OOM|BUSY|MISCONF|MASTERDOWN|LOADING|NOREPLICAS|TRYAGAIN|CLUSTERDOWN)\b/;

const hashProof = (proof: Uint8Array): string => createHash('sha256').update(proof).digest('hex');

export class RedisRoomManager implements Rooms {
  readonly nodeId: string;
  readonly #redis: Redis;
  readonly #deliver: RedisRoomManagerOptions['deliver'];
  readonly #prefix: string;
  readonly #codeTtlMs: number;
  readonly #roomsPerSocket: number;
  readonly #maxRooms: number;
  readonly #rejoinWindowMs: number;
  readonly #nodeDeadAfterMs: number;
  readonly #tombstoneTtlMs: number;
  readonly #maxTombstones: number;
  readonly #now: () => number;
  readonly #randomInt: (min: number, max: number) => number;
  readonly #randomBytes: (n: number) => Uint8Array;
  readonly #log: NonNullable<RoomManagerOptions['log']>;
  readonly #onTakenOver: () => void;
  /** Rooms of this node's sockets: socket id → sid → role (a hint; Redis decides). */
  readonly #memberships = new Map<string, Map<string, RoomRole>>();
  /** Disconnects Redis could not be told of (it was unreachable), retried at each sweep. */
  readonly #untold: { socketId: string; pairs: string[] }[] = [];

  constructor(options: RedisRoomManagerOptions) {
    this.#redis = options.redis;
    this.#deliver = options.deliver;
    this.#prefix = options.prefix ?? 'parley:';
    this.nodeId = options.nodeId ?? randomUUID();
    this.#codeTtlMs = options.codeTtlMs;
    this.#roomsPerSocket = options.roomsPerSocket;
    this.#maxRooms = options.maxRooms;
    this.#rejoinWindowMs = options.rejoinWindowMs ?? 0;
    this.#nodeDeadAfterMs = options.nodeDeadAfterMs ?? NODE_DEAD_AFTER_MS;
    this.#tombstoneTtlMs = options.tombstoneTtlMs ?? DEFAULT_TOMBSTONE_TTL_MS;
    this.#maxTombstones = options.maxTombstones ?? DEFAULT_MAX_TOMBSTONES;
    this.#now = options.now ?? Date.now;
    this.#randomInt = options.randomInt ?? nodeRandomInt;
    this.#randomBytes = options.randomBytes ?? nodeRandomBytes;
    this.#log = options.log ?? (() => {});
    this.#onTakenOver = options.onTakenOver ?? (() => {});
    for (const [name, lua] of Object.entries(ROOM_SCRIPTS)) {
      if (!(name in this.#redis)) this.#redis.defineCommand(name, { numberOfKeys: 0, lua });
    }
  }

  async create(rep: RoomSocket): Promise<Result<{ nameplate: string; sid: string; expiresAt: number }>> {
    if ((await this.#liveCount(rep)) >= this.#roomsPerSocket) return fail('RATE_LIMITED');
    const sid = toBase64Url(this.#randomBytes(32));
    const now = this.#now();
    const [status, values] = await this.#run('parleyCreate', now, sid, rep.id, this.nodeId, this.#codeTtlMs, this.#maxRooms, CANDIDATES_PER_LENGTH, ...this.#candidates());
    if (status !== 'OK') return fail(status);
    const [nameplate, id] = values as [string, number];
    this.#remember(rep.id, sid, 'rep');
    this.#log('debug', 'room-created', { room: Number(id) });
    return { ok: true, nameplate, sid, expiresAt: now + this.#codeTtlMs };
  }

  async join(customer: RoomSocket, nameplate: string): Promise<Result<{ sid: string }>> {
    const atLimit = (await this.#liveCount(customer)) >= this.#roomsPerSocket ? 1 : 0;
    const [status, values] = await this.#run('parleyJoin', this.#now(), nameplate, customer.id, this.nodeId, this.#tombstoneTtlMs, this.#maxTombstones, atLimit);
    if (status !== 'OK') return fail(status);
    const [sid, id] = values as [string, number];
    this.#remember(customer.id, sid, 'customer');
    this.#log('debug', 'room-joined', { room: Number(id) });
    return { ok: true, sid };
  }

  async relay(from: RoomSocket, data: string, sid?: string): Promise<Result> {
    const room = await this.#roomOf(from, sid);
    if (room === null) return fail('NOT_IN_ROOM');
    const [rs, cs] = await this.#call(() => this.#redis.hmget(`${this.#prefix}room:${room}`, 'rs', 'cs'));
    const target = rs === from.id ? cs : cs === from.id ? rs : null;
    if (target === null) this.#forget(from.id, room); // closed or taken over elsewhere
    if (!target) return fail('NOT_IN_ROOM');
    this.#deliver(target, 'relay', { data, sid: room });
    return { ok: true };
  }

  async badKey(from: RoomSocket, sid?: string): Promise<Result> {
    const room = await this.#roomOf(from, sid);
    if (room === null) return fail('NOT_IN_ROOM');
    const [status] = await this.#run('parleyBadKey', this.#now(), room, from.id, this.#tombstoneTtlMs, this.#maxTombstones);
    this.#forget(from.id, room);
    if (status !== 'OK') return fail(status);
    return { ok: true }; // logged as 'room-burned' from the script's closures
  }

  async leave(from: RoomSocket, sid?: string): Promise<Result> {
    const room = await this.#roomOf(from, sid);
    if (room === null) return fail('NOT_IN_ROOM');
    const [status, values] = await this.#run('parleyLeave', this.#now(), room, from.id, this.#tombstoneTtlMs, this.#maxTombstones);
    this.#forget(from.id, room);
    if (status !== 'OK') return fail(status);
    this.#log('debug', 'member-left', { room: Number(values[0]) });
    return { ok: true };
  }

  async claim(from: RoomSocket, proof: Uint8Array, sid?: string): Promise<Result> {
    const room = await this.#roomOf(from, sid);
    if (room === null) return fail('NOT_IN_ROOM');
    const [status, values] = await this.#run('parleyClaim', this.#now(), room, from.id, hashProof(proof));
    if (status !== 'OK') {
      if (status === 'RESUME_REFUSED') this.#log('debug', 'claim-mismatch', { room: Number(values[0]) });
      return fail(status);
    }
    if (values[1] === 'new') this.#log('debug', 'room-claimed', { room: Number(values[0]) });
    return { ok: true };
  }

  async resume(socket: RoomSocket, sid: string, role: RoomRole, proof: Uint8Array): Promise<Result<{ peerPresent: boolean; peerLeft: boolean }>> {
    if (this.#rejoinWindowMs <= 0) return fail('RESUME_REFUSED');
    const atLimit = (await this.#liveCount(socket, sid)) >= this.#roomsPerSocket ? 1 : 0;
    const [status, values] = await this.#run(
      'parleyResume', this.#now(), sid, role, socket.id, this.nodeId, hashProof(proof),
      this.#rejoinWindowMs, this.#tombstoneTtlMs, this.#maxTombstones, this.#maxRooms, atLimit,
    );
    if (status !== 'OK') {
      if (status === 'RESUME_REFUSED') this.#log('debug', 'resume-refused', { room: Number(values[0] ?? 0) });
      return fail(status);
    }
    const [peerPresent, peerLeft, id, how, oldSocket] = values as [number, number, number, string, string];
    if (oldSocket) this.#forget(oldSocket, sid);
    this.#remember(socket.id, sid, role);
    this.#log('debug', how === 'restored' ? 'room-restored' : 'member-back', { room: Number(id) });
    return { ok: true, peerPresent: peerPresent === 1, peerLeft: peerLeft === 1 };
  }

  async disconnect(socket: RoomSocket): Promise<void> {
    const rooms = this.#memberships.get(socket.id);
    this.#memberships.delete(socket.id);
    if (!rooms || rooms.size === 0) return;
    // Redis unreachable: kept and told at a later sweep (the caller need not retry).
    await this.#tellDisconnect(socket.id, [...rooms].flat()).catch((err: unknown) => {
      if (!(err instanceof StoreUnavailableError)) throw err;
    });
  }

  async #tellDisconnect(socketId: string, pairs: string[]): Promise<void> {
    try {
      await this.#run('parleyDisconnect', this.#now(), socketId, this.#rejoinWindowMs, this.#tombstoneTtlMs, this.#maxTombstones, ...pairs);
    } catch (err) {
      // Told later: otherwise the room would keep a gone socket as present until its peer leaves.
      this.#untold.push({ socketId, pairs });
      throw err;
    }
  }

  async sweep(): Promise<void> {
    const untold = this.#untold.splice(0);
    for (const [i, { socketId, pairs }] of untold.entries()) {
      try {
        await this.#tellDisconnect(socketId, pairs); // a failed one goes back into #untold
      } catch (err) {
        this.#untold.push(...untold.slice(i + 1)); // and so do the rest, for the next sweep
        throw err;
      }
    }
    const [, values] = await this.#run('parleySweep', this.#now(), this.#tombstoneTtlMs, this.#maxTombstones, SWEEP_LIMIT, this.nodeId, this.#nodeDeadAfterMs, this.#rejoinWindowMs);
    const [, awayGone = 0, deadNodes = 0, wasTakenOver = 0] = values.map(Number);
    if (awayGone > 0) this.#log('debug', 'away-expired', { members: awayGone });
    if (deadNodes > 0) this.#log('info', 'node-taken-over', { nodes: deadNodes });
    if (wasTakenOver === 1) {
      this.#log('info', 'this-node-was-taken-over', { sockets: this.#memberships.size });
      this.#memberships.clear();
      this.#onTakenOver();
    }
  }

  /**
   * This node stops: whatever of its members Redis still lists (a disconnect it could not tell,
   * one still queued) is handed over as disconnected, then the node leaves the heartbeat list.
   * If Redis cannot be reached, the node stays listed and the others take it over.
   */
  async stop(): Promise<void> {
    for (let left = 1, round = 0; left > 0 && round < 1000; round++) {
      const [, values] = await this.#run('parleyNodeDown', this.#now(), this.nodeId, SWEEP_LIMIT, this.#rejoinWindowMs, this.#tombstoneTtlMs, this.#maxTombstones);
      left = Number(values[0] ?? 0);
    }
  }

  async isMember(socket: RoomSocket, sid?: string): Promise<boolean> {
    const rooms = sid === undefined ? [...(this.#memberships.get(socket.id)?.keys() ?? [])] : this.#memberships.get(socket.id)?.has(sid) ? [sid] : [];
    for (const room of rooms) if (await this.#holds(socket.id, room)) return true;
    return false;
  }

  async stats(): Promise<RoomStats> {
    const [, values] = await this.#run('parleyStats', this.#now());
    const [rooms = 0, waiting = 0, away = 0, tombstones = 0, closedSids = 0, ...byDigits] = values.map(Number);
    const nameplatesByDigits: Record<number, number> = {};
    byDigits.forEach((count, i) => {
      if (count > 0) nameplatesByDigits[i + 3] = count;
    });
    return { rooms, waiting, paired: rooms - waiting, away, tombstones, closedSids, sockets: this.#memberships.size, nameplatesByDigits };
  }

  /** Random nameplate candidates, {@link CANDIDATES_PER_LENGTH} of each length 3 to 6. */
  #candidates(): string[] {
    const out: string[] = [];
    for (let digits = 3; digits <= 6; digits++) {
      const low = 10 ** (digits - 1);
      for (let i = 0; i < CANDIDATES_PER_LENGTH; i++) out.push(String(this.#randomInt(low, low * 10)));
    }
    return out;
  }

  /** Rooms `socket` is really in (checked in Redis when the hint says it is at the limit), `except` not counted. */
  async #liveCount(socket: RoomSocket, except?: string): Promise<number> {
    const rooms = [...(this.#memberships.get(socket.id)?.keys() ?? [])].filter((sid) => sid !== except);
    if (rooms.length < this.#roomsPerSocket) return rooms.length;
    let live = 0;
    for (const room of rooms) {
      if (await this.#holds(socket.id, room)) live++;
      else this.#forget(socket.id, room);
    }
    return live;
  }

  async #holds(socketId: string, sid: string): Promise<boolean> {
    const [rs, cs] = await this.#call(() => this.#redis.hmget(`${this.#prefix}room:${sid}`, 'rs', 'cs'));
    return rs === socketId || cs === socketId;
  }

  /**
   * The sid named (if this socket is in it), or its only room when none is named. Hints of rooms
   * closed from another node are checked in Redis first, so a stale one does not make a socket
   * look as if it were in two rooms.
   */
  async #roomOf(socket: RoomSocket, sid: string | undefined): Promise<string | null> {
    const rooms = this.#memberships.get(socket.id);
    if (!rooms) return null;
    if (sid !== undefined) return rooms.has(sid) ? sid : null;
    if (rooms.size > 1) {
      for (const room of [...rooms.keys()]) if (!(await this.#holds(socket.id, room))) this.#forget(socket.id, room);
    }
    return rooms.size === 1 ? ([...rooms.keys()][0] ?? null) : null;
  }

  #remember(socketId: string, sid: string, role: RoomRole): void {
    let rooms = this.#memberships.get(socketId);
    if (!rooms) this.#memberships.set(socketId, (rooms = new Map()));
    rooms.set(sid, role);
  }

  #forget(socketId: string, sid: string): void {
    const rooms = this.#memberships.get(socketId);
    if (!rooms) return;
    rooms.delete(sid);
    if (rooms.size === 0) this.#memberships.delete(socketId);
  }

  /** Runs a script with the prefix and the time, then delivers its effects. */
  async #run(name: RoomScriptName, now: number, ...args: (string | number)[]): Promise<ScriptReply> {
    const runner = (this.#redis as unknown as Record<RoomScriptName, ScriptRunner>)[name];
    const reply = await this.#call(() => runner.call(this.#redis, this.#prefix, now, ...args));
    const [status, values, effects, closures = []] = reply;
    for (const reason of closures) this.#log(reason === 'ROOM_BURNED' ? 'info' : 'debug', CLOSING_EVENTS[reason] ?? 'room-closed', {});
    for (let i = 0; i + 1 < effects.length; i += 2) this.#deliverEffect(effects[i] as string, effects[i + 1] as string);
    if (status !== 'OK' && !isErrorCode(status)) throw new Error(`room script ${name} answered ${status}`);
    return [status, values ?? [], effects];
  }

  /** `<sid>|<event>` from a script, as a server event to `socketId`. */
  #deliverEffect(socketId: string, effect: string): void {
    const bar = effect.indexOf('|');
    const sid = effect.slice(0, bar);
    const event = effect.slice(bar + 1);
    if (event.startsWith('room-closed:')) {
      const reason = event.slice('room-closed:'.length);
      this.#forget(socketId, sid);
      if (isErrorCode(reason)) this.#deliver(socketId, 'room-closed', { reason, sid });
      return;
    }
    if (event === 'peer-joined' || event === 'peer-left' || event === 'peer-away' || event === 'peer-back') {
      this.#deliver(socketId, event, { sid });
    }
  }

  /**
   * A Redis call. Whatever keeps Redis from answering becomes {@link StoreUnavailableError}: the
   * connection, a timeout, and the error replies of {@link UNAVAILABLE_REPLY}. Other error
   * replies are bugs and stay as they are.
   */
  async #call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof ReplyError && !UNAVAILABLE_REPLY.test((err as Error).message)) throw err;
      throw new StoreUnavailableError(err instanceof Error ? err.message : String(err), { cause: err });
    }
  }
}

function fail(error: string): Failure {
  return { ok: false, error: error as ErrorCode };
}
