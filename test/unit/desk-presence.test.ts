import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { DeskConfigSchema } from '../../protocol/desk-config.ts';
import { MemoryPresenceStore, RedisPresenceStore, SOCKET_TTL_MS, listColleagues, type PresenceStore } from '../../signaling/desk/presence.ts';
import { useRedis } from './redis-harness.ts';

const redis = useRedis();

const HASH = `scrypt$15$8$1$${'A'.repeat(22)}$${'A'.repeat(43)}`;
const config = v.parse(DeskConfigSchema, {
  queues: [
    { id: 'general', name: 'General' },
    { id: 'billing', name: 'Billing' },
  ],
  reps: [
    { username: 'alice', displayName: 'Alice', passwordHash: HASH, queues: ['general', 'billing'], role: 'admin' },
    { username: 'Bob', displayName: 'Bob', passwordHash: HASH, queues: ['general'] },
    { username: 'carol', displayName: 'Carol', passwordHash: HASH, queues: ['billing'] },
  ],
});

type Make = (now: () => number) => PresenceStore;
const STORES: [string, Make][] = [
  ['in memory', () => new MemoryPresenceStore()],
  ['on Redis', (now) => new RedisPresenceStore(redis().client, redis.newPrefix(), now)],
];

describe.each(STORES)('presence %s', (_name, make) => {
  function setup() {
    let time = 5_000_000;
    const store = make(() => time);
    return { store, advance: (ms: number) => void (time += ms) };
  }

  it('is offline without a console socket, available once one connects, away when chosen', async () => {
    const { store } = setup();
    expect(await store.status('alice')).toBe('offline');
    await store.addSocket('alice', 's1');
    expect(await store.status('alice')).toBe('available');
    await store.setChoice('alice', 'away');
    expect(await store.status('alice')).toBe('away');
    await store.setChoice('alice', 'available');
    expect(await store.status('ALICE')).toBe('available'); // usernames are case-insensitive
  });

  it('stays online while any console socket is connected; the choice outlives a reload', async () => {
    const { store } = setup();
    await store.addSocket('bob', 's1');
    await store.addSocket('bob', 's2');
    await store.setChoice('bob', 'away');
    await store.removeSocket('bob', 's1');
    expect(await store.status('bob')).toBe('away');
    await store.removeSocket('bob', 's2');
    expect(await store.status('bob')).toBe('offline');
    expect(await store.choice('bob')).toBe('away');
    await store.addSocket('bob', 's3');
    expect(await store.status('bob')).toBe('away');
  });

  it('lists colleagues with their presence and queues, without the asking rep', async () => {
    const { store } = setup();
    await store.addSocket('bob', 's1');
    await store.addSocket('carol', 's2');
    await store.setChoice('carol', 'away');
    expect(await listColleagues(config, store, 'alice')).toEqual([
      { username: 'Bob', displayName: 'Bob', presence: 'available', queues: ['general'] },
      { username: 'carol', displayName: 'Carol', presence: 'away', queues: ['billing'] },
    ]);
    expect(await listColleagues(config, store)).toHaveLength(3);
  });
});

describe('presence on Redis across nodes', () => {
  it('the sockets of a node that stops refreshing them stop counting', async () => {
    let time = 1_000_000;
    const prefix = redis.newPrefix();
    const nodeA = new RedisPresenceStore(redis().client, prefix, () => time);
    const nodeB = new RedisPresenceStore(redis().client, prefix, () => time);
    await nodeA.addSocket('alice', 'a1');
    await nodeB.addSocket('bob', 'b1');
    time += SOCKET_TTL_MS / 2;
    await nodeB.refresh([{ username: 'bob', socketId: 'b1' }]); // node A died and refreshes nothing
    time += SOCKET_TTL_MS / 2 + 1;
    expect(await nodeB.status('alice')).toBe('offline');
    expect(await nodeA.status('bob')).toBe('available');
  });
});
