/**
 * Integration tests of claim-room / resume-room / peer-away / peer-back: the real server on
 * port 0, real socket.io-client clients over WebSocket. (Apart from signaling-server.test.ts,
 * which is long enough already.)
 */
import fc from 'fast-check';
import * as v from 'valibot';
import { afterEach, describe, expect, it } from 'vitest';
import { toBase64Url } from '../../protocol/base64.ts';
import {
  ClaimRoomRequestSchema,
  ClaimRoomResultSchema,
  ResumeRoomRequestSchema,
  ResumeRoomResultSchema,
  type CreateRoomResult,
} from '../../protocol/signaling.ts';
import { DEFAULT_FILE_POLICY } from '../../protocol/file-policy.ts';
import { ServerHarness, next, raw, recorder, type Client } from './server-harness.ts';

const PROOF = toBase64Url(new Uint8Array(32).fill(7));
const WRONG = toBase64Url(new Uint8Array(32).fill(8));

const harness = new ServerHarness();
afterEach(() => harness.cleanup());
const { startServer, connected } = harness;

const ask = (socket: Client, event: string, payload: unknown) => raw(socket).timeout(3000).emitWithAck(event, payload);
const claim = (socket: Client, proof = PROOF) => ask(socket, 'claim-room', { proof });
const resume = (socket: Client, sid: string, role: 'rep' | 'customer', proof = PROOF) => ask(socket, 'resume-room', { sid, role, proof });

/** A rep and a customer in one room, both claimed. */
async function claimedPair(url: string) {
  const rep = await connected(url);
  const customer = await connected(url);
  const room = (await rep.timeout(3000).emitWithAck('create-room', {})) as Extract<CreateRoomResult, { ok: true }>;
  const joined = next(rep, 'peer-joined');
  await customer.timeout(3000).emitWithAck('join-room', { nameplate: room.nameplate });
  await joined;
  expect(await claim(rep)).toEqual({ ok: true });
  expect(await claim(customer)).toEqual({ ok: true });
  return { rep, customer, sid: room.sid };
}

async function relays(from: Client, to: Client, data: string, sid: string) {
  const got = next(to, 'relay');
  from.emit('relay', { data });
  expect(await got).toEqual({ data, sid });
}

describe('resume-room', () => {
  it('a customer drops and resumes from a new socket: peer-away, peer-back, relays flow again', async () => {
    const { url, logs, server } = await startServer();
    const { rep, customer, sid } = await claimedPair(url);
    const away = next(rep, 'peer-away');
    customer.disconnect();
    expect(await away).toEqual({ sid });
    expect(await server.rooms.stats()).toMatchObject({ away: 1 });

    const again = await connected(url);
    const back = next(rep, 'peer-back');
    expect(await resume(again, sid, 'customer')).toEqual({ ok: true, peerPresent: true, iceServers: [], filePolicy: DEFAULT_FILE_POLICY });
    expect(await back).toEqual({ sid });
    await relays(rep, again, 'toCustomer', sid);
    await relays(again, rep, 'toRep', sid);
    const all = logs.join('');
    for (const secret of [sid, PROOF]) expect(all).not.toContain(secret);
    expect(all).toContain('"event":"member-back"');
  });

  it('restart: a fresh server restores the room from two resumes with the same proof', async () => {
    const first = await startServer();
    const { rep, customer, sid } = await claimedPair(first.url);
    rep.disconnect();
    customer.disconnect();

    const { url, server } = await startServer(); // another process: knows nothing of the room
    const rep2 = await connected(url);
    const customer2 = await connected(url);
    expect(await resume(customer2, sid, 'customer')).toMatchObject({ ok: true, peerPresent: false });
    expect(await resume(rep2, sid, 'rep', WRONG)).toEqual({ ok: false, error: 'RESUME_REFUSED' });
    const back = next(customer2, 'peer-back');
    expect(await resume(rep2, sid, 'rep')).toMatchObject({ ok: true, peerPresent: true });
    expect(await back).toEqual({ sid });
    await relays(rep2, customer2, 'afterRestart', sid);
    await relays(customer2, rep2, 'andBack', sid);
    expect(await server.rooms.stats()).toMatchObject({ rooms: 1, away: 0, nameplatesByDigits: {} });
  });

  it('the rejoin window passes: the customer gets peer-left and room-closed PEER_GONE, the sid is refused', async () => {
    const { url } = await startServer({ REJOIN_WINDOW_SECONDS: '1' });
    const { rep, customer, sid } = await claimedPair(url);
    rep.disconnect();
    await next(customer, 'peer-away');
    const left = next(customer, 'peer-left', 4000);
    const closed = next(customer, 'room-closed', 4000);
    expect(await left).toEqual({ sid });
    expect(await closed).toEqual({ reason: 'PEER_GONE', sid });
    expect(await resume(await connected(url), sid, 'rep')).toEqual({ ok: false, error: 'PEER_GONE' });
  });

  it('REJOIN_WINDOW_SECONDS=0: a drop is a leave, as before', async () => {
    const { url } = await startServer({ REJOIN_WINDOW_SECONDS: '0' });
    const { rep, customer, sid } = await claimedPair(url);
    const events = recorder(rep);
    const left = next(rep, 'peer-left');
    customer.disconnect();
    expect(await left).toEqual({ sid });
    expect(events.events()).toEqual(['peer-left']);
    expect(await resume(await connected(url), sid, 'customer')).toEqual({ ok: false, error: 'RESUME_REFUSED' });
  });

  it('refused resumes count against the per-IP join limit; good ones do not', async () => {
    const { url } = await startServer({ JOINS_PER_MINUTE_PER_IP: '2' });
    const { customer, sid } = await claimedPair(url); // the join used one point
    for (let i = 0; i < 3; i++) expect(await resume(await connected(url), sid, 'customer')).toMatchObject({ ok: true });
    customer.disconnect();
    const attacker = await connected(url);
    expect(await resume(attacker, sid, 'customer', WRONG)).toEqual({ ok: false, error: 'RESUME_REFUSED' });
    expect(await resume(attacker, sid, 'customer', WRONG)).toEqual({ ok: false, error: 'RATE_LIMITED' });
    expect(await resume(attacker, sid, 'customer')).toEqual({ ok: false, error: 'RATE_LIMITED' });
  });

  it('a resumer whose peer left for good while it was away gets peer-left after the answer', async () => {
    const { url } = await startServer();
    const { rep, customer, sid } = await claimedPair(url);
    rep.disconnect();
    await next(customer, 'peer-away');
    customer.emit('leave-room', {});
    const rep2 = await connected(url);
    const left = next(rep2, 'peer-left');
    expect(await resume(rep2, sid, 'rep')).toMatchObject({ ok: true, peerPresent: false });
    expect(await left).toEqual({ sid });
  });
});

