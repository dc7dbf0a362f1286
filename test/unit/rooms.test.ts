import { describe, expect, it } from 'vitest';
import { isNameplate } from '../../protocol/code.ts';
import { RoomManager, nameplateSpace, type RoomManagerOptions, type RoomSocket } from '../../signaling/rooms.ts';

class FakeSocket implements RoomSocket {
  readonly received: { event: string; payload: unknown }[] = [];
  constructor(readonly id: string) {}
  emit(event: string, payload: unknown): void {
    this.received.push({ event, payload });
  }
  events(): string[] {
    return this.received.map((m) => m.event);
  }
  clear(): void {
    this.received.length = 0;
  }
}

function setup(options: Partial<RoomManagerOptions> = {}) {
  let time = 1_000_000;
  const clock = {
    now: () => time,
    advance: (ms: number) => {
      time += ms;
    },
  };
  const rooms = new RoomManager({ codeTtlMs: 900_000, roomsPerSocket: 5, maxRooms: 1000, now: clock.now, ...options });
  let n = 0;
  const socket = () => new FakeSocket(`s${++n}`);
  return { rooms, clock, socket };
}

function created(result: ReturnType<RoomManager['create']>) {
  if (!result.ok) throw new Error(`create failed: ${result.error}`);
  return result;
}

