/**
 * Integration tests of TURN credentials: the real server on port 0 configured with a coturn
 * secret, real socket.io-client clients. Credentials go to members of a live room only: in the
 * room answers, and from `turn-credentials` — never to a socket that is not (or no longer) in a
 * room.
 */
import { createHmac } from 'node:crypto';
import * as v from 'valibot';
import { afterEach, describe, expect, it } from 'vitest';
import { toBase64Url } from '../../protocol/base64.ts';
import { CreateRoomResultSchema, JoinRoomResultSchema, ResumeRoomResultSchema, TurnCredentialsResultSchema, type IceServer } from '../../protocol/signaling.ts';
import { ServerHarness, next, raw, type Client } from './server-harness.ts';

const SECRET = 'integration-test-secret-0123456789';
const TURN_URL = 'turn:127.0.0.1:3478?transport=udp';
const TURN_ENV = { TURN_SECRET: SECRET, TURN_URLS: TURN_URL, TURN_CREDENTIAL_TTL_SECONDS: '600', ICE_SERVERS: '[{"urls":"stun:stun.example.org"}]' };

const harness = new ServerHarness();
afterEach(() => harness.cleanup());
const { startServer, connected } = harness;

const ask = (socket: Client, event: string, payload?: unknown) => raw(socket).timeout(3000).emitWithAck(event, payload);
const credentials = (socket: Client, payload: unknown = {}) => ask(socket, 'turn-credentials', payload);

/** The TURN entry of an answer's ICE servers, checked the way coturn checks it. */
function expectValidTurnEntry(iceServers: IceServer[], now = Date.now()): IceServer {
  const turn = iceServers.find((server) => server.urls === TURN_URL || (Array.isArray(server.urls) && server.urls.includes(TURN_URL)));
  expect(turn, 'a TURN entry').toBeDefined();
  const { username, credential } = turn!;
  expect(username).toMatch(/^\d+:[A-Za-z0-9_-]{16}$/);
  const expiry = Number(username!.split(':')[0]) * 1000;
  expect(expiry).toBeGreaterThan(now);
  expect(expiry).toBeLessThanOrEqual(now + 600_000 + 1000);
  expect(credential).toBe(createHmac('sha1', SECRET).update(username!).digest('base64'));
  return turn!;
}

/** A rep and a customer in one room. */
async function pair(url: string) {
  const rep = await connected(url);
  const customer = await connected(url);
  const created = v.parse(CreateRoomResultSchema, await ask(rep, 'create-room', {}));
  if (!created.ok) throw new Error(created.error);
  const joinedEvent = next(rep, 'peer-joined');
  const joined = v.parse(JoinRoomResultSchema, await ask(customer, 'join-room', { nameplate: created.nameplate }));
  if (!joined.ok) throw new Error(joined.error);
  await joinedEvent;
  return { rep, customer, created, joined };
}

