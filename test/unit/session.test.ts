/**
 * Unit tests of the Session state machine (client/src/lib/session.ts) without a network or
 * WebRTC: two sessions talk through an in-memory signaling server and an in-memory peer link
 * pair (fakes.ts). CPace, the key schedule and the sealing are the real ones, so a wrong code,
 * tampering or a replay by the (fake) server fails for real.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Portal } from '../../client/src/lib/portal.ts';
import { Session, type SessionEvents, type SessionState } from '../../client/src/lib/session.ts';
import type { SessionCode } from '../../protocol/code.ts';
import { peerRole, type Role } from '../../protocol/cpace.ts';
import { RelayKind, encodeRelay, encodeRepair } from '../../protocol/envelope.ts';
import { ParleyError, SECURITY_ERRORS, type ErrorCode } from '../../protocol/errors.ts';
import { MAX_CHAT_CHARS, MAX_REQUEST_CHARS, PeerType, type Hello } from '../../protocol/peer.ts';
import { Sealer, sealJson } from '../../protocol/seal.ts';
import { PROTOCOL_VERSION } from '../../protocol/version.ts';
import { REPAIR_ATTEMPT_MS } from '../../client/src/lib/link-manager.ts';
import { MAX_OUTBOX } from '../../client/src/lib/outbox.ts';
import { FakeLinkNet, FakeSignalingServer, gate, kindOf, settle, tamperRelay, type RelayPacket } from './fakes.ts';

type EventName = keyof SessionEvents;
const EVENT_NAMES: EventName[] = [
  'state', 'code', 'peer-joined', 'key-confirmed', 'verified', 'hello', 'chat', 'ack', 'chat-sent', 'typing', 'peer-left', 'peer-away', 'peer-back', 'resumed', 'warning', 'failed',
];

/** Everything a session emits, in order. */
class Recorder {
  readonly events: { name: EventName; payload: unknown }[] = [];

  constructor(session: Session) {
    for (const name of EVENT_NAMES) session.on(name, (payload) => this.events.push({ name, payload }));
  }

  of<K extends EventName>(name: K): SessionEvents[K][] {
    return this.events.filter((e) => e.name === name).map((e) => e.payload as SessionEvents[K]);
  }

  get states(): SessionState[] {
    return this.of('state');
  }

  /** Index of the first event with this name (-1 if none). */
  indexOf(name: EventName): number {
    return this.events.findIndex((e) => e.name === name);
  }

