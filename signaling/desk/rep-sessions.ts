/**
 * Where rep sign-in sessions live: in memory (one node), or in Redis (`REDIS_URL`, so any node
 * knows the rep). Keyed by the SHA-256 of the cookie's token: the token itself is never stored,
 * so reading the store (a Redis dump) does not give a working cookie.
 */
import type { Redis } from 'ioredis';
import * as v from 'valibot';
import { StoreUnavailableError } from '../room-types.ts';

export interface RepSession {
  username: string;
  /** When the rep signed in (ms): the absolute limit counts from here. */
  createdAt: number;
  /** Last request with this cookie (ms): the idle limit counts from here. */
  lastSeenAt: number;
  /** Fingerprint of the password hash signed in with: a changed password ends the session. */
  credential: string;
}

const RepSessionSchema = v.object({ username: v.string(), createdAt: v.number(), lastSeenAt: v.number(), credential: v.string() });

export interface RepSessionStore {
  /** Stores a session that the store may forget after `ttlMs`. */
  put(id: string, session: RepSession, ttlMs: number): Promise<void>;
  get(id: string): Promise<RepSession | null>;
  delete(id: string): Promise<void>;
  /** Ends every session of `username` (case-insensitive); answers their ids. */
  deleteUser(username: string): Promise<string[]>;
}

/** One node's sessions, forgotten when they expire (checked on read and on each write). */
export class MemoryRepSessionStore implements RepSessionStore {
  readonly #sessions = new Map<string, { session: RepSession; expiresAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async put(id: string, session: RepSession, ttlMs: number): Promise<void> {
    this.#sweep();
    this.#sessions.set(id, { session: { ...session }, expiresAt: this.now() + ttlMs });
  }

  async get(id: string): Promise<RepSession | null> {
    const entry = this.#sessions.get(id);
    if (!entry) return null;
    if (entry.expiresAt <= this.now()) {
      this.#sessions.delete(id);
      return null;
    }
    return { ...entry.session };
  }

  async delete(id: string): Promise<void> {
    this.#sessions.delete(id);
  }

  async deleteUser(username: string): Promise<string[]> {
    const name = username.toLowerCase();
    const ended = [...this.#sessions].filter(([, e]) => e.session.username.toLowerCase() === name).map(([id]) => id);
    for (const id of ended) this.#sessions.delete(id);
    return ended;
  }

  get size(): number {
    return this.#sessions.size;
  }

  #sweep(): void {
    const now = this.now();
    for (const [id, entry] of this.#sessions) if (entry.expiresAt <= now) this.#sessions.delete(id);
  }
}

/**
 * Sessions in Redis: `<prefix>rep-session:<id>` (JSON, expiring with the session) and a set per
 * rep, `<prefix>rep-sessions:<username>`, to end them all when the config changes. Set members
 * whose session expired are dropped when the set is next read.
 */
export class RedisRepSessionStore implements RepSessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  #key(id: string): string {
    return `${this.prefix}rep-session:${id}`;
  }

  #userKey(username: string): string {
    return `${this.prefix}rep-sessions:${username.toLowerCase()}`;
  }

  async put(id: string, session: RepSession, ttlMs: number): Promise<void> {
    await guard(() =>
      this.redis
        .multi()
        .set(this.#key(id), JSON.stringify(session), 'PX', Math.max(1, Math.ceil(ttlMs)))
        .sadd(this.#userKey(session.username), id)
        // The set outlives each session by at most the longest session (24 h absolute).
        .pexpire(this.#userKey(session.username), 25 * 3600 * 1000)
        .exec(),
    );
  }

  async get(id: string): Promise<RepSession | null> {
    const text = await guard(() => this.redis.get(this.#key(id)));
    if (text === null) return null;
    try {
      const parsed = v.safeParse(RepSessionSchema, JSON.parse(text));
      return parsed.success ? parsed.output : null;
    } catch {
      return null;
    }
  }

  async delete(id: string): Promise<void> {
    const session = await this.get(id);
    await guard(async () => {
      const tx = this.redis.multi().del(this.#key(id));
      if (session) tx.srem(this.#userKey(session.username), id);
      await tx.exec();
    });
  }

  async deleteUser(username: string): Promise<string[]> {
    const ids = await guard(() => this.redis.smembers(this.#userKey(username)));
    if (ids.length === 0) return [];
    await guard(() =>
      this.redis
        .multi()
        .del(...ids.map((id) => this.#key(id)), this.#userKey(username))
        .exec(),
    );
    return ids;
  }
}

async function guard<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw new StoreUnavailableError(err instanceof Error ? err.message : String(err), { cause: err });
  }
}
