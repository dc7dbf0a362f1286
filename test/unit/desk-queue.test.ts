/**
 * The support desk queue engine (signaling/desk/queue-memory.ts) with a fake clock and a
 * recording `deliver`: positions, wait estimates, offers, accept races, reject, orphan, move,
 * disconnect grace, caps, and what each socket may see or do.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { DeskConfigSchema, type DeskConfig } from '../../protocol/desk-config.ts';
import { DeskQueueSchema, DeskWaitingSchema, type DeskQueue as Snapshot, type DeskWaiting } from '../../protocol/desk.ts';
import type { RepIdentity } from '../../signaling/desk/identity.ts';
import { MemoryDeskQueue } from '../../signaling/desk/queue-memory.ts';
import { RedisDeskQueue } from '../../signaling/desk/queue-redis.ts';
import type { DeskQueue, DeskQueueOptions } from '../../signaling/desk/queue-types.ts';
import { useRedis } from './redis-harness.ts';

const redis = useRedis();
const IMPLEMENTATIONS: [string, (options: DeskQueueOptions) => DeskQueue][] = [
  ['in memory', (options) => new MemoryDeskQueue(options)],
  ['on Redis', (options) => new RedisDeskQueue({ ...options, redis: redis().client.duplicate(), prefix: redis.newPrefix() })],
];

const KEY = (n: number) => String.fromCharCode(65 + n).repeat(43);
const anon = (name: string): RepIdentity => ({ id: `anon:${name}`, username: name, displayName: name, queues: null });
const account = (name: string, queues: string[]): RepIdentity => ({ id: `user:${name}`, username: name, displayName: name, queues });

describe.each(IMPLEMENTATIONS)('desk queue %s', (_name, make) => {
function setup(config: unknown = {}, options: { offerTimeoutMs?: number; maxWaitingPerQueue?: number } = {}) {
  let now = 1_000_000;
  let settings: DeskConfig = v.parse(DeskConfigSchema, config);
  const sent: { to: string; event: string; payload: unknown }[] = [];
  const queue = make({
    deliver: (to, event, payload) => sent.push({ to, event, payload }),
    settings: () => settings,
    now: () => now,
    offerTimeoutMs: options.offerTimeoutMs ?? 30_000,
    disconnectGraceMs: 20_000,
    maxWaitingPerQueue: options.maxWaitingPerQueue,
  });
  const last = <T>(to: string, event: string): T | undefined => sent.filter((s) => s.to === to && s.event === event).at(-1)?.payload as T | undefined;
  return {
    queue,
    sent,
    advance: (ms: number) => (now += ms),
    now: () => now,
    setSettings: (c: unknown) => (settings = v.parse(DeskConfigSchema, c)),
    snapshot: (to: string) => {
      const s = last<Snapshot>(to, 'desk-queue');
      if (s) expect(v.is(DeskQueueSchema, s)).toBe(true);
      return s;
    },
    waiting: (to: string) => {
      const w = last<DeskWaiting>(to, 'desk-waiting');
      if (w) expect(v.is(DeskWaitingSchema, w)).toBe(true);
      return w;
    },
    events: (to: string, event: string) => sent.filter((s) => s.to === to && s.event === event).map((s) => s.payload),
  };
}

function ok<T extends { ok: boolean }>(result: T): Extract<T, { ok: true }> {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result)}`);
  return result as Extract<T, { ok: true }>;
}

describe('desk queue: waiting customers', () => {
  let t: ReturnType<typeof setup>;
  beforeEach(() => (t = setup()));

  it('three waiting customers see positions 1, 2, 3; the first leaving moves the others up', async () => {
    const a = ok(await t.queue.request('c1', 'general'));
    t.advance(1000);
    ok(await t.queue.request('c2', 'general'));
    t.advance(1000);
    ok(await t.queue.request('c3', 'general'));
    expect([t.waiting('c1')?.position, t.waiting('c2')?.position, t.waiting('c3')?.position]).toEqual([1, 2, 3]);
    expect(t.waiting('c3')?.waitSeconds).toBeNull(); // no accepted chat yet: no estimate
    expect(t.waiting('c3')?.repsAvailable).toBe(0);
    ok(await t.queue.cancel('c1', a.requestId));
    expect([t.waiting('c2')?.position, t.waiting('c3')?.position]).toEqual([1, 2]);
  });

  it('the wait estimate is position × the mean time to accept of the last 30 minutes', async () => {
    t = setup({ portal: { orphanTimeoutSeconds: 0 } });
    ok(await t.queue.hello('r1', anon('ann'), KEY(1), true));
    const first = ok(await t.queue.request('c1', 'general'));
    t.advance(60_000);
    const claimed = ok(await t.queue.claim('r1s', anon('ann'), first.requestId));
    await t.queue.started('sid-1', 'r1s', anon('ann'), claimed);
    ok(await t.queue.request('c2', 'general'));
    ok(await t.queue.request('c3', 'general'));
    expect(t.waiting('c2')).toMatchObject({ position: 1, waitSeconds: 60 });
    expect(t.waiting('c3')).toMatchObject({ position: 2, waitSeconds: 120, repsAvailable: 1 });
    t.advance(31 * 60_000);
    await t.queue.sweep();
    expect(t.waiting('c3')?.waitSeconds).toBeNull(); // the sample aged out
  });

  it('an unknown queue is refused, and a full queue answers SERVER_FULL', async () => {
    expect(await t.queue.request('c1', 'nope')).toEqual({ ok: false, error: 'UNKNOWN_QUEUE' });
    const small = setup({}, { maxWaitingPerQueue: 2 });
    ok(await small.queue.request('c1', 'general'));
    ok(await small.queue.request('c2', 'general'));
    expect(await small.queue.request('c3', 'general')).toEqual({ ok: false, error: 'SERVER_FULL' });
  });

  it('one request per customer socket', async () => {
    ok(await t.queue.request('c1', 'general'));
    expect(await t.queue.request('c1', 'general')).toEqual({ ok: false, error: 'ROOM_CROWDED' });
  });

  it('after the orphan timeout the customer is told and the request is gone', async () => {
    const s = setup({ portal: { orphanTimeoutSeconds: 60 } });
    const r = ok(await s.queue.request('c1', 'general'));
    s.advance(59_000);
    await s.queue.sweep();
    expect(s.events('c1', 'desk-orphaned')).toEqual([]);
    s.advance(1000);
    await s.queue.sweep();
    expect(s.events('c1', 'desk-orphaned')).toEqual([{ requestId: r.requestId }]);
    expect(await s.queue.lengths()).toEqual({ general: 0 });
  });

  it('a customer whose connection dropped keeps its place for the grace period and resumes with its token only', async () => {
    const r = ok(await t.queue.request('c1', 'general'));
    ok(await t.queue.request('c2', 'general'));
    await t.queue.disconnect('c1');
    t.advance(10_000);
    await t.queue.sweep();
    expect(await t.queue.resume('c1b', r.requestId, 'x'.repeat(22))).toEqual({ ok: false, error: 'REQUEST_GONE' });
    ok(await t.queue.resume('c1b', r.requestId, r.requestToken));
    expect(t.waiting('c1b')?.position).toBe(1);
    await t.queue.disconnect('c1b');
    t.advance(20_000);
    await t.queue.sweep();
    expect(await t.queue.resume('c1c', r.requestId, r.requestToken)).toEqual({ ok: false, error: 'REQUEST_GONE' });
    expect(t.waiting('c2')?.position).toBe(1);
  });

  it('a customer can only cancel or seal its own request', async () => {
    const r = ok(await t.queue.request('c1', 'general'));
    ok(await t.queue.request('c2', 'general'));
    expect(await t.queue.cancel('c2', r.requestId)).toEqual({ ok: false, error: 'REQUEST_GONE' });
    expect(await t.queue.details('c2', r.requestId, [])).toEqual({ ok: false, error: 'REQUEST_GONE' });
  });
});

describe('desk queue: reps and offers', () => {
  it('a new rep key is announced to waiting customers (seal-for), and the sealed blob reaches only that console', async () => {
    const t = setup();
    const r = ok(await t.queue.request('c1', 'general'));
    expect(r.repKeys).toEqual([]);
    const { keyId } = ok(await t.queue.hello('r1', anon('ann'), KEY(1), true));
    expect(t.events('c1', 'desk-seal-for')).toEqual([{ requestId: r.requestId, repKeys: [{ keyId, publicKey: KEY(1) }] }]);
    const { keyId: other } = ok(await t.queue.hello('r2', anon('bob'), KEY(2), true));
    ok(await t.queue.details('c1', r.requestId, [{ keyId, data: 'sealedForAnn' }, { keyId: 'k-unknown', data: 'dropped' }]));
    expect(t.snapshot('r1')?.entries[0]?.details).toBe('sealedForAnn');
    expect(t.snapshot('r2')?.entries[0]?.details).toBeUndefined();
    expect(other).not.toBe(keyId);
  });

  it('a waiting chat is offered to one rep at a time; reject moves it to the next rep, never back', async () => {
    const t = setup();
    ok(await t.queue.hello('r1', anon('ann'), KEY(1), true));
    t.advance(10);
    ok(await t.queue.hello('r2', anon('bob'), KEY(2), true));
    const r = ok(await t.queue.request('c1', 'general'));
    // Ann has been idle longest.
    expect(t.snapshot('r1')?.entries[0]).toMatchObject({ requestId: r.requestId, offered: true, offerExpiresAt: t.now() + 30_000 });
    expect(t.snapshot('r2')?.entries[0]?.offered).toBe(false);
    ok(await t.queue.reject('r1', anon('ann'), r.requestId));
    expect(t.snapshot('r1')?.entries[0]?.offered).toBe(false);
    expect(t.snapshot('r2')?.entries[0]?.offered).toBe(true);
    ok(await t.queue.reject('r2', anon('bob'), r.requestId));
    expect(t.snapshot('r1')?.entries[0]?.offered).toBe(false);
    expect(t.snapshot('r2')?.entries[0]?.offered).toBe(false);
    expect(t.snapshot('r1')?.entries).toHaveLength(1); // still listed: anyone may pick it
  });

  it('an offer nobody answers moves on after the timeout', async () => {
    const t = setup();
    ok(await t.queue.hello('r1', anon('ann'), KEY(1), true));
    t.advance(10);
    ok(await t.queue.hello('r2', anon('bob'), KEY(2), true));
    ok(await t.queue.request('c1', 'general'));
    t.advance(29_999);
    await t.queue.sweep();
    expect(t.snapshot('r1')?.entries[0]?.offered).toBe(true);
    t.advance(1);
    await t.queue.sweep();
    expect(t.snapshot('r1')?.entries[0]?.offered).toBe(false);
    expect(t.snapshot('r2')?.entries[0]?.offered).toBe(true);
  });

  it('away reps get no offers; the rep with fewer live desk sessions goes first', async () => {
    const t = setup();
    ok(await t.queue.hello('r1', anon('ann'), KEY(1), true));
    t.advance(10);
    ok(await t.queue.hello('r2', anon('bob'), KEY(2), true));
    ok(await t.queue.presence('r1', 'away'));
    const first = ok(await t.queue.request('c1', 'general'));
    expect(t.snapshot('r2')?.entries[0]?.offered).toBe(true);
    expect(t.waiting('c1')?.repsAvailable).toBe(1);
    const claimed = ok(await t.queue.claim('bob-session', anon('bob'), first.requestId));
    await t.queue.started('sid-1', 'bob-session', anon('bob'), claimed);
    ok(await t.queue.presence('r1', 'available'));
    ok(await t.queue.request('c2', 'general'));
    expect(t.snapshot('r1')?.entries[0]?.offered).toBe(true); // Bob is busy with a chat
  });

  it('two reps racing to accept: the first wins, the second hears REQUEST_GONE', async () => {
    const t = setup();
    ok(await t.queue.hello('r1', anon('ann'), KEY(1), true));
    ok(await t.queue.hello('r2', anon('bob'), KEY(2), true));
    const r = ok(await t.queue.request('c1', 'general'));
    expect(ok(await t.queue.claim('s1', anon('ann'), r.requestId)).customerSocketId).toBe('c1');
    expect(await t.queue.claim('s2', anon('bob'), r.requestId)).toEqual({ ok: false, error: 'REQUEST_GONE' });
    expect(t.snapshot('r1')?.entries).toEqual([]);
  });

  it('a rep may pick a chat that was not offered to it', async () => {
    const t = setup();
    ok(await t.queue.hello('r1', anon('ann'), KEY(1), true));
    ok(await t.queue.hello('r2', anon('bob'), KEY(2), true));
    const r = ok(await t.queue.request('c1', 'general'));
    const offeredTo = t.snapshot('r1')?.entries[0]?.offered ? 'ann' : 'bob';
    const picker = offeredTo === 'ann' ? anon('bob') : anon('ann');
    ok(await t.queue.claim('s', picker, r.requestId));
  });

  it('with accounts, a rep sees and takes only the queues it serves', async () => {
    const t = setup({ queues: [{ id: 'general', name: 'General' }, { id: 'billing', name: 'Billing' }] });
    ok(await t.queue.hello('r1', account('ann', ['billing']), KEY(1), true));
    const r = ok(await t.queue.request('c1', 'general'));
    const b = ok(await t.queue.request('c2', 'billing'));
    expect(r.repKeys).toEqual([]); // not sealed for a rep who does not serve the queue
    expect(t.snapshot('r1')?.entries.map((e) => e.requestId)).toEqual([b.requestId]);
    expect(await t.queue.claim('s', account('ann', ['billing']), r.requestId)).toEqual({ ok: false, error: 'FORBIDDEN' });
    expect(await t.queue.reject('r1', account('ann', ['billing']), r.requestId)).toEqual({ ok: false, error: 'FORBIDDEN' });
  });

  it('a customer never sees other requests: it only gets its own position', async () => {
    const t = setup();
    const a = ok(await t.queue.request('c1', 'general'));
    ok(await t.queue.request('c2', 'general'));
    const toC1 = t.sent.filter((s) => s.to === 'c1');
    expect(toC1.every((s) => s.event === 'desk-waiting' && (s.payload as DeskWaiting).requestId === a.requestId)).toBe(true);
  });

  it('the customer gone while waiting: the offer is withdrawn and accept answers PEER_GONE', async () => {
    const t = setup();
    ok(await t.queue.hello('r1', anon('ann'), KEY(1), true));
    const r = ok(await t.queue.request('c1', 'general'));
    await t.queue.disconnect('c1');
    expect(t.snapshot('r1')?.entries[0]?.offered).toBe(false);
    expect(await t.queue.claim('s', anon('ann'), r.requestId)).toEqual({ ok: false, error: 'PEER_GONE' });
  });

  it('a console that disconnects loses its offer to the next rep, and its sealed blobs are forgotten', async () => {
    const t = setup();
    const { keyId } = ok(await t.queue.hello('r1', anon('ann'), KEY(1), true));
    t.advance(10);
    ok(await t.queue.hello('r2', anon('bob'), KEY(2), true));
    const r = ok(await t.queue.request('c1', 'general'));
    ok(await t.queue.details('c1', r.requestId, [{ keyId, data: 'blob' }]));
    await t.queue.disconnect('r1');
    expect(t.snapshot('r2')?.entries[0]?.offered).toBe(true);
    expect(ok(await t.queue.resume('c1', r.requestId, r.requestToken)).repKeys.map((k) => k.publicKey)).toEqual([KEY(2)]);
  });
});

describe('desk queue: sessions ending', () => {
  it('a desk session ends once both its sockets are gone: disconnect names it (its invitations go)', async () => {
    const t = setup();
    const r = ok(await t.queue.request('c1', 'general'));
    const claimed = ok(await t.queue.claim('s1', anon('ann'), r.requestId));
    await t.queue.started('sid-1', 's1', anon('ann'), claimed);
    expect(await t.queue.disconnect('s1')).toEqual([]); // the customer is still there
    expect(await t.queue.disconnect('c1')).toEqual(['sid-1']);
    expect(await t.queue.session('sid-1')).toBeNull();
  });
});

describe('desk queue: move', () => {
  it('moves the customer of a rep session to another queue, keeping its wait start; only that session rep may', async () => {
    const t = setup({ queues: [{ id: 'general', name: 'General' }, { id: 'billing', name: 'Billing' }] });
    ok(await t.queue.hello('r1', anon('ann'), KEY(1), true));
    const since = t.now();
    const r = ok(await t.queue.request('c1', 'general'));
    t.advance(5000);
    const claimed = ok(await t.queue.claim('s1', anon('ann'), r.requestId));
    await t.queue.started('sid-1', 's1', anon('ann'), claimed);
    ok(await t.queue.request('c2', 'billing')); // asked after c1
    expect(await t.queue.move('s-other', anon('ann'), 'sid-1', 'billing')).toEqual({ ok: false, error: 'NOT_IN_ROOM' });
    expect(await t.queue.move('s1', anon('ann'), 'sid-1', 'nope')).toEqual({ ok: false, error: 'UNKNOWN_QUEUE' });
    const moved = ok(await t.queue.move('s1', anon('ann'), 'sid-1', 'billing'));
    expect(moved.customerSocketId).toBe('c1');
    const entry = t.snapshot('r1')?.entries.find((e) => e.requestId === moved.requestId);
    expect(entry).toMatchObject({ queue: 'billing', since, position: 1, movedBy: 'ann' });
    expect(t.waiting('c2')?.position).toBe(2);
    expect(await t.queue.move('s1', anon('ann'), 'sid-1', 'billing')).toEqual({ ok: false, error: 'NOT_IN_ROOM' }); // once
  });
});

  describe('move after a reconnection', () => {
    it('follows the customer to its new socket (resume-room); while it is away, PEER_GONE', async () => {
      const t = setup({ queues: [{ id: 'general', name: 'General' }, { id: 'billing', name: 'Billing' }] });
      const r = ok(await t.queue.request('c1', 'general'));
      const claimed = ok(await t.queue.claim('s1', anon('ann'), r.requestId));
      await t.queue.started('sid-1', 's1', anon('ann'), claimed);
      await t.queue.disconnect('c1');
      expect(await t.queue.move('s1', anon('ann'), 'sid-1', 'billing')).toEqual({ ok: false, error: 'PEER_GONE' });
      await t.queue.roomResumed('sid-1', 'c1-new', 'customer');
      await t.queue.disconnect('s1');
      await t.queue.roomResumed('sid-1', 's1-new', 'rep');
      const moved = ok(await t.queue.move('s1-new', anon('ann'), 'sid-1', 'billing'));
      expect(moved.customerSocketId).toBe('c1-new');
      expect(t.waiting('c1-new')).toMatchObject({ requestId: moved.requestId, position: 1 });
    });
  });
});

describe('desk queue on Redis, two nodes', () => {
  function ok<T extends { ok: boolean }>(result: T): Extract<T, { ok: true }> {
    if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result)}`);
    return result as Extract<T, { ok: true }>;
  }
  it('two reps on two nodes accept at the same moment: exactly one wins; both nodes see the same queue', async () => {
    const settings = v.parse(DeskConfigSchema, {});
    const prefix = redis.newPrefix();
    const sent: { to: string; event: string }[] = [];
    const node = () => {
      const connection = redis().client.duplicate();
      return { queue: new RedisDeskQueue({ redis: connection, prefix, settings: () => settings, deliver: (to, event) => sent.push({ to, event }) }), connection };
    };
    const a = node();
    const b = node();
    try {
      ok(await a.queue.hello('r1', anon('ann'), KEY(1), true));
      ok(await b.queue.hello('r2', anon('bob'), KEY(2), true));
      const r = ok(await a.queue.request('c1', 'general'));
      expect(await b.queue.lengths()).toEqual({ general: 1 });
      const results = await Promise.all([a.queue.claim('s1', anon('ann'), r.requestId), b.queue.claim('s2', anon('bob'), r.requestId)]);
      expect(results.filter((x) => x.ok)).toHaveLength(1);
      expect(results.filter((x) => !x.ok)).toEqual([{ ok: false, error: 'REQUEST_GONE' }]);
      expect(await a.queue.lengths()).toEqual({ general: 0 });
    } finally {
      a.connection.disconnect();
      b.connection.disconnect();
    }
  });
});