describe('RoomManager', () => {
  it('creates a room with a 3-digit nameplate and a 43-char base64url sid', () => {
    const { rooms, socket } = setup();
    const room = created(rooms.create(socket()));
    expect(room.nameplate).toMatch(/^[1-9][0-9]{2}$/);
    expect(isNameplate(room.nameplate)).toBe(true);
    expect(room.sid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(room.expiresAt).toBe(1_000_000 + 900_000);
    expect(rooms.stats()).toMatchObject({ rooms: 1, waiting: 1, paired: 0, sockets: 1 });
  });

  it('join: the customer gets the sid, the rep gets peer-joined', () => {
    const { rooms, socket } = setup();
    const rep = socket();
    const customer = socket();
    const room = created(rooms.create(rep));
    expect(rooms.join(customer, room.nameplate)).toEqual({ ok: true, sid: room.sid });
    expect(rep.received).toEqual([{ event: 'peer-joined', payload: { sid: room.sid } }]);
    expect(customer.received).toEqual([]);
    expect(rooms.stats()).toMatchObject({ rooms: 1, waiting: 0, paired: 1, sockets: 2 });
  });

  it('join of an unknown nameplate answers ROOM_NOT_FOUND', () => {
    const { rooms, socket } = setup();
    expect(rooms.join(socket(), '123')).toEqual({ ok: false, error: 'ROOM_NOT_FOUND' });
  });

  it('a third joiner gets ROOM_CROWDED, and so does the rep joining its own room', () => {
    const { rooms, socket } = setup();
    const rep = socket();
    const room = created(rooms.create(rep));
    expect(rooms.join(rep, room.nameplate)).toEqual({ ok: false, error: 'ROOM_CROWDED' });
    expect(rooms.join(socket(), room.nameplate).ok).toBe(true);
    const third = socket();
    expect(rooms.join(third, room.nameplate)).toEqual({ ok: false, error: 'ROOM_CROWDED' });
    expect(third.received).toEqual([]);
  });

  it('relays to the other member only, unchanged', () => {
    const { rooms, socket } = setup();
    const rep = socket();
    const customer = socket();
    const bystander = socket();
    const room = created(rooms.create(rep));
    created(rooms.create(bystander));
    rooms.join(customer, room.nameplate);
    rep.clear();

    expect(rooms.relay(rep, 'AAAA')).toEqual({ ok: true });
    expect(rooms.relay(customer, 'BBBB')).toEqual({ ok: true });
    expect(customer.received).toEqual([{ event: 'relay', payload: { data: 'AAAA', sid: room.sid } }]);
    expect(rep.received).toEqual([{ event: 'relay', payload: { data: 'BBBB', sid: room.sid } }]);
    expect(bystander.received).toEqual([]);
  });

  it('relay before the peer is present, or from a non-member, answers NOT_IN_ROOM', () => {
    const { rooms, socket } = setup();
    const rep = socket();
    created(rooms.create(rep));
    expect(rooms.relay(rep, 'AAAA')).toEqual({ ok: false, error: 'NOT_IN_ROOM' });
    expect(rooms.relay(socket(), 'AAAA')).toEqual({ ok: false, error: 'NOT_IN_ROOM' });
    expect(rep.received).toEqual([]);
  });

  it('a socket in several rooms names the room with its sid', () => {
    const { rooms, socket } = setup();
    const rep = socket();
    const c1 = socket();
    const c2 = socket();
    const r1 = created(rooms.create(rep));
    const r2 = created(rooms.create(rep));
    rooms.join(c1, r1.nameplate);
    rooms.join(c2, r2.nameplate);
    expect(rooms.relay(rep, 'AAAA')).toEqual({ ok: false, error: 'NOT_IN_ROOM' }); // ambiguous
    expect(rooms.relay(rep, 'AAAA', r2.sid)).toEqual({ ok: true });
    expect(c2.received).toEqual([{ event: 'relay', payload: { data: 'AAAA', sid: r2.sid } }]);
    expect(c1.received).toEqual([]);
    expect(rooms.relay(c1, 'BBBB', r2.sid)).toEqual({ ok: false, error: 'NOT_IN_ROOM' }); // not its room
  });

  it('bad-key burns the room: both members told, later joins get ROOM_BURNED', () => {
    const { rooms, socket } = setup();
    const rep = socket();
    const customer = socket();
    const room = created(rooms.create(rep));
    rooms.join(customer, room.nameplate);
    rep.clear();

    expect(rooms.badKey(customer)).toEqual({ ok: true });
    const closed = { event: 'room-closed', payload: { reason: 'ROOM_BURNED', sid: room.sid } };
    expect(rep.received).toEqual([closed]);
    expect(customer.received).toEqual([closed]);
    expect(rooms.join(socket(), room.nameplate)).toEqual({ ok: false, error: 'ROOM_BURNED' });
    expect(rooms.relay(rep, 'AAAA')).toEqual({ ok: false, error: 'NOT_IN_ROOM' });
    expect(rooms.stats()).toMatchObject({ rooms: 0, tombstones: 1, sockets: 0 });
  });

  it('bad-key from a socket in no room answers NOT_IN_ROOM', () => {
    const { rooms, socket } = setup();
    expect(rooms.badKey(socket())).toEqual({ ok: false, error: 'NOT_IN_ROOM' });
  });

  it('an unjoined room expires after the code TTL: the rep is told, joins get CODE_EXPIRED', () => {
    const { rooms, clock, socket } = setup({ codeTtlMs: 60_000 });
    const rep = socket();
    const room = created(rooms.create(rep));
    clock.advance(59_999);
    rooms.sweep();
    expect(rep.received).toEqual([]);
    clock.advance(1);
    rooms.sweep();
    expect(rep.received).toEqual([{ event: 'room-closed', payload: { reason: 'CODE_EXPIRED', sid: room.sid } }]);
    expect(rooms.join(socket(), room.nameplate)).toEqual({ ok: false, error: 'CODE_EXPIRED' });
    expect(rooms.stats()).toMatchObject({ rooms: 0, tombstones: 1, sockets: 0 });
  });

  it('join after the TTL gets CODE_EXPIRED even before a periodic sweep', () => {
    const { rooms, clock, socket } = setup({ codeTtlMs: 60_000 });
    const rep = socket();
    const room = created(rooms.create(rep));
    clock.advance(60_000);
    expect(rooms.join(socket(), room.nameplate)).toEqual({ ok: false, error: 'CODE_EXPIRED' });
    expect(rep.events()).toEqual(['room-closed']);
  });

  it('a joined room does not expire', () => {
    const { rooms, clock, socket } = setup({ codeTtlMs: 60_000 });
    const rep = socket();
    const customer = socket();
    const room = created(rooms.create(rep));
    rooms.join(customer, room.nameplate);
    clock.advance(10 * 60_000);
    rooms.sweep();
    expect(rooms.relay(rep, 'AAAA')).toEqual({ ok: true });
  });

  it('tombstones expire, and are capped', () => {
    const { rooms, clock, socket } = setup({ codeTtlMs: 1000, tombstoneTtlMs: 60_000, maxTombstones: 3 });
    const nameplates: string[] = [];
    for (let i = 0; i < 5; i++) {
      const room = created(rooms.create(socket()));
      nameplates.push(room.nameplate);
      clock.advance(1000);
      rooms.sweep();
    }
    expect(rooms.stats().tombstones).toBe(3);
    // the two oldest were evicted
    expect(rooms.join(socket(), nameplates[0]!)).toEqual({ ok: false, error: 'ROOM_NOT_FOUND' });
    expect(rooms.join(socket(), nameplates[4]!)).toEqual({ ok: false, error: 'CODE_EXPIRED' });
    clock.advance(60_000);
    rooms.sweep();
    expect(rooms.stats().tombstones).toBe(0);
    expect(rooms.stats().nameplatesByDigits).toEqual({});
    expect(rooms.join(socket(), nameplates[4]!)).toEqual({ ok: false, error: 'ROOM_NOT_FOUND' });
  });

  it('nameplates are unique among live rooms and tombstones, and not sequential', () => {
    const { rooms, socket } = setup({ roomsPerSocket: 1000, maxRooms: 1000 });
    const seen = new Set<string>();
    const order: number[] = [];
    for (let i = 0; i < 300; i++) {
      const rep = socket();
      const room = created(rooms.create(rep));
      expect(seen.has(room.nameplate)).toBe(false);
      seen.add(room.nameplate);
      order.push(Number(room.nameplate));
      if (i % 2 === 0) rooms.leave(rep); // closed: its nameplate stays reserved by a tombstone
    }
    expect(rooms.stats()).toMatchObject({ rooms: 150, tombstones: 150 });
    const ascending = order.every((n, i) => i === 0 || n > order[i - 1]!);
    expect(ascending).toBe(false);
  });

  it('nameplates grow to 4 digits when half of the 3-digit space is used, and shrink back', () => {
    const { rooms, socket } = setup({ roomsPerSocket: 10_000, maxRooms: 10_000 });
    const rep = socket();
    const half = nameplateSpace(3) / 2; // 450
    const sids: string[] = [];
    for (let i = 0; i < half; i++) {
      const room = created(rooms.create(rep));
      expect(room.nameplate).toHaveLength(3);
      sids.push(room.sid);
    }
    const fourth = created(rooms.create(rep));
    expect(fourth.nameplate).toHaveLength(4);
    expect(rooms.stats().nameplatesByDigits).toEqual({ 3: 450, 4: 1 });
    rooms.leave(rep, sids[0]);
    // the closed room's nameplate is still reserved by its tombstone
    expect(created(rooms.create(rep)).nameplate).toHaveLength(4);
  });

  it('shrinks back to 3 digits once tombstones are gone', () => {
    const { rooms, clock, socket } = setup({ roomsPerSocket: 10_000, maxRooms: 10_000, tombstoneTtlMs: 1000 });
    const rep = socket();
    const sids: string[] = [];
    for (let i = 0; i < 450; i++) sids.push(created(rooms.create(rep)).sid);
    expect(created(rooms.create(rep)).nameplate).toHaveLength(4);
    rooms.leave(rep, sids[0]);
    clock.advance(1000);
    rooms.sweep();
    expect(created(rooms.create(rep)).nameplate).toHaveLength(3);
  });

  it('grows through 5 and 6 digits with a deterministic random source, then SERVER_FULL', () => {
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
    let result = rooms.create(rep);
    while (result.ok) {
      lengths.set(result.nameplate.length, (lengths.get(result.nameplate.length) ?? 0) + 1);
      result = rooms.create(rep);
    }
    expect(result).toEqual({ ok: false, error: 'SERVER_FULL' });
    expect(Object.fromEntries(lengths)).toEqual({ 3: 450, 4: 4500, 5: 45_000, 6: 450_000 });
  }, 60_000);

  it('limits rooms per socket (RATE_LIMITED) and rooms per server (SERVER_FULL)', () => {
    const { rooms, socket } = setup({ roomsPerSocket: 2, maxRooms: 3 });
    const rep = socket();
    expect(rooms.create(rep).ok).toBe(true);
    expect(rooms.create(rep).ok).toBe(true);
    expect(rooms.create(rep)).toEqual({ ok: false, error: 'RATE_LIMITED' });
    const other = socket();
    const third = created(rooms.create(other));
    expect(rooms.create(socket())).toEqual({ ok: false, error: 'SERVER_FULL' });
    rooms.leave(other, third.sid);
    expect(rooms.create(socket()).ok).toBe(true);
  });

  it('counts joined rooms toward the per-socket limit too', () => {
    const { rooms, socket } = setup({ roomsPerSocket: 1 });
    const customer = socket();
    const a = created(rooms.create(socket()));
    const b = created(rooms.create(socket()));
    expect(rooms.join(customer, a.nameplate).ok).toBe(true);
    expect(rooms.join(customer, b.nameplate)).toEqual({ ok: false, error: 'RATE_LIMITED' });
  });

  it('customer leaves: rep gets peer-left, the room stays open for the rep but is never re-joinable', () => {
    const { rooms, socket } = setup();
    const rep = socket();
    const customer = socket();
    const room = created(rooms.create(rep));
    rooms.join(customer, room.nameplate);
    rep.clear();
    expect(rooms.leave(customer)).toEqual({ ok: true });
    expect(rep.received).toEqual([{ event: 'peer-left', payload: { sid: room.sid } }]);
    expect(customer.received).toEqual([]);
    expect(rooms.join(socket(), room.nameplate)).toEqual({ ok: false, error: 'ROOM_CROWDED' });
    expect(rooms.join(customer, room.nameplate)).toEqual({ ok: false, error: 'ROOM_CROWDED' });
    expect(rooms.relay(rep, 'AAAA')).toEqual({ ok: false, error: 'NOT_IN_ROOM' });
    expect(rooms.stats()).toMatchObject({ rooms: 1, paired: 1, sockets: 1 });
    expect(rooms.leave(customer)).toEqual({ ok: false, error: 'NOT_IN_ROOM' });
  });

  it('rep leaves: the customer gets peer-left and room-closed, the room closes', () => {
    const { rooms, socket } = setup();
    const rep = socket();
    const customer = socket();
    const room = created(rooms.create(rep));
    rooms.join(customer, room.nameplate);
    rooms.leave(rep);
    expect(customer.received).toEqual([
      { event: 'peer-left', payload: { sid: room.sid } },
      { event: 'room-closed', payload: { reason: 'PEER_GONE', sid: room.sid } },
    ]);
    expect(rooms.stats()).toMatchObject({ rooms: 0, sockets: 0, tombstones: 1 });
    expect(rooms.join(socket(), room.nameplate)).toEqual({ ok: false, error: 'PEER_GONE' });
  });

  it('rep cancels an unjoined code: later joins get PEER_GONE', () => {
    const { rooms, socket } = setup();
    const rep = socket();
    const room = created(rooms.create(rep));
    rooms.leave(rep);
    expect(rep.received).toEqual([]);
    expect(rooms.join(socket(), room.nameplate)).toEqual({ ok: false, error: 'PEER_GONE' });
  });

  it('disconnect leaves every room of the socket and notifies each peer', () => {
    const { rooms, socket } = setup();
    const rep = socket();
    const c1 = socket();
    const c2 = socket();
    const r1 = created(rooms.create(rep));
    const r2 = created(rooms.create(rep));
    created(rooms.create(rep));
    rooms.join(c1, r1.nameplate);
    rooms.join(c2, r2.nameplate);
    rooms.disconnect(rep);
    expect(c1.events()).toEqual(['peer-left', 'room-closed']);
    expect(c2.events()).toEqual(['peer-left', 'room-closed']);
    expect(rooms.stats()).toMatchObject({ rooms: 0, sockets: 0, tombstones: 3 });
  });

  it('customer disconnect: the rep gets peer-left', () => {
    const { rooms, socket } = setup();
    const rep = socket();
    const customer = socket();
    const room = created(rooms.create(rep));
    rooms.join(customer, room.nameplate);
    rep.clear();
    rooms.disconnect(customer);
    expect(rep.received).toEqual([{ event: 'peer-left', payload: { sid: room.sid } }]);
    rooms.disconnect(customer); // twice is harmless
    expect(rep.received).toHaveLength(1);
  });

  it('without tombstones, a closed nameplate answers ROOM_NOT_FOUND and is free again', () => {
    const { rooms, socket } = setup({ maxTombstones: 0 });
    const rep = socket();
    const room = created(rooms.create(rep));
    rooms.leave(rep);
    expect(rooms.join(socket(), room.nameplate)).toEqual({ ok: false, error: 'ROOM_NOT_FOUND' });
    expect(rooms.stats()).toMatchObject({ tombstones: 0, nameplatesByDigits: {} });
  });
});
