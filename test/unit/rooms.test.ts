import { describe, expect, it } from 'vitest';
import { isNameplate } from '../../protocol/code.ts';
import { RedisRoomManager } from '../../signaling/redis-rooms.ts';
import { RoomManager, nameplateSpace, type Result, type RoomManagerOptions } from '../../signaling/rooms.ts';
import type { Rooms } from '../../signaling/room-types.ts';
import { useRedis } from './redis-harness.ts';
import { FakeRoomSocket as FakeSocket } from './room-fakes.ts';

/**
 * The room logic's contract, run against both implementations: in memory (one node) and on Redis
 * (several nodes; a real redis-server started for this file).
 */

type MakeRooms = (options: RoomManagerOptions, sockets: Map<string, FakeSocket>) => Rooms;

function created(result: Result<{ nameplate: string; sid: string; expiresAt: number }>) {
  if (!result.ok) throw new Error(`create failed: ${result.error}`);
  return result;
}

const redis = useRedis();

const IMPLEMENTATIONS: [string, MakeRooms][] = [
  ['in memory', (options) => new RoomManager(options)],
  [
    'on Redis',
    (options, sockets) =>
      new RedisRoomManager({
        ...options,
        redis: redis().client,
        prefix: redis.newPrefix(),
        deliver: (socketId, event, payload) => sockets.get(socketId)?.emit(event, payload),
      }),
  ],
];

