/**
 * What only the Redis rooms do (the shared contract runs in rooms.test.ts): several nodes on one
 * Redis, a node that dies without a word, and Redis going away. Real redis-server.
 */
import { describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { RedisRoomManager, type RedisRoomManagerOptions } from '../../signaling/redis-rooms.ts';
import { StoreUnavailableError } from '../../signaling/room-types.ts';
import { startRedis } from '../redis-server.ts';
import { useRedis } from './redis-harness.ts';
import { FakeRoomSocket as FakeSocket } from './room-fakes.ts';

const WINDOW = 60_000;
const DEAD_AFTER = 10_000;
const proof = new Uint8Array(32).fill(3);

const redis = useRedis();

/** Several nodes on one Redis key space, one fake clock, sockets reachable from every node. */
function cluster() {
  let time = 5_000_000;
  const clock = { now: () => time, advance: (ms: number) => void (time += ms) };
  const sockets = new Map<string, FakeSocket>();
  const prefix = redis.newPrefix();
  const node = (nodeId: string, client: Redis = redis().client, extra: Partial<RedisRoomManagerOptions> = {}) =>
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
      ...extra,
    });
  let n = 0;
  const socket = () => {
    const fake = new FakeSocket(`sock${++n}`);
    sockets.set(fake.id, fake);
    return fake;
  };
  return { node, socket, clock, sockets, prefix };
}

/** `ms` of time passing with `sweepers` sweeping every second, as the servers do. */
async function passes(clock: { advance(ms: number): void }, ms: number, ...sweepers: RedisRoomManager[]) {
  for (let left = ms; left > 0; left -= 1000) {
    clock.advance(Math.min(1000, left));
    for (const sweeper of sweepers) await sweeper.sweep();
  }
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
    // Node B dies: it never sweeps or says goodbye again; node A sweeps every second.
    await passes(clock, DEAD_AFTER - 1000, a);
    expect(rep.events()).not.toContain('peer-away'); // not yet taken for dead
    await passes(clock, 2000, a);
    expect(rep.events()).toContain('peer-away');
    expect((await a.stats()).away).toBe(1);
    // The customer's browser reconnects to node A and takes its place back.
    const back = socket();
    expect(await a.resume(back, sid, 'customer', proof)).toEqual({ ok: true, peerPresent: true, peerLeft: false });
    expect(rep.events().at(-1)).toBe('peer-back');
    expect(await a.relay(back, 'hello again')).toEqual({ ok: true });
    expect(rep.received.at(-1)).toEqual({ event: 'relay', payload: { data: 'hello again', sid } });
  });

  it('after Redis was unreachable for longer than a node takes to be declared dead, nobody is taken over', async () => {
    const { node, socket, clock } = cluster();
    const a = node('A');
    const b = node('B');
    await a.sweep();
    await b.sweep();
    const { rep, customer } = await crossNodeSession(a, b, socket);
    clock.advance(DEAD_AFTER * 3); // no node could sweep meanwhile
    await a.sweep();
    await b.sweep();
    expect(rep.events()).not.toContain('peer-away');
    expect(await b.relay(customer, 'still paired')).toEqual({ ok: true });
    await passes(clock, DEAD_AFTER - 1000, a, b);
    expect(rep.events()).not.toContain('peer-away');
  });

  it('a node taken over while it could not reach Redis learns it at its next sweep and sends its sockets to reconnect', async () => {
    const { node, socket, clock } = cluster();
    let reconnects = 0;
    const a = node('A');
    const b = node('B', undefined, { onTakenOver: () => reconnects++ });
    await b.sweep();
    const { rep, customer, sid } = await crossNodeSession(a, b, socket);
    await passes(clock, DEAD_AFTER + 1000, a); // B cannot reach Redis meanwhile
    expect(rep.events()).toContain('peer-away');
    await b.sweep(); // B is back
    expect(reconnects).toBe(1);
    expect(await b.relay(customer, 'x')).toEqual({ ok: false, error: 'NOT_IN_ROOM' });
    // The customer's socket reconnects (to B again) and resumes.
    const again = socket();
    expect(await b.resume(again, sid, 'customer', proof)).toMatchObject({ ok: true, peerPresent: true });
    await b.sweep();
    expect(reconnects).toBe(1);
  });

  it('a node that stops hands over the members Redis still lists for it', async () => {
    const { node, socket } = cluster();
    const a = node('A');
    const b = node('B');
    const { rep } = await crossNodeSession(a, b, socket);
    await b.stop(); // as if its customer's disconnect had never been told
    expect(rep.events()).toContain('peer-away');
    expect((await a.stats()).away).toBe(1);
  });

  it('a member that resumed elsewhere before its old node was taken over keeps its place', async () => {
    const { node, socket, clock } = cluster();
    const a = node('A');
    const b = node('B');
    await b.sweep();
    const { rep, sid } = await crossNodeSession(a, b, socket);
    const back = socket();
    expect((await a.resume(back, sid, 'customer', proof)).ok).toBe(true);
    await passes(clock, DEAD_AFTER + 1000, a); // takes node B over: its stale entry for the customer changes nothing
    expect(rep.events()).not.toContain('peer-away');
    expect(await a.relay(rep, 'still here')).toEqual({ ok: true });
    expect(back.received.at(-1)).toEqual({ event: 'relay', payload: { data: 'still here', sid } });
  });
});