  /** The code of the one `failed` event. */
  failure(): ErrorCode {
    const failed = this.of('failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toBeInstanceOf(ParleyError);
    return failed[0]!.code;
  }
}

interface Pair {
  server: FakeSignalingServer;
  net: FakeLinkNet;
  rep: Session;
  customer: Session;
  repLog: Recorder;
  customerLog: Recorder;
  session(role: Role): Session;
  log(role: Role): Recorder;
}

const live: Session[] = [];

function setup(requests: Partial<Record<Role, string>> = {}): Pair {
  const server = new FakeSignalingServer();
  const net = new FakeLinkNet();
  const make = (role: Role, name: string) =>
    new Session({ role, name, request: requests[role], portal: server.portal(role) as unknown as Portal, createLink: net.createLink, origin: 'https://x' });
  const rep = make('rep', 'Rita from support');
  const customer = make('customer', 'Ada');
  live.push(rep, customer);
  const repLog = new Recorder(rep);
  const customerLog = new Recorder(customer);
  return {
    server,
    net,
    rep,
    customer,
    repLog,
    customerLog,
    session: (role) => (role === 'rep' ? rep : customer),
    log: (role) => (role === 'rep' ? repLog : customerLog),
  };
}

/** Runs the whole setup and checks that both sides are verified and have each other's hello. */
async function pairUp(t: Pair): Promise<SessionCode> {
  const code = await t.rep.start();
  await t.customer.join(code);
  await settle();
  expect(t.rep.state).toBe('verified');
  expect(t.customer.state).toBe('verified');
  expect(t.repLog.of('hello')).toHaveLength(1);
  expect(t.customerLog.of('hello')).toHaveLength(1);
  return code;
}

/** Makes the server handle the first relay of `kind` sent by `from` with `action`; the rest pass. */
function onFirst(server: FakeSignalingServer, kind: RelayKind, from: Role, action: (data: string) => string[]): void {
  let done = false;
  server.intercept = (packet: RelayPacket) => {
    if (done || packet.from !== from || kindOf(packet.data) !== kind) return [packet.data];
    done = true;
    return action(packet.data);
  };
}

/** Asserts that a side never reached verification. */
function expectNeverVerified(log: Recorder): void {
  expect(log.states).not.toContain('verified');
  expect(log.of('verified')).toHaveLength(0);
  expect(log.of('hello')).toHaveLength(0);
}

afterEach(() => {
  vi.useRealTimers();
  for (const session of live.splice(0)) session.destroy();
});

describe('Session: happy path', () => {
  it('pairs rep and customer: code and link, key confirmation, one safety code, hellos, chat, ack, typing', async () => {
    const t = setup();
    expect(t.rep.state).toBe('idle');

    const code = await t.rep.start();
    expect(t.rep.state).toBe('waiting');
    expect(code.nameplate).toBe(t.server.nameplate);
    expect(code.secret).toMatch(/^\d{6}$/);
    const codeEvents = t.repLog.of('code');
    expect(codeEvents).toHaveLength(1);
    expect(codeEvents[0]!.link).toMatch(/^https:\/\/x\/#\d{3}-\d{6}$/);
    expect(codeEvents[0]!.link).toBe(`https://x/#${code.nameplate}-${code.secret}`);
    expect(codeEvents[0]!.code).toEqual(code);
    expect(codeEvents[0]!.expiresAt).toBe(t.server.expiresAt);

    const joined = t.customer.join({ ...code });
    expect(t.customer.state).toBe('joining');
    await joined;
    await settle();

    expect(t.repLog.states).toEqual(['waiting', 'pake', 'connecting', 'verified']);
    expect(t.customerLog.states).toEqual(['joining', 'pake', 'connecting', 'verified']);
    expect(t.repLog.of('peer-joined')).toHaveLength(1);
    expect(t.customerLog.of('peer-joined')).toHaveLength(0);
    for (const log of [t.repLog, t.customerLog]) {
      expect(log.of('key-confirmed')).toHaveLength(1);
      expect(log.indexOf('key-confirmed')).toBeLessThan(log.indexOf('verified'));
      expect(log.indexOf('verified')).toBeLessThan(log.indexOf('hello'));
      expect(log.of('failed')).toEqual([]);
      expect(log.of('warning')).toEqual([]);
    }

    const [repVerified] = t.repLog.of('verified');
    const [customerVerified] = t.customerLog.of('verified');
    expect(repVerified!.safetyCode).toHaveLength(5);
    expect(repVerified!.safetyCode).toEqual(customerVerified!.safetyCode);
    expect(repVerified!.safetyCode.every((s) => typeof s.emoji === 'string' && s.emoji.length > 0)).toBe(true);

    const [repGot] = t.repLog.of('hello');
    const [customerGot] = t.customerLog.of('hello');
    expect(repGot).toMatchObject({ type: 'hello', version: PROTOCOL_VERSION, role: 'customer', name: 'Ada', capabilities: ['chat', 'files', 'screen'] });
    expect(customerGot).toMatchObject({ type: 'hello', version: PROTOCOL_VERSION, role: 'rep', name: 'Rita from support' });
    expect(customerGot!.userAgent).toBeUndefined(); // only the customer tells its browser

    // Both links were made with the session's role and the room's ICE servers; nothing was burned.
    expect(t.net.link('rep').role).toBe('rep');
    expect(t.net.link('customer').role).toBe('customer');
    expect(t.server.badKeyReports).toEqual([]);
    expect(t.server.closed).toBeNull();

    // Chat one way, ack the other.
    const sent = t.rep.sendChat('Hello, how can I help?');
    expect(sent).toMatchObject({ type: 'chat', text: 'Hello, how can I help?' });
    await settle();
    const chats = t.customerLog.of('chat');
    expect(chats).toEqual([sent]);
    expect(t.repLog.of('chat')).toEqual([]);
    t.customer.acknowledge(sent.id);
    await settle();
    expect(t.repLog.of('ack')).toEqual([sent.id]);

    // And the other direction, plus typing.
    t.customer.sendTyping(true);
    const reply = t.customer.sendChat('My printer is on fire');
    await settle();
    expect(t.repLog.of('typing')).toEqual([true]);
    expect(t.repLog.of('chat')).toEqual([reply]);
    t.rep.acknowledge(reply.id);
    await settle();
    expect(t.customerLog.of('ack')).toEqual([reply.id]);
    expect(t.rep.state).toBe('verified');
    expect(t.customer.state).toBe('verified');
  });

  it('start() and join() may only be called once, from idle', async () => {
    const t = setup();
    const code = await t.rep.start();
    await expect(t.rep.start()).rejects.toMatchObject({ code: 'CONNECTION_FAILED' });
    await t.customer.join(code);
    await expect(t.customer.join(code)).rejects.toMatchObject({ code: 'CONNECTION_FAILED' });
    await settle();
    expect(t.rep.state).toBe('verified');
    expect(t.customer.state).toBe('verified');
  });
});

describe('Session: wrong code', () => {
  it('a changed last digit fails both sides, burns the room, and never verifies', async () => {
    const t = setup();
    const code = await t.rep.start();
    const last = Number(code.secret.at(-1));
    const wrong = { nameplate: code.nameplate, secret: code.secret.slice(0, -1) + String((last + 1) % 10) };
    await t.customer.join(wrong);
    await settle();

    expect(t.rep.state).toBe('failed');
    expect(t.customer.state).toBe('failed');
    expect(['BAD_KEY', 'ROOM_BURNED']).toContain(t.repLog.failure());
    expect(['BAD_KEY', 'ROOM_BURNED']).toContain(t.customerLog.failure());
    expect(t.server.badKeyReports.length).toBeGreaterThanOrEqual(1);
    expect(t.server.closed).toBe('ROOM_BURNED');
    for (const log of [t.repLog, t.customerLog]) {
      expectNeverVerified(log);
      expect(log.of('key-confirmed')).toHaveLength(0);
    }
    expect(t.net.links).toEqual({}); // no key, no link
  });
});

describe('Session: a hostile server', () => {
  // What each tampering is detected as, by the side that receives it.
  const tamperings: [string, RelayKind, Role, ErrorCode][] = [
    ['the rep PAKE share', RelayKind.Pake, 'rep', 'BAD_KEY'],
    ['the customer PAKE share', RelayKind.Pake, 'customer', 'BAD_KEY'],
    ['the rep confirmation', RelayKind.Confirm, 'rep', 'BAD_KEY'],
    ['the customer confirmation', RelayKind.Confirm, 'customer', 'BAD_KEY'],
    ['the rep sealed signal (offer)', RelayKind.Signal, 'rep', 'TAMPERED'],
    ['the customer sealed signal (answer)', RelayKind.Signal, 'customer', 'TAMPERED'],
  ];

  it.each(tamperings)('tampering with %s fails both sides with a security error', async (_, kind, from, detectedAs) => {
    const t = setup();
    onFirst(t.server, kind, from, (data) => [tamperRelay(data)]);
    await pairUpExpectingFailure(t);

    const detector = peerRole(from);
    expect(t.log(detector).failure()).toBe(detectedAs);
    // The other side hears of it through the burned room: ROOM_BURNED, or TAMPERED once it had
    // confirmed the key itself.
    const otherCode = t.log(from).failure();
    expect(SECURITY_ERRORS.has(otherCode)).toBe(true);
    expect(['BAD_KEY', 'TAMPERED', 'ROOM_BURNED']).toContain(otherCode);
    expect(t.server.badKeyReports[0]).toBe(detector);
    expect(t.server.closed).toBe('ROOM_BURNED');
  });

  it.each([
    ['a duplicated PAKE share during the key agreement', RelayKind.Pake, (data: string) => [data, data]],
    ['a duplicated sealed signal', RelayKind.Signal, (data: string) => [data, data]],
    ['a dropped sealed signal (counter gap at the next one)', RelayKind.Signal, () => []],
  ] as const)('%s is REPLAYED and reported', async (_name, kind, action) => {
    const t = setup();
    onFirst(t.server, kind, 'rep', action);
    await pairUpExpectingFailure(t);
    expect(t.customerLog.failure()).toBe('REPLAYED');
    expect(SECURITY_ERRORS.has(t.repLog.failure())).toBe(true);
    expect(t.server.badKeyReports[0]).toBe('customer');
  });

  it('a dropped offer never reaches the customer’s link', async () => {
    const t = setup();
    onFirst(t.server, RelayKind.Signal, 'rep', () => []);
    await pairUpExpectingFailure(t);
    expect(t.net.link('customer').signals).toEqual([]);
  });

  it('two sealed signals swapped in transit are REPLAYED', async () => {
    const t = setup();
    let held: string | null = null;
    t.server.intercept = (p) => {
      if (p.from !== 'rep' || kindOf(p.data) !== RelayKind.Signal) return [p.data];
      if (held === null) {
        held = p.data; // the offer waits…
        return [];
      }
      return [p.data, held]; // …and follows the candidate
    };
    await pairUpExpectingFailure(t);
    expect(t.customerLog.failure()).toBe('REPLAYED');
  });

  it('a signal sealed under another key is TAMPERED', async () => {
    const t = setup();
    const forged = encodeRelay(RelayKind.Signal, sealJson(new Sealer(new Uint8Array(32).fill(7)), { type: 'offer', sdp: 'v=0' }));
    onFirst(t.server, RelayKind.Signal, 'rep', () => [forged]);
    await pairUpExpectingFailure(t);
    expect(t.customerLog.failure()).toBe('TAMPERED');
    expect(t.server.badKeyReports[0]).toBe('customer');
  });

  it('a malformed relay before verification fails that side with MALFORMED, without burning the room', async () => {
    const t = setup();
    await t.rep.start();
    t.server.send('rep', 'peer-joined', undefined);
    await settle();
    expect(t.rep.state).toBe('pake');
    t.server.inject('rep', 'CQ'); // kind 9 does not exist
    await settle();
    expect(t.rep.state).toBe('failed');
    expect(t.repLog.failure()).toBe('MALFORMED');
    expect(t.server.badKeyReports).toEqual([]);
  });

  it('a confirmation delivered before the PAKE share it follows is kept, and pairing succeeds', async () => {
    const t = setup();
    let heldShare: string | null = null;
    t.server.intercept = (p) => {
      if (p.from !== 'rep') return [p.data];
      const kind = kindOf(p.data);
      if (kind === RelayKind.Pake) {
        heldShare = p.data;
        return [];
      }
      if (kind === RelayKind.Confirm && heldShare) return [p.data, heldShare];
      return [p.data];
    };
    await pairUp(t);
    // The customer really did get the rep's confirmation first.
    expect(t.server.portals.customer!.received.slice(0, 2).map(kindOf)).toEqual([RelayKind.Confirm, RelayKind.Pake]);
  });

  it('after verification, relayed PAKE shares and confirmations are ignored', async () => {
    const t = setup();
    await pairUp(t);
    t.server.inject('customer', t.server.sent('rep', RelayKind.Pake)[0]!);
    t.server.inject('customer', t.server.sent('rep', RelayKind.Confirm)[0]!);
    t.server.inject('rep', t.server.sent('customer', RelayKind.Pake)[0]!);
    t.server.inject('rep', tamperRelay(t.server.sent('customer', RelayKind.Confirm)[0]!));
    await settle();

    expect(t.rep.state).toBe('verified');
    expect(t.customer.state).toBe('verified');
    for (const log of [t.repLog, t.customerLog]) {
      expect(log.of('failed')).toEqual([]);
      expect(log.of('warning')).toEqual([]);
      expect(log.of('key-confirmed')).toHaveLength(1);
    }
    expect(t.server.badKeyReports).toEqual([]);
    const chat = t.customer.sendChat('still here');
    await settle();
    expect(t.repLog.of('chat')).toEqual([chat]);
  });

  it('after verification, garbage, replayed and tampered relays from the server are only warnings', async () => {
    const t = setup();
    await pairUp(t);
    const oldSignal = t.server.sent('rep', RelayKind.Signal)[0]!;
    t.server.inject('customer', 'CQ'); // unknown envelope kind
    t.server.inject('customer', oldSignal); // replayed sealed signal
    t.server.inject('customer', tamperRelay(oldSignal));
    await settle();

    expect(t.customer.state).toBe('verified');
    expect(t.rep.state).toBe('verified');
    expect(t.customerLog.of('failed')).toEqual([]);
    expect(t.customerLog.of('warning').length).toBeGreaterThan(0);
    expect(t.server.badKeyReports).toEqual([]);
    const chat = t.rep.sendChat('we are fine');
    await settle();
    expect(t.customerLog.of('chat')).toEqual([chat]);
  });

  it('a confirmation arriving after end() neither confirms the key nor opens a link', async () => {
    const t = setup();
    onFirst(t.server, RelayKind.Confirm, 'customer', () => []); // hold the customer's confirmation
    const code = await t.rep.start();
    await t.customer.join(code);
    await settle();
    expect(t.rep.state).toBe('pake');
    t.rep.end();
    t.server.inject('rep', t.server.sent('customer', RelayKind.Confirm)[0]!);
    await settle();
    expect(t.rep.state).toBe('ended');
    expect(t.repLog.of('key-confirmed')).toEqual([]);
    expect(t.repLog.of('verified')).toEqual([]);
  });

  /** Runs the setup, which is expected to fail on both sides without anyone being verified. */
  async function pairUpExpectingFailure(t: Pair): Promise<void> {
    const code = await t.rep.start();
    await t.customer.join(code);
    await settle();
    expect(t.rep.state).toBe('failed');
    expect(t.customer.state).toBe('failed');
    expectNeverVerified(t.repLog);
    expectNeverVerified(t.customerLog);
  }
});

describe('Session: the server closing the room, losing the connection, the peer leaving', () => {
  it('room-closed while waiting fails with its reason', async () => {
    const t = setup();
    await t.rep.start();
    t.server.send('rep', 'room-closed', 'CODE_EXPIRED');
    await settle();
    expect(t.rep.state).toBe('failed');
    expect(t.repLog.failure()).toBe('CODE_EXPIRED');
    expect(t.repLog.states).toEqual(['waiting', 'failed']);
    expect(t.server.badKeyReports).toEqual([]);
  });

  it('room-closed while connecting fails both sides with its reason', async () => {
    const t = setup();
    t.server.intercept = (p) => (kindOf(p.data) === RelayKind.Signal ? [] : [p.data]);
    const code = await t.rep.start();
    await t.customer.join(code);
    await settle();
    expect(t.rep.state).toBe('connecting');
    expect(t.customer.state).toBe('connecting');
    t.server.send('rep', 'room-closed', 'PEER_GONE');
    t.server.send('customer', 'room-closed', 'PEER_GONE');
    await settle();
    expect(t.repLog.failure()).toBe('PEER_GONE');
    expect(t.customerLog.failure()).toBe('PEER_GONE');
    expectNeverVerified(t.repLog);
    expectNeverVerified(t.customerLog);
    expect(t.net.link('rep').destroyed).toBe(true);
    expect(t.net.link('customer').destroyed).toBe(true);
  });

  it('after verification, room-closed, peer-left and disconnected from the server are ignored', async () => {
    const t = setup();
    await pairUp(t);
    for (const side of ['rep', 'customer'] as const) {
      t.server.send(side, 'room-closed', 'ROOM_BURNED');
      t.server.send(side, 'peer-left', undefined);
      t.server.send(side, 'disconnected', undefined);
    }
    await settle();
    expect(t.rep.state).toBe('verified');
    expect(t.customer.state).toBe('verified');
    for (const log of [t.repLog, t.customerLog]) {
      expect(log.of('failed')).toEqual([]);
      expect(log.of('peer-left')).toEqual([]);
      expect(log.states.at(-1)).toBe('verified');
    }
    const chat = t.rep.sendChat('are you still there?');
    await settle();
    expect(t.customerLog.of('chat')).toEqual([chat]);
  });

  it('disconnected while waiting fails with SERVER_UNREACHABLE', async () => {
    const t = setup();
    await t.rep.start();
    t.server.send('rep', 'disconnected', undefined);
    await settle();
    expect(t.rep.state).toBe('failed');
    expect(t.repLog.failure()).toBe('SERVER_UNREACHABLE');
  });

  it('disconnected during the key agreement fails with SERVER_UNREACHABLE', async () => {
    const t = setup();
    t.server.intercept = () => []; // the shares never arrive
    const code = await t.rep.start();
    await t.customer.join(code);
    await settle();
    expect(t.customer.state).toBe('pake');
    t.server.send('customer', 'disconnected', undefined);
    await settle();
    expect(t.customer.state).toBe('failed');
    expect(t.customerLog.failure()).toBe('SERVER_UNREACHABLE');
    expectNeverVerified(t.customerLog);
  });

  it('peer-left during the key agreement fails with PEER_GONE', async () => {
    const t = setup();
    t.server.intercept = () => []; // both stay in pake
    const code = await t.rep.start();
    await t.customer.join(code);
    await settle();
    expect(t.rep.state).toBe('pake');
    t.server.send('rep', 'peer-left', undefined);
    await settle();
    expect(t.rep.state).toBe('failed');
    expect(t.repLog.failure()).toBe('PEER_GONE');
    expect(t.repLog.states).toEqual(['waiting', 'pake', 'failed']);
    expect(t.server.badKeyReports).toEqual([]);
  });

  it('the customer going away during the key agreement reaches the rep as PEER_GONE', async () => {
    const t = setup();
    t.server.intercept = () => [];
    const code = await t.rep.start();
    await t.customer.join(code);
    await settle();
    t.customer.destroy(); // the tab is closed: the server tells the rep peer-left
    await settle();
    expect(t.customer.state).toBe('ended');
    expect(t.customerLog.of('failed')).toEqual([]);
    expect(t.rep.state).toBe('failed');
    expect(t.repLog.failure()).toBe('PEER_GONE');
  });
});

describe('Session: ending', () => {
  it('end() by the rep after verification: bye, both ended, one peer-left, nothing taken in afterwards', async () => {
    const t = setup();
    await pairUp(t);
    const customerLink = t.net.link('customer');

    t.rep.end();
    expect(t.rep.state).toBe('ended');
    expect(t.net.link('rep').sent.at(-1)).toEqual({ type: PeerType.Bye, reason: 'ended' });
    expect(t.server.portals.rep!.calls).toContain('leave');
    // Sent by the customer before it saw the bye: it reaches the rep, which no longer takes it in.
    customerLink.send({ type: PeerType.Chat, id: 'late_message_1', text: 'wait!', sentAt: Date.now() });
    customerLink.send({ type: PeerType.Typing, active: true });
    await settle();

    expect(t.customer.state).toBe('ended');
    expect(t.customerLog.of('peer-left')).toEqual(['ended']);
    expect(t.customerLog.states.at(-1)).toBe('ended');
    expect(t.repLog.of('chat')).toEqual([]);
    expect(t.repLog.of('typing')).toEqual([]);
    expect(t.repLog.of('peer-left')).toEqual([]);

    // The customer closing its end closed the rep's link too; that did not count as the peer
    // leaving an ended session. ~100 ms after end() the rep tears everything down.
    expect(t.net.link('rep').destroyed).toBe(true);
    expect(t.server.portals.rep!.destroyed).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 150));
    await settle();
    expect(t.net.link('rep').destroyed).toBe(true);
    expect(t.server.portals.rep!.destroyed).toBe(true);
    expect(t.server.portals.customer!.destroyed).toBe(true);

    for (const log of [t.repLog, t.customerLog]) {
      expect(log.states.at(-1)).toBe('ended');
      expect(log.states.filter((s) => s === 'ended')).toHaveLength(1);
      expect(log.of('failed')).toEqual([]);
    }
    expect(t.customerLog.of('peer-left')).toHaveLength(1);
    expect(t.repLog.of('peer-left')).toHaveLength(0);

    // Tearing down again changes nothing.
    const before = [t.repLog.events.length, t.customerLog.events.length];
    t.rep.destroy();
    t.rep.destroy(new ParleyError('TAMPERED'));
    t.customer.destroy();
    t.customer.destroy();
    t.rep.end();
    await settle();
    expect([t.repLog.events.length, t.customerLog.events.length]).toEqual(before);
    expect(t.rep.state).toBe('ended');
    expect(t.customer.state).toBe('ended');
    expect(t.server.badKeyReports).toEqual([]);
  });

  it('end() by the customer reaches the rep as peer-left "left"', async () => {
    const t = setup();
    await pairUp(t);
    t.customer.end();
    expect(t.customer.state).toBe('ended');
    await settle();
    expect(t.repLog.of('peer-left')).toEqual(['left']);
    expect(t.rep.state).toBe('ended');
    expect(t.customerLog.of('peer-left')).toEqual([]);
  });

  it('a link dropping without a bye is re-paired with the next epoch: same session, no new code, chat goes on', async () => {
    const t = setup();
    const links: boolean[] = [];
    t.customer.on('link', (up) => links.push(up));
    await pairUp(t);
    const firstRep = t.net.link('rep');
    t.net.link('customer').destroy(); // the data channel drops under the customer
    await settle();
    expect(links).toEqual([true, false, true]);
    expect(t.net.link('rep')).not.toBe(firstRep);
    expect(t.net.link('rep').epoch).toBe(1);
    expect(t.net.link('customer').epoch).toBe(1);
    for (const log of [t.repLog, t.customerLog]) {
      expect(log.of('peer-left')).toEqual([]);
      expect(log.of('failed')).toEqual([]);
      expect(log.of('verified')).toHaveLength(1); // the safety code was shown once and stays
      expect(log.of('hello')).toHaveLength(1);
    }
    expect(t.rep.state).toBe('verified');
    t.customer.sendChat('still there?');
    await settle();
    expect(t.repLog.of('chat').map((c) => c.text)).toEqual(['still there?']);
  });

  it('a customer that notices the drop first asks the rep for an offer', async () => {
    const t = setup();
    await pairUp(t);
    // Only the customer's side sees the close (the rep's link would notice much later).
    const repLink = t.net.link('rep');
    t.net.links.rep = undefined;
    t.net.link('customer').destroy();
    t.net.links.rep = repLink;
    await settle();
    expect(t.net.link('rep').epoch).toBe(1);
    expect(t.net.link('rep').signals.map((s) => s.type)).toEqual(['renegotiate', 'answer']);
    expect(repLink.destroyed).toBe(true);
    expect(t.rep.linkUp).toBe(true);
    expect(t.customer.linkUp).toBe(true);
  });

  it('chat typed while the link is down waits as pending and goes once, in order, when a link is back', async () => {
    const t = setup();
    await pairUp(t);
    const deliver = t.server.intercept;
    t.server.intercept = () => []; // the server drops the re-pair signals for now
    t.net.link('customer').destroy();
    await settle();
    expect(t.customer.linkUp).toBe(false);
    const first = t.customer.sendChat('hello?');
    const second = t.customer.sendChat('are you there?');
    expect([t.customer.isPending(first.id), t.customer.isPending(second.id)]).toEqual([true, true]);
    expect(t.customer.state).toBe('verified');
    await settle();
    expect(t.repLog.of('chat')).toEqual([]);
    t.server.intercept = deliver;
    t.net.link('customer').destroy(); // the customer tries the next epoch, and this one gets through
    await settle();
    expect(t.customer.linkUp).toBe(true);
    expect(t.repLog.of('chat').map((c) => c.text)).toEqual(['hello?', 'are you there?']);
    expect(t.customerLog.of('chat-sent')).toEqual([first.id, second.id]);
    // Sent now: no longer pending, and a later message goes straight out.
    expect(t.customer.isPending(t.customer.sendChat('thanks').id)).toBe(false);
  });

  it('a message sent on a link that then dropped is sent again on the next one, and shown once', async () => {
    const t = setup();
    await pairUp(t);
    // The rep's ack never makes it: the customer cannot know its message arrived.
    t.net.rewrite = (from, message) => (from === 'rep' && message.type === PeerType.Ack ? { type: PeerType.Typing, active: false } : message);
    const chat = t.customer.sendChat('did you get this?');
    await settle();
    expect(t.repLog.of('chat').map((c) => c.id)).toEqual([chat.id]);
    t.net.rewrite = null;
    t.net.link('customer').destroy();
    await settle();
    expect(t.net.link('customer').epoch).toBe(1);
    // Sent again on epoch 1; the rep acknowledges it again but does not show it twice.
    expect(t.net.link('customer').sent.filter((m) => m.type === PeerType.Chat)).toHaveLength(1);
    expect(t.repLog.of('chat').map((c) => c.id)).toEqual([chat.id]);
    expect(t.customerLog.of('ack')).toEqual([chat.id]);
    // Acknowledged: a further drop sends nothing again.
    t.net.link('customer').destroy();
    await settle();
    expect(t.net.link('customer').sent.filter((m) => m.type === PeerType.Chat)).toHaveLength(0);
  });

  it('a stalled link: the rep restarts ICE on it, the customer asks for a restart; heard again, the same link is up and pending chat goes', async () => {
    const t = setup();
    const repLinks: boolean[] = [];
    t.rep.on('link', (up) => repLinks.push(up));
    await pairUp(t);
    const repLink = t.net.link('rep');
    const customerLink = t.net.link('customer');
    repLink.fire('stalled', undefined);
    customerLink.fire('stalled', undefined);
    await settle();
    expect(t.rep.linkUp).toBe(false);
    expect(t.customer.linkUp).toBe(false);
    // The rep restarted on its own, then once more when the customer's request arrived through the server.
    expect(repLink.restarts).toBe(2);
    expect(customerLink.restarts).toBe(1);
    const waiting = t.rep.sendChat('one moment');
    expect(t.rep.isPending(waiting.id)).toBe(true);
    repLink.fire('resumed', undefined);
    customerLink.fire('resumed', undefined);
    await settle();
    expect(repLinks).toEqual([true, false, true]);
    expect(t.net.link('rep')).toBe(repLink); // no re-pair: the same connection recovered
    expect(t.customerLog.of('chat').map((c) => c.text)).toEqual(['one moment']);
  });

  it('a stalled link that is not heard again within an attempt is re-paired with the next epoch', async () => {
    const t = setup();
    await pairUp(t);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      t.net.link('rep').fire('stalled', undefined);
      await vi.advanceTimersByTimeAsync(REPAIR_ATTEMPT_MS);
      await settle();
      expect(t.net.link('rep').epoch).toBe(1);
      expect(t.rep.linkUp).toBe(true);
      expect(t.customer.linkUp).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a chat message while MAX_OUTBOX messages already wait is refused with PEER_GONE (the text stays with the caller)', async () => {
    const t = setup();
    await pairUp(t);
    t.server.intercept = () => [];
    t.net.link('customer').destroy();
    await settle();
    for (let i = 0; i < MAX_OUTBOX; i++) t.customer.sendChat(`m${i}`);
    expect(() => t.customer.sendChat('one too many')).toThrow(expect.objectContaining({ code: 'PEER_GONE' }));
  });

  it('a peer that left the room while the link is down is gone: peer-left "lost"', async () => {
    const t = setup();
    await pairUp(t);
    t.server.intercept = () => [];
    t.net.link('customer').destroy();
    await settle();
    t.server.portals.customer!.leave();
    await settle();
    expect(t.repLog.of('peer-left')).toEqual(['lost']);
    expect(t.rep.state).toBe('ended');
  });

  it('a repair frame forged by the server is dropped with a warning and changes nothing', async () => {
    const t = setup();
    await pairUp(t);
    const link = t.net.link('customer');
    const forged = new Sealer(new Uint8Array(32).fill(7)).seal(new TextEncoder().encode('{"type":"offer","sdp":"v=0"}'));
    t.server.inject('customer', encodeRelay(RelayKind.Repair, encodeRepair(5, forged)));
    await settle();
    expect(link.destroyed).toBe(false); // the working link was kept (the candidate for epoch 5 was dropped)
    expect(t.customer.linkUp).toBe(true);
    expect(t.customerLog.of('warning').map((w) => w.code)).toEqual(['TAMPERED']);
  });

  it('a tampered data-channel frame after verification fails that side with TAMPERED', async () => {
    const t = setup();
    await pairUp(t);
    // The fake link reports what the real one would: an authentication failure ends it with an error.
    t.net.link('rep').destroy(new ParleyError('TAMPERED', 'frame failed authentication'));
    await settle();
    expect(t.rep.state).toBe('failed');
    expect(t.repLog.failure()).toBe('TAMPERED');
    expect(t.server.badKeyReports).toEqual(['rep']);
    expect(t.customer.state).toBe('ended');
    expect(t.customerLog.of('peer-left')).toEqual(['lost']);
  });
});