describe('TURN credentials', () => {
  it('create-room and join-room answers carry a TURN entry with a fresh, verifiable credential and its lifetime', async () => {
    const { url } = await startServer({ ...TURN_ENV, ICE_TRANSPORT_POLICY: 'relay' });
    const { created, joined } = await pair(url);
    for (const answer of [created, joined]) {
      if (!answer.ok) throw new Error('unreachable');
      expect(answer.iceServers[0]).toEqual({ urls: 'stun:stun.example.org' });
      expectValidTurnEntry(answer.iceServers);
      expect(answer.iceServersTtlSeconds).toBe(600);
      expect(answer.iceTransportPolicy).toBe('relay');
    }
    // Each answer has its own username (the opaque id is random).
    expect(created.ok && joined.ok && created.iceServers[1]?.username !== joined.iceServers[1]?.username).toBe(true);
  });

  it('a resume-room answer carries fresh credentials too', async () => {
    const { url } = await startServer(TURN_ENV);
    const { rep, customer, created } = await pair(url);
    if (!created.ok) throw new Error('unreachable');
    const proof = toBase64Url(new Uint8Array(32).fill(7));
    expect(await ask(rep, 'claim-room', { proof })).toEqual({ ok: true });
    expect(await ask(customer, 'claim-room', { proof })).toEqual({ ok: true });
    customer.disconnect();
    const again = await connected(url);
    const resumed = v.parse(ResumeRoomResultSchema, await ask(again, 'resume-room', { sid: created.sid, role: 'customer', proof }));
    expect(resumed.ok).toBe(true);
    if (resumed.ok) expectValidTurnEntry(resumed.iceServers);
  });

  it('turn-credentials answers a member of a live room (rep waiting, rep and customer paired), with or without its sid', async () => {
    const { url } = await startServer(TURN_ENV);
    const waitingRep = await connected(url);
    expect(await ask(waitingRep, 'create-room', {})).toMatchObject({ ok: true });
    const waiting = v.parse(TurnCredentialsResultSchema, await credentials(waitingRep));
    expect(waiting).toMatchObject({ ok: true, iceServersTtlSeconds: 600 });
    if (waiting.ok) expectValidTurnEntry(waiting.iceServers);

    const { rep, customer, created } = await pair(url);
    if (!created.ok) throw new Error('unreachable');
    for (const [socket, payload] of [[rep, {}], [customer, undefined], [customer, { sid: created.sid }]] as const) {
      const answer = v.parse(TurnCredentialsResultSchema, await credentials(socket, payload));
      expect(answer.ok).toBe(true);
      if (answer.ok) expectValidTurnEntry(answer.iceServers);
    }
  });

  it('turn-credentials is refused to a socket that is not in a room, names a room it is not in, or has left its room', async () => {
    const { url, logs } = await startServer(TURN_ENV);
    const stranger = await connected(url);
    expect(await credentials(stranger)).toEqual({ ok: false, error: 'NOT_IN_ROOM' });

    const { rep, customer, created } = await pair(url);
    if (!created.ok) throw new Error('unreachable');
    // A room of someone else's, named by its sid.
    expect(await credentials(stranger, { sid: created.sid })).toEqual({ ok: false, error: 'NOT_IN_ROOM' });
    const otherRep = await connected(url);
    expect(await ask(otherRep, 'create-room', {})).toMatchObject({ ok: true });
    expect(await credentials(otherRep, { sid: created.sid })).toEqual({ ok: false, error: 'NOT_IN_ROOM' });

    // The customer leaves: from then on it is refused, while the rep (still in its room) is served.
    customer.emit('leave-room', {});
    expect(await credentials(customer)).toEqual({ ok: false, error: 'NOT_IN_ROOM' });
    expect(await credentials(rep)).toMatchObject({ ok: true });
    // The rep leaves too (which closes the room).
    rep.emit('leave-room', {});
    expect(await credentials(rep)).toEqual({ ok: false, error: 'NOT_IN_ROOM' });

    // Nothing secret in the logs: no secret, no username, no credential.
    const text = logs.join('\n');
    expect(text).not.toContain(SECRET);
    expect(text).not.toMatch(/\d{10}:[A-Za-z0-9_-]{16}/);
  });

  it('a malformed request or one without an ack is MALFORMED', async () => {
    const { url } = await startServer(TURN_ENV);
    const socket = await connected(url);
    expect(await credentials(socket, 'please')).toEqual({ ok: false, error: 'MALFORMED' });
    expect(await credentials(socket, { sid: 'not-a-sid' })).toEqual({ ok: false, error: 'MALFORMED' });
    const notice = next(socket, 'server-error');
    raw(socket).emit('turn-credentials', {});
    expect(await notice).toEqual({ code: 'MALFORMED' });
  });

  it('without TURN configured, members get the static ICE servers and no lifetime', async () => {
    const { url } = await startServer({ ICE_SERVERS: '[{"urls":"stun:stun.example.org"}]' });
    const { rep } = await pair(url);
    expect(await credentials(rep)).toEqual({ ok: true, iceServers: [{ urls: 'stun:stun.example.org' }] });
  });
});
