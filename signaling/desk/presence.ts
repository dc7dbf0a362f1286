/**
 * Rep presence: available, away or offline. A rep is offline while no console socket of theirs
 * is connected (on any node); otherwise it is their choice (`desk-presence`), available until
 * they choose away. The choice outlives a reload: a rep who was away comes back away.
 *
 * In memory for one node; in Redis (`REDIS_URL`) for several: each console socket is a member of
 * a sorted set scored with its expiry, which its node refreshes (`refresh`), so the sockets of a
 * node that died stop counting within {@link SOCKET_TTL_MS}.
 */
import type { Redis } from 'ioredis';
import type { Colleague } from '../../protocol/desk.ts';
import type { DeskConfig } from '../../protocol/desk-config.ts';
import { StoreUnavailableError } from '../room-types.ts';

export type PresenceChoice = 'available' | 'away';
export type PresenceStatus = PresenceChoice | 'offline';

/** How long a console socket counts without its node refreshing it (Redis only). */
export const SOCKET_TTL_MS = 60_000;
/** How often a node refreshes its sockets: well within {@link SOCKET_TTL_MS}. */
export const REFRESH_INTERVAL_MS = 20_000;

export interface PresenceStore {
  /** A console socket of `username` is connected. */
  addSocket(username: string, socketId: string): Promise<void>;
  removeSocket(username: string, socketId: string): Promise<void>;
  setChoice(username: string, choice: PresenceChoice): Promise<void>;
  /** The rep's choice, whether connected or not (default available). */
  choice(username: string): Promise<PresenceChoice>;
  status(username: string): Promise<PresenceStatus>;
  /** Status of each of `usernames` (keys in lower case). */
  statuses(usernames: readonly string[]): Promise<Map<string, PresenceStatus>>;
  /** This node's sockets are still connected (Redis: pushes their expiry forward). */
  refresh(sockets: readonly { username: string; socketId: string }[]): Promise<void>;
}

const lower = (username: string) => username.toLowerCase();

export class MemoryPresenceStore implements PresenceStore {
  readonly #sockets = new Map<string, Set<string>>();
  readonly #choices = new Map<string, PresenceChoice>();

  async addSocket(username: string, socketId: string): Promise<void> {
    const key = lower(username);
    const set = this.#sockets.get(key) ?? new Set<string>();
    set.add(socketId);
    this.#sockets.set(key, set);
  }

  async removeSocket(username: string, socketId: string): Promise<void> {
    const key = lower(username);
    const set = this.#sockets.get(key);
    set?.delete(socketId);
    if (set?.size === 0) this.#sockets.delete(key);
  }

  async setChoice(username: string, choice: PresenceChoice): Promise<void> {
    this.#choices.set(lower(username), choice);
  }

  async choice(username: string): Promise<PresenceChoice> {
    return this.#choices.get(lower(username)) ?? 'available';
  }

  async status(username: string): Promise<PresenceStatus> {
    if (!this.#sockets.get(lower(username))?.size) return 'offline';
    return this.choice(username);
  }

  async statuses(usernames: readonly string[]): Promise<Map<string, PresenceStatus>> {
    const result = new Map<string, PresenceStatus>();
    for (const name of usernames) result.set(lower(name), await this.status(name));
    return result;
  }

  async refresh(): Promise<void> {
    // One node: a socket is removed when it disconnects; nothing can go stale.
  }
}

export class RedisPresenceStore implements PresenceStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly now: () => number = Date.now,
  ) {}

  #socketsKey(username: string): string {
    return `${this.prefix}presence:sockets:${lower(username)}`;
  }

  get #choicesKey(): string {
    return `${this.prefix}presence:choice`;
  }

  async addSocket(username: string, socketId: string): Promise<void> {
    await this.refresh([{ username, socketId }]);
  }

  async removeSocket(username: string, socketId: string): Promise<void> {
    await guard(() => this.redis.zrem(this.#socketsKey(username), socketId));
  }

  async setChoice(username: string, choice: PresenceChoice): Promise<void> {
    await guard(() => this.redis.hset(this.#choicesKey, lower(username), choice));
  }

  async choice(username: string): Promise<PresenceChoice> {
    const value = await guard(() => this.redis.hget(this.#choicesKey, lower(username)));
    return value === 'away' ? 'away' : 'available';
  }

  async status(username: string): Promise<PresenceStatus> {
    return (await this.statuses([username])).get(lower(username)) ?? 'offline';
  }

  async statuses(usernames: readonly string[]): Promise<Map<string, PresenceStatus>> {
    const result = new Map<string, PresenceStatus>();
    if (usernames.length === 0) return result;
    const now = this.now();
    const tx = this.redis.multi();
    for (const name of usernames) tx.zcount(this.#socketsKey(name), now, '+inf');
    tx.hmget(this.#choicesKey, ...usernames.map(lower));
    const replies = (await guard(() => tx.exec())) ?? [];
    const choices = (replies.at(-1)?.[1] ?? []) as (string | null)[];
    usernames.forEach((name, i) => {
      const live = Number(replies[i]?.[1] ?? 0) > 0;
      result.set(lower(name), !live ? 'offline' : choices[i] === 'away' ? 'away' : 'available');
    });
    return result;
  }

  async refresh(sockets: readonly { username: string; socketId: string }[]): Promise<void> {
    if (sockets.length === 0) return;
    const now = this.now();
    const tx = this.redis.multi();
    for (const { username, socketId } of sockets) {
      const key = this.#socketsKey(username);
      tx.zadd(key, now + SOCKET_TTL_MS, socketId);
      tx.zremrangebyscore(key, '-inf', now); // sockets of a node that died
      tx.pexpire(key, SOCKET_TTL_MS * 2);
    }
    await guard(() => tx.exec());
  }
}

/** The colleagues a rep sees (`desk-queue.colleagues`): every other rep of the config, with presence. */
export async function listColleagues(config: DeskConfig, store: PresenceStore, except?: string): Promise<Colleague[]> {
  const reps = config.reps.filter((rep) => rep.username.toLowerCase() !== except?.toLowerCase());
  const statuses = await store.statuses(reps.map((rep) => rep.username));
  return reps.map((rep) => ({ username: rep.username, displayName: rep.displayName, presence: statuses.get(lower(rep.username)) ?? 'offline', queues: [...rep.queues] }));
}

async function guard<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw new StoreUnavailableError(err instanceof Error ? err.message : String(err), { cause: err });
  }
}
