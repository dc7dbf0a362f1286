/**
 * What only the Redis rooms do (the shared contract runs in rooms.test.ts): several nodes on one
 * Redis, a node that dies without a word, and Redis going away. Real redis-server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { RedisRoomManager } from '../../signaling/redis-rooms.ts';
import { StoreUnavailableError, type RoomSocket } from '../../signaling/room-types.ts';
import { startRedis, type TestRedis } from '../redis-server.ts';

class FakeSocket implements RoomSocket {
  readonly received: { event: string; payload: unknown }[] = [];
  constructor(readonly id: string) {}
  emit(event: string, payload: unknown): void {
    this.received.push({ event, payload });
  }
  events(): string[] {
    return this.received.map((m) => m.event);
  }
}

const WINDOW = 60_000;
const DEAD_AFTER = 10_000;
const proof = new Uint8Array(32).fill(3);

let redis: TestRedis;
let prefixes = 0;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

/** Several nodes on one Redis key space, one fake clock, sockets reachable from every node. */
function cluster() {
  let time = 5_000_000;
  const clock = { now: () => time, advance: (ms: number) => void (time += ms) };
  const sockets = new Map<string, FakeSocket>();
  const prefix = `redis-rooms-${++prefixes}:`;
  const node = (nodeId: string, client: Redis = redis.client) =>
    new RedisRoomManager({
      redis: client,
      prefix,
      nodeId,
      codeTtlMs: 600_000,
      roomsPerSocket: 5,
      maxRooms: 10_000,
      rejoinWindowMs: WINDOW,
      nodeDeadAfterMs: DEAD_AFTER,
      now: clock.now,
      deliver: (socketId, event, payload) => sockets.get(socketId)?.emit(event, payload),
    });
  let n = 0;
  const socket = () => {
    const fake = new FakeSocket(`sock${++n}`);
    sockets.set(fake.id, fake);
    return fake;
  };
  return { node, socket, clock, sockets };
}

/** A verified session: rep on `a`, customer on `b`, both claimed. */
async function crossNodeSession(a: RedisRoomManager, b: RedisRoomManager, socket: () => FakeSocket) {
  const rep = socket();
  const customer = socket();
  const created = await a.create(rep);
  if (!created.ok) throw new Error(created.error);
  expect(await b.join(customer, created.nameplate)).toEqual({ ok: true, sid: created.sid });
  expect(await a.claim(rep, proof)).toEqual({ ok: true });
  expect(await b.claim(customer, proof)).toEqual({ ok: true });
  return { rep, customer, sid: created.sid };
}