describe('claim-room and resume-room: hostile input', () => {
  it('malformed payloads, a non-canonical proof or a missing ack get MALFORMED', async () => {
    const { url, server } = await startServer();
    const { rep, sid } = await claimedPair(url);
    const nonCanonical = `${PROOF.slice(0, 42)}${PROOF.endsWith('c') ? 'd' : 'c'}`; // same bytes, unused bits set
    const badClaims = [null, 'x', {}, { proof: 'short' }, { proof: `${PROOF}A` }, { proof: nonCanonical }, { proof: PROOF, sid: 'bad' }];
    for (const payload of badClaims) expect(await ask(rep, 'claim-room', payload)).toEqual({ ok: false, error: 'MALFORMED' });
    const badResumes = [null, { sid, proof: PROOF }, { sid, role: 'admin', proof: PROOF }, { sid: 'x', role: 'rep', proof: PROOF }, { sid, role: 'rep', proof: nonCanonical }];
    for (const payload of badResumes) expect(await ask(rep, 'resume-room', payload)).toEqual({ ok: false, error: 'MALFORMED' });
    const error = next(rep, 'server-error');
    raw(rep).emit('resume-room', { sid, role: 'rep', proof: PROOF }); // no ack
    expect(await error).toEqual({ code: 'MALFORMED' });
    expect(await server.rooms.stats()).toMatchObject({ rooms: 1, away: 0 });
  });

  it('claim outside a paired room answers NOT_IN_ROOM; a second, different proof RESUME_REFUSED', async () => {
    const { url } = await startServer();
    const lone = await connected(url);
    expect(await claim(lone)).toEqual({ ok: false, error: 'NOT_IN_ROOM' });
    await lone.timeout(3000).emitWithAck('create-room', {});
    expect(await claim(lone)).toEqual({ ok: false, error: 'NOT_IN_ROOM' }); // nobody joined yet
    const { rep } = await claimedPair(url);
    expect(await claim(rep, WRONG)).toEqual({ ok: false, error: 'RESUME_REFUSED' });
  });

  it('survives random values sent to claim-room and resume-room (fuzz)', async () => {
    const { url, logs } = await startServer();
    const { rep, sid } = await claimedPair(url);
    const socket = await connected(url);
    const payload = fc.oneof(
      fc.jsonValue(),
      fc.constant(undefined),
      fc.record({ proof: fc.oneof(fc.string(), fc.constant(PROOF), fc.stringMatching(/^[A-Za-z0-9_-]{43}$/)), sid: fc.option(fc.constant(sid), { nil: undefined }) }),
      fc.record({ sid: fc.oneof(fc.constant(sid), fc.string()), role: fc.oneof(fc.constantFrom('rep', 'customer'), fc.string()), proof: fc.oneof(fc.constant(WRONG), fc.string()) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('claim-room', 'resume-room'), payload, async (event, value) => {
        const answer = await ask(socket, event, value);
        if (event === 'claim-room') {
          expect(v.is(ClaimRoomResultSchema, answer)).toBe(true);
          if (!v.is(ClaimRoomRequestSchema, value)) expect(answer).toEqual({ ok: false, error: 'MALFORMED' });
        } else {
          expect(v.is(ResumeRoomResultSchema, answer)).toBe(true);
          if (!v.is(ResumeRoomRequestSchema, value)) expect(answer).toEqual({ ok: false, error: 'MALFORMED' });
        }
      }),
      { numRuns: 300 },
    );
    expect(socket.connected).toBe(true);
    expect(logs.join('')).not.toMatch(/handler-error|"level":50/);
    expect(await resume(await connected(url), sid, 'customer')).toMatchObject({ ok: true }); // the room is intact
    expect(rep.connected).toBe(true);
  }, 60_000);
});