describe('Session: hello rules', () => {
  const hello = (role: Role, over: Partial<Hello> = {}): Hello => ({
    type: PeerType.Hello,
    version: PROTOCOL_VERSION,
    role,
    name: 'Mallory',
    capabilities: ['chat'],
    ...over,
  });

  it('carries the customer\'s request to the rep, trimmed and cut to MAX_REQUEST_CHARS; a rep never sends one', async () => {
    const t = setup({ customer: `  ${'é'.repeat(MAX_REQUEST_CHARS)}overflow \n`, rep: 'a rep has no request' });
    await pairUp(t);
    expect(t.repLog.of('hello')[0]!.request).toBe('é'.repeat(MAX_REQUEST_CHARS));
    expect(t.customerLog.of('hello')[0]).not.toHaveProperty('request');
  });

  it.each([['none', undefined], ['empty', ''], ['blank', ' \n\t ']])('sends no request field when the customer gave %s', async (_name, request) => {
    const t = setup({ customer: request });
    await pairUp(t);
    expect(t.repLog.of('hello')[0]).not.toHaveProperty('request');
  });

  it('a second hello is ignored with a MALFORMED warning', async () => {
    const t = setup();
    await pairUp(t);
    t.net.link('customer').send(hello('customer'));
    await settle();
    expect(t.rep.state).toBe('verified');
    expect(t.repLog.of('hello')).toHaveLength(1);
    expect(t.repLog.of('hello')[0]!.name).toBe('Ada');
    const warnings = t.repLog.of('warning');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.code).toBe('MALFORMED');
    expect(t.repLog.of('failed')).toEqual([]);
  });

  it('a hello claiming our own role fails the session with MALFORMED', async () => {
    const t = setup();
    t.net.rewrite = (from, m) => (from === 'customer' && m.type === PeerType.Hello ? { ...m, role: 'rep' } : m);
    const code = await t.rep.start();
    await t.customer.join(code);
    await settle();
    expect(t.rep.state).toBe('failed');
    expect(t.repLog.failure()).toBe('MALFORMED');
    expect(t.repLog.of('hello')).toEqual([]);
    expect(t.server.badKeyReports).toEqual([]); // a peer bug, not an attack on the key
    // The customer got the rep's hello, then saw the channel close.
    expect(t.customerLog.of('hello')).toHaveLength(1);
    expect(t.customer.state).toBe('ended');
    expect(t.customerLog.of('peer-left')).toEqual(['lost']);
  });

  it('a hello speaking another version fails the session with VERSION_MISMATCH', async () => {
    const t = setup();
    t.net.rewrite = (from, m) => (from === 'rep' && m.type === PeerType.Hello ? { ...m, version: PROTOCOL_VERSION + 1 } : m);
    const code = await t.rep.start();
    await t.customer.join(code);
    await settle();
    expect(t.customer.state).toBe('failed');
    expect(t.customerLog.failure()).toBe('VERSION_MISMATCH');
    expect(t.customerLog.of('hello')).toEqual([]);
    expect(t.repLog.of('hello')).toHaveLength(1);
    expect(t.rep.state).toBe('ended');
  });

  it('a late fingerprint proof or an invalid message is a warning, not a failure', async () => {
    vi.useFakeTimers({ toFake: ['Date'] }); // the two warnings share a code: step past its 10 s limit
    const t = setup();
    await pairUp(t);
    const link = t.net.link('customer');
    link.send({ type: PeerType.FingerprintProof, local: 'sha-256 aa', remote: 'sha-256 bb', mac: 'A'.repeat(43) });
    await settle();
    expect(t.repLog.of('warning').map((w) => w.message)).toEqual(['late fingerprint proof']);
    vi.advanceTimersByTime(10_000);
    link.sendRaw({ type: 'chat', id: 'x', text: 'an id this short is invalid' });
    await settle();
    const warnings = t.repLog.of('warning');
    expect(warnings.map((w) => w.code)).toEqual(['MALFORMED', 'MALFORMED']);
    expect(warnings[1]!.message).toMatch(/^bad peer message/);
    expect(t.rep.state).toBe('verified');
    expect(t.repLog.of('chat')).toEqual([]);
    expect(t.repLog.of('failed')).toEqual([]);
  });
});

