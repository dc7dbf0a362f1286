/**
 * Several signaling nodes on one Redis (`REDIS_URL`): the Redis connections, the socket.io Redis
 * adapter, and whether Redis is reachable (readiness).
 *
 * Adapter: `@socket.io/redis-adapter` (Redis pub/sub), not the Redis Streams adapter. What crosses
 * nodes is a relay to one socket, delivered at once or not at all; the Streams adapter's
 * advantage, replaying what a node missed while its Redis link was down (and socket.io's
 * connection state recovery built on it), would keep every relayed (sealed) message in a Redis
 * stream until trimmed, and Parley already recovers on its own: a client that lost its node
 * resumes its room with the room proof (`resume-room`), and sealed messages of a lost link are
 * never replayed anyway (each re-pairing starts a new epoch). Pub/sub stores nothing.
 *
 * Commands fail fast while Redis is down (no offline queue, a command timeout): the server then
 * refuses requests with `SERVICE_UNAVAILABLE` instead of waiting or splitting state, and
 * `/readyz` says unavailable so a load balancer sends new clients elsewhere.
 */
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis, type RedisOptions } from 'ioredis';
import type { Server } from 'socket.io';
import { errorField, type Logger } from './logger.ts';
import type { Readiness } from './ops-http.ts';

export interface Cluster {
  /** For room scripts and rate limits: rejects at once while Redis is unreachable. */
  readonly redis: Redis;
  readiness(): Readiness;
  /** Routes socket.io broadcasts (and `io.to(socketId)`) through Redis to every node. */
  attach(io: Server): void;
  /**
   * Plain pub/sub between the nodes (the desk config's "saved, reload it"): `publish` on the
   * adapter's publisher, messages heard on a subscriber connection of their own (one for all
   * such channels), so the adapter's subscriber only ever carries socket.io traffic.
   */
  subscribe(channel: string, onMessage: (message: string) => void): Promise<void>;
  publish(channel: string, message: string): Promise<void>;
  close(): Promise<void>;
}

/** How long one Redis command may take before the request is refused. */
const COMMAND_TIMEOUT_MS = 2000;

const reconnectDelay = (attempt: number) => Math.min(100 * 2 ** Math.min(attempt, 5), 2000);

export function connectCluster(url: string, logger: Logger, prefix: string): Cluster {
  const common: RedisOptions = { retryStrategy: reconnectDelay, connectionName: 'parley-signaling' };
  // No resending after a reconnect: a room script whose answer was lost may have run, and running
  // it twice would hand out a second code or lose the first run's notifications.
  const redis = new Redis(url, {
    ...common,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: COMMAND_TIMEOUT_MS,
    autoResendUnfulfilledCommands: false,
  });
  // The adapter publishes without awaiting: its client queues while Redis is away instead of
  // rejecting (an unhandled rejection). Little is queued meanwhile: every request first needs
  // `redis` above, which refuses.
  const pub = new Redis(url, { ...common, maxRetriesPerRequest: null });
  const sub = new Redis(url, { ...common, maxRetriesPerRequest: null });
  // The adapter drops the promises of these calls; one that fails (Redis gone at shutdown) must
  // not become an unhandled rejection, which would stop the process.
  muteRejections(pub, ['publish']);
  muteRejections(sub, ['punsubscribe', 'unsubscribe']);

  /** The subscriber for {@link Cluster.subscribe}, made at the first subscription. */
  let events: Redis | null = null;
  const handlers = new Map<string, (message: string) => void>();

  let up = false;
  redis.on('ready', () => {
    if (!up) logger.info({ event: 'redis-ready' }, 'Redis reachable');
    up = true;
  });
  redis.on('end', () => (up = false));
  redis.on('close', () => {
    if (up) logger.error({ event: 'redis-down' }, 'Redis unreachable: refusing new sessions until it is back');
    up = false;
  });
  // ioredis reports every failed reconnect attempt: logged once per outage (above), details at debug.
  for (const client of [redis, pub, sub]) client.on('error', (err: unknown) => logger.debug({ event: 'redis-error', err: errorField(err) }));

  return {
    redis,
    readiness() {
      const ok = up && redis.status === 'ready' && sub.status === 'ready';
      return { ready: ok, checks: { redis: ok ? 'ok' : 'down' } };
    },
    attach(io) {
      io.adapter(createAdapter(pub, sub, { key: `${prefix}socket.io` }));
    },
    async subscribe(channel, onMessage) {
      if (!events) {
        const client = (events = new Redis(url, { ...common, maxRetriesPerRequest: null }));
        client.on('error', (err: unknown) => logger.debug({ event: 'redis-error', err: errorField(err) }));
        client.on('message', (heard: string, message: string) => handlers.get(heard)?.(message));
      }
      handlers.set(`${prefix}${channel}`, onMessage);
      await events.subscribe(`${prefix}${channel}`);
    },
    async publish(channel, message) {
      await pub.publish(`${prefix}${channel}`, message);
    },
    async close() {
      // Not QUIT: it would wait for a Redis that may be the reason for stopping.
      for (const client of [redis, pub, sub, events]) client?.disconnect();
    },
  };
}

/** Wraps `methods` of `client` so that a rejection nobody awaits is ignored (callers that await still see it). */
function muteRejections(client: Redis, methods: readonly ('publish' | 'punsubscribe' | 'unsubscribe')[]): void {
  for (const method of methods) {
    const original = client[method].bind(client) as (...args: unknown[]) => Promise<unknown>;
    (client as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      const result = original(...args);
      result.catch(() => {});
      return result;
    };
  }
}
