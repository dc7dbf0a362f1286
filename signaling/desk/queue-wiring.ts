/**
 * The support desk queue on one server: the queue engine (in memory, or with REDIS_URL one
 * shared state on a Redis connection of its own), the desk socket handlers over it, and the
 * cross-node join a desk accept needs (the customer's socket may be on another node).
 */
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import type { Server } from 'socket.io';
import { ErrorCode } from '../../protocol/errors.ts';
import type { Cluster } from '../cluster.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { ParleyMetrics } from '../metrics.ts';
import { flexibleLimiter } from '../rate-limit.ts';
import type { Rooms, ServerEventName, ServerEventPayload } from '../room-types.ts';
import type { RoomSocket } from '../rooms.ts';
import { iceSettingsFor } from '../turn.ts';
import { createDeskHandlers } from './handlers.ts';
import { MemoryDeskQueue } from './queue-memory.ts';
import { RedisDeskQueue } from './queue-redis.ts';
import { RedisInvitations } from './redis-invitations.ts';
import { deskSettings } from './settings.ts';

/** Customers' `desk-request`s per minute per IP (an IPv6 client by its /64). */
const DESK_REQUESTS_PER_MINUTE_PER_IP = 10;

type Deliver = <E extends ServerEventName>(socketId: string, event: E, payload: ServerEventPayload<E>) => void;

interface ServerSideEmitter {
  serverSideEmit(event: string, payload: unknown, ack: (err: unknown, responses: unknown[]) => void): void;
  on(event: string, listener: (req: { socketId: string; nameplate: string }, ack: (answer: unknown) => void) => void): void;
}

export interface DeskQueueWiring {
  handlers: ReturnType<typeof createDeskHandlers>;
  /** Closes the queue's own Redis connection (none in memory). */
  close(): void;
}

export function wireDeskQueue(o: { config: Config; cluster: Cluster | null; io: Server; rooms: Rooms; deliver: Deliver; metrics: ParleyMetrics; logger: Logger }): DeskQueueWiring {
  const { config, cluster, io, rooms, deliver } = o;
  const redis = cluster?.redis.duplicate() ?? null;
  const log = (event: string, fields?: Record<string, string | number>) => o.logger.debug({ event, ...fields });
  const queueOptions = { deliver, settings: deskSettings, log };
  const requestLimit = { keyPrefix: `${config.redisPrefix}limit:desk-requests`, points: DESK_REQUESTS_PER_MINUTE_PER_IP, duration: 60 };

  /**
   * A desk accept on this node puts a customer's socket in the new room: the join must run on
   * the node that holds that socket (the room store records its node, and its relays are
   * checked there), so another node is asked through the adapter (`desk-join`).
   */
  type JoinAnswer = Awaited<ReturnType<Rooms['join']>>;
  const socketPeer = (id: string): RoomSocket => ({ id, emit: (event, payload) => deliver(id, event, payload) });
  const emitter = io as unknown as ServerSideEmitter;
  const joinOnItsNode = async (socketId: string, nameplate: string): Promise<JoinAnswer> => {
    if (io.sockets.sockets.has(socketId)) return rooms.join(socketPeer(socketId), nameplate);
    if (!cluster) return { ok: false, error: ErrorCode.PEER_GONE };
    // The Redis adapter answers with every node's response, or what came within its request timeout (5 s).
    const answers = await new Promise<unknown[]>((resolve) => emitter.serverSideEmit('desk-join', { socketId, nameplate }, (_err, responses) => resolve(responses ?? [])));
    const answer = answers.find((a): a is JoinAnswer => typeof a === 'object' && a !== null && 'ok' in a);
    return answer ?? { ok: false, error: ErrorCode.PEER_GONE };
  };
  emitter.on('desk-join', ({ socketId, nameplate }, ack) => {
    // Only the node holding the socket answers with a result; the others say so with null.
    if (!io.sockets.sockets.has(socketId)) return ack(null);
    Promise.resolve(rooms.join(socketPeer(socketId), nameplate)).then(ack, () => ack({ ok: false, error: ErrorCode.SERVICE_UNAVAILABLE }));
  });

  const handlers = createDeskHandlers({
    queue: redis ? new RedisDeskQueue({ ...queueOptions, redis, prefix: config.redisPrefix }) : new MemoryDeskQueue(queueOptions),
    ...(redis ? { invitations: new RedisInvitations({ redis, prefix: config.redisPrefix }) } : {}),
    rooms,
    deliver,
    joinRoom: (socket, nameplate) => joinOnItsNode(socket.id, nameplate),
    requests: flexibleLimiter(cluster ? new RateLimiterRedis({ storeClient: cluster.redis, ...requestLimit }) : new RateLimiterMemory(requestLimit)),
    roomSettings: () => ({ ...iceSettingsFor(config, Date.now()), filePolicy: config.filePolicy }),
    log,
    accepted: (queue, waitedMs) => o.metrics.queueAccepted(queue, waitedMs),
  });
  return { handlers, close: () => redis?.disconnect() };
}