describe('Session: sending', () => {
  it('sendChat over MAX_CHAT_CHARS throws PAYLOAD_TOO_LARGE and sends nothing', async () => {
    const t = setup();
    await pairUp(t);
    const link = t.net.link('rep');
    const sentBefore = link.sent.length;
    expect(() => t.rep.sendChat('x'.repeat(MAX_CHAT_CHARS + 1))).toThrow(expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE' }));
    await settle();
    expect(link.sent.length).toBe(sentBefore);
    expect(t.customerLog.of('chat')).toEqual([]);
    expect(t.rep.state).toBe('verified');

    const longest = t.rep.sendChat('x'.repeat(MAX_CHAT_CHARS));
    await settle();
    expect(t.customerLog.of('chat')).toEqual([longest]);
  });

  it('sendChat before verification throws PEER_GONE; acknowledge and typing do nothing', async () => {
    const t = setup();
    expect(() => t.rep.sendChat('hi')).toThrow(expect.objectContaining({ code: 'PEER_GONE' }));
    await t.rep.start();
    expect(() => t.rep.sendChat('hi')).toThrow(expect.objectContaining({ code: 'PEER_GONE' }));
    expect(() => t.rep.acknowledge('abcdefgh')).not.toThrow();
    expect(() => t.rep.sendTyping(true)).not.toThrow();
    // The length check comes first, so an over-long text is refused as such in any state.
    expect(() => t.rep.sendChat('x'.repeat(MAX_CHAT_CHARS + 1))).toThrow(expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE' }));
    expect(t.rep.state).toBe('waiting');
    expect(t.repLog.of('failed')).toEqual([]);
  });

  it('sendChat after the session ended throws PEER_GONE', async () => {
    const t = setup();
    await pairUp(t);
    t.customer.end();
    expect(() => t.customer.sendChat('hi')).toThrow(expect.objectContaining({ code: 'PEER_GONE' }));
    await settle();
    expect(() => t.rep.sendChat('hi')).toThrow(expect.objectContaining({ code: 'PEER_GONE' }));
  });
});

describe('Session: setup races', () => {
  it('relays that arrive while the customer is still joining are kept, and pairing succeeds', async () => {
    const t = setup();
    t.server.joinGate = gate<void>();
    const code = await t.rep.start();
    const joined = t.customer.join(code);
    await settle();

    // The rep heard peer-joined and sent its share, which reached the customer before its join answer.
    expect(t.rep.state).toBe('pake');
    expect(t.customer.state).toBe('joining');
    expect(t.server.portals.customer!.received.map(kindOf)).toEqual([RelayKind.Pake]);
    expect(t.server.portals.customer!.calls.filter((c) => c.startsWith('relay'))).toEqual([]);

    t.server.joinGate.resolve();
    await joined;
    await settle();
    expect(t.rep.state).toBe('verified');
    expect(t.customer.state).toBe('verified');
    expect(t.customerLog.states).toEqual(['joining', 'pake', 'connecting', 'verified']);
    expect(t.customerLog.of('failed')).toEqual([]);
    expect(t.repLog.of('verified')[0]!.safetyCode).toEqual(t.customerLog.of('verified')[0]!.safetyCode);
  });

  it('destroy() while start() awaits connect() rejects start and never reaches waiting', async () => {
    const t = setup();
    t.server.connectGate = gate<void>();
    const started = t.rep.start();
    t.rep.destroy();
    await expect(started).rejects.toMatchObject({ code: 'CONNECTION_FAILED' });
    expect(['ended', 'failed']).toContain(t.rep.state);
    expect(t.repLog.states).not.toContain('waiting');
    expect(t.repLog.of('code')).toEqual([]);
    expect(t.server.portals.rep!.calls).not.toContain('createRoom');
  });

  it('destroy() while start() awaits a connect() that still succeeds: start rejects, no room is used', async () => {
    const t = setup();
    t.server.connectGate = gate<void>();
    t.server.rejectConnectOnDestroy = false;
    const started = t.rep.start();
    t.rep.destroy();
    t.server.connectGate.resolve();
    await expect(started).rejects.toMatchObject({ code: 'CONNECTION_FAILED' });
    expect(['ended', 'failed']).toContain(t.rep.state);
    expect(t.repLog.states).not.toContain('waiting');
    expect(t.repLog.of('code')).toEqual([]);
    expect(t.server.portals.rep!.calls).not.toContain('createRoom');
  });

  it('destroy() while join() awaits the join answer rejects join and sends nothing', async () => {
    const t = setup();
    t.server.joinGate = gate<void>();
    const code = await t.rep.start();
    const joined = t.customer.join(code);
    await settle();
    t.customer.destroy();
    t.server.joinGate.resolve();
    await expect(joined).rejects.toBeInstanceOf(ParleyError);
    expect(t.customer.state).toBe('ended');
    expect(t.customerLog.states).toEqual(['joining', 'ended']);
    expect(t.server.portals.customer!.calls.filter((c) => c.startsWith('relay'))).toEqual([]);
  });

  it('a join refused by the server fails with its reason and rejects join()', async () => {
    const t = setup();
    await t.rep.start();
    await expect(t.customer.join({ nameplate: '999', secret: '123456' })).rejects.toMatchObject({ code: 'ROOM_NOT_FOUND' });
    expect(t.customer.state).toBe('failed');
    expect(t.customerLog.failure()).toBe('ROOM_NOT_FOUND');
    expect(t.rep.state).toBe('waiting');
  });
});

describe('Session: joining a session that already ended', () => {
  it('is told the code expired (the rep left), not that "the other side left"', async () => {
    const t = setup();
    const code = await t.rep.start();
    t.server.closed = 'PEER_GONE';
    await expect(t.customer.join(code)).rejects.toMatchObject({ code: 'CODE_EXPIRED' });
    expect(t.customerLog.failure()).toBe('CODE_EXPIRED');
  });
});

describe('Session: warnings', () => {
  it('20 RATE_LIMITED server errors within a second give at most one warning', async () => {
    const t = setup();
    await t.rep.start();
    for (let i = 0; i < 20; i++) t.server.send('rep', 'server-error', 'RATE_LIMITED');
    await settle();
    const warnings = t.repLog.of('warning');
    expect(warnings.length).toBeLessThanOrEqual(1);
    expect(warnings.map((w) => w.code)).toEqual(['RATE_LIMITED']);
    expect(t.rep.state).toBe('waiting');
    expect(t.repLog.of('failed')).toEqual([]);

    // Another code is not swallowed by the first one's limit.
    t.server.send('rep', 'server-error', 'NOT_IN_ROOM');
    await settle();
    expect(t.repLog.of('warning').map((w) => w.code)).toEqual(['RATE_LIMITED', 'NOT_IN_ROOM']);
  });

  it('after verification, NOT_IN_ROOM (a re-pair signal sent while the peer is away) is no warning', async () => {
    const t = setup();
    await pairUp(t);
    t.server.send('rep', 'server-error', 'NOT_IN_ROOM');
    t.server.send('rep', 'server-error', 'RATE_LIMITED');
    await settle();
    expect(t.repLog.of('warning').map((w) => w.code)).toEqual(['RATE_LIMITED']);
  });

  it('the same warning comes again once 10 s have passed', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const t = setup();
    await t.rep.start();
    t.server.send('rep', 'server-error', 'RATE_LIMITED');
    await settle();
    vi.advanceTimersByTime(9_999);
    t.server.send('rep', 'server-error', 'RATE_LIMITED');
    await settle();
    expect(t.repLog.of('warning')).toHaveLength(1);
    vi.advanceTimersByTime(1);
    t.server.send('rep', 'server-error', 'RATE_LIMITED');
    await settle();
    expect(t.repLog.of('warning')).toHaveLength(2);
  });
});

describe('Session: timeouts (fake timers)', () => {
  it('a peer that never answers the key agreement fails both sides after 20 s (BAD_KEY for the unanswered confirmation)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const t = setup();
    t.server.intercept = (p) => (p.from === 'customer' ? [] : [p.data]); // the rep never hears back
    const code = await t.rep.start();
    await t.customer.join(code);
    await settle();
    expect(t.rep.state).toBe('pake');
    expect(t.customer.state).toBe('pake'); // has the rep's share, waits for its confirmation

    vi.advanceTimersByTime(19_999);
    await settle();
    expect(t.rep.state).toBe('pake');
    expect(t.customer.state).toBe('pake');

    vi.advanceTimersByTime(1);
    await settle();
    expect(t.rep.state).toBe('failed');
    expect(t.customer.state).toBe('failed');
    expect(t.repLog.failure()).toBe('CONNECTION_FAILED'); // heard nothing at all
    // Sent its confirmation, never got one back: counted as a failed confirmation (room burned).
    expect(t.customerLog.failure()).toBe('BAD_KEY');
    expect(t.server.badKeyReports).toEqual(['customer']);
  });

  it('a direct connection that never opens fails with CONNECTION_FAILED after 30 s', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const t = setup();
    t.server.intercept = (p) => (kindOf(p.data) === RelayKind.Signal ? [] : [p.data]);
    const code = await t.rep.start();
    await t.customer.join(code);
    await settle();
    expect(t.rep.state).toBe('connecting');
    expect(t.customer.state).toBe('connecting');

    vi.advanceTimersByTime(29_999);
    await settle();
    expect(t.rep.state).toBe('connecting');

    vi.advanceTimersByTime(1);
    await settle();
    expect(t.repLog.failure()).toBe('CONNECTION_FAILED');
    expect(t.customerLog.failure()).toBe('CONNECTION_FAILED');
    expect(t.net.link('rep').destroyed).toBe(true);
    expectNeverVerified(t.repLog);
  });

  it('verification stops the timers', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const t = setup();
    await pairUp(t);
    vi.advanceTimersByTime(60_000);
    await settle();
    expect(t.rep.state).toBe('verified');
    expect(t.customer.state).toBe('verified');
  });
});