describe.each(IMPLEMENTATIONS)('rooms %s', (implementation, make) => {
  function setup(options: Partial<RoomManagerOptions> = {}) {
    let time = 1_000_000;
    const clock = {
      now: () => time,
      advance: (ms: number) => {
        time += ms;
      },
    };
    const sockets = new Map<string, FakeSocket>();
    const rooms = make({ codeTtlMs: 900_000, roomsPerSocket: 5, maxRooms: 1000, now: clock.now, ...options }, sockets);
    let n = 0;
    const socket = () => {
      const fake = new FakeSocket(`s${++n}`);
      sockets.set(fake.id, fake);
      return fake;
    };
    return { rooms, clock, socket, sockets };
  }

  describe('RoomManager', () => {
    it('creates a room with a 3-digit nameplate and a 43-char base64url sid', async () => {
      const { rooms, socket } = setup();
      const room = created(await rooms.create(socket()));
      expect(room.nameplate).toMatch(/^[1-9][0-9]{2}$/);
      expect(isNameplate(room.nameplate)).toBe(true);
      expect(room.sid).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(room.expiresAt).toBe(1_000_000 + 900_000);
      expect(await rooms.stats()).toMatchObject({ rooms: 1, waiting: 1, paired: 0, sockets: 1 });
    });

    it('join: the customer gets the sid, the rep gets peer-joined', async () => {
      const { rooms, socket } = setup();
      const rep = socket();
      const customer = socket();
      const room = created(await rooms.create(rep));
      expect(await rooms.join(customer, room.nameplate)).toEqual({ ok: true, sid: room.sid });
      expect(rep.received).toEqual([{ event: 'peer-joined', payload: { sid: room.sid } }]);
      expect(customer.received).toEqual([]);
      expect(await rooms.stats()).toMatchObject({ rooms: 1, waiting: 0, paired: 1, sockets: 2 });
    });

    it('join of an unknown nameplate answers ROOM_NOT_FOUND', async () => {
      const { rooms, socket } = setup();
      expect(await rooms.join(socket(), '123')).toEqual({ ok: false, error: 'ROOM_NOT_FOUND' });
    });

    it('a third joiner gets ROOM_CROWDED, and so does the rep joining its own room', async () => {
      const { rooms, socket } = setup();
      const rep = socket();
      const room = created(await rooms.create(rep));
      expect(await rooms.join(rep, room.nameplate)).toEqual({ ok: false, error: 'ROOM_CROWDED' });
      expect((await rooms.join(socket(), room.nameplate)).ok).toBe(true);
      const third = socket();
      expect(await rooms.join(third, room.nameplate)).toEqual({ ok: false, error: 'ROOM_CROWDED' });
      expect(third.received).toEqual([]);
    });

    it('the same join asked again (a resent request) answers the same, without telling the rep twice', async () => {
      const { rooms, socket } = setup();
      const rep = socket();
      const customer = socket();
      const room = created(await rooms.create(rep));
      expect(await rooms.join(customer, room.nameplate)).toEqual({ ok: true, sid: room.sid });
      expect(await rooms.join(customer, room.nameplate)).toEqual({ ok: true, sid: room.sid });
      expect(rep.events()).toEqual(['peer-joined']);
      expect(await rooms.stats()).toMatchObject({ rooms: 1, paired: 1, sockets: 2 });
    });

    it('relays to the other member only, unchanged', async () => {
      const { rooms, socket } = setup();
      const rep = socket();
      const customer = socket();
      const bystander = socket();
      const room = created(await rooms.create(rep));
      created(await rooms.create(bystander));
      await rooms.join(customer, room.nameplate);
      rep.clear();

      expect(await rooms.relay(rep, 'AAAA')).toEqual({ ok: true });
      expect(await rooms.relay(customer, 'BBBB')).toEqual({ ok: true });
      expect(customer.received).toEqual([{ event: 'relay', payload: { data: 'AAAA', sid: room.sid } }]);
      expect(rep.received).toEqual([{ event: 'relay', payload: { data: 'BBBB', sid: room.sid } }]);
      expect(bystander.received).toEqual([]);
    });

    it('relay before the peer is present, or from a non-member, answers NOT_IN_ROOM', async () => {
      const { rooms, socket } = setup();
      const rep = socket();
      created(await rooms.create(rep));
      expect(await rooms.relay(rep, 'AAAA')).toEqual({ ok: false, error: 'NOT_IN_ROOM' });
      expect(await rooms.relay(socket(), 'AAAA')).toEqual({ ok: false, error: 'NOT_IN_ROOM' });
      expect(rep.received).toEqual([]);
    });

    it('a socket in several rooms names the room with its sid', async () => {
      const { rooms, socket } = setup();
      const rep = socket();
      const c1 = socket();
      const c2 = socket();
      const r1 = created(await rooms.create(rep));
      const r2 = created(await rooms.create(rep));
      await rooms.join(c1, r1.nameplate);
      await rooms.join(c2, r2.nameplate);
      expect(await rooms.relay(rep, 'AAAA')).toEqual({ ok: false, error: 'NOT_IN_ROOM' }); // ambiguous
      expect(await rooms.relay(rep, 'AAAA', r2.sid)).toEqual({ ok: true });
      expect(c2.received).toEqual([{ event: 'relay', payload: { data: 'AAAA', sid: r2.sid } }]);
      expect(c1.received).toEqual([]);
      expect(await rooms.relay(c1, 'BBBB', r2.sid)).toEqual({ ok: false, error: 'NOT_IN_ROOM' }); // not its room
    });

    it('bad-key burns the room: both members told, later joins get ROOM_BURNED', async () => {
      const { rooms, socket } = setup();
      const rep = socket();
      const customer = socket();
      const room = created(await rooms.create(rep));
      await rooms.join(customer, room.nameplate);
      rep.clear();

      expect(await rooms.badKey(customer)).toEqual({ ok: true });
      const closed = { event: 'room-closed', payload: { reason: 'ROOM_BURNED', sid: room.sid } };
      expect(rep.received).toEqual([closed]);
      expect(customer.received).toEqual([closed]);
      expect(await rooms.join(socket(), room.nameplate)).toEqual({ ok: false, error: 'ROOM_BURNED' });
      expect(await rooms.relay(rep, 'AAAA')).toEqual({ ok: false, error: 'NOT_IN_ROOM' });
      expect(await rooms.stats()).toMatchObject({ rooms: 0, tombstones: 1, sockets: 0 });
    });

    it('bad-key from a socket in no room answers NOT_IN_ROOM', async () => {
      const { rooms, socket } = setup();
      expect(await rooms.badKey(socket())).toEqual({ ok: false, error: 'NOT_IN_ROOM' });
    });

    it('an unjoined room expires after the code TTL: the rep is told, joins get CODE_EXPIRED', async () => {
      const { rooms, clock, socket } = setup({ codeTtlMs: 60_000 });
      const rep = socket();
      const room = created(await rooms.create(rep));
      clock.advance(59_999);
      await rooms.sweep();
      expect(rep.received).toEqual([]);
      clock.advance(1);
      await rooms.sweep();
      expect(rep.received).toEqual([{ event: 'room-closed', payload: { reason: 'CODE_EXPIRED', sid: room.sid } }]);
      expect(await rooms.join(socket(), room.nameplate)).toEqual({ ok: false, error: 'CODE_EXPIRED' });
      expect(await rooms.stats()).toMatchObject({ rooms: 0, tombstones: 1, sockets: 0 });
    });

    it('join after the TTL gets CODE_EXPIRED even before a periodic sweep', async () => {
      const { rooms, clock, socket } = setup({ codeTtlMs: 60_000 });
      const rep = socket();
      const room = created(await rooms.create(rep));
      clock.advance(60_000);
      expect(await rooms.join(socket(), room.nameplate)).toEqual({ ok: false, error: 'CODE_EXPIRED' });
      expect(rep.events()).toEqual(['room-closed']);
    });

    it('a joined room does not expire', async () => {
      const { rooms, clock, socket } = setup({ codeTtlMs: 60_000 });
      const rep = socket();
      const customer = socket();
      const room = created(await rooms.create(rep));
      await rooms.join(customer, room.nameplate);
      clock.advance(10 * 60_000);
      await rooms.sweep();
      expect(await rooms.relay(rep, 'AAAA')).toEqual({ ok: true });
    });

    it('tombstones expire, and are capped', async () => {
      const { rooms, clock, socket } = setup({ codeTtlMs: 1000, tombstoneTtlMs: 60_000, maxTombstones: 3 });
      const nameplates: string[] = [];
      for (let i = 0; i < 5; i++) {
        const room = created(await rooms.create(socket()));
        nameplates.push(room.nameplate);
        clock.advance(1000);
        await rooms.sweep();
      }
      expect((await rooms.stats()).tombstones).toBe(3);
      // the two oldest were evicted
      expect(await rooms.join(socket(), nameplates[0]!)).toEqual({ ok: false, error: 'ROOM_NOT_FOUND' });
      expect(await rooms.join(socket(), nameplates[4]!)).toEqual({ ok: false, error: 'CODE_EXPIRED' });
      clock.advance(60_000);
      await rooms.sweep();
      expect((await rooms.stats()).tombstones).toBe(0);
      expect((await rooms.stats()).nameplatesByDigits).toEqual({});
      expect(await rooms.join(socket(), nameplates[4]!)).toEqual({ ok: false, error: 'ROOM_NOT_FOUND' });
    });

    it('nameplates are unique among live rooms and tombstones, and not sequential', async () => {
      const { rooms, socket } = setup({ roomsPerSocket: 1000, maxRooms: 1000 });
      const seen = new Set<string>();
      const order: number[] = [];
      for (let i = 0; i < 300; i++) {
        const rep = socket();
        const room = created(await rooms.create(rep));
        expect(seen.has(room.nameplate)).toBe(false);
        seen.add(room.nameplate);
        order.push(Number(room.nameplate));
        if (i % 2 === 0) await rooms.leave(rep); // closed: its nameplate stays reserved by a tombstone
      }
      expect(await rooms.stats()).toMatchObject({ rooms: 150, tombstones: 150 });
      const ascending = order.every((n, i) => i === 0 || n > order[i - 1]!);
      expect(ascending).toBe(false);
    });

    it('nameplates grow to 4 digits when half of the 3-digit space is used, and shrink back', async () => {
      const { rooms, socket } = setup({ roomsPerSocket: 10_000, maxRooms: 10_000 });
      const rep = socket();
      const half = nameplateSpace(3) / 2; // 450
      const sids: string[] = [];
      for (let i = 0; i < half; i++) {
        const room = created(await rooms.create(rep));
        expect(room.nameplate).toHaveLength(3);
        sids.push(room.sid);
      }
      const fourth = created(await rooms.create(rep));
      expect(fourth.nameplate).toHaveLength(4);
      expect((await rooms.stats()).nameplatesByDigits).toEqual({ 3: 450, 4: 1 });
      await rooms.leave(rep, sids[0]);
      // the closed room's nameplate is still reserved by its tombstone
      expect(created(await rooms.create(rep)).nameplate).toHaveLength(4);
    });

    it('shrinks back to 3 digits once tombstones are gone', async () => {
      const { rooms, clock, socket } = setup({ roomsPerSocket: 10_000, maxRooms: 10_000, tombstoneTtlMs: 1000 });
      const rep = socket();
      const sids: string[] = [];
      for (let i = 0; i < 450; i++) sids.push(created(await rooms.create(rep)).sid);
      expect(created(await rooms.create(rep)).nameplate).toHaveLength(4);
      await rooms.leave(rep, sids[0]);
      clock.advance(1000);
      await rooms.sweep();
      expect(created(await rooms.create(rep)).nameplate).toHaveLength(3);
    });

    // Half a million rooms: in memory only (minutes on Redis). The Redis scripts' growth from 3 to
    // 4 digits and back is covered by the two tests above.
    if (implementation === 'in memory') {
      it('grows through 5 and 6 digits with a deterministic random source, then SERVER_FULL', async () => {
        // A counter per length as "random" source: fills each length from its lowest nameplate up.
        const counters = new Map<number, number>();
        const randomInt = (min: number, max: number) => {
          const n = counters.get(min) ?? 0;
          counters.set(min, n + 1);
          return min + (n % (max - min));
        };
        let sidCounter = 0;
        const randomBytes = (n: number) => {
          const bytes = new Uint8Array(n);
          new DataView(bytes.buffer).setUint32(0, ++sidCounter);
          return bytes;
        };
        const { rooms, socket } = setup({ roomsPerSocket: 1_000_000, maxRooms: 1_000_000, randomInt, randomBytes });
        const rep = socket();
        const lengths = new Map<number, number>();
        let result = await rooms.create(rep);
        while (result.ok) {
          lengths.set(result.nameplate.length, (lengths.get(result.nameplate.length) ?? 0) + 1);
          result = await rooms.create(rep);
        }
        expect(result).toEqual({ ok: false, error: 'SERVER_FULL' });
        expect(Object.fromEntries(lengths)).toEqual({ 3: 450, 4: 4500, 5: 45_000, 6: 450_000 });
      }, 60_000);
    }

    it('limits rooms per socket (RATE_LIMITED) and rooms per server (SERVER_FULL)', async () => {
      const { rooms, socket } = setup({ roomsPerSocket: 2, maxRooms: 3 });
      const rep = socket();
      expect((await rooms.create(rep)).ok).toBe(true);
      expect((await rooms.create(rep)).ok).toBe(true);
      expect(await rooms.create(rep)).toEqual({ ok: false, error: 'RATE_LIMITED' });
      const other = socket();
      const third = created(await rooms.create(other));
      expect(await rooms.create(socket())).toEqual({ ok: false, error: 'SERVER_FULL' });
      await rooms.leave(other, third.sid);
      expect((await rooms.create(socket())).ok).toBe(true);
    });

    it('counts joined rooms toward the per-socket limit too', async () => {
      const { rooms, socket } = setup({ roomsPerSocket: 1 });
      const customer = socket();
      const a = created(await rooms.create(socket()));
      const b = created(await rooms.create(socket()));
      expect((await rooms.join(customer, a.nameplate)).ok).toBe(true);
      expect(await rooms.join(customer, b.nameplate)).toEqual({ ok: false, error: 'RATE_LIMITED' });
    });

    it('customer leaves: rep gets peer-left, the room stays open for the rep but is never re-joinable', async () => {
      const { rooms, socket } = setup();
      const rep = socket();
      const customer = socket();
      const room = created(await rooms.create(rep));
      await rooms.join(customer, room.nameplate);
      rep.clear();
      expect(await rooms.leave(customer)).toEqual({ ok: true });
      expect(rep.received).toEqual([{ event: 'peer-left', payload: { sid: room.sid } }]);
      expect(customer.received).toEqual([]);
      expect(await rooms.join(socket(), room.nameplate)).toEqual({ ok: false, error: 'ROOM_CROWDED' });
      expect(await rooms.join(customer, room.nameplate)).toEqual({ ok: false, error: 'ROOM_CROWDED' });
      expect(await rooms.relay(rep, 'AAAA')).toEqual({ ok: false, error: 'NOT_IN_ROOM' });
      expect(await rooms.stats()).toMatchObject({ rooms: 1, paired: 1, sockets: 1 });
      expect(await rooms.leave(customer)).toEqual({ ok: false, error: 'NOT_IN_ROOM' });
    });

    it('rep leaves: the customer gets peer-left and room-closed, the room closes', async () => {
      const { rooms, socket } = setup();
      const rep = socket();
      const customer = socket();
      const room = created(await rooms.create(rep));
      await rooms.join(customer, room.nameplate);
      await rooms.leave(rep);
      expect(customer.received).toEqual([
        { event: 'peer-left', payload: { sid: room.sid } },
        { event: 'room-closed', payload: { reason: 'PEER_GONE', sid: room.sid } },
      ]);
      expect(await rooms.stats()).toMatchObject({ rooms: 0, sockets: 0, tombstones: 1 });
      expect(await rooms.join(socket(), room.nameplate)).toEqual({ ok: false, error: 'PEER_GONE' });
    });

    it('rep cancels an unjoined code: later joins get PEER_GONE', async () => {
      const { rooms, socket } = setup();
      const rep = socket();
      const room = created(await rooms.create(rep));
      await rooms.leave(rep);
      expect(rep.received).toEqual([]);
      expect(await rooms.join(socket(), room.nameplate)).toEqual({ ok: false, error: 'PEER_GONE' });
    });

    it('disconnect leaves every room of the socket and notifies each peer', async () => {
      const { rooms, socket } = setup();
      const rep = socket();
      const c1 = socket();
      const c2 = socket();
      const r1 = created(await rooms.create(rep));
      const r2 = created(await rooms.create(rep));
      created(await rooms.create(rep));
      await rooms.join(c1, r1.nameplate);
      await rooms.join(c2, r2.nameplate);
      await rooms.disconnect(rep);
      expect(c1.events()).toEqual(['peer-left', 'room-closed']);
      expect(c2.events()).toEqual(['peer-left', 'room-closed']);
      expect(await rooms.stats()).toMatchObject({ rooms: 0, sockets: 0, tombstones: 3 });
    });

    it('customer disconnect: the rep gets peer-left', async () => {
      const { rooms, socket } = setup();
      const rep = socket();
      const customer = socket();
      const room = created(await rooms.create(rep));
      await rooms.join(customer, room.nameplate);
      rep.clear();
      await rooms.disconnect(customer);
      expect(rep.received).toEqual([{ event: 'peer-left', payload: { sid: room.sid } }]);
      await rooms.disconnect(customer); // twice is harmless
      expect(rep.received).toHaveLength(1);
    });

    it('without tombstones, a closed nameplate answers ROOM_NOT_FOUND and is free again', async () => {
      const { rooms, socket } = setup({ maxTombstones: 0 });
      const rep = socket();
      const room = created(await rooms.create(rep));
      await rooms.leave(rep);
      expect(await rooms.join(socket(), room.nameplate)).toEqual({ ok: false, error: 'ROOM_NOT_FOUND' });
      expect(await rooms.stats()).toMatchObject({ tombstones: 0, nameplatesByDigits: {} });
    });
  });

  describe('RoomManager: claim, away and resume', () => {
    const WINDOW = 120_000;
    const proof = new Uint8Array(32).fill(7);
    const otherProof = new Uint8Array(32).fill(8);

    /** A paired room, claimed by both members with `proof`. */
    async function claimed(options: Partial<RoomManagerOptions> = {}) {
      const env = setup({ rejoinWindowMs: WINDOW, ...options });
      const rep = env.socket();
      const customer = env.socket();
      const room = created(await env.rooms.create(rep));
      await env.rooms.join(customer, room.nameplate);
      expect(await env.rooms.claim(rep, proof)).toEqual({ ok: true });
      expect(await env.rooms.claim(customer, proof)).toEqual({ ok: true });
      rep.clear();
      return { ...env, rep, customer, room };
    }

    it('claim needs a paired room; a different second proof is refused and changes nothing', async () => {
      const { rooms, socket } = setup({ rejoinWindowMs: WINDOW });
      const rep = socket();
      const customer = socket();
      const room = created(await rooms.create(rep));
      expect(await rooms.claim(rep, proof)).toEqual({ ok: false, error: 'NOT_IN_ROOM' }); // still waiting
      expect(await rooms.claim(socket(), proof)).toEqual({ ok: false, error: 'NOT_IN_ROOM' });
      await rooms.join(customer, room.nameplate);
      expect(await rooms.claim(customer, proof, room.sid)).toEqual({ ok: true });
      expect(await rooms.claim(rep, otherProof)).toEqual({ ok: false, error: 'RESUME_REFUSED' });
      expect(await rooms.claim(rep, proof)).toEqual({ ok: true });
      await rooms.disconnect(customer);
      expect(await rooms.resume(socket(), room.sid, 'customer', otherProof)).toEqual({ ok: false, error: 'RESUME_REFUSED' });
      expect(await rooms.resume(socket(), room.sid, 'customer', proof)).toMatchObject({ ok: true, peerPresent: true });
    });

    it('customer drops: the rep gets peer-away; the customer resumes on a new socket: peer-back, relays flow', async () => {
      const { rooms, socket, rep, customer, room } = await claimed();
      await rooms.disconnect(customer);
      expect(rep.received).toEqual([{ event: 'peer-away', payload: { sid: room.sid } }]);
      expect(await rooms.stats()).toMatchObject({ rooms: 1, away: 1, sockets: 1 });
      expect(await rooms.relay(rep, 'AAAA')).toEqual({ ok: false, error: 'NOT_IN_ROOM' }); // away
      const back = socket();
      expect(await rooms.resume(back, room.sid, 'customer', proof)).toEqual({ ok: true, peerPresent: true, peerLeft: false });
      expect(rep.events()).toEqual(['peer-away', 'peer-back']);
      expect(await rooms.stats()).toMatchObject({ away: 0, sockets: 2 });
      expect(await rooms.relay(rep, 'AAAA')).toEqual({ ok: true });
      expect(await rooms.relay(back, 'BBBB')).toEqual({ ok: true });
      expect(back.received).toEqual([{ event: 'relay', payload: { data: 'AAAA', sid: room.sid } }]);
      expect(await rooms.relay(customer, 'CCCC')).toEqual({ ok: false, error: 'NOT_IN_ROOM' }); // the old socket
    });

    it('customer away past the window: the rep gets peer-left, the room stays for the rep; a late resume gets PEER_GONE', async () => {
      const { rooms, clock, socket, rep, customer, room } = await claimed();
      await rooms.disconnect(customer);
      clock.advance(WINDOW - 1);
      await rooms.sweep();
      expect(rep.events()).toEqual(['peer-away']);
      clock.advance(1);
      await rooms.sweep();
      expect(rep.events()).toEqual(['peer-away', 'peer-left']);
      expect(await rooms.stats()).toMatchObject({ rooms: 1, away: 0, sockets: 1 });
      expect(await rooms.resume(socket(), room.sid, 'customer', proof)).toEqual({ ok: false, error: 'PEER_GONE' });
    });

    it('rep away past the window: the room closes, the customer gets peer-left and room-closed PEER_GONE; the sid answers PEER_GONE', async () => {
      const { rooms, clock, socket, rep, customer, room } = await claimed();
      await rooms.disconnect(rep);
      expect(customer.events()).toEqual(['peer-away']);
      clock.advance(WINDOW);
      await rooms.sweep();
      expect(customer.received.slice(1)).toEqual([
        { event: 'peer-left', payload: { sid: room.sid } },
        { event: 'room-closed', payload: { reason: 'PEER_GONE', sid: room.sid } },
      ]);
      expect(await rooms.stats()).toMatchObject({ rooms: 0, away: 0, sockets: 0, tombstones: 1, closedSids: 1 });
      expect(await rooms.resume(socket(), room.sid, 'rep', proof)).toEqual({ ok: false, error: 'PEER_GONE' });
      expect((await rooms.stats()).rooms).toBe(0); // not restored
    });

    it('the rep resumes within the window: the customer gets peer-back, the room lives on', async () => {
      const { rooms, clock, socket, rep, customer, room } = await claimed();
      await rooms.disconnect(rep);
      clock.advance(WINDOW - 1);
      const rep2 = socket();
      expect(await rooms.resume(rep2, room.sid, 'rep', proof)).toMatchObject({ ok: true, peerPresent: true });
      clock.advance(WINDOW);
      await rooms.sweep();
      expect(customer.events()).toEqual(['peer-away', 'peer-back']);
      expect(await rooms.relay(customer, 'AAAA')).toEqual({ ok: true });
      expect(rep2.events()).toEqual(['relay']);
    });

    it('a wrong proof is refused and the slot stays away', async () => {
      const { rooms, socket, customer, room } = await claimed();
      await rooms.disconnect(customer);
      expect(await rooms.resume(socket(), room.sid, 'customer', otherProof)).toEqual({ ok: false, error: 'RESUME_REFUSED' });
      expect(await rooms.stats()).toMatchObject({ away: 1 });
    });

    it('an old socket still holding the slot is replaced silently', async () => {
      const { rooms, socket, rep, customer, room } = await claimed();
      const fresh = socket();
      expect(await rooms.resume(fresh, room.sid, 'customer', proof)).toMatchObject({ ok: true, peerPresent: true });
      expect(rep.events()).toEqual(['peer-back']);
      expect(customer.received).toEqual([]);
      await rooms.relay(rep, 'AAAA');
      expect(fresh.events()).toEqual(['relay']);
      expect(customer.received).toEqual([]);
      await rooms.disconnect(customer); // the old socket times out later: nothing happens
      expect(rep.events()).toEqual(['peer-back']);
      expect(await rooms.stats()).toMatchObject({ away: 0, sockets: 2 });
      expect(await rooms.resume(fresh, room.sid, 'customer', proof)).toMatchObject({ ok: true }); // again: harmless
      expect(await rooms.resume(rep, room.sid, 'customer', proof)).toEqual({ ok: false, error: 'RESUME_REFUSED' }); // both roles
    });

    it('leave-room stays immediate in a claimed room', async () => {
      const { rooms, socket, rep, customer, room } = await claimed();
      await rooms.leave(customer);
      expect(rep.events()).toEqual(['peer-left']);
      expect(await rooms.resume(socket(), room.sid, 'customer', proof)).toEqual({ ok: false, error: 'PEER_GONE' });
      await rooms.leave(rep);
      expect(await rooms.stats()).toMatchObject({ rooms: 0, away: 0 });
      expect(await rooms.resume(socket(), room.sid, 'rep', proof)).toEqual({ ok: false, error: 'PEER_GONE' });
    });

    it('a burned room is not resumed: its sid answers ROOM_BURNED', async () => {
      const { rooms, socket, customer, room } = await claimed();
      await rooms.badKey(customer);
      expect(await rooms.resume(socket(), room.sid, 'rep', proof)).toEqual({ ok: false, error: 'ROOM_BURNED' });
    });

    it('a customer leaving while the rep is away: the resuming rep is told the peer left for good', async () => {
      const { rooms, socket, rep, customer, room } = await claimed();
      await rooms.disconnect(rep);
      await rooms.leave(customer);
      expect(await rooms.resume(socket(), room.sid, 'rep', proof)).toEqual({ ok: true, peerPresent: false, peerLeft: true });
    });

    it('an unclaimed room keeps the old behaviour on disconnect, and cannot be resumed', async () => {
      const { rooms, socket } = setup({ rejoinWindowMs: WINDOW });
      const rep = socket();
      const customer = socket();
      const room = created(await rooms.create(rep));
      await rooms.join(customer, room.nameplate);
      rep.clear();
      await rooms.disconnect(customer);
      expect(rep.events()).toEqual(['peer-left']);
      expect(await rooms.resume(socket(), room.sid, 'customer', proof)).toEqual({ ok: false, error: 'RESUME_REFUSED' });
      expect(await rooms.stats()).toMatchObject({ rooms: 1, away: 0 });
    });

    it('with a rejoin window of 0, a claimed room keeps the old behaviour and nothing is resumed', async () => {
      const { rooms, socket, rep, customer, room } = await claimed({ rejoinWindowMs: 0 });
      await rooms.disconnect(customer);
      expect(rep.events()).toEqual(['peer-left']);
      expect(await rooms.resume(socket(), room.sid, 'customer', proof)).toEqual({ ok: false, error: 'RESUME_REFUSED' });
      expect(await rooms.resume(socket(), 'A'.repeat(43), 'rep', proof)).toEqual({ ok: false, error: 'RESUME_REFUSED' });
    });

    it('an unknown sid (server restart) is restored; the other side resumes with the same proof and relays flow both ways', async () => {
      const { rooms, socket } = setup({ rejoinWindowMs: WINDOW });
      const sid = 'B'.repeat(43);
      const customer = socket();
      expect(await rooms.resume(customer, sid, 'customer', proof)).toEqual({ ok: true, peerPresent: false, peerLeft: false });
      expect(await rooms.stats()).toMatchObject({ rooms: 1, paired: 1, away: 1, nameplatesByDigits: {} });
      expect(await rooms.relay(customer, 'AAAA')).toEqual({ ok: false, error: 'NOT_IN_ROOM' });
      expect(await rooms.resume(socket(), sid, 'rep', otherProof)).toEqual({ ok: false, error: 'RESUME_REFUSED' });
      const rep = socket();
      expect(await rooms.resume(rep, sid, 'rep', proof)).toEqual({ ok: true, peerPresent: true, peerLeft: false });
      expect(customer.events()).toEqual(['peer-back']);
      expect(await rooms.relay(rep, 'AAAA')).toEqual({ ok: true });
      expect(await rooms.relay(customer, 'BBBB', sid)).toEqual({ ok: true });
      expect(customer.received[1]).toEqual({ event: 'relay', payload: { data: 'AAAA', sid } });
      expect(rep.received).toEqual([{ event: 'relay', payload: { data: 'BBBB', sid } }]);
      expect(await rooms.stats()).toMatchObject({ away: 0, sockets: 2 });
    });

    it('a restored room whose rep never comes back closes after the window', async () => {
      const { rooms, clock, socket } = setup({ rejoinWindowMs: WINDOW });
      const sid = 'C'.repeat(43);
      const customer = socket();
      await rooms.resume(customer, sid, 'customer', proof);
      clock.advance(WINDOW);
      await rooms.sweep();
      expect(customer.events()).toEqual(['peer-left', 'room-closed']);
      expect(await rooms.stats()).toMatchObject({ rooms: 0, away: 0, sockets: 0, tombstones: 0, closedSids: 1 });
      expect(await rooms.resume(socket(), sid, 'rep', proof)).toEqual({ ok: false, error: 'PEER_GONE' });
    });

    it('restored rooms count against roomsPerSocket and maxRooms', async () => {
      const { rooms, socket } = setup({ rejoinWindowMs: WINDOW, roomsPerSocket: 1, maxRooms: 2 });
      const a = socket();
      expect((await rooms.resume(a, 'D'.repeat(43), 'rep', proof)).ok).toBe(true);
      expect(await rooms.resume(a, 'E'.repeat(43), 'rep', proof)).toEqual({ ok: false, error: 'RATE_LIMITED' });
      expect((await rooms.resume(socket(), 'E'.repeat(43), 'rep', proof)).ok).toBe(true);
      expect(await rooms.resume(socket(), 'F'.repeat(43), 'rep', proof)).toEqual({ ok: false, error: 'SERVER_FULL' });
      expect(await rooms.create(socket())).toEqual({ ok: false, error: 'SERVER_FULL' });
    });

    it('a rep away from several rooms: each customer is told, each slot has its own deadline', async () => {
      const { rooms, clock, socket } = setup({ rejoinWindowMs: WINDOW });
      const rep = socket();
      const customers = [socket(), socket()];
      const sids: string[] = [];
      for (const customer of customers) {
        const room = created(await rooms.create(rep));
        await rooms.join(customer, room.nameplate);
        await rooms.claim(customer, proof, room.sid);
        sids.push(room.sid);
      }
      await rooms.disconnect(rep);
      for (const customer of customers) expect(customer.events()).toEqual(['peer-away']);
      expect(await rooms.stats()).toMatchObject({ away: 2, sockets: 2 });
      const rep2 = socket();
      clock.advance(1000);
      await rooms.resume(rep2, sids[0]!, 'rep', proof);
      clock.advance(WINDOW - 1000);
      await rooms.sweep();
      expect(customers[0]!.events()).toEqual(['peer-away', 'peer-back']);
      expect(customers[1]!.events()).toEqual(['peer-away', 'peer-left', 'room-closed']);
      expect(await rooms.stats()).toMatchObject({ rooms: 1, away: 0 });
    });

    it('sid tombstones are bounded like nameplate tombstones', async () => {
      const { rooms, clock, socket } = setup({ rejoinWindowMs: WINDOW, maxTombstones: 2, tombstoneTtlMs: 10_000 });
      for (let i = 0; i < 4; i++) await rooms.leave(socket(), created(await rooms.create(socket())).sid);
      for (let i = 0; i < 4; i++) {
        const rep = socket();
        await rooms.create(rep);
        await rooms.leave(rep);
      }
      expect(await rooms.stats()).toMatchObject({ tombstones: 2, closedSids: 2 });
      clock.advance(10_000);
      await rooms.sweep();
      expect(await rooms.stats()).toMatchObject({ tombstones: 0, closedSids: 0, nameplatesByDigits: {} });
    });
  });
});
