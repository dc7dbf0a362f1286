/**
 * Integration tests: the real server (`createParleyServer`) on port 0, real socket.io-client
 * clients over WebSocket.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { BlockList } from 'node:net';
import { tmpdir } from 'node:os';
import { join as pathJoin } from 'node:path';
import fc from 'fast-check';
import * as v from 'valibot';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CreateRoomRequestSchema,
  CreateRoomResultSchema,
  JoinRoomRequestSchema,
  JoinRoomResultSchema,
  MAX_RELAY_CHARS,
  MAX_SOCKET_MESSAGE_BYTES,
  ServerErrorSchema,
  type CreateRoomResult,
  type JoinRoomResult,
} from '../../protocol/signaling.ts';
import { DEFAULT_FILE_POLICY } from '../../protocol/file-policy.ts';
import { PROTOCOL_VERSION } from '../../protocol/version.ts';
import { rateLimitKey, type Limiter } from '../../signaling/rate-limit.ts';
import { tamper } from '../e2e/test-server.ts';
import { ServerHarness, next, raw, recorder, type Client } from './server-harness.ts';

const harness = new ServerHarness();
afterEach(() => harness.cleanup());
const { startServer, client, connected } = harness;

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Round trip through the server: everything sent before it has been handled (events are
 * handled in order). A join of a nameplate that never exists: no server-error, no side effect.
 */
async function settle(socket: Client): Promise<void> {
  await raw(socket).timeout(3000).emitWithAck('join-room', { nameplate: '100000' });
}

async function create(socket: Client): Promise<Extract<CreateRoomResult, { ok: true }>> {
  const result = await socket.timeout(3000).emitWithAck('create-room', {});
  if (!result.ok) throw new Error(`create-room failed: ${result.error}`);
  return result;
}

async function joinRoom(socket: Client, nameplate: string): Promise<JoinRoomResult> {
  return socket.timeout(3000).emitWithAck('join-room', { nameplate });
}

/** A rep and a customer in one room. */
async function pair(url: string) {
  const rep = await connected(url);
  const customer = await connected(url);
  const repLog = recorder(rep);
  const customerLog = recorder(customer);
  const room = await create(rep);
  const peerJoined = next(rep, 'peer-joined');
  const joined = await joinRoom(customer, room.nameplate);
  expect(joined).toEqual({ ok: true, sid: room.sid, iceServers: [], filePolicy: DEFAULT_FILE_POLICY });
  expect(await peerJoined).toEqual({ sid: room.sid });
  return { rep, customer, room, repLog, customerLog };
}

describe('handshake', () => {
  it('refuses another protocol version with VERSION_MISMATCH', async () => {
    const { url } = await startServer();
    for (const auth of [{ version: PROTOCOL_VERSION + 1 }, { version: '1' }, {}, { nope: true }]) {
      const socket = client(url, { auth });
      const err = (await next(socket, 'connect_error')) as Error & { data?: unknown };
      expect(err.message).toBe('VERSION_MISMATCH');
      expect(err.data).toEqual({ code: 'VERSION_MISMATCH', serverVersion: PROTOCOL_VERSION });
      expect(socket.connected).toBe(false);
    }
  });

  it('accepts the current version', async () => {
    const { url } = await startServer();
    const socket = await connected(url);
    expect(socket.connected).toBe(true);
  });

  it('refuses browsers from another origin unless listed in CORS_ORIGINS', async () => {
    const { url } = await startServer();
    const foreign = client(url, { headers: { Origin: 'https://evil.example' } });
    await next(foreign, 'connect_error');
    await connected(url, { headers: { Origin: url } }); // same origin

    const listed = await startServer({ CORS_ORIGINS: 'https://support.example.com' });
    await connected(listed.url, { headers: { Origin: 'https://support.example.com' } });
    await next(client(listed.url, { headers: { Origin: 'https://evil.example' } }), 'connect_error');
  });
});