describe('Session: screen sharing and file plumbing', () => {
  it('the rep asks for the screen, the customer shares: the request, the stream and the state each reach the other side', async () => {
    const t = setup();
    await pairUp(t);
    const requests: unknown[] = [];
    const streams: unknown[] = [];
    const states: string[] = [];
    t.customer.on('screen-request', (r) => requests.push(r));
    t.rep.on('screen-stream', (s) => streams.push(s));
    t.rep.on('screen-state', (s) => states.push(s));
    t.rep.sendPeer({ type: PeerType.ScreenRequest });
    await settle();
    expect(requests).toHaveLength(1);
    const stream = { id: 'fake-stream' } as unknown as MediaStream;
    t.customer.addStream(stream);
    t.customer.sendPeer({ type: PeerType.ScreenState, state: 'started' });
    await settle();
    expect(streams).toEqual([stream]);
    expect(states).toEqual(['started']);
    t.customer.removeStream(stream);
    expect(t.net.link('customer').streams.size).toBe(0);
  });

  it('screen messages from the wrong role are rejected with a warning', async () => {
    const t = setup();
    await pairUp(t);
    const requests: unknown[] = [];
    t.rep.on('screen-request', (r) => requests.push(r));
    t.customer.sendPeer({ type: PeerType.ScreenRequest });
    t.rep.sendPeer({ type: PeerType.ScreenState, state: 'started' });
    await settle();
    expect(requests).toEqual([]);
    expect(t.repLog.of('warning').map((w) => w.code)).toEqual(['MALFORMED']);
    expect(t.customerLog.of('warning').map((w) => w.code)).toEqual(['MALFORMED']);
    expect(t.rep.state).toBe('verified');
  });

  it('bulk frames reach the other side in order; sending them while the link is down rejects PEER_GONE', async () => {
    const t = setup();
    await pairUp(t);
    const got: number[] = [];
    t.rep.on('bulk', (frame) => got.push(frame[0]!));
    await t.customer.sendBulk(Uint8Array.of(1));
    await t.customer.sendBulk(Uint8Array.of(2));
    await settle();
    expect(got).toEqual([1, 2]);
    t.server.intercept = () => [];
    t.net.link('customer').destroy();
    await settle();
    await expect(t.customer.sendBulk(Uint8Array.of(3))).rejects.toMatchObject({ code: 'PEER_GONE' });
  });
});

