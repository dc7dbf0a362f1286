/**
 * Several real signaling servers on one real Redis (`REDIS_URL`), real socket.io-client sockets:
 * pairing and relays across nodes through the Redis adapter, a node closing, limits shared by the
 * nodes, and Redis going away.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CreateRoomResult } from '../../protocol/signaling.ts';
import { toBase64Url } from '../../protocol/base64.ts';
import { startRedis } from '../redis-server.ts';
import { useRedis } from './redis-harness.ts';
import { ServerHarness, next, raw, recorder, type Client } from './server-harness.ts';

const PROOF = toBase64Url(new Uint8Array(32).fill(9));

const redis = useRedis();

const harness = new ServerHarness();
afterEach(() => harness.cleanup());
const { connected } = harness;

const ask = (socket: Client, event: string, payload: unknown) => raw(socket).timeout(3000).emitWithAck(event, payload);

/** Nodes sharing one key space of the test Redis. */
async function nodes(count: number, env: Record<string, string> = {}) {
  const shared = { REDIS_URL: redis().url, REDIS_PREFIX: redis.newPrefix(), REJOIN_WINDOW_SECONDS: '30', ...env };
  const started = [];
  for (let i = 0; i < count; i++) {
    const node = await harness.startServer(shared);
    await expect.poll(() => node.server.readiness().ready, { timeout: 5000 }).toBe(true);
    started.push(node);
  }
  return started;
}

async function createRoom(rep: Client) {
  const room = (await rep.timeout(3000).emitWithAck('create-room', {})) as CreateRoomResult;
  if (!room.ok) throw new Error(room.error);
  return room;
}

describe('two signaling nodes on one Redis', () => {
  it('a rep on node A and a customer on node B pair, relay both ways and claim the room', async () => {
    const [a, b] = await nodes(2);
    const rep = await connected(a!.url);
    const customer = await connected(b!.url);
    const room = await createRoom(rep);
    const joined = next(rep, 'peer-joined');
    expect(await ask(customer, 'join-room', { nameplate: room.nameplate })).toMatchObject({ ok: true, sid: room.sid });
    expect(await joined).toEqual({ sid: room.sid });

    const toCustomer = next(customer, 'relay');
    rep.emit('relay', { data: 'c2VhbGVkLWZyb20tcmVw' });
    expect(await toCustomer).toEqual({ data: 'c2VhbGVkLWZyb20tcmVw', sid: room.sid });
    const toRep = next(rep, 'relay');
    customer.emit('relay', { data: 'c2VhbGVkLWZyb20tY3VzdG9tZXI' });
    expect(await toRep).toEqual({ data: 'c2VhbGVkLWZyb20tY3VzdG9tZXI', sid: room.sid });

    expect(await ask(rep, 'claim-room', { proof: PROOF })).toEqual({ ok: true });
    expect(await ask(customer, 'claim-room', { proof: PROOF })).toEqual({ ok: true });
    // Both nodes see the same rooms.
    expect(await a!.server.rooms.stats()).toMatchObject({ rooms: 1, paired: 1 });
    expect(await b!.server.rooms.stats()).toMatchObject({ rooms: 1, paired: 1 });

    // Each node counts what it did; the session gauges come from Redis, so both show the room.
    const metricsOf = async (url: string) => (await fetch(`${url}/metrics`)).text();
    const left = next(customer, 'room-closed');
    rep.emit('leave-room', {});
    expect(await left).toEqual({ reason: 'PEER_GONE', sid: room.sid });
    const [onA, onB] = [await metricsOf(a!.url), await metricsOf(b!.url)];
    expect(onA).toMatch(/^parley_sessions_created_total 1$/m);
    expect(onA).toMatch(/^parley_sessions_closed_total\{reason="PEER_GONE"\} 1$/m);
    expect(onA).toMatch(/^parley_relayed_messages_total 1$/m);
    expect(onB).toMatch(/^parley_sessions_joined_total 1$/m);
    expect(onB).toMatch(/^parley_sessions_created_total 0$/m);
    expect(onB).toMatch(/^parley_relayed_messages_total 1$/m);
    for (const text of [onA, onB]) expect(text).toMatch(/^parley_sessions_active\{state="paired"\} 0$/m);
  });

  it('the customer’s node shuts down: the rep is told the customer is away; the customer resumes on node A and relays flow', async () => {
    const [a, b] = await nodes(2);
    const rep = await connected(a!.url);
    const customer = await connected(b!.url);
    const room = await createRoom(rep);
    await ask(customer, 'join-room', { nameplate: room.nameplate });
    await ask(rep, 'claim-room', { proof: PROOF });
    await ask(customer, 'claim-room', { proof: PROOF });

    const away = next(rep, 'peer-away', 5000);
    await b!.server.close();
    expect(await away).toEqual({ sid: room.sid });

    const again = await connected(a!.url);
    const back = next(rep, 'peer-back');
    expect(await ask(again, 'resume-room', { sid: room.sid, role: 'customer', proof: PROOF })).toMatchObject({ ok: true, peerPresent: true });
    expect(await back).toEqual({ sid: room.sid });
    const relayed = next(again, 'relay');
    rep.emit('relay', { data: 'YWdhaW4' });
    expect(await relayed).toEqual({ data: 'YWdhaW4', sid: room.sid });
  });

  it('per-client join limits are counted across nodes', async () => {
    const [a, b] = await nodes(2, { JOINS_PER_MINUTE_PER_IP: '3' });
    const answers: unknown[] = [];
    for (const node of [a!, b!, a!, b!]) {
      const socket = await connected(node.url);
      answers.push(await ask(socket, 'join-room', { nameplate: '123' }));
    }
    expect(answers).toEqual([
      { ok: false, error: 'ROOM_NOT_FOUND' },
      { ok: false, error: 'ROOM_NOT_FOUND' },
      { ok: false, error: 'ROOM_NOT_FOUND' },
      { ok: false, error: 'RATE_LIMITED' },
    ]);
  });
});

