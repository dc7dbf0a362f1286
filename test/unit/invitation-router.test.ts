import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { DeskInviteAnsweredSchema } from '../../protocol/desk.ts';
import { MemoryInvitations } from '../../signaling/desk/invitations.ts';
import { InvitationRouter, type InvitationDeps } from '../../signaling/desk/invitation-router.ts';

const SID = 'S'.repeat(43);
const ROOM2 = 'R'.repeat(43);
const ICE = { iceServers: [], iceTransportPolicy: 'all' as const };
/** The room's file policy: the two reps may send each other files under it. */
const POLICY = { maxBytes: 1_000_000, maxCount: 3, types: ['text/*', '.log'], autoAcceptFromRep: false };

/** The router over a real in-memory store; the rest of the desk (accounts, queues, rooms) as a small table. */
function setup() {
  let time = 1_767_225_600_000;
  const rep = (username: string, displayName: string) => ({ id: `user:${username}`, username, displayName });
  const reps: Record<string, ReturnType<typeof rep>> = {
    'sock-hana': rep('hana', 'Hana'),
    'sock-hana-link': rep('hana', 'Hana'), // the host's colleague-link socket: same rep, other socket
    'sock-bo': rep('bo', 'Bo'),
    'sock-bo-new': rep('bo', 'Bo'),
    'sock-cy': rep('cy', 'Cy'),
  };
  const delivered: [string, string, unknown][] = [];
  const refreshed: string[] = [];
  const handovers: [string, string, string][] = [];
  const NEW_ROOM = 'N'.repeat(43);
  const available = new Set(['bo']);
  const deps: InvitationDeps = {
    invitations: new MemoryInvitations({ now: () => time }),
    isHost: (who, sid) => who.username === 'hana' && sid === SID,
    isColleague: (username) => ['hana', 'bo', 'cy'].includes(username),
    queueExists: (queue) => queue === 'billing',
    pickRep: (_queue, exclude) => [...available].find((u) => u !== exclude) ?? null,
    refresh: (username) => refreshed.push(username),
    pair: () => ({ ok: true, sid: ROOM2, ...ICE, filePolicy: POLICY }),
    handOver: (sid, to, who) => {
      handovers.push([sid, to, who.displayName]);
      return { ok: true, sid: NEW_ROOM, ...ICE };
    },
    deliver: (socketId, event, payload) => delivered.push([socketId, event, payload]),
  };
  const router = new InvitationRouter(deps);
  const call = async (socketId: string, event: string, payload: unknown) => {
    let answer: unknown;
    await router.handle({ id: socketId, rep: reps[socketId] ?? null }, event, payload, (a) => (answer = a));
    return answer as { ok: boolean; error?: string; inviteId?: string; sid?: string };
  };
  return { router, call, delivered, refreshed, handovers, available, advance: (ms: number) => (time += ms), deps };
}