describe('Session: re-pair timing', () => {
  afterEach(() => vi.useRealTimers());

  it('retries with the next epoch every 15 s for as long as it takes; only the peer leaving the room ends it', async () => {
    const t = setup();
    await pairUp(t);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    t.server.intercept = () => []; // nothing gets through any more
    t.net.link('customer').destroy();
    await settle();
    expect(t.net.link('rep').epoch).toBe(1);
    await vi.advanceTimersByTimeAsync(REPAIR_ATTEMPT_MS);
    expect(t.net.link('rep').epoch).toBe(2);
    await vi.advanceTimersByTimeAsync(REPAIR_ATTEMPT_MS);
    expect(t.net.link('rep').epoch).toBe(3);
    expect(t.rep.state).toBe('verified');
    await vi.advanceTimersByTimeAsync(10 * REPAIR_ATTEMPT_MS);
    expect(t.net.link('rep').epoch).toBe(13);
    expect(t.rep.state).toBe('verified');
    expect(t.repLog.of('peer-left')).toEqual([]);
    t.server.portals.customer!.leave(); // the server says the customer is gone for good
    await settle();
    expect(t.repLog.of('peer-left')).toEqual(['lost']);
    expect(t.rep.state).toBe('ended');
  });

  it('a repair for an older epoch is ignored', async () => {
    const t = setup();
    await pairUp(t);
    t.net.link('customer').destroy();
    await settle();
    expect(t.net.link('customer').epoch).toBe(1);
    const stale = t.server.sent('rep', RelayKind.Repair)[0]!; // the epoch-1 offer, replayed later
    t.net.link('customer').destroy();
    await settle();
    const current = t.net.link('customer');
    expect(current.epoch).toBe(2);
    t.server.inject('customer', stale);
    await settle();
    expect(t.net.link('customer')).toBe(current);
    expect(current.destroyed).toBe(false);
    expect(t.customer.linkUp).toBe(true);
  });
});