describe('rooms end to end', () => {
  it('hands the configured file policy to both members with the room', async () => {
    const { url } = await startServer({ FILE_MAX_BYTES: '1000', FILE_MAX_COUNT: '2', FILE_TYPES: 'image/png,.log', FILE_AUTO_ACCEPT_FROM_REP: 'true' });
    const policy = { maxBytes: 1000, maxCount: 2, types: ['image/png', '.log'], autoAcceptFromRep: true };
    const room = await create(await connected(url));
    expect(room.filePolicy).toEqual(policy);
    expect(await joinRoom(await connected(url), room.nameplate)).toMatchObject({ ok: true, filePolicy: policy });
  });

  it('create, join and relay in both directions, to the other member only', async () => {
    const ice = '[{"urls":"stun:stun.example.org"}]';
    const { url } = await startServer({ ICE_SERVERS: ice });
    const rep = await connected(url);
    const customer = await connected(url);
    const bystander = await connected(url);
    const bystanderLog = recorder(bystander);
    const room = await create(rep);
    expect(room).toMatchObject({ ok: true, iceServers: [{ urls: 'stun:stun.example.org' }] });
    expect(room.nameplate).toMatch(/^[1-9][0-9]{2}$/);
    expect(room.sid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(room.expiresAt).toBeGreaterThan(Date.now() + 800_000);
    await create(bystander);

    const peerJoined = next(rep, 'peer-joined');
    expect(await joinRoom(customer, room.nameplate)).toEqual({ ok: true, sid: room.sid, iceServers: [{ urls: 'stun:stun.example.org' }], filePolicy: DEFAULT_FILE_POLICY });
    expect(await peerJoined).toEqual({ sid: room.sid });

    const toCustomer = next(customer, 'relay');
    rep.emit('relay', { data: 'FROMrep_-0123' });
    expect(await toCustomer).toEqual({ data: 'FROMrep_-0123', sid: room.sid });
    const toRep = next(rep, 'relay');
    customer.emit('relay', { data: 'FROMcustomer', sid: room.sid });
    expect(await toRep).toEqual({ data: 'FROMcustomer', sid: room.sid });
    await settle(bystander);
    expect(bystanderLog.events()).toEqual([]);
  });

  it('keeps relay order', async () => {
    const { url } = await startServer();
    const { rep, customerLog } = await pair(url);
    for (let i = 0; i < 200; i++) rep.emit('relay', { data: `m${i}` });
    await settle(rep);
    await wait(50);
    expect(customerLog.of('relay').map((p) => (p as { data: string }).data)).toEqual(Array.from({ length: 200 }, (_, i) => `m${i}`));
  });

  it('a third joiner gets ROOM_CROWDED', async () => {
    const { url } = await startServer();
    const { room } = await pair(url);
    const third = await connected(url);
    expect(await joinRoom(third, room.nameplate)).toEqual({ ok: false, error: 'ROOM_CROWDED' });
  });

  it('unknown nameplate: ROOM_NOT_FOUND', async () => {
    const { url } = await startServer();
    expect(await joinRoom(await connected(url), '999999')).toEqual({ ok: false, error: 'ROOM_NOT_FOUND' });
  });

  it('bad-key burns the room: both told, later joins get ROOM_BURNED', async () => {
    const { url } = await startServer();
    const { rep, customer, room } = await pair(url);
    const repClosed = next(rep, 'room-closed');
    const customerClosed = next(customer, 'room-closed');
    customer.emit('bad-key', {});
    expect(await repClosed).toEqual({ reason: 'ROOM_BURNED', sid: room.sid });
    expect(await customerClosed).toEqual({ reason: 'ROOM_BURNED', sid: room.sid });
    expect(await joinRoom(await connected(url), room.nameplate)).toEqual({ ok: false, error: 'ROOM_BURNED' });
  });

  it('relay with no peer answers server-error NOT_IN_ROOM', async () => {
    const { url } = await startServer();
    const rep = await connected(url);
    await create(rep);
    const error = next(rep, 'server-error');
    rep.emit('relay', { data: 'AAAA' });
    expect(await error).toEqual({ code: 'NOT_IN_ROOM' });
  });

  it('customer disconnects: the rep gets peer-left; rep disconnects: the customer gets peer-left and room-closed', async () => {
    const { url } = await startServer();
    const first = await pair(url);
    const left = next(first.rep, 'peer-left');
    first.customer.disconnect();
    expect(await left).toEqual({ sid: first.room.sid });

    const second = await pair(url);
    const customerLeft = next(second.customer, 'peer-left');
    const customerClosed = next(second.customer, 'room-closed');
    second.rep.disconnect();
    expect(await customerLeft).toEqual({ sid: second.room.sid });
    expect(await customerClosed).toEqual({ reason: 'PEER_GONE', sid: second.room.sid });
  });

  it('leave-room notifies the peer and frees the socket', async () => {
    const { server, url } = await startServer();
    const { rep, customer, room } = await pair(url);
    const left = next(rep, 'peer-left');
    customer.emit('leave-room', {});
    expect(await left).toEqual({ sid: room.sid });
    expect(await joinRoom(await connected(url), room.nameplate)).toEqual({ ok: false, error: 'ROOM_CROWDED' });
    rep.emit('leave-room', { sid: room.sid });
    await settle(rep);
    expect(await server.rooms.stats()).toMatchObject({ rooms: 0, sockets: 0 });
  });

  it('unjoined codes expire: the rep is told CODE_EXPIRED', async () => {
    const { url } = await startServer({ CODE_TTL_SECONDS: '1' });
    const rep = await connected(url);
    const room = await create(rep);
    expect(await next(rep, 'room-closed', 4000)).toEqual({ reason: 'CODE_EXPIRED', sid: room.sid });
    expect(await joinRoom(await connected(url), room.nameplate)).toEqual({ ok: false, error: 'CODE_EXPIRED' });
  });

  it('limits rooms per socket', async () => {
    const { url } = await startServer({ ROOMS_PER_SOCKET: '2' });
    const rep = await connected(url);
    await create(rep);
    await create(rep);
    expect(await rep.timeout(3000).emitWithAck('create-room', {})).toEqual({ ok: false, error: 'RATE_LIMITED' });
  });

  it('answers SERVER_FULL beyond MAX_ROOMS', async () => {
    const { url } = await startServer({ MAX_ROOMS: '1' });
    await create(await connected(url));
    expect(await (await connected(url)).timeout(3000).emitWithAck('create-room', {})).toEqual({ ok: false, error: 'SERVER_FULL' });
  });
});

describe('hostile input', () => {
  const BAD_PAYLOADS: unknown[] = [null, 0, 42, -1.5, '', 'text', true, [], [1, 2], [{ nameplate: '123' }], { nameplate: 123 }, { nameplate: '12' }, { nameplate: '1234567' }, { nameplate: 'abc' }, { nameplate: '１２３' }, { nameplate: 'x'.repeat(20_000) }, { data: 'AAAA' }];

  it('malformed join-room payloads get MALFORMED in the ack and a server-error', async () => {
    const { server, url } = await startServer();
    const socket = await connected(url);
    const log = recorder(socket);
    for (const payload of BAD_PAYLOADS) {
      expect(await raw(socket).timeout(3000).emitWithAck('join-room', payload)).toEqual({ ok: false, error: 'MALFORMED' });
    }
    expect(log.of('server-error')).toEqual(BAD_PAYLOADS.map(() => ({ code: 'MALFORMED' })));
    expect((await server.rooms.stats()).rooms).toBe(0);
  });

  it('malformed create-room payloads get MALFORMED; extra keys are ignored', async () => {
    const { server, url } = await startServer();
    const socket = await connected(url);
    // (valibot's object schema accepts arrays as objects, so `[]` counts as an empty request.)
    for (const payload of [null, 1, 'x', true, undefined]) {
      expect(await raw(socket).timeout(3000).emitWithAck('create-room', payload)).toEqual({ ok: false, error: 'MALFORMED' });
    }
    expect((await server.rooms.stats()).rooms).toBe(0);
    const result = await raw(socket).timeout(3000).emitWithAck('create-room', { extra: 'ignored', nested: { a: [1] } });
    expect(v.parse(CreateRoomResultSchema, result)).toMatchObject({ ok: true });
    expect(Object.keys(result as object).sort()).toEqual(['expiresAt', 'filePolicy', 'iceServers', 'nameplate', 'ok', 'sid']);
  });

  it('create-room and join-room without an ack: server-error MALFORMED, nothing done, no crash', async () => {
    const { server, url } = await startServer();
    const socket = await connected(url);
    const log = recorder(socket);
    raw(socket).emit('create-room', {});
    raw(socket).emit('create-room');
    raw(socket).emit('join-room', { nameplate: '123' });
    raw(socket).emit('create-room', {}, 'not a function');
    await settle(socket);
    expect(log.of('server-error')).toEqual([{ code: 'MALFORMED' }, { code: 'MALFORMED' }, { code: 'MALFORMED' }, { code: 'MALFORMED' }]);
    expect((await server.rooms.stats()).rooms).toBe(0);
  });

  it('malformed relay, bad-key and leave-room payloads get server-error MALFORMED', async () => {
    const { url } = await startServer();
    const { rep, customer, customerLog, repLog } = await pair(url);
    const badRelays: unknown[] = [undefined, null, 1, 'AAAA', [], {}, { data: '' }, { data: 'not base64!' }, { data: 7 }, { data: ['AAAA'] }, { data: 'AAAA', sid: 'short' }, { data: Buffer.from('binary') }];
    for (const payload of badRelays) raw(rep).emit('relay', payload);
    for (const payload of [null, 5, 'x', { sid: 42 }, { sid: 'not-a-sid' }]) {
      raw(rep).emit('bad-key', payload);
      raw(rep).emit('leave-room', payload);
    }
    await settle(rep);
    expect(repLog.of('server-error')).toHaveLength(badRelays.length + 10);
    expect(repLog.of('server-error').every((p) => (p as { code: string }).code === 'MALFORMED')).toBe(true);
    expect(customerLog.events()).toEqual([]); // nothing relayed, room not burned

    // Extra keys are dropped; the room still works.
    const relayed = next(customer, 'relay');
    raw(rep).emit('relay', { data: 'AAAA', extra: { deep: true } });
    expect(await relayed).toEqual({ data: 'AAAA', sid: expect.any(String) });
  });

  it('unknown events are ignored', async () => {
    const { url } = await startServer();
    const socket = await connected(url);
    const log = recorder(socket);
    raw(socket).emit('no-such-event', { a: 1 });
    raw(socket).emit('constructor', null);
    raw(socket).emit('__proto__', {});
    await settle(socket);
    expect(log.of('server-error')).toEqual([]);
    expect(socket.connected).toBe(true);
  });

  it('relay data over MAX_RELAY_CHARS answers PAYLOAD_TOO_LARGE', async () => {
    const { url } = await startServer();
    const { rep, customerLog } = await pair(url);
    const error = next(rep, 'server-error');
    rep.emit('relay', { data: 'A'.repeat(MAX_RELAY_CHARS + 1) });
    expect(await error).toEqual({ code: 'PAYLOAD_TOO_LARGE' });
    rep.emit('relay', { data: 'A'.repeat(MAX_RELAY_CHARS) }); // exactly at the limit: relayed
    await settle(rep);
    await wait(20);
    expect(customerLog.of('relay')).toHaveLength(1);
  });

  it('a message over maxHttpBufferSize drops the connection, and the server carries on', async () => {
    const { url } = await startServer();
    const { rep, customer, room } = await pair(url);
    const disconnected = next(rep, 'disconnect');
    const peerLeft = next(customer, 'peer-left');
    rep.emit('relay', { data: 'A'.repeat(MAX_SOCKET_MESSAGE_BYTES + 1) });
    expect(await disconnected).toMatch(/transport (close|error)/);
    expect(await peerLeft).toEqual({ sid: room.sid });
    await pair(url);
  });

  it('survives random JSON values sent to every event (fuzz)', async () => {
    const { server, url, logs } = await startServer();
    const socket = await connected(url);
    const events = ['create-room', 'join-room', 'relay', 'bad-key', 'leave-room', 'unknown-event'] as const;
    const payload = fc.oneof(
      fc.jsonValue(),
      fc.constant(undefined),
      fc.record({ nameplate: fc.oneof(fc.string(), fc.integer(), fc.stringMatching(/^[0-9]{3,6}$/)) }),
      fc.record({ data: fc.oneof(fc.string(), fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/)), sid: fc.option(fc.string(), { nil: undefined }) }),
      fc.record({ sid: fc.oneof(fc.string(), fc.jsonValue()) }),
      fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
    );
    let unexpectedAcks = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...events), payload, fc.boolean(), async (event, value, withAck) => {
        if (!withAck) {
          raw(socket).emit(event, value);
        } else if (event === 'create-room') {
          const answer = await raw(socket).timeout(3000).emitWithAck(event, value);
          expect(v.is(CreateRoomResultSchema, answer)).toBe(true);
          if (!v.is(CreateRoomRequestSchema, value)) expect(answer).toEqual({ ok: false, error: 'MALFORMED' });
        } else if (event === 'join-room') {
          const answer = await raw(socket).timeout(3000).emitWithAck(event, value);
          expect(v.is(JoinRoomResultSchema, answer)).toBe(true);
          if (!v.is(JoinRoomRequestSchema, value)) expect(answer).toEqual({ ok: false, error: 'MALFORMED' });
        } else {
          raw(socket).emit(event, value, () => unexpectedAcks++); // these events never answer an ack
        }
      }),
      { numRuns: 300 },
    );
    await settle(socket);
    expect(unexpectedAcks).toBe(0);
    expect(socket.connected).toBe(true);
    expect(logs.join('')).not.toMatch(/handler-error|"level":50/);
    await pair(url);
    expect((await server.rooms.stats()).rooms).toBeGreaterThan(0);
  }, 60_000);

  it('every server-error payload matches the protocol schema', async () => {
    const { url } = await startServer();
    const socket = await connected(url);
    const log = recorder(socket);
    raw(socket).emit('relay', null);
    raw(socket).emit('bad-key', {});
    await settle(socket);
    for (const payload of log.of('server-error')) expect(v.is(ServerErrorSchema, payload)).toBe(true);
  });
});

