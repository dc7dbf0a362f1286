/**
 * HTTP + socket.io wiring of the signaling server. Room logic lives in `rooms.ts`, who may connect in
 * `connection-gate.ts`, the support desk queue in `desk/queue-wiring.ts`; this module
 * validates everything that comes in, applies the rate limits and serves the built client.
 *
 * Every inbound socket.io event goes through one per-socket middleware that handles it in
 * arrival order on a promise queue (the rate limiters are asynchronous, and a relay must never
 * overtake the one sent before it). Events are parsed from `unknown` with the protocol schemas;
 * anything invalid answers `server-error {code: 'MALFORMED'}` (and `{ok: false, error:
 * 'MALFORMED'}` to an ack). Unknown event names are ignored (forward compatibility) but count
 * against the rate limit. A `relay` over the rate limit, or a socket that stays over it for
 * several windows, gets `server-error RATE_LIMITED` and is disconnected (see `rateLimited`).
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket } from 'socket.io';
import * as v from 'valibot';
import { fromBase64Url } from '../protocol/base64.ts';
import { ErrorCode } from '../protocol/errors.ts';
import {
  ClaimRoomRequestSchema,
  ClientEvent,
  CreateRoomRequestSchema,
  JoinRoomRequestSchema,
  MAX_RELAY_CHARS,
  MAX_SOCKET_MESSAGE_BYTES,
  RelaySchema,
  ResumeRoomRequestSchema,
  RoomRefSchema,
  ServerEvent,
  TurnCredentialsRequestSchema,
  type ClaimRoomResult,
  type ClientToServerEvents,
  type CreateRoomResult,
  type JoinRoomResult,
  type ResumeRoomResult,
  type ServerToClientEvents,
  type TurnCredentialsResult,
} from '../protocol/signaling.ts';
import type { Config } from './config.ts';
import { DEFAULT_STATIC_DIR, clientIp, createStaticHandler, handleHttp, originAllowed, securityHeaders, sendText } from './http.ts';
import { createLogger, errorField, type Logger } from './logger.ts';
import { connectCluster, type Cluster } from './cluster.ts';
import { ParleyMetrics } from './metrics.ts';
import { ALWAYS_READY, opsRoutes, type Readiness, type ReadinessCheck } from './ops-http.ts';
import { createMemoryLimiters, createRedisLimiters, rateLimitKey, type Limiters } from './rate-limit.ts';
import { RedisRoomManager } from './redis-rooms.ts';
import { StoreUnavailableError, type Rooms, type ServerEventName, type ServerEventPayload } from './room-types.ts';
import { RoomManager, type RoomManagerOptions, type RoomSocket } from './rooms.ts';
import { Lifecycle, gracefulShutdown, refuseSignalingWhileDraining } from './shutdown.ts';
import { connectionGate } from './connection-gate.ts';
import { iceSettingsFor } from './turn.ts';
import { setDeskSettingsSource } from './desk/settings.ts';
import { wireDeskQueue } from './desk/queue-wiring.ts';
import { DeskClientEvent } from '../protocol/desk.ts';
import { repIdentityOf } from './desk/identity.ts';
import { createDesk, type Desk, type DeskOptions } from './desk/desk.ts';

export { CONTENT_SECURITY_POLICY, SECURITY_HEADERS } from './http.ts';
export type { Readiness, ReadinessCheck } from './ops-http.ts';

export type ParleyIo = Server<ClientToServerEvents, ServerToClientEvents>;
type ParleySocket = Socket<ClientToServerEvents, ServerToClientEvents>;

export interface ParleyServerOptions {
  /** Built client to serve (default `client/dist` next to this repository's `signaling/`). */
  staticDir?: string;
  /**
   * Test hook: every inbound engine.io message packet, as received (socket.io encoding, e.g.
   * `2["relay",{"data":"…"}]`). `socketId` is the engine.io connection id.
   */
  onSocketFrame?(socketId: string, frame: string | Buffer): void;
  /**
   * Test hook: rewrites relayed data (a tampering relay); `null` drops it. `from` is the
   * sender's socket id (see `rooms.relay` to inject messages in either direction).
   */
  transformRelay?(data: string, from: string): string | null;
  logger?: Logger;
  /** Rate limiters (default: in memory, or on Redis with `REDIS_URL`, from the config). */
  limiters?: Limiters;
  /** Where the counters go (default: a new {@link ParleyMetrics}), served at `/metrics`. */
  metrics?: ParleyMetrics;
  /** What `/readyz` checks besides draining (default: always ready; a shared store plugs in here). */
  readiness?: ReadinessCheck;
  /** The desk's stores and clock (default: from the config, in memory or on Redis). */
  desk?: Pick<DeskOptions, 'settings' | 'sessions' | 'lockouts' | 'presence' | 'now'>;
  /** The desk config's request webhook, read per request (its origin joins the rep console's CSP `connect-src`). */
  requestWebhook?: () => string;
}