describe('InvitationRouter', () => {
  it('invites a named colleague, who accepts: both get the new room', async () => {
    const { call, delivered, refreshed } = setup();
    const sent = await call('sock-hana', 'desk-invite', { sid: SID, to: { username: 'bo' }, transfer: false });
    expect(sent).toMatchObject({ ok: true });
    expect(refreshed).toEqual(['bo']);
    const accepted = await call('sock-bo', 'desk-invite-answer', { inviteId: sent.inviteId, accept: true });
    expect(accepted).toMatchObject({ ok: true, sid: ROOM2 });
    expect(delivered).toEqual([['sock-hana', 'desk-invite-answered', { inviteId: sent.inviteId, accepted: true, sid: ROOM2, colleague: 'Bo', ...ICE, filePolicy: POLICY }]]);
  });

  it('tells the inviter when the colleague declines, and when the invitation expires', async () => {
    const { call, delivered, router, advance } = setup();
    const first = await call('sock-hana', 'desk-invite', { sid: SID, to: { username: 'bo' }, transfer: false });
    expect(await call('sock-bo', 'desk-invite-answer', { inviteId: first.inviteId, accept: false })).toEqual({ ok: true });
    const second = await call('sock-hana', 'desk-invite', { sid: SID, to: { username: 'cy' }, transfer: false });
    advance(60_000);
    await router.sweep();
    expect(delivered.map(([to, , p]) => [to, p])).toEqual([
      ['sock-hana', { inviteId: first.inviteId, accepted: false }],
      ['sock-hana', { inviteId: second.inviteId, accepted: false }],
    ]);
    expect(await call('sock-cy', 'desk-invite-answer', { inviteId: second.inviteId, accept: true })).toEqual({ ok: false, error: 'REQUEST_GONE' });
  });

  it('a chat that ends takes its pending invitation with it: the inviter is told, the invitee cannot accept', async () => {
    const { call, delivered, refreshed, router } = setup();
    const sent = await call('sock-hana', 'desk-invite', { sid: SID, to: { username: 'bo' }, transfer: false });
    await router.sessionEnded(SID);
    expect(delivered).toEqual([['sock-hana', 'desk-invite-answered', { inviteId: sent.inviteId, accepted: false }]]);
    expect(refreshed).toEqual(['bo', 'bo']); // Bo's console drops the card
    expect(await call('sock-bo', 'desk-invite-answer', { inviteId: sent.inviteId, accept: true })).toEqual({ ok: false, error: 'REQUEST_GONE' });
    // The room is free for a new invitation (none is pending any more).
    expect(await call('sock-hana', 'desk-invite', { sid: SID, to: { username: 'cy' }, transfer: false })).toMatchObject({ ok: true });
  });

  it('picks an available rep of a queue, or says none is available', async () => {
    const { call, available, refreshed } = setup();
    expect(await call('sock-hana', 'desk-invite', { sid: SID, to: { queue: 'nope' }, transfer: false })).toEqual({ ok: false, error: 'UNKNOWN_QUEUE' });
    expect(await call('sock-hana', 'desk-invite', { sid: SID, to: { queue: 'billing' }, transfer: true })).toMatchObject({ ok: true });
    expect(refreshed).toEqual(['bo']);
    available.clear();
    expect(await call('sock-hana', 'desk-invite', { sid: SID, to: { queue: 'billing' }, transfer: false })).toEqual({ ok: false, error: 'NO_REP_AVAILABLE' });
  });

  it('refuses strangers, non-hosts, self-invitations, a second pending invitation and malformed requests', async () => {
    const { call } = setup();
    const invite = { sid: SID, to: { username: 'bo' }, transfer: false };
    expect(await call('sock-anon', 'desk-invite', invite)).toEqual({ ok: false, error: 'NOT_SIGNED_IN' });
    expect(await call('sock-cy', 'desk-invite', invite)).toEqual({ ok: false, error: 'NOT_IN_ROOM' });
    expect(await call('sock-hana', 'desk-invite', { ...invite, to: { username: 'hana' } })).toEqual({ ok: false, error: 'NO_REP_AVAILABLE' });
    expect(await call('sock-hana', 'desk-invite', { ...invite, to: { username: 'ghost' } })).toEqual({ ok: false, error: 'NO_REP_AVAILABLE' });
    expect((await call('sock-hana', 'desk-invite', invite)).ok).toBe(true);
    expect(await call('sock-hana', 'desk-invite', { ...invite, to: { username: 'cy' } })).toEqual({ ok: false, error: 'INVITE_PENDING' });
    for (const bad of [null, {}, { ...invite, sid: 'short' }, { ...invite, transfer: 'yes' }, { ...invite, to: { username: 'x'.repeat(65) } }]) {
      expect(await call('sock-hana', 'desk-invite', bad)).toEqual({ ok: false, error: 'MALFORMED' });
    }
    expect(await call('sock-bo', 'desk-invite-answer', { inviteId: '../../x', accept: true })).toEqual({ ok: false, error: 'MALFORMED' });
  });

  it('hands the customer over once: the host allows it, then the invitee takes it from a fresh socket', async () => {
    const { call, handovers } = setup();
    const sent = await call('sock-hana-link', 'desk-invite', { sid: SID, to: { username: 'bo' }, transfer: true });
    const handover = { sid: SID, inviteId: sent.inviteId };
    expect(await call('sock-hana-link', 'desk-handover', handover)).toEqual({ ok: false, error: 'REQUEST_GONE' }); // not accepted yet
    await call('sock-bo', 'desk-invite-answer', { inviteId: sent.inviteId, accept: true });
    expect(await call('sock-bo-new', 'desk-handover', handover)).toEqual({ ok: false, error: 'REQUEST_GONE' }); // not allowed yet
    expect(await call('sock-hana', 'desk-handover', handover)).toEqual({ ok: false, error: 'REQUEST_GONE' }); // not the socket that invited
    expect(await call('sock-hana-link', 'desk-handover', handover)).toEqual({ ok: true });
    expect(await call('sock-cy', 'desk-handover', handover)).toEqual({ ok: false, error: 'REQUEST_GONE' }); // not the invitee
    expect(await call('sock-bo-new', 'desk-handover', handover)).toMatchObject({ ok: true, sid: 'N'.repeat(43) });
    expect(handovers).toEqual([[SID, 'sock-bo-new', 'Bo']]);
    expect(await call('sock-bo-new', 'desk-handover', handover)).toEqual({ ok: false, error: 'REQUEST_GONE' });
  });

  it('withdraws an inviter\'s pending invitations when its socket goes', async () => {
    const { call, router, refreshed } = setup();
    const sent = await call('sock-hana', 'desk-invite', { sid: SID, to: { username: 'bo' }, transfer: false });
    await router.socketGone('sock-hana');
    expect(refreshed).toEqual(['bo', 'bo']);
    expect(await call('sock-bo', 'desk-invite-answer', { inviteId: sent.inviteId, accept: true })).toEqual({ ok: false, error: 'REQUEST_GONE' });
  });

  it('answers SERVICE_UNAVAILABLE when the store is away', async () => {
    const { call, deps } = setup();
    const { StoreUnavailableError } = await import('../../signaling/room-types.ts');
    deps.invitations.create = () => Promise.reject(new StoreUnavailableError('down'));
    expect(await call('sock-hana', 'desk-invite', { sid: SID, to: { username: 'bo' }, transfer: false })).toEqual({ ok: false, error: 'SERVICE_UNAVAILABLE' });
  });
});

describe('desk-invite-answered (what the inviter parses)', () => {
  const accepted = { inviteId: 'I'.repeat(22), accepted: true, sid: ROOM2, colleague: 'Bo', ...ICE };
  it('carries the room\'s file policy for files between the reps, or none (older servers)', () => {
    expect(v.parse(DeskInviteAnsweredSchema, { ...accepted, filePolicy: POLICY })).toMatchObject({ filePolicy: POLICY });
    expect(v.parse(DeskInviteAnsweredSchema, accepted)).not.toHaveProperty('filePolicy');
  });
  it('refuses a malformed or oversized file policy', () => {
    for (const filePolicy of [{ ...POLICY, maxBytes: -1 }, { ...POLICY, maxCount: 'many' }, { ...POLICY, types: 'text/*' }, { ...POLICY, maxBytes: 2 ** 40 }]) {
      expect(v.safeParse(DeskInviteAnsweredSchema, { ...accepted, filePolicy }).success).toBe(false);
    }
  });
});
