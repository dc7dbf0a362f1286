/**
 * Rate limits, behind a small interface so that a shared store (Redis, for several nodes) can
 * replace the in-memory one without touching the server: build the same shapes with
 * `RateLimiterRedis` and {@link flexibleLimiter}, and pass them as `createParleyServer`'s
 * `limiters` option.
 */
import { isIP } from 'node:net';
import type { Redis } from 'ioredis';
import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { StoreUnavailableError } from './room-types.ts';
import type { Config } from './config.ts';

/** One decision of a limiter. */
export interface LimitDecision {
  allowed: boolean;
  /** When `allowed` is false: milliseconds until the next point is available. */
  retryAfterMs: number;
}

/** Counts events per key. */
export interface Limiter {
  consume(key: string): Promise<LimitDecision>;
  /**
   * Whether `consume` would be allowed now, without counting anything (for limits that only count
   * failures, like refused `resume-room`s). Optional: without it the caller consumes instead.
   */
  peek?(key: string): Promise<LimitDecision>;
  /** Forgets a key (a socket that disconnected). */
  forget(key: string): Promise<void>;
}

export interface Limiters {
  /** `join-room` requests per client (key: {@link rateLimitKey}, an IPv6 client by its /64). */
  joins: Limiter;
  /** `create-room` requests per client (same key as `joins`). */
  rooms: Limiter;
  /** Every inbound event per socket. */
  messages: Limiter;
}

/** Anything shaped like a rate-limiter-flexible limiter (memory, Redis, bursty, …). */
interface FlexibleLimiter {
  consume(key: string | number, points?: number): Promise<RateLimiterRes>;
  delete(key: string | number): Promise<boolean>;
  get?(key: string | number): Promise<RateLimiterRes | null>;
}

/** Adapts a rate-limiter-flexible limiter: a rejection with `RateLimiterRes` means "limited". */
export function flexibleLimiter(limiter: FlexibleLimiter): Limiter {
  return {
    async consume(key) {
      try {
        await limiter.consume(key, 1);
        return { allowed: true, retryAfterMs: 0 };
      } catch (err) {
        if (err instanceof RateLimiterRes) return { allowed: false, retryAfterMs: Math.max(0, err.msBeforeNext) };
        throw err; // a store error: the caller decides
      }
    },
    async forget(key) {
      await limiter.delete(key);
    },
    ...(limiter.get
      ? {
          async peek(key: string): Promise<LimitDecision> {
            const res = await limiter.get?.(key);
            if (!res || res.remainingPoints > 0) return { allowed: true, retryAfterMs: 0 };
            return { allowed: false, retryAfterMs: Math.max(0, res.msBeforeNext) };
          },
        }
      : {}),
  };
}

/** In-memory limiters for one node. */
export function createMemoryLimiters(
  config: Pick<Config, 'joinsPerMinutePerIp' | 'roomsPerMinutePerIp' | 'messagesPerSecondPerSocket' | 'messageBurstPerSocket'>,
): Limiters {
  const joins = flexibleLimiter(new RateLimiterMemory({ keyPrefix: 'joins', points: config.joinsPerMinutePerIp, duration: 60 }));
  const rooms = flexibleLimiter(new RateLimiterMemory({ keyPrefix: 'rooms', points: config.roomsPerMinutePerIp, duration: 60 }));
  const perSecond = new RateLimiterMemory({ keyPrefix: 'msg', points: config.messagesPerSecondPerSocket, duration: 1 });
  if (config.messageBurstPerSocket === 0) return { joins, rooms, messages: flexibleLimiter(perSecond) };
  // The burst pool is only drawn from when the per-second budget is spent.
  const burst = new RateLimiterMemory({ keyPrefix: 'msg-burst', points: config.messageBurstPerSocket, duration: 10 });
  const bursty = new BurstyRateLimiter(perSecond, burst);
  return {
    joins,
    rooms,
    messages: flexibleLimiter({
      consume: (key, points) => bursty.consume(key, points),
      delete: async (key) => {
        const [a, b] = await Promise.all([perSecond.delete(key), burst.delete(key)]);
        return a || b;
      },
    }),
  };
}

/**
 * Limiters for several nodes: joins and room creations per client counted in Redis (a client
 * cannot multiply its budget by the number of nodes); messages per socket stay in memory (a
 * socket lives on one node). A Redis failure rejects with {@link StoreUnavailableError}.
 */
export function createRedisLimiters(
  config: Pick<Config, 'joinsPerMinutePerIp' | 'roomsPerMinutePerIp' | 'messagesPerSecondPerSocket' | 'messageBurstPerSocket'>,
  redis: Redis,
  prefix: string,
): Limiters {
  const shared = (keyPrefix: string, points: number) =>
    storeGuarded(flexibleLimiter(new RateLimiterRedis({ storeClient: redis, keyPrefix: `${prefix}limit:${keyPrefix}`, points, duration: 60 })));
  return {
    ...createMemoryLimiters(config),
    joins: shared('joins', config.joinsPerMinutePerIp),
    rooms: shared('rooms', config.roomsPerMinutePerIp),
  };
}

/** A limiter whose store errors become {@link StoreUnavailableError} (refused, not crashed). */
function storeGuarded(limiter: Limiter): Limiter {
  const guard = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (err) {
      throw new StoreUnavailableError(err instanceof Error ? err.message : String(err), { cause: err });
    }
  };
  const peek = limiter.peek?.bind(limiter);
  return {
    consume: (key) => guard(() => limiter.consume(key)),
    forget: (key) => guard(() => limiter.forget(key)),
    ...(peek ? { peek: (key: string) => guard(() => peek(key)) } : {}),
  };
}

/**
 * The key per-IP limits count against: an IPv4 address as it is (also when written IPv4-mapped,
 * `::ffff:203.0.113.9`, as a dual-stack listener reports IPv4 clients); an IPv6 address by its
 * /64 prefix (`2001:db8:1:2::/64`), since one subscriber or host usually holds a whole /64 and
 * could otherwise rotate through it. Anything else (not an IP address) is returned unchanged.
 */
export function rateLimitKey(address: string): string {
  if (isIP(address) !== 6) return address; // IPv4, or not an address at all
  const groups = ipv6Groups(address);
  if (!groups) return address;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [high = 0, low = 0] = groups.slice(6);
    return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
  }
  return `${groups.slice(0, 4).map((g) => g.toString(16)).join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (zone index and dotted IPv4 tail allowed). */
function ipv6Groups(address: string): number[] | null {
  let text = address.split('%')[0] ?? '';
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail, ...rest] = text.split('::');
  if (rest.length > 0) return null;
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return null;
  const groups = [...left, ...new Array<number>(missing).fill(0), ...right];
  return groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null;
}