describe('rate limits', () => {
  it('messages per second per socket: other events over the limit are dropped, with one server-error RATE_LIMITED per window', async () => {
    const { url } = await startServer({ MESSAGES_PER_SECOND_PER_SOCKET: '5', MESSAGE_BURST_PER_SOCKET: '0' });
    const { rep, repLog, customerLog } = await pair(url);
    await wait(1100); // a fresh window
    for (let i = 0; i < 4; i++) rep.emit('relay', { data: `m${i}` });
    for (let i = 0; i < 20; i++) raw(rep).emit('no-such-event', {}); // the 5th message is the last one allowed
    const answer = await rep.timeout(3000).emitWithAck('create-room', {});
    expect(answer).toEqual({ ok: false, error: 'RATE_LIMITED' });
    await wait(50);
    expect(repLog.of('server-error')).toEqual([{ code: 'RATE_LIMITED' }]); // one notice per window, not per message
    expect(customerLog.of('relay').map((p) => (p as { data: string }).data)).toEqual(['m0', 'm1', 'm2', 'm3']);
    expect(rep.connected).toBe(true);
    await wait(1100);
    expect((await rep.timeout(3000).emitWithAck('create-room', {})).ok).toBe(true); // recovered
  });

  it('a relay over the limit is never dropped silently: RATE_LIMITED, then the sender is disconnected and the peer told', async () => {
    const { url } = await startServer({ MESSAGES_PER_SECOND_PER_SOCKET: '5', MESSAGE_BURST_PER_SOCKET: '0' });
    const { rep, customer, room, repLog, customerLog } = await pair(url);
    await wait(1100);
    const disconnected = next(rep, 'disconnect');
    const peerLeft = next(customer, 'peer-left');
    const closed = next(customer, 'room-closed');
    for (let i = 0; i < 20; i++) rep.emit('relay', { data: `m${i}` });
    expect(await disconnected).toBe('io server disconnect');
    expect(await peerLeft).toEqual({ sid: room.sid });
    expect(await closed).toEqual({ reason: 'PEER_GONE', sid: room.sid });
    expect(repLog.of('server-error')).toEqual([{ code: 'RATE_LIMITED' }]);
    // The peer sees every relay up to the refused one, none after it, then the departure.
    expect(customerLog.events()).toEqual(['relay', 'relay', 'relay', 'relay', 'relay', 'peer-left', 'room-closed']);
    expect(customerLog.of('relay').map((p) => (p as { data: string }).data)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
  });

  it('a relay refused by the queue limit also disconnects, and nothing queued after it is relayed', async () => {
    let hold: Promise<void> | null = null;
    let release = () => {};
    const allowed = { allowed: true, retryAfterMs: 0 };
    const free: Limiter = { consume: () => Promise.resolve(allowed), forget: () => Promise.resolve() };
    const slow: Limiter = {
      consume: async () => {
        if (hold) await hold;
        return allowed;
      },
      forget: () => Promise.resolve(),
    };
    const { url } = await startServer({}, { limiters: { joins: free, rooms: free, messages: slow } });
    const { rep, customer, room, repLog, customerLog } = await pair(url);
    hold = new Promise((resolve) => (release = resolve));
    const disconnected = next(rep, 'disconnect');
    const peerLeft = next(customer, 'peer-left');
    for (let i = 0; i < 300; i++) rep.emit('relay', { data: `m${i}` });
    expect(await disconnected).toBe('io server disconnect');
    release();
    expect(await peerLeft).toEqual({ sid: room.sid });
    await wait(50);
    expect(repLog.of('server-error')).toEqual([{ code: 'RATE_LIMITED' }]);
    expect(customerLog.of('relay')).toEqual([]);
  });

  it('a socket over the limit in 3 consecutive limiting windows is disconnected, whatever it sends', async () => {
    const { url } = await startServer({ MESSAGES_PER_SECOND_PER_SOCKET: '5', MESSAGE_BURST_PER_SOCKET: '0' });
    const socket = await connected(url);
    const log = recorder(socket);
    const disconnected = next(socket, 'disconnect', 8000);
    const started = Date.now();
    const flood = setInterval(() => {
      for (let i = 0; i < 3; i++) raw(socket).emit('no-such-event', {});
    }, 100);
    try {
      expect(await disconnected).toBe('io server disconnect');
    } finally {
      clearInterval(flood);
    }
    expect(Date.now() - started).toBeGreaterThan(1500); // not at the first window
    expect(log.of('server-error')).toEqual([{ code: 'RATE_LIMITED' }, { code: 'RATE_LIMITED' }, { code: 'RATE_LIMITED' }]);
  });

  it('limiting windows with quiet time between them do not add up', async () => {
    const { url } = await startServer({ MESSAGES_PER_SECOND_PER_SOCKET: '5', MESSAGE_BURST_PER_SOCKET: '0' });
    const socket = await connected(url);
    const log = recorder(socket);
    for (let round = 0; round < 3; round++) {
      if (round > 0) await wait(2500);
      for (let i = 0; i < 10; i++) raw(socket).emit('no-such-event', {});
    }
    await settle(socket);
    expect(socket.connected).toBe(true);
    expect(log.of('server-error')).toEqual([{ code: 'RATE_LIMITED' }, { code: 'RATE_LIMITED' }, { code: 'RATE_LIMITED' }]);
  });

  it('the burst allows short spikes above the rate', async () => {
    const { url } = await startServer({ MESSAGES_PER_SECOND_PER_SOCKET: '5', MESSAGE_BURST_PER_SOCKET: '10' });
    const { rep, repLog, customerLog } = await pair(url);
    await wait(1100);
    for (let i = 0; i < 15; i++) rep.emit('relay', { data: `m${i}` });
    await settle(rep); // the 16th message: limited, but not a relay
    await wait(50);
    expect(customerLog.of('relay').length).toBe(15);
    expect(repLog.of('server-error')).toEqual([{ code: 'RATE_LIMITED' }]);
    expect(rep.connected).toBe(true);
  });

  it('joins per IP per minute, across sockets', async () => {
    const { url } = await startServer({ JOINS_PER_MINUTE_PER_IP: '3' });
    const a = await connected(url);
    const b = await connected(url);
    expect(await joinRoom(a, '111')).toEqual({ ok: false, error: 'ROOM_NOT_FOUND' });
    expect(await joinRoom(a, '111')).toEqual({ ok: false, error: 'ROOM_NOT_FOUND' });
    expect(await joinRoom(b, '111')).toEqual({ ok: false, error: 'ROOM_NOT_FOUND' });
    expect(await joinRoom(b, '111')).toEqual({ ok: false, error: 'RATE_LIMITED' });
    expect(await joinRoom(a, '111')).toEqual({ ok: false, error: 'RATE_LIMITED' });
  });

  it('create-room per IP per minute, across sockets; joins are counted apart', async () => {
    const { server, url } = await startServer({ ROOMS_PER_MINUTE_PER_IP: '2' });
    const a = await connected(url);
    const b = await connected(url);
    await create(a);
    const room = await create(b);
    expect(await a.timeout(3000).emitWithAck('create-room', {})).toEqual({ ok: false, error: 'RATE_LIMITED' });
    expect(await b.timeout(3000).emitWithAck('create-room', {})).toEqual({ ok: false, error: 'RATE_LIMITED' });
    expect((await server.rooms.stats()).rooms).toBe(2);
    expect(await joinRoom(await connected(url), room.nameplate)).toEqual({ ok: true, sid: room.sid, iceServers: [], filePolicy: DEFAULT_FILE_POLICY });
    // Malformed requests are refused before the limiter: they do not use it up (nor do they count elsewhere).
    const other = await startServer({ ROOMS_PER_MINUTE_PER_IP: '1' });
    const c = await connected(other.url);
    expect(await raw(c).timeout(3000).emitWithAck('create-room', null)).toEqual({ ok: false, error: 'MALFORMED' });
    await create(c);
  });

  it('caps concurrent connections per IP: refused at the handshake with RATE_LIMITED until one closes', async () => {
    const { url, server } = await startServer({ CONNECTIONS_PER_IP: '2' });
    const first = await connected(url);
    await connected(url);
    const refused = client(url);
    const err = (await next(refused, 'connect_error')) as Error & { data?: unknown };
    expect(err.message).toBe('RATE_LIMITED');
    expect(err.data).toEqual({ code: 'RATE_LIMITED' });
    expect(refused.connected).toBe(false);

    first.disconnect();
    await wait(50);
    await connected(url); // a slot is free again
    await next(client(url), 'connect_error');
    expect(server.io.of('/').sockets.size).toBe(2);
  });

  it('counts connections per /64 behind a trusted proxy', async () => {
    const { url } = await startServer({ CONNECTIONS_PER_IP: '1', TRUST_PROXY: 'true' });
    await connected(url, { headers: { 'X-Forwarded-For': '2001:db8:1:2::1' } });
    expect(((await next(client(url, { headers: { 'X-Forwarded-For': '2001:db8:1:2::2' } }), 'connect_error')) as Error).message).toBe('RATE_LIMITED');
    await connected(url, { headers: { 'X-Forwarded-For': '2001:db8:1:3::1' } });
    await connected(url, { headers: { 'X-Forwarded-For': '10.0.0.1' } });
  });

  it('a refused handshake (wrong version) takes no connection slot', async () => {
    const { url } = await startServer({ CONNECTIONS_PER_IP: '1' });
    for (let i = 0; i < 3; i++) expect(((await next(client(url, { version: 0 }), 'connect_error')) as Error).message).toBe('VERSION_MISMATCH');
    await connected(url);
  });

  it('uses X-Forwarded-For (right-most entry) only when TRUST_PROXY is true', async () => {
    const untrusted = await startServer({ JOINS_PER_MINUTE_PER_IP: '1' });
    const u1 = await connected(untrusted.url, { headers: { 'X-Forwarded-For': '10.0.0.1' } });
    const u2 = await connected(untrusted.url, { headers: { 'X-Forwarded-For': '10.0.0.2' } });
    expect(await joinRoom(u1, '111')).toEqual({ ok: false, error: 'ROOM_NOT_FOUND' });
    expect(await joinRoom(u2, '111')).toEqual({ ok: false, error: 'RATE_LIMITED' });

    const trusted = await startServer({ JOINS_PER_MINUTE_PER_IP: '1', TRUST_PROXY: 'true' });
    const t1 = await connected(trusted.url, { headers: { 'X-Forwarded-For': '10.0.0.1' } });
    const t2 = await connected(trusted.url, { headers: { 'X-Forwarded-For': '10.0.0.2' } });
    const forged = await connected(trusted.url, { headers: { 'X-Forwarded-For': '6.6.6.6, 10.0.0.1' } });
    expect(await joinRoom(t1, '111')).toEqual({ ok: false, error: 'ROOM_NOT_FOUND' });
    expect(await joinRoom(t2, '111')).toEqual({ ok: false, error: 'ROOM_NOT_FOUND' });
    expect(await joinRoom(forged, '111')).toEqual({ ok: false, error: 'RATE_LIMITED' }); // still 10.0.0.1
  });
  it('IPv6 clients are limited per /64, IPv4-mapped ones per IPv4 address', async () => {
    const { url } = await startServer({ JOINS_PER_MINUTE_PER_IP: '1', TRUST_PROXY: 'true' });
    const join = async (address: string) => joinRoom(await connected(url, { headers: { 'X-Forwarded-For': address } }), '111');
    expect(await join('2001:db8:1:2::1')).toEqual({ ok: false, error: 'ROOM_NOT_FOUND' });
    expect(await join('2001:db8:1:2:ffff:ffff:ffff:fffe')).toEqual({ ok: false, error: 'RATE_LIMITED' }); // same /64
    expect(await join('2001:db8:1:3::1')).toEqual({ ok: false, error: 'ROOM_NOT_FOUND' }); // next /64
    expect(await join('10.0.0.7')).toEqual({ ok: false, error: 'ROOM_NOT_FOUND' });
    expect(await join('::ffff:10.0.0.7')).toEqual({ ok: false, error: 'RATE_LIMITED' }); // the same IPv4 client
  });
});

describe('rateLimitKey', () => {
  it('keys IPv4 addresses on the whole address', () => {
    expect(rateLimitKey('203.0.113.9')).toBe('203.0.113.9');
    expect(rateLimitKey('127.0.0.1')).toBe('127.0.0.1');
  });

  it('keys IPv4-mapped IPv6 addresses on the IPv4 address', () => {
    expect(rateLimitKey('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(rateLimitKey('::FFFF:127.0.0.1')).toBe('127.0.0.1');
    expect(rateLimitKey('::ffff:cb00:7109')).toBe('203.0.113.9'); // hexadecimal form
    expect(rateLimitKey('0:0:0:0:0:ffff:203.0.113.9')).toBe('203.0.113.9');
  });

  it('keys IPv6 addresses on their /64 prefix, whatever the notation', () => {
    const key = rateLimitKey('2001:db8:1:2::1');
    expect(key).toBe('2001:db8:1:2::/64');
    for (const same of ['2001:db8:1:2:aaaa:bbbb:cccc:dddd', '2001:0DB8:0001:0002:0000:0000:0000:0001', '2001:db8:1:2::', '2001:db8:1:2:0:0:1.2.3.4', '2001:db8:1:2::9%eth0']) {
      expect(rateLimitKey(same), same).toBe(key);
    }
    expect(rateLimitKey('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
    expect(rateLimitKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(rateLimitKey('::1')).toBe('0:0:0:0::/64');
    expect(rateLimitKey('::')).toBe('0:0:0:0::/64');
    expect(rateLimitKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(rateLimitKey('64:ff9b::203.0.113.9')).toBe('64:ff9b:0:0::/64'); // NAT64: not an IPv4-mapped address
  });

  it('passes anything that is not an IP address through unchanged', () => {
    for (const odd of ['', 'unknown', 'not:an:address', '1.2.3', '2001:db8::1::2', '[2001:db8::1]']) expect(rateLimitKey(odd)).toBe(odd);
  });

  it('never merges different IPv4 addresses or different /64s (property)', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.ipV4(), (a, b) => {
        expect(rateLimitKey(a) === rateLimitKey(b)).toBe(a === b);
        expect(rateLimitKey(`::ffff:${a}`)).toBe(rateLimitKey(a));
      }),
    );
    const mapped = (address: string) => /^[0:]*:ffff:/i.test(address); // (a superset: those are only skipped)
    fc.assert(
      fc.property(fc.ipV6(), fc.ipV6(), (a, b) => {
        const keyA = rateLimitKey(a);
        expect(/^[0-9a-f]{1,4}(:[0-9a-f]{1,4}){3}::\/64$|^\d+\.\d+\.\d+\.\d+$/.test(keyA), `${a} → ${keyA}`).toBe(true);
        if (mapped(a) || mapped(b)) return;
        const sameSlash64 = new BlockList();
        sameSlash64.addSubnet(a, 64, 'ipv6');
        expect(keyA === rateLimitKey(b), `${a} / ${b}`).toBe(sameSlash64.check(b, 'ipv6'));
      }),
    );
  });
});

describe('HTTP', () => {
  const SECURITY = {
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'content-security-policy':
      "default-src 'self'; connect-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    'permissions-policy': 'microphone=(), geolocation=(), display-capture=(self)',
    'cross-origin-opener-policy': 'same-origin',
  };

  function expectSecurityHeaders(res: Response) {
    for (const [name, value] of Object.entries(SECURITY)) expect(res.headers.get(name), name).toBe(value);
  }

  it('GET /healthz answers 200 {status: "ok"} with security headers', async () => {
    const { url } = await startServer();
    const res = await fetch(`${url}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ status: 'ok' });
    expectSecurityHeaders(res);
  });

  it('GET /api/rep/canned answers the configured canned messages, never cached, with security headers', async () => {
    const items = [{ title: 'Greetings', items: [{ title: 'Hello', text: 'Hello [b]there[/b]' }, { url: 'https://example.com/help' }] }];
    const { url } = await startServer({ CANNED_MESSAGES: JSON.stringify(items) });
    const res = await fetch(`${url}/api/rep/canned`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ items });
    expectSecurityHeaders(res);
    const empty = await startServer();
    expect(await (await fetch(`${empty.url}/api/rep/canned`)).json()).toEqual({ items: [] });
  });

  it('answers 503 with the build command when the client is not built', async () => {
    const { url } = await startServer();
    for (const path of ['/', '/rep', '/rep/']) {
      const res = await fetch(`${url}${path}`);
      expect(res.status).toBe(503);
      const text = await res.text();
      expect(text).toContain('npm run build');
      expect(text.trim().split('\n')).toHaveLength(1);
      expectSecurityHeaders(res);
    }
  });

  it('serves the built client: / and /rep, /rep/; 404 otherwise; refuses other methods', async () => {
    const dir = mkdtempSync(pathJoin(tmpdir(), 'parley-dist-'));
    mkdirSync(pathJoin(dir, 'rep'));
    mkdirSync(pathJoin(dir, 'assets'));
    writeFileSync(pathJoin(dir, 'index.html'), '<!doctype html><title>customer</title>');
    writeFileSync(pathJoin(dir, 'rep', 'index.html'), '<!doctype html><title>rep</title>');
    writeFileSync(pathJoin(dir, 'assets', 'app-abc123.js'), 'console.log(1)');
    const { url } = await startServer({}, { staticDir: dir });

    const home = await fetch(`${url}/`);
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('customer');
    expectSecurityHeaders(home);
    for (const path of ['/rep', '/rep/']) {
      const res = await fetch(`${url}${path}`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('<title>rep</title>');
    }
    const asset = await fetch(`${url}/assets/app-abc123.js`);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${url}/nope`)).status).toBe(404);
    expect((await fetch(`${url}/../../etc/passwd`)).status).toBe(404);
    expect((await fetch(`${url}/`, { method: 'POST' })).status).toBe(405);
  });
});

describe('privacy and test hooks', () => {
  it('logs carry no nameplate, sid, proof, relay data, IP address or user agent, at trace level, from start to shutdown', async () => {
    const { url, logs, server } = await startServer({ TRUST_PROXY: 'true' });
    const forwarded = '203.0.113.77';
    const agent = 'SecretBrowser/9.9 (X11; secret-os)';
    const as = { headers: { 'user-agent': agent, 'x-forwarded-for': forwarded } };
    const proof = Buffer.alloc(32, 0x5a).toString('base64url');
    const payload = 'SeCrEtPaYlOaD_' + 'x'.repeat(40);
    const ask = (socket: Client, event: string, body: unknown) => raw(socket).timeout(3000).emitWithAck(event, body);

    const rep = await connected(url, as);
    const customer = await connected(url, as);
    const room = await create(rep);
    const joined = next(rep, 'peer-joined');
    expect(await joinRoom(customer, room.nameplate)).toMatchObject({ ok: true });
    await joined;
    const third = await connected(url, as);
    await joinRoom(third, room.nameplate); // refused: crowded
    const relayed = next(customer, 'relay');
    rep.emit('relay', { data: payload });
    await relayed;
    expect(await ask(rep, 'claim-room', { proof })).toEqual({ ok: true });
    expect(await ask(customer, 'claim-room', { proof })).toEqual({ ok: true });
    customer.disconnect(); // away
    const again = await connected(url, as);
    expect(await ask(third, 'resume-room', { sid: room.sid, role: 'customer', proof: Buffer.alloc(32, 1).toString('base64url') })).toMatchObject({ ok: false });
    expect(await ask(again, 'resume-room', { sid: room.sid, role: 'customer', proof })).toMatchObject({ ok: true });
    await next(client(url, { ...as, version: 0 }), 'connect_error'); // version mismatch
    await fetch(`${url}/metrics`);
    await fetch(`${url}/readyz`);
    again.emit('bad-key', {});
    await next(rep, 'room-closed');
    await joinRoom(third, room.nameplate); // refused: burned
    rep.disconnect();
    await wait(50);
    await server.shutdown(0);

    expect(logs.length).toBeGreaterThan(10); // the session was logged (trace level)
    const text = logs.join('');
    for (const secret of [room.sid, payload, proof, '127.0.0.1', forwarded, agent, 'SecretBrowser']) expect(text).not.toContain(secret);
    for (const line of logs) {
      const { time: _time, pid: _pid, ...fields } = JSON.parse(line) as Record<string, unknown>;
      const values = JSON.stringify(fields);
      expect(values).not.toMatch(new RegExp(`(^|[^0-9])${room.nameplate}([^0-9]|$)`));
    }
    // Each part of the life of the session was there to be logged.
    for (const event of ['room-created', 'room-joined', 'room-claimed', 'member-away', 'member-back', 'resume-refused', 'version-mismatch', 'room-burned', 'shutdown-complete']) {
      expect(text).toContain(`"event":"${event}"`);
    }
  });

  it('onSocketFrame sees every inbound frame; transformRelay rewrites relayed data', async () => {
    const frames: string[] = [];
    const { url } = await startServer(
      {},
      {
        onSocketFrame: (_id, frame) => frames.push(typeof frame === 'string' ? frame : frame.toString('latin1')),
        transformRelay: tamper,
      },
    );
    const { rep, customer } = await pair(url);
    const data = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
    const relayed = next(customer, 'relay');
    rep.emit('relay', { data });
    const received = ((await relayed) as { data: string }).data;
    expect(frames.some((f) => f.includes(data))).toBe(true);
    expect(frames.some((f) => f.includes(`"version":${PROTOCOL_VERSION}`))).toBe(true); // the CONNECT packet too
    expect(received).not.toBe(data);
    expect(received).toHaveLength(data.length);
    expect(received).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('tamper always changes data bits, keeps base64url and length', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_-]{2,200}$/), (data) => {
        const out = tamper(data);
        expect(out).toHaveLength(data.length);
        expect(out).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(out).not.toBe(data);
        expect(Buffer.from(out, 'base64url').equals(Buffer.from(data, 'base64url'))).toBe(false);
      }),
    );
  });
});