export interface ParleyServer {
  httpServer: HttpServer;
  io: ParleyIo;
  rooms: Rooms;
  metrics: ParleyMetrics;
  /** The support desk: config, rep accounts, presence (signaling/desk/). */
  desk: Desk;
  /** Whether this node can take new sessions (Redis reachable, when configured). */
  readiness(): Readiness;
  listen(): Promise<{ port: number }>;
  /** Closes at once: clients see the connection drop and reconnect (to this address). */
  close(): Promise<void>;
  /**
   * Graceful shutdown (shutdown.ts): `/readyz` 503 and new connections refused for `drainMs`,
   * then every client sent away to reconnect elsewhere, then closed. Calling it again answers the
   * same promise.
   */
  shutdown(drainMs: number): Promise<void>;
}

/** Events queued per socket before new ones are refused outright. */
const MAX_PENDING_EVENTS = 256;
/** A socket limited in this many consecutive limiting windows is disconnected. */
const MAX_LIMITED_WINDOWS = 3;
/**
 * Limiting windows count as consecutive when the next one starts at most this long after the
 * previous one ended: the per-second limiter's period, so any sender that stays above the rate
 * (even slightly) is caught, and one that paused for a second starts afresh.
 */
const CONSECUTIVE_WINDOW_GAP_MS = 1000;
const SWEEP_INTERVAL_MS = 1000;

type AckFn = (result: unknown) => void;