describe('Redis unavailable', () => {
  it('the node says it is not ready and refuses new sessions with SERVICE_UNAVAILABLE, without crashing; it recovers when Redis is back', async () => {
    const own = await startRedis();
    try {
      const node = await harness.startServer({ REDIS_URL: own.url });
      await expect.poll(() => node.server.readiness().ready, { timeout: 5000 }).toBe(true);
      const rep = await connected(node.url);
      const log = recorder(rep);
      expect((await createRoom(rep)).ok).toBe(true);

      await own.kill();
      await expect.poll(() => node.server.readiness(), { timeout: 5000 }).toEqual({ ready: false, checks: { redis: 'down' } });
      expect(await ask(rep, 'create-room', {})).toEqual({ ok: false, error: 'SERVICE_UNAVAILABLE' });
      const customer = await connected(node.url);
      expect(await ask(customer, 'join-room', { nameplate: '456' })).toEqual({ ok: false, error: 'SERVICE_UNAVAILABLE' });
      // A relay (no answer of its own) is refused with a server-error.
      const refused = next(rep, 'server-error');
      rep.emit('relay', { data: 'bm90LW5vdw' });
      expect(await refused).toEqual({ code: 'SERVICE_UNAVAILABLE' });
      expect(log.of('server-error')).toEqual([{ code: 'SERVICE_UNAVAILABLE' }]); // not also for the answered requests
      const health = await fetch(`${node.url}/healthz`);
      expect(health.status).toBe(200); // alive: only not ready
      expect(node.logs.some((line) => line.includes('"event":"redis-down"'))).toBe(true);

      await own.start();
      await expect.poll(() => node.server.readiness().ready, { timeout: 10_000 }).toBe(true);
      expect((await createRoom(rep)).ok).toBe(true);
    } finally {
      await own.stop();
    }
  }, 30_000);
});
