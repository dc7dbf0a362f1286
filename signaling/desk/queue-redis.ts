/**
 * The desk queue engine on Redis, for several nodes. The queue state of a desk is small (waiting
 * customers, rep consoles, offers) and every change needs all of it (positions, offers,
 * snapshots), so it is one JSON value under `<prefix>desk:state`, changed by the same logic as
 * the in-memory engine (queue-memory.ts) inside an optimistic transaction: WATCH the key, read,
 * apply, `MULTI SET EXEC`; when another node wrote in between, EXEC fails and the operation runs
 * again on the fresh state. So "first accept wins" holds across nodes. Events go out only after
 * the write succeeded, through `deliver` (the socket.io Redis adapter reaches other nodes).
 *
 * WATCH is per connection: the engine has its own connection and runs one operation at a time
 * per node. Redis unreachable: StoreUnavailableError (the request answers SERVICE_UNAVAILABLE).
 */
import type { Redis } from 'ioredis';
import { StoreUnavailableError } from '../room-types.ts';
import type { RepIdentity } from './identity.ts';
import type { Invitation } from '../../protocol/desk.ts';
import { MemoryDeskQueue, type DeskState } from './queue-memory.ts';
import type { Claimed, DeskQueue, DeskQueueOptions, Deliver } from './queue-types.ts';

/** Attempts before giving up under contention (each one is a full read-apply-write). */
const MAX_ATTEMPTS = 50;

export interface RedisDeskQueueOptions extends DeskQueueOptions {
  /** A connection for this engine alone (WATCH is per connection): e.g. `cluster.redis.duplicate()`. */
  redis: Redis;
  prefix: string;
}

export class RedisDeskQueue implements DeskQueue {
  readonly #redis: Redis;
  readonly #key: string;
  readonly #options: DeskQueueOptions;
  readonly #deliver: Deliver;
  /** One operation at a time on this node (they share the WATCH connection). */
  #chain: Promise<unknown> = Promise.resolve();

  constructor(options: RedisDeskQueueOptions) {
    const { redis, prefix, ...rest } = options;
    this.#redis = redis;
    this.#key = `${prefix}desk:state`;
    this.#options = rest;
    this.#deliver = rest.deliver;
  }

  hello(socketId: string, rep: RepIdentity, publicKey: string, isConsole: boolean) {
    return this.#run((q) => q.hello(socketId, rep, publicKey, isConsole));
  }
  presence(socketId: string, status: 'available' | 'away') {
    return this.#run((q) => q.presence(socketId, status));
  }
  request(socketId: string, queue: string) {
    return this.#run((q) => q.request(socketId, queue));
  }
  resume(socketId: string, requestId: string, requestToken: string) {
    return this.#run((q) => q.resume(socketId, requestId, requestToken));
  }
  details(socketId: string, requestId: string, sealed: { keyId: string; data: string }[]) {
    return this.#run((q) => q.details(socketId, requestId, sealed));
  }
  cancel(socketId: string, requestId: string) {
    return this.#run((q) => q.cancel(socketId, requestId));
  }
  claim(socketId: string, rep: RepIdentity, requestId: string) {
    return this.#run((q) => q.claim(socketId, rep, requestId));
  }
  unclaim(claimed: Claimed & { requestId: string }) {
    return this.#run((q) => q.unclaim(claimed));
  }
  started(sid: string, repSocketId: string, rep: RepIdentity, claimed: Claimed & { requestId?: string }) {
    return this.#run((q) => q.started(sid, repSocketId, rep, claimed));
  }
  session(sid: string) {
    return this.#run((q) => q.session(sid));
  }
  handedOver(sid: string, newSid: string, repSocketId: string, repId: string) {
    return this.#run((q) => q.handedOver(sid, newSid, repSocketId, repId));
  }
  colleagues() {
    return this.#run((q) => q.colleagues());
  }
  setInvitations(username: string, invitations: Invitation[]) {
    return this.#run((q) => q.setInvitations(username, invitations));
  }
  reject(socketId: string, rep: RepIdentity, requestId: string) {
    return this.#run((q) => q.reject(socketId, rep, requestId));
  }
  move(socketId: string, rep: RepIdentity, sid: string, queue: string) {
    return this.#run((q) => q.move(socketId, rep, sid, queue));
  }
  roomResumed(sid: string, socketId: string, role: 'rep' | 'customer') {
    return this.#run((q) => q.roomResumed(sid, socketId, role));
  }
  disconnect(socketId: string) {
    return this.#run((q) => q.disconnect(socketId));
  }
  sweep() {
    return this.#run((q) => q.sweep());
  }
  async lengths() {
    const q = this.#engine([]);
    const raw = await this.#guard(() => this.#redis.get(this.#key));
    if (raw) q.restore(JSON.parse(raw) as DeskState);
    return q.lengths();
  }

  #engine(sent: Parameters<Deliver>[]): MemoryDeskQueue {
    return new MemoryDeskQueue({ ...this.#options, deliver: (...args: Parameters<Deliver>) => void sent.push(args) });
  }

  #run<T>(op: (q: MemoryDeskQueue) => T): Promise<T> {
    const next = this.#chain.then(() => this.#transaction(op));
    this.#chain = next.catch(() => {});
    return next;
  }

  async #transaction<T>(op: (q: MemoryDeskQueue) => T): Promise<T> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const sent: Parameters<Deliver>[] = [];
      const q = this.#engine(sent);
      await this.#guard(() => this.#redis.watch(this.#key));
      const raw = await this.#guard(() => this.#redis.get(this.#key));
      if (raw) q.restore(JSON.parse(raw) as DeskState);
      const result = op(q);
      const after = JSON.stringify(q.dump());
      if (after === raw || (!raw && sent.length === 0 && after === JSON.stringify(this.#engine([]).dump()))) {
        // Nothing changed (a refusal, a quiet sweep): no write, nothing to tell.
        await this.#guard(() => this.#redis.unwatch());
        for (const args of sent) this.#deliver(...args);
        return result;
      }
      const committed = await this.#guard(() => this.#redis.multi().set(this.#key, after).exec());
      if (committed === null) continue; // another node wrote first: again, on its state
      for (const args of sent) this.#deliver(...args);
      return result;
    }
    throw new StoreUnavailableError('desk queue: too much contention');
  }

  async #guard<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      throw new StoreUnavailableError(err instanceof Error ? err.message : String(err), { cause: err });
    }
  }
}