describe('Session: rejoining after a reload or a signaling outage', () => {
  it('after verification both sides claim the room with the same proof', async () => {
    const t = setup();
    await pairUp(t);
    await settle();
    expect(t.server.portals.rep!.calls).toContain('claimRoom');
    expect(t.server.portals.customer!.calls).toContain('claimRoom');
    expect(t.server.claimed).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('a reloaded customer rejoins with the saved key: same safety code, a re-paired link, unacknowledged chat sent again and shown once', async () => {
    const t = setup();
    await pairUp(t);
    const safety = t.customerLog.of('verified')[0]!.safetyCode;
    const unacked = t.customer.sendChat('sent just before the reload');
    await settle();
    expect(t.repLog.of('chat').map((c) => c.text)).toEqual(['sent just before the reload']);
    const saved = t.customer.resumeSnapshot()!;
    expect(saved.epoch).toBe(0);

    // The page dies: its socket drops without leaving, its connection closes.
    t.server.drop('customer');
    t.customer.destroy();
    await settle();
    expect(t.repLog.of('peer-away')).toHaveLength(1);
    expect(t.rep.state).toBe('verified');

    const reloaded = new Session({ role: 'customer', name: 'Ada', portal: t.server.portal('customer') as unknown as Portal, createLink: t.net.createLink });
    live.push(reloaded);
    const log = new Recorder(reloaded);
    const safetyAgain = await reloaded.resume({ sid: saved.sid, isk: saved.isk, lastEpoch: saved.epoch, unacked: [unacked], seen: [] });
    await settle();
    expect(safetyAgain).toEqual(safety);
    expect(log.of('resumed')).toEqual([{ safetyCode: safety, authenticated: true }]);
    expect(reloaded.state).toBe('verified');
    expect(reloaded.linkUp).toBe(true);
    expect(t.rep.linkUp).toBe(true);
    expect(t.net.link('customer').epoch).toBeGreaterThan(0); // a new link, whichever epoch they met at
    expect(t.repLog.of('peer-back')).toHaveLength(1);
    expect(log.of('hello')).toEqual([]); // hello is not sent again: the rep knows who this is
    // Sent again, acknowledged again, shown once.
    expect(t.repLog.of('chat').map((c) => c.text)).toEqual(['sent just before the reload']);
    expect(log.of('ack')).toEqual([unacked.id]);
    reloaded.sendChat('back after the reload');
    await settle();
    expect(t.repLog.of('chat').map((c) => c.text)).toEqual(['sent just before the reload', 'back after the reload']);
  });

  it('a reloaded rep rejoins and offers the next link; messages it already has are not shown twice', async () => {
    const t = setup();
    await pairUp(t);
    const fromCustomer = t.customer.sendChat('hello rep');
    await settle();
    const saved = t.rep.resumeSnapshot()!;
    t.server.drop('rep');
    t.rep.destroy();
    await settle();
    const reloaded = new Session({ role: 'rep', name: 'Rita', portal: t.server.portal('rep') as unknown as Portal, createLink: t.net.createLink });
    live.push(reloaded);
    const log = new Recorder(reloaded);
    await reloaded.resume({ sid: saved.sid, isk: saved.isk, lastEpoch: saved.epoch, unacked: [], seen: [fromCustomer.id] });
    await settle();
    expect(reloaded.linkUp).toBe(true);
    expect(t.customer.linkUp).toBe(true);
    expect(log.of('chat')).toEqual([]); // the unacknowledged 'hello rep' came again, and was known
    t.customer.sendChat('are you back?');
    await settle();
    expect(log.of('chat').map((c) => c.text)).toEqual(['are you back?']);
  });

  it('a resume the server refuses (the session ended meanwhile) fails with its reason', async () => {
    const t = setup();
    await pairUp(t);
    const saved = t.customer.resumeSnapshot()!;
    t.server.drop('customer');
    t.customer.destroy();
    t.server.close('PEER_GONE');
    const reloaded = new Session({ role: 'customer', name: 'Ada', portal: t.server.portal('customer') as unknown as Portal, createLink: t.net.createLink });
    live.push(reloaded);
    await expect(reloaded.resume({ sid: saved.sid, isk: saved.isk, lastEpoch: 0, unacked: [], seen: [] })).rejects.toMatchObject({ code: 'PEER_GONE' });
    expect(reloaded.state).toBe('failed');
  });

  it('a resume with the wrong key is refused by the server (RESUME_REFUSED)', async () => {
    const t = setup();
    await pairUp(t);
    const saved = t.customer.resumeSnapshot()!;
    const reloaded = new Session({ role: 'customer', name: 'Eve', portal: t.server.portal('customer') as unknown as Portal, createLink: t.net.createLink });
    live.push(reloaded);
    const wrong = saved.isk.slice();
    wrong[0] = wrong[0]! ^ 1;
    await expect(reloaded.resume({ sid: saved.sid, isk: wrong, lastEpoch: 0, unacked: [], seen: [] })).rejects.toMatchObject({ code: 'RESUME_REFUSED' });
  });

  it('losing the signaling server does not touch a live link; reconnected, the session rejoins the room', async () => {
    const t = setup();
    await pairUp(t);
    const signaling: boolean[] = [];
    t.customer.on('signaling', (up) => signaling.push(up));
    const portal = t.server.portals.customer!;
    portal.fire('disconnected', undefined);
    expect(t.customer.linkUp).toBe(true);
    t.customer.sendChat('the server is down but we are not');
    await settle();
    expect(t.repLog.of('chat').map((c) => c.text)).toEqual(['the server is down but we are not']);
    portal.fire('reconnected', undefined);
    await settle();
    expect(portal.calls).toContain('resumeRoom:customer');
    expect(signaling).toEqual([false, true]);
    expect(t.customer.state).toBe('verified');
  });

  it('a peer that says its page is closing is away; if it never comes back it left (not "lost")', async () => {
    const t = setup();
    await pairUp(t);
    t.customer.pageHiding();
    await settle();
    expect(t.repLog.of('peer-away')).toHaveLength(1);
    expect(t.rep.state).toBe('verified');
    t.server.drop('customer');
    t.net.link('customer').destroy();
    await settle();
    expect(t.repLog.of('peer-away')).toHaveLength(1); // said once, however it was noticed
    t.server.close('PEER_GONE'); // the rejoin window passed: the server gives the place up
    t.server.portals.rep!.fire('peer-left', undefined);
    await settle();
    expect(t.repLog.of('peer-left')).toEqual(['left']);
  });
});