describe('Redis rooms across nodes', () => {
  it('a rep on node A and a customer on node B pair, relay both ways and see each other leave', async () => {
    const { node, socket } = cluster();
    const a = node('A');
    const b = node('B');
    const { rep, customer, sid } = await crossNodeSession(a, b, socket);
    expect(rep.received[0]).toEqual({ event: 'peer-joined', payload: { sid } });
    expect(await a.relay(rep, 'from-rep')).toEqual({ ok: true });
    expect(await b.relay(customer, 'from-customer')).toEqual({ ok: true });
    expect(customer.received).toContainEqual({ event: 'relay', payload: { data: 'from-rep', sid } });
    expect(rep.received).toContainEqual({ event: 'relay', payload: { data: 'from-customer', sid } });
    // Only members relay, whichever node they ask.
    expect(await b.relay(socket(), 'stranger', sid)).toEqual({ ok: false, error: 'NOT_IN_ROOM' });
    expect(await a.leave(rep)).toEqual({ ok: true });
    expect(customer.events().slice(-2)).toEqual(['peer-left', 'room-closed']);
    // Node B's hint about the closed room is dropped at the next use.
    expect(await b.relay(customer, 'late')).toEqual({ ok: false, error: 'NOT_IN_ROOM' });
    expect(await b.isMember(customer)).toBe(false);
  });

  it('nameplates stay unique across nodes', async () => {
    const { node, socket } = cluster();
    const nodes = [node('A'), node('B'), node('C')];
    const seen = new Set<string>();
    for (let i = 0; i < 420; i++) {
      const result = await nodes[i % 3]!.create(socket());
      if (!result.ok) throw new Error(result.error);
      expect(seen.has(result.nameplate)).toBe(false);
      seen.add(result.nameplate);
    }
    expect(seen.size).toBe(420);
  });

  it('a node that stops beating is taken over: its members are away, then resume on another node', async () => {
    const { node, socket, clock } = cluster();
    const a = node('A');
    const b = node('B');
    await a.sweep();
    await b.sweep(); // both beat once
    const { rep, sid } = await crossNodeSession(a, b, socket);
    // Node B dies: it never sweeps or says goodbye again.
    clock.advance(DEAD_AFTER - 1);
    await a.sweep();
    expect(rep.events()).not.toContain('peer-away'); // not yet taken for dead
    clock.advance(2);
    await a.sweep();
    expect(rep.events()).toContain('peer-away');
    expect((await a.stats()).away).toBe(1);
    // The customer's browser reconnects to node A and takes its place back.
    const back = socket();
    expect(await a.resume(back, sid, 'customer', proof)).toEqual({ ok: true, peerPresent: true, peerLeft: false });
    expect(rep.events().at(-1)).toBe('peer-back');
    expect(await a.relay(back, 'hello again')).toEqual({ ok: true });
    expect(rep.received.at(-1)).toEqual({ event: 'relay', payload: { data: 'hello again', sid } });
  });

  it('a member that resumed elsewhere before its old node was taken over keeps its place', async () => {
    const { node, socket, clock } = cluster();
    const a = node('A');
    const b = node('B');
    await b.sweep();
    const { rep, sid } = await crossNodeSession(a, b, socket);
    const back = socket();
    expect((await a.resume(back, sid, 'customer', proof)).ok).toBe(true);
    clock.advance(DEAD_AFTER + 1);
    await a.sweep(); // takes node B over: its stale entry for the customer changes nothing
    expect(rep.events()).not.toContain('peer-away');
    expect(await a.relay(rep, 'still here')).toEqual({ ok: true });
    expect(back.received.at(-1)).toEqual({ event: 'relay', payload: { data: 'still here', sid } });
  });
});

describe('Redis rooms: keys with a lifetime', () => {
  it('room keys carry a backstop TTL; index entries of a room Redis expired are cleared by the next sweep', async () => {
    const { node, socket } = cluster();
    const a = node('A');
    const rep = socket();
    const room = await a.create(rep);
    if (!room.ok) throw new Error(room.error);
    const prefix = `redis-rooms-${prefixes}:`;
    const ttl = await redis.client.pttl(`${prefix}room:${room.sid}`);
    expect(ttl).toBeGreaterThan(23 * 3600_000);
    expect(ttl).toBeLessThanOrEqual(24 * 3600_000);
    expect(await redis.client.pttl(`${prefix}np:${room.nameplate}`)).toBeGreaterThan(23 * 3600_000);
    expect(await redis.client.pttl(`${prefix}node:A`)).toBeGreaterThan(23 * 3600_000);

    await redis.client.del(`${prefix}room:${room.sid}`); // as the backstop TTL would
    expect(await a.stats()).toMatchObject({ rooms: 1, waiting: 1 });
    await a.sweep();
    expect(await a.stats()).toMatchObject({ rooms: 0, waiting: 0 });
  });
});

describe('Redis rooms when Redis cannot be reached', () => {
  it('refuses with StoreUnavailableError, and tells a disconnect it missed once Redis answers again', async () => {
    // Node B's own connection, cut and restored by the test; Redis itself keeps its data.
    const link = new Redis(redis.port, '127.0.0.1', { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 1000, lazyConnect: true });
    link.on('error', () => {});
    await link.connect();
    try {
      const { node, socket } = cluster();
      const a = node('A');
      const b = node('B', link);
      const { rep, customer } = await crossNodeSession(a, b, socket);

      const ended = new Promise((resolve) => link.once('end', resolve));
      link.disconnect(); // no reconnecting until the test says so
      await ended;
      await expect(b.create(socket())).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(b.relay(customer, 'x')).rejects.toBeInstanceOf(StoreUnavailableError);
      await b.disconnect(customer); // the customer's socket went: Redis cannot be told now
      await expect(b.sweep()).rejects.toBeInstanceOf(StoreUnavailableError);
      expect(rep.events()).not.toContain('peer-away');

      await link.connect();
      await b.sweep(); // told now
      expect(rep.events()).toContain('peer-away');
      expect((await b.create(socket())).ok).toBe(true);
    } finally {
      link.disconnect();
    }
  });
});
