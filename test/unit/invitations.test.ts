import { describe, expect, it } from 'vitest';
import { MemoryInvitations, type InvitationOptions, type Invitations } from '../../signaling/desk/invitations.ts';
import { RedisInvitations } from '../../signaling/desk/redis-invitations.ts';
import { useRedis } from './redis-harness.ts';

/** The invitation store's contract, run against both implementations (memory, and a real redis-server). */
const redis = useRedis();
const IMPLEMENTATIONS: [string, (options: InvitationOptions) => Invitations][] = [
  ['in memory', (options) => new MemoryInvitations(options)],
  ['on Redis', (options) => new RedisInvitations({ ...options, redis: redis().client, prefix: redis.newPrefix() })],
];

const SID = 'S'.repeat(43);
const SID2 = 'T'.repeat(43);
const from = { username: 'hana', name: 'Hana', socketId: 'sock-hana' };

describe.each(IMPLEMENTATIONS)('invitations %s', (_name, make) => {
  function setup(options: InvitationOptions = {}) {
    let time = 1_767_225_600_000;
    let n = 0;
    const store = make({
      pendingTtlMs: 60_000,
      acceptedTtlMs: 600_000,
      now: () => time,
      randomBytes: (len) => Uint8Array.from({ length: len }, (_, i) => (i === 0 ? ++n : 0)),
      ...options,
    });
    return { store, advance: (ms: number) => (time += ms), now: () => time };
  }
  const invite = (store: Invitations, over: Partial<Parameters<Invitations['create']>[0]> = {}) =>
    store.create({ sid: SID, from, toUser: 'bo', transfer: false, ...over });
  const created = async (p: ReturnType<typeof invite>) => {
    const r = await p;
    if (!r.ok) throw new Error(r.error);
    return r.invitation;
  };

  it('lists a pending invitation to its invitee only, without socket ids or usernames', async () => {
    const { store, now } = setup();
    const inv = await created(invite(store, { transfer: true, queue: 'billing' }));
    expect(inv.inviteId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(await store.pendingFor('bo')).toEqual([{ inviteId: inv.inviteId, from: 'Hana', transfer: true, queue: 'billing', expiresAt: now() + 60_000 }]);
    expect(await store.pendingFor('cy')).toEqual([]);
  });

  it('allows one pending invitation per session, another once it is answered', async () => {
    const { store } = setup();
    const first = await created(invite(store));
    expect(await invite(store, { toUser: 'cy' })).toEqual({ ok: false, error: 'INVITE_PENDING' });
    expect((await invite(store, { sid: SID2 })).ok).toBe(true); // another session is free to invite
    expect((await store.answer(first.inviteId, 'bo', true, 'sock-bo', 'Bo')).ok).toBe(true);
    expect((await invite(store, { toUser: 'cy' })).ok).toBe(true);
  });

  it('lets only the invitee answer, once', async () => {
    const { store } = setup();
    const inv = await created(invite(store));
    expect(await store.answer(inv.inviteId, 'mallory', true, 'sock-m', 'M')).toEqual({ ok: false, error: 'REQUEST_GONE' });
    const answered = await store.answer(inv.inviteId, 'bo', true, 'sock-bo', 'Bo');
    expect(answered).toMatchObject({ ok: true, invitation: { state: 'accepted', toSocket: 'sock-bo', fromSocket: 'sock-hana' } });
    expect(await store.answer(inv.inviteId, 'bo', true, 'sock-bo', 'Bo')).toEqual({ ok: false, error: 'REQUEST_GONE' });
    expect(await store.pendingFor('bo')).toEqual([]);
  });

  it('forgets a declined invitation', async () => {
    const { store } = setup();
    const inv = await created(invite(store, { transfer: true }));
    expect((await store.answer(inv.inviteId, 'bo', false, 'sock-bo', 'Bo')).ok).toBe(true);
    expect(await store.allowHandover(inv.inviteId, SID, 'sock-hana')).toEqual({ ok: false, error: 'REQUEST_GONE' });
    expect((await invite(store)).ok).toBe(true);
  });

  it('expires a pending invitation: it cannot be answered and the sweep reports it', async () => {
    const { store, advance } = setup();
    const inv = await created(invite(store));
    advance(60_000);
    expect(await store.pendingFor('bo')).toEqual([]);
    expect(await store.answer(inv.inviteId, 'bo', true, 'sock-bo', 'Bo')).toEqual({ ok: false, error: 'REQUEST_GONE' });
    expect((await store.sweep()).map((r) => [r.inviteId, r.fromSocket, r.state])).toEqual([[inv.inviteId, 'sock-hana', 'pending']]);
    expect(await store.sweep()).toEqual([]);
    expect((await invite(store)).ok).toBe(true);
  });

  it('hands over an accepted transfer once: allowed by its inviter, taken by its invitee', async () => {
    const { store } = setup();
    const inv = await created(invite(store, { transfer: true }));
    expect(await store.allowHandover(inv.inviteId, SID, 'sock-hana')).toEqual({ ok: false, error: 'REQUEST_GONE' }); // not accepted yet
    await store.answer(inv.inviteId, 'bo', true, 'sock-bo', 'Bo');
    expect(await store.takeForHandover(inv.inviteId, SID, 'bo')).toEqual({ ok: false, error: 'REQUEST_GONE' }); // not allowed yet
    expect(await store.allowHandover(inv.inviteId, SID2, 'sock-hana')).toEqual({ ok: false, error: 'REQUEST_GONE' });
    expect(await store.allowHandover(inv.inviteId, SID, 'sock-other')).toEqual({ ok: false, error: 'REQUEST_GONE' });
    expect(await store.allowHandover(inv.inviteId, SID, 'sock-hana')).toMatchObject({ ok: true, invitation: { handover: true } });
    expect(await store.takeForHandover(inv.inviteId, SID, 'cy')).toEqual({ ok: false, error: 'REQUEST_GONE' });
    expect(await store.takeForHandover(inv.inviteId, SID2, 'bo')).toEqual({ ok: false, error: 'REQUEST_GONE' });
    expect(await store.takeForHandover(inv.inviteId, SID, 'bo')).toMatchObject({ ok: true, invitation: { toSocket: 'sock-bo', toName: 'Bo', toUser: 'bo' } });
    expect(await store.takeForHandover(inv.inviteId, SID, 'bo')).toEqual({ ok: false, error: 'REQUEST_GONE' });
  });

  it('refuses a handover of an invitation to help (not a transfer)', async () => {
    const { store } = setup();
    const inv = await created(invite(store));
    await store.answer(inv.inviteId, 'bo', true, 'sock-bo', 'Bo');
    expect(await store.allowHandover(inv.inviteId, SID, 'sock-hana')).toEqual({ ok: false, error: 'REQUEST_GONE' });
    expect(await store.takeForHandover(inv.inviteId, SID, 'bo')).toEqual({ ok: false, error: 'REQUEST_GONE' });
  });

  it('drops a session\'s invitations when it ends, and an inviter\'s pending ones when its socket goes', async () => {
    const { store } = setup();
    const a = await created(invite(store, { transfer: true }));
    await store.answer(a.inviteId, 'bo', true, 'sock-bo', 'Bo');
    const b = await created(invite(store, { toUser: 'cy' }));
    const c = await created(invite(store, { sid: SID2, toUser: 'cy', from: { ...from, socketId: 'sock-2' } }));
    expect((await store.dropSocket('sock-hana')).map((r) => r.inviteId)).toEqual([b.inviteId]); // the accepted one stays
    expect((await store.dropSession(SID)).map((r) => r.inviteId)).toEqual([a.inviteId]);
    expect(await store.allowHandover(a.inviteId, SID, 'sock-hana')).toEqual({ ok: false, error: 'REQUEST_GONE' });
    expect((await store.pendingFor('cy')).map((i) => i.inviteId)).toEqual([c.inviteId]);
  });

  it('limits pending invitations per invitee and in all', async () => {
    const { store } = setup({ maxPerInvitee: 2, maxInvitations: 3 });
    const sid = (i: number) => String(i).padStart(43, 'x');
    expect((await invite(store, { sid: sid(1) })).ok).toBe(true);
    expect((await invite(store, { sid: sid(2) })).ok).toBe(true);
    expect(await invite(store, { sid: sid(3) })).toEqual({ ok: false, error: 'RATE_LIMITED' });
    expect((await invite(store, { sid: sid(4), toUser: 'cy' })).ok).toBe(true);
    expect(await invite(store, { sid: sid(5), toUser: 'dee' })).toEqual({ ok: false, error: 'RATE_LIMITED' });
  });
});