export function createParleyServer(config: Config, options: ParleyServerOptions = {}): ParleyServer {
  const logger = options.logger ?? createLogger(config.logLevel);
  const cluster: Cluster | null = config.redisUrl ? connectCluster(config.redisUrl, logger, config.redisPrefix) : null;
  const limiters = options.limiters ?? (cluster ? createRedisLimiters(config, cluster.redis, config.redisPrefix) : createMemoryLimiters(config));
  const metrics = options.metrics ?? new ParleyMetrics();
  const lifecycle = new Lifecycle();
  const roomOptions: RoomManagerOptions = {
    codeTtlMs: config.codeTtlSeconds * 1000,
    roomsPerSocket: config.roomsPerSocket,
    maxRooms: config.maxRooms,
    tombstoneTtlMs: config.tombstoneTtlSeconds * 1000,
    maxTombstones: config.maxTombstones,
    rejoinWindowMs: config.rejoinWindowSeconds * 1000,
    log: (level, event, fields) => {
      metrics.onRoomEvent(event);
      logger[level]({ event, ...fields });
    },
  };
  /** An event to a socket on this node, or through the Redis adapter to the node that has it. */
  const deliver = <E extends ServerEventName>(socketId: string, event: E, payload: ServerEventPayload<E>) => {
    const emit = (target: { emit(event: string, payload: unknown): unknown }) => target.emit(event, payload);
    const local = io.sockets.sockets.get(socketId);
    emit(local ?? io.to(socketId));
  };
  const rooms: Rooms = cluster
    ? new RedisRoomManager({ ...roomOptions, redis: cluster.redis, prefix: config.redisPrefix, deliver, onTakenOver: () => reconnectEveryone() })
    : new RoomManager(roomOptions);
  /**
   * Closes every client's connection at the transport level: socket.io clients reconnect by
   * themselves and resume their rooms (see shutdown.ts). Answers how many.
   */
  const reconnectEveryone = () => {
    const sockets = [...io.of('/').sockets.values()];
    for (const socket of sockets) socket.conn.close();
    return sockets.length;
  };
  const readiness = (): Readiness => cluster?.readiness() ?? { ready: true, checks: {} };
  const serveStatic = createStaticHandler(options.staticDir ?? DEFAULT_STATIC_DIR);
  const headers = securityHeaders(config);
  const routes = opsRoutes({ metrics, metricsToken: config.metricsToken, readiness: options.readiness ?? (cluster ? async () => readiness() : ALWAYS_READY), draining: () => lifecycle.draining, logger });
  const desk = createDesk({ config, cluster, logger, metrics, ...options.desk });
  // The queue engine reads the same live desk config (admin edits apply at once).
  setDeskSettingsSource(() => desk.settings.current());
  const content = { cannedJson: () => JSON.stringify({ items: desk.cannedMessages() }), headers, routes, api: desk.handleHttp, requestWebhook: options.requestWebhook ?? (() => desk.settings.current().requestWebhook) };
  const httpServer = createServer((req, res) => {
    // Promise.resolve().then: a synchronous throw and a rejected route end up in the same catch.
    Promise.resolve()
      .then(() => handleHttp(req, res, serveStatic, content))
      .catch((err: unknown) => {
        logger.error({ event: 'http-error', err: errorField(err) });
        if (!res.headersSent) sendText(res, 500, 'Internal error\n');
        else res.destroy();
      });
  });

  const io: ParleyIo = new Server<ClientToServerEvents, ServerToClientEvents>(httpServer, {
    maxHttpBufferSize: MAX_SOCKET_MESSAGE_BYTES,
    serveClient: false,
    ...(config.corsOrigins.length > 0 ? { cors: { origin: config.corsOrigins, credentials: false } } : {}),
    // Browsers do not apply CORS to WebSockets: refuse foreign origins here for every transport.
    allowRequest: (req, callback) => {
      const allowed = originAllowed(req, config);
      if (!allowed) metrics.connectionRefused('ORIGIN');
      callback(null, allowed);
    },
  });
  // Draining: a client connecting now would be sent away in seconds; let it find another node.
  refuseSignalingWhileDraining(httpServer, () => lifecycle.draining, () => metrics.connectionRefused('DRAINING'));
  io.engine.on('headers', (engineHeaders: Record<string, string>) => Object.assign(engineHeaders, headers));
  const deskWiring = wireDeskQueue({ config, cluster, io, rooms, deliver, metrics, logger });
  const deskQueue = deskWiring.handlers;
  metrics.setSnapshotSource(async () => {
    const stats = await Promise.resolve(rooms.stats()); // the room store may answer asynchronously
    return { waiting: stats.waiting, paired: stats.paired, away: stats.away, sockets: io.of('/').sockets.size, queues: await deskQueue.queue.lengths() };
  });
  cluster?.attach(io);

  if (options.onSocketFrame) {
    const hook = options.onSocketFrame;
    io.engine.on('connection', (conn: EngineConnection) => {
      conn.on('packet', (packet) => {
        if (packet.type !== 'message' || packet.data === undefined || packet.data === null) return;
        const data = packet.data;
        const frame = typeof data === 'string' ? data : Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer);
        try {
          hook(conn.id, frame);
        } catch (err) {
          logger.error({ event: 'frame-hook-error', err: errorField(err) });
        }
      });
    });
  }

  io.use(connectionGate(config, metrics, logger));
  desk.attach(io); // who the rep of each socket is (its sign-in cookie)

  let nextConnectionId = 1;
  io.on('connection', (socket) => {
    const conn = nextConnectionId++;
    logger.debug({ event: 'connect', conn, connections: io.engine.clientsCount });
    handleSocket(socket, conn);
  });

  function handleSocket(socket: ParleySocket, conn: number): void {
    const ip = rateLimitKey(clientIp(socket, config.trustProxy)); // an IPv6 client: its /64
    const peer: RoomSocket = {
      id: socket.id,
      emit: (event, payload) => {
        (socket as unknown as { emit(event: string, payload: unknown): boolean }).emit(event, payload);
      },
    };
    const serverError = (code: ErrorCode) => socket.emit(ServerEvent.ServerError, { code });

    let queue: Promise<void> = Promise.resolve();
    let pending = 0;
    /** End of the current limiting window (the limiter's retry time, at least 100 ms). */
    let limitedUntil = 0;
    /** Limiting windows in a row, each starting within CONSECUTIVE_WINDOW_GAP_MS of the last one's end. */
    let limitedWindows = 0;
    /** Set when the socket is being disconnected for rate limiting: nothing more of it is handled. */
    let kicked = false;
    const enqueue = (task: () => Promise<void> | void) => {
      pending++;
      queue = queue
        .then(task)
        .catch((err: unknown) => logger.error({ event: 'handler-error', conn, err: errorField(err) }))
        .finally(() => {
          pending--;
        });
    };
    /** Tells the socket `RATE_LIMITED`, then disconnects it; the room logic tells its peer as on any disconnect. */
    const kick = (reason: 'relay' | 'persistent') => {
      if (kicked) return;
      kicked = true;
      serverError(ErrorCode.RATE_LIMITED);
      logger.info({ event: 'rate-limit-disconnect', conn, reason });
      socket.disconnect(true); // the server-error is flushed before the connection closes
    };
    /**
     * An event over the per-socket rate or the queue limit:
     * - a `relay` disconnects the socket (after `server-error RATE_LIMITED`). Relays carry
     *   counter-sealed frames: dropping one would make the receiver see a skipped counter and
     *   report tampering (burning the room) for what was only rate limiting. A clean disconnect
     *   shows up as the peer leaving instead;
     * - any other event is dropped (its ack, if any, answered `RATE_LIMITED`) with one
     *   `server-error RATE_LIMITED` per limiting window; the socket is disconnected once it has
     *   been limited in MAX_LIMITED_WINDOWS consecutive windows (a sender that never slows down).
     */
    const rateLimited = (name: unknown, ack: AckFn | undefined, retryAfterMs: number) => {
      ack?.({ ok: false, error: ErrorCode.RATE_LIMITED });
      metrics.rateLimited('message');
      if (kicked) return;
      if (name === ClientEvent.Relay) return kick('relay');
      const now = Date.now();
      if (now < limitedUntil) return; // same window: one notice per window, not one per message
      limitedWindows = now - limitedUntil <= CONSECUTIVE_WINDOW_GAP_MS ? limitedWindows + 1 : 1;
      limitedUntil = now + Math.max(retryAfterMs, 100);
      if (limitedWindows >= MAX_LIMITED_WINDOWS) return kick('persistent');
      serverError(ErrorCode.RATE_LIMITED);
      logger.debug({ event: 'rate-limited', conn });
    };
    const malformed = (ack: AckFn | undefined, code: ErrorCode = ErrorCode.MALFORMED) => {
      serverError(code);
      ack?.({ ok: false, error: code });
    };

    socket.use((packet, _next) => {
      // `_next` is deliberately never called: the event is handled here, in order, and does not
      // reach socket.io's own listeners.
      const [name, ...args] = packet as unknown[];
      const last = args[args.length - 1];
      const ack = typeof last === 'function' ? (args.pop() as AckFn) : undefined;
      // socket.io hands decoded packets over on the next tick, so events that came in the same
      // read as a fatal parse error arrive *after* `disconnect`: handling them would put a
      // socket that is already gone into a room (found by the server fuzz run).
      if (kicked || socket.disconnected) return;
      if (pending >= MAX_PENDING_EVENTS) {
        rateLimited(name, ack, 1000);
        return;
      }
      enqueue(() => handleEvent(name, args[0], ack).catch((err: unknown) => storeUnavailable(err, ack)));
    });

    /**
     * A request that could not be handled is still answered, never left hanging: Redis did not
     * answer (logged once per outage by the cluster), or a bug (logged here).
     */
    function storeUnavailable(err: unknown, ack: AckFn | undefined): void {
      if (!(err instanceof StoreUnavailableError)) logger.error({ event: 'handler-error', conn, err: errorField(err) });
      // A request with an answer gets it there; anything else (a relay) as a server-error.
      if (ack) ack({ ok: false, error: ErrorCode.SERVICE_UNAVAILABLE });
      else serverError(ErrorCode.SERVICE_UNAVAILABLE);
    }

    async function handleEvent(name: unknown, payload: unknown, ack: AckFn | undefined): Promise<void> {
      if (kicked) return;
      const decision = await limiters.messages.consume(socket.id);
      // Checked again: the queue limit may have disconnected the socket meanwhile, and an event
      // after a refused relay must not be handled (it would reach the peer past the gap).
      if (kicked) return;
      if (!decision.allowed) return rateLimited(name, ack, decision.retryAfterMs);

      switch (name) {
        case ClientEvent.CreateRoom: {
          if (!ack || !v.is(CreateRoomRequestSchema, payload)) return malformed(ack);
          // Once the desk has accounts, only a signed-in rep starts sessions.
          if (!(await desk.requireRep(socket))) {
            metrics.createRefused(ErrorCode.NOT_SIGNED_IN);
            ack({ ok: false, error: ErrorCode.NOT_SIGNED_IN } satisfies CreateRoomResult);
            return;
          }
          const creates = await limiters.rooms.consume(ip);
          if (!creates.allowed) {
            logger.debug({ event: 'create-rate-limited', conn });
            metrics.rateLimited('create');
            metrics.createRefused(ErrorCode.RATE_LIMITED);
            ack({ ok: false, error: ErrorCode.RATE_LIMITED } satisfies CreateRoomResult);
            return;
          }
          const result = await rooms.create(peer);
          if (result.ok) metrics.created();
          else metrics.createRefused(result.error);
          const answer: CreateRoomResult = result.ok
            ? { ok: true, nameplate: result.nameplate, sid: result.sid, expiresAt: result.expiresAt, ...iceSettingsFor(desk.iceConfig(), Date.now()), filePolicy: desk.filePolicy() }
            : result;
          ack(answer);
          return;
        }
        case ClientEvent.JoinRoom: {
          const req = v.safeParse(JoinRoomRequestSchema, payload);
          if (!ack || !req.success) return malformed(ack);
          const joins = await limiters.joins.consume(ip);
          if (!joins.allowed) {
            logger.debug({ event: 'join-rate-limited', conn });
            metrics.rateLimited('join');
            metrics.joinRefused(ErrorCode.RATE_LIMITED);
            ack({ ok: false, error: ErrorCode.RATE_LIMITED } satisfies JoinRoomResult);
            return;
          }
          const result = await rooms.join(peer, req.output.nameplate);
          const answer: JoinRoomResult = result.ok ? { ok: true, sid: result.sid, ...iceSettingsFor(desk.iceConfig(), Date.now()), filePolicy: desk.filePolicy() } : result;
          if (!result.ok) logger.debug({ event: 'join-refused', conn, reason: result.error });
          if (result.ok) metrics.joined();
          else metrics.joinRefused(result.error);
          ack(answer);
          return;
        }
        case ClientEvent.Relay: {
          const msg = v.safeParse(RelaySchema, payload);
          if (!msg.success) return malformed(undefined, isOversizedRelay(payload) ? ErrorCode.PAYLOAD_TOO_LARGE : ErrorCode.MALFORMED);
          const data = options.transformRelay ? options.transformRelay(msg.output.data, socket.id) : msg.output.data;
          if (data === null) return;
          const result = await rooms.relay(peer, data, msg.output.sid);
          if (result.ok) metrics.relayed(data.length);
          if (!result.ok) serverError(result.error);
          return;
        }
        case ClientEvent.ClaimRoom: {
          const req = v.safeParse(ClaimRoomRequestSchema, payload);
          const proof = req.success ? decodeProof(req.output.proof) : null;
          if (!ack || !req.success || !proof) return malformed(ack);
          const result = await rooms.claim(peer, proof, req.output.sid);
          ack((result.ok ? { ok: true } : result) satisfies ClaimRoomResult);
          return;
        }
        case ClientEvent.ResumeRoom: {
          const req = v.safeParse(ResumeRoomRequestSchema, payload);
          const proof = req.success ? decodeProof(req.output.proof) : null;
          if (!ack || !req.success || !proof) return malformed(ack);
          // Refused resumes count against the per-IP join limit (a client guessing proofs is
          // stopped like one guessing codes); good ones do not, so a whole office coming back
          // after an outage is not locked out. Without `peek`, every resume counts.
          const joins = limiters.joins;
          const gate = joins.peek ? await joins.peek(ip) : await joins.consume(ip);
          if (!gate.allowed) {
            logger.debug({ event: 'resume-rate-limited', conn });
            metrics.rateLimited('resume');
            metrics.resumed(ErrorCode.RATE_LIMITED);
            ack({ ok: false, error: ErrorCode.RATE_LIMITED } satisfies ResumeRoomResult);
            return;
          }
          const { sid, role } = req.output;
          const result = await rooms.resume(peer, sid, role, proof);
          metrics.resumed(result.ok ? 'ok' : result.error);
          if (!result.ok) {
            if (result.error === ErrorCode.RESUME_REFUSED && joins.peek) await joins.consume(ip);
            logger.debug({ event: 'resume-refused', conn, reason: result.error });
            ack(result satisfies ResumeRoomResult);
            return;
          }
          ack({ ok: true, peerPresent: result.peerPresent, ...iceSettingsFor(desk.iceConfig(), Date.now()), filePolicy: desk.filePolicy() } satisfies ResumeRoomResult);
          await deskQueue.queue.roomResumed(sid, socket.id, role); // a desk session follows its members' new sockets ("Move queue")
          // The other member left for good while this one was away: said after the answer.
          if (result.peerLeft) peer.emit('peer-left', { sid });
          return;
        }
        case ClientEvent.TurnCredentials: {
          // Fresh TURN credentials for a long session: only for a present member of a live room,
          // so the relay cannot be used by anyone who merely connects. Never logged.
          const req = v.safeParse(TurnCredentialsRequestSchema, payload);
          if (!ack || !req.success) return malformed(ack);
          if (!(await rooms.isMember(peer, req.output.sid))) {
            logger.debug({ event: 'turn-credentials-refused', conn });
            ack({ ok: false, error: ErrorCode.NOT_IN_ROOM } satisfies TurnCredentialsResult);
            return;
          }
          ack({ ok: true, ...iceSettingsFor(desk.iceConfig(), Date.now()) } satisfies TurnCredentialsResult);
          return;
        }
        case ClientEvent.BadKey:
        case ClientEvent.LeaveRoom: {
          const msg = v.safeParse(RoomRefSchema, payload);
          if (!msg.success) return malformed(undefined);
          const result = await (name === ClientEvent.BadKey ? rooms.badKey(peer, msg.output.sid) : rooms.leave(peer, msg.output.sid));
          if (result.ok && name === ClientEvent.BadKey) metrics.burned();
          if (!result.ok) serverError(result.error);
          return;
        }
        default:
          if (name === DeskClientEvent.Presence && repIdentityOf(socket)) {
            // Both hold presence: the accounts' store (colleagues) answers; the queue (whom to offer chats) follows.
            await desk.handleEvent(socket, name, payload, ack);
            await deskQueue.handle({ id: socket.id, data: socket.data as object, peer, ip }, name, payload, () => {});
            return;
          }
          if (await desk.handleEvent(socket, name, payload, ack)) return;
          // Support desk queue events (desk/handlers.ts); anything else is ignored for forward
          // compatibility. Its name is not logged (client data).
          await deskQueue.handle({ id: socket.id, data: socket.data as object, peer, ip }, name, payload, ack);
          return;
      }
    }

    socket.on('disconnect', () => {
      logger.debug({ event: 'disconnect', conn, connections: io.engine.clientsCount });
      enqueue(async () => {
        await limiters.messages.forget(socket.id);
        await desk.onDisconnect(socket);
        // Redis away: the Redis rooms keep the disconnect and tell it at a later sweep.
        await rooms.disconnect(peer);
        await deskQueue.disconnect(socket.id);
      });
      lifecycle.track(queue); // a shutdown waits for this disconnect to be handled
    });
  }

  let sweeping = false;
  const sweepTimer = setInterval(() => {
    if (sweeping) return; // a slow Redis: never two sweeps at once
    sweeping = true;
    void (async () => {
      try {
        await rooms.sweep();
        await deskQueue.sweep();
      } catch (err) {
        // Redis away: logged once per outage by the cluster; anything else is a bug.
        if (!(err instanceof StoreUnavailableError)) logger.error({ event: 'sweep-error', err: errorField(err) });
      } finally {
        sweeping = false;
      }
    })();
  }, SWEEP_INTERVAL_MS);
  sweepTimer.unref();

  let closing: Promise<void> | null = null;
  const close = () => (closing ??= closeOnce());
  let shuttingDown: Promise<void> | null = null;
  return {
    httpServer,
    io,
    rooms,
    metrics,
    desk,
    readiness,
    listen() {
      return new Promise((resolve, reject) => {
        const onError = (err: Error) => reject(err);
        httpServer.once('error', onError);
        httpServer.listen(config.port, config.host, () => {
          httpServer.off('error', onError);
          resolve({ port: (httpServer.address() as AddressInfo).port });
        });
      });
    },
    close,
    shutdown(drainMs) {
      shuttingDown ??= gracefulShutdown({
        lifecycle,
        drainMs,
        logger,
        connections: () => io.engine.clientsCount,
        stopListening: () => httpServer.close(),
        disconnectAll: reconnectEveryone,
        close,
      });
      return shuttingDown;
    },
  };

  async function closeOnce(): Promise<void> {
    clearInterval(sweepTimer);
    if (rooms instanceof RedisRoomManager) {
      // Tell Redis now, while it can still be told, that this node's sockets are gone (each
      // member of a verified room keeps its place for the rejoin window, on another node).
      const gone = [...io.sockets.sockets.keys()].map((id) => rooms.disconnect({ id, emit: () => {} }));
      // The shared desk queue too: waiting customers get their grace period to resume elsewhere.
      gone.push(...[...io.sockets.sockets.keys()].map(async (id) => deskQueue.disconnect(id)));
      await Promise.allSettled([...gone, rooms.stop()]);
    }
    await new Promise<void>((resolve) => {
      // The callback gets an error when the HTTP server was not listening: closed either way.
      void io.close(() => resolve());
      setImmediate(() => httpServer.closeAllConnections());
    });
    deskWiring.close();
    await desk.close();
    await cluster?.close();
  }
}

/** The subset of an engine.io socket the frame hook needs. */
interface EngineConnection {
  id: string;
  on(event: 'packet', listener: (packet: { type: string; data?: unknown }) => void): void;
}

/** The 32 proof bytes, or null for a non-canonical base64url spelling (two spellings must not make two proofs). */
function decodeProof(proof: string): Uint8Array | null {
  try {
    return fromBase64Url(proof);
  } catch {
    return null;
  }
}

function isOversizedRelay(payload: unknown): boolean {
  return typeof payload === 'object' && payload !== null && typeof (payload as { data?: unknown }).data === 'string' && (payload as { data: string }).data.length > MAX_RELAY_CHARS;
}
