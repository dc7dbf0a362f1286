/**
 * Rate limits, behind a small interface so that a shared store (Redis, for several nodes) can
 * replace the in-memory one without touching the server: build the same shapes with
 * `RateLimiterRedis` and {@link flexibleLimiter}, and pass them as `createParleyServer`'s
 * `limiters` option.
 */
import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
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
  /** Forgets a key (a socket that disconnected). */
  forget(key: string): Promise<void>;
}

export interface Limiters {
  /** `join-room` requests per client IP. */
  joins: Limiter;
  /** Every inbound event per socket. */
  messages: Limiter;
}

/** Anything shaped like a rate-limiter-flexible limiter (memory, Redis, bursty, …). */
interface FlexibleLimiter {
  consume(key: string | number, points?: number): Promise<RateLimiterRes>;
  delete(key: string | number): Promise<boolean>;
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
  };
}

/** In-memory limiters for one node. */
export function createMemoryLimiters(config: Pick<Config, 'joinsPerMinutePerIp' | 'messagesPerSecondPerSocket' | 'messageBurstPerSocket'>): Limiters {
  const joins = new RateLimiterMemory({ keyPrefix: 'joins', points: config.joinsPerMinutePerIp, duration: 60 });
  const perSecond = new RateLimiterMemory({ keyPrefix: 'msg', points: config.messagesPerSecondPerSocket, duration: 1 });
  if (config.messageBurstPerSocket === 0) return { joins: flexibleLimiter(joins), messages: flexibleLimiter(perSecond) };
  // The burst pool is only drawn from when the per-second budget is spent.
  const burst = new RateLimiterMemory({ keyPrefix: 'msg-burst', points: config.messageBurstPerSocket, duration: 10 });
  const bursty = new BurstyRateLimiter(perSecond, burst);
  return {
    joins: flexibleLimiter(joins),
    messages: flexibleLimiter({
      consume: (key, points) => bursty.consume(key, points),
      delete: async (key) => {
        const [a, b] = await Promise.all([perSecond.delete(key), burst.delete(key)]);
        return a || b;
      },
    }),
  };
}