describe('Redis rooms: keys with a lifetime', () => {
  it('room keys carry a backstop TTL; index entries of a room Redis expired are cleared by the next sweep', async () => {
    const { node, socket, prefix } = cluster();
    const a = node('A');
    const rep = socket();
    const room = await a.create(rep);
    if (!room.ok) throw new Error(room.error);
    const week = 7 * 24 * 3600_000;
    const ttl = await redis().client.pttl(`${prefix}room:${room.sid}`);
    expect(ttl).toBeGreaterThan(week - 60_000);
    expect(ttl).toBeLessThanOrEqual(week);
    expect(await redis().client.pttl(`${prefix}np:${room.nameplate}`)).toBeGreaterThan(week - 60_000);
    expect(await redis().client.pttl(`${prefix}node:A`)).toBeGreaterThan(week - 60_000);

    // As the backstop TTL would: the room and its nameplate key go at once.
    await redis().client.del(`${prefix}room:${room.sid}`, `${prefix}np:${room.nameplate}`);
    expect(await a.stats()).toMatchObject({ rooms: 1, waiting: 1, nameplatesByDigits: { 3: 1 } });
    await a.sweep();
    expect(await a.stats()).toMatchObject({ rooms: 0, waiting: 0, tombstones: 0, nameplatesByDigits: {} });
    expect(await redis().client.zcard(`${prefix}closed`)).toBe(0); // no made-up closing
  });
});

describe('Redis rooms when Redis cannot be reached', () => {
  it('refuses with StoreUnavailableError, and tells a disconnect it missed once Redis answers again', async () => {
    // Node B's own connection, cut and restored by the test; Redis itself keeps its data.
    const link = new Redis(redis().port, '127.0.0.1', { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 1000, lazyConnect: true });
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

  it('an error reply from Redis (READONLY after a failover) is StoreUnavailableError too, and what it missed is told later', async () => {
    const own = await startRedis();
    try {
      const { node, socket } = cluster();
      const a = node('A', own.client);
      const b = node('B', own.client);
      const { rep, customer } = await crossNodeSession(a, b, socket);
      await own.client.call('REPLICAOF', '127.0.0.1', '1'); // now a read-only replica of nothing
      await expect(a.create(socket())).rejects.toBeInstanceOf(StoreUnavailableError);
      await b.disconnect(customer);
      expect(rep.events()).not.toContain('peer-away');
      await own.client.call('REPLICAOF', 'NO', 'ONE'); // promoted: writable again
      await b.sweep();
      expect(rep.events()).toContain('peer-away');
    } finally {
      await own.stop();
    }
  });
});
