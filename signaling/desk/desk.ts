/**
 * The support desk's server side, as one object the signaling server plugs in (server.ts):
 * the live desk config, rep accounts and their sign-in sessions, the HTTP API, identifying the
 * rep behind each socket, and presence.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server, Socket } from 'socket.io';
import * as v from 'valibot';
import type { CannedNode } from '../../protocol/canned.ts';
import { DeskClientEvent, DeskPresenceSchema } from '../../protocol/desk.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import type { FilePolicy } from '../../protocol/file-policy.ts';
import type { Cluster } from '../cluster.ts';
import type { Config } from '../config.ts';
import { errorField, type Logger } from '../logger.ts';
import type { ParleyMetrics } from '../metrics.ts';
import { rateLimitKey } from '../rate-limit.ts';
import { StoreUnavailableError } from '../room-types.ts';
import { RepAccounts, memoryLockouts, redisLockouts, sessionId, type Lockouts } from './accounts.ts';
import { DeskSettings } from './config.ts';
import { deskApi } from './http-api.ts';
import { repIdentityOf } from './identity.ts';
import { handshakeToken, openModeIdentity, repRoom, sessionRoom, type RepIdentity, type RepSocketData } from './rep-auth.ts';
import { MemoryPresenceStore, REFRESH_INTERVAL_MS, RedisPresenceStore, type PresenceStore } from './presence.ts';
import { MemoryRepSessionStore, RedisRepSessionStore, type RepSessionStore } from './rep-sessions.ts';
import { forwardedClientIp } from '../http.ts';

/** The channel on which a node that saved the desk config tells the others to reload it. */
export const DESK_CONFIG_CHANNEL = 'desk-config-saved';

/** Open mode: anyone is a rep serving every queue. */
export const OPEN_MODE_REP = 'open' as const;

type AnySocket = Socket & { data: RepSocketData };
type AckFn = (result: unknown) => void;

export interface DeskOptions {
  config: Config;
  cluster: Cluster | null;
  logger: Logger;
  metrics: ParleyMetrics;
  /** Default: loaded from `config.deskConfig` (or open mode without one). */
  settings?: DeskSettings;
  /** Default: in memory, or Redis with a cluster. */
  sessions?: RepSessionStore;
  lockouts?: Lockouts;
  presence?: PresenceStore;
  now?: () => number;
}

export interface Desk {
  readonly settings: DeskSettings;
  readonly accounts: RepAccounts;
  readonly presence: PresenceStore;
  /** Plugs into socket.io: `io.use(desk.identify)` and the console's presence sockets. */
  attach(io: Server): void;
  /** Answers a desk route, or null when `path` is not one. */
  handleHttp(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> | null;
  /**
   * The rep behind a socket, checked again now ("open" in open mode, null when not signed in):
   * every rep-only event asks this first.
   */
  requireRep(socket: Socket): Promise<RepIdentity | typeof OPEN_MODE_REP | null>;
  /** Handles the desk events this module owns (`desk-presence`); false for any other. */
  handleEvent(socket: Socket, name: unknown, payload: unknown, ack: AckFn | undefined): Promise<boolean>;
  onDisconnect(socket: Socket): Promise<void>;
  /** What the server settings say unless the desk config overrides it. */
  cannedMessages(): CannedNode[];
  filePolicy(): FilePolicy;
  iceConfig(): Pick<Config, 'iceServers' | 'turn' | 'iceTransportPolicy'>;
  close(): Promise<void>;
}

export function createDesk(options: DeskOptions): Desk {
  const { config, cluster, logger, metrics } = options;
  const settings = options.settings ?? new DeskSettings(config.desk?.file ?? null, config.desk?.initial);
  const sessions = options.sessions ?? (cluster ? new RedisRepSessionStore(cluster.redis, config.redisPrefix) : new MemoryRepSessionStore(options.now));
  const lockouts = options.lockouts ?? (cluster ? redisLockouts(cluster.redis, config.redisPrefix) : memoryLockouts());
  const presence = options.presence ?? (cluster ? new RedisPresenceStore(cluster.redis, config.redisPrefix) : new MemoryPresenceStore());
  let io: Server | null = null;
  /** This node's console sockets (those that said `desk-presence`/`desk-hello`), for presence. */
  const consoles = new Map<string, { username: string; socketId: string }>();

  /**
   * Tells the sockets of ended sessions why, then disconnects them: those of every node (through
   * the Redis adapter) after a sign-out here; only this node's after a config change, which every
   * node hears and handles for its own sockets.
   */
  const endSockets = (room: string, everyNode: boolean) => {
    if (!io) return;
    const target = everyNode ? io : io.local;
    target.to(room).emit('server-error', { code: ErrorCode.NOT_SIGNED_IN });
    target.in(room).disconnectSockets(true);
  };
  const accounts = new RepAccounts({
    settings,
    store: sessions,
    lockouts,
    now: options.now,
    onSignIn: (result) => metrics.signIn(result),
    onSessionsEnded: (usernames) => usernames.forEach((name) => endSockets(repRoom(name), false)),
  });

  if (cluster) {
    void settings
      .connect(
        {
          publish: () => cluster.publish(DESK_CONFIG_CHANNEL, '1'),
          subscribe: (onReload) => cluster.subscribe(DESK_CONFIG_CHANNEL, onReload),
          close: async () => {},
        },
        (err) => logger.error({ event: 'desk-config-reload-failed', err: errorField(err) }, 'another node saved a desk config this node cannot load; keeping the current one'),
      )
      .catch((err: unknown) => logger.error({ event: 'desk-config-subscribe-failed', err: errorField(err) }));
  }

  const refreshTimer = cluster
    ? setInterval(() => {
        presence.refresh([...consoles.values()]).catch(() => {}); // Redis away: logged by the cluster
      }, REFRESH_INTERVAL_MS)
    : null;
  refreshTimer?.unref();

  const api = deskApi({
    settings,
    accounts,
    trustProxy: config.trustProxy,
    ipKey: (req) => rateLimitKey(requestIp(req, config.trustProxy)),
    onSignedOut: (id) => endSockets(sessionRoom(id), true),
    cannedMessages: () => settings.current().cannedMessages ?? config.cannedMessages,
  });

  async function requireRep(socket: Socket): Promise<RepIdentity | typeof OPEN_MODE_REP | null> {
    if (!accounts.accountsExist) return OPEN_MODE_REP;
    const identity = await accounts.resolve(handshakeToken(socket.request));
    (socket as AnySocket).data.rep = identity ?? undefined;
    return identity;
  }

  return {
    settings,
    accounts,
    presence,
    attach(server) {
      io = server;
      // Identified once at the handshake (joined to its session's and rep's rooms, so an ended
      // session reaches it), and checked again on each rep-only event.
      server.use((socket, next) => {
        const token = handshakeToken(socket.request);
        if (!token || !accounts.accountsExist) return next();
        accounts.resolve(token).then(
          (identity) => {
            if (identity) {
              const data = (socket as AnySocket).data;
              data.rep = identity;
              data.repSession = sessionId(token);
              void socket.join([sessionRoom(data.repSession), repRoom(identity.username)]);
            }
            next();
          },
          (err: unknown) => {
            // The store is away: the socket connects unidentified; rep events will say why.
            if (!(err instanceof StoreUnavailableError)) logger.error({ event: 'identify-error', err: errorField(err) });
            next();
          },
        );
      });
    },
    handleHttp: api,
    requireRep,
    async handleEvent(socket, name, payload, ack) {
      if (name !== DeskClientEvent.Presence) return false;
      const msg = v.safeParse(DeskPresenceSchema, payload);
      if (!msg.success) {
        socket.emit('server-error', { code: ErrorCode.MALFORMED });
        ack?.({ ok: false, error: ErrorCode.MALFORMED });
        return true;
      }
      const rep = await requireRep(socket);
      if (!rep) {
        ack?.({ ok: false, error: ErrorCode.NOT_SIGNED_IN });
        return true;
      }
      // In open mode only a console that said `desk-hello` is a rep: the queue's handler answers
      // everyone else (FORBIDDEN), and records the presence of those that are.
      if (rep === OPEN_MODE_REP && !repIdentityOf(socket)) return false;
      // Open mode has no accounts: each console counts as its own rep, by socket.
      const username = rep === OPEN_MODE_REP ? openModeIdentity(socket.id, '', settings.current()).username : rep.username;
      consoles.set(socket.id, { username, socketId: socket.id });
      await presence.addSocket(username, socket.id);
      await presence.setChoice(username, msg.output.status);
      ack?.({ ok: true });
      return true;
    },
    async onDisconnect(socket) {
      const entry = consoles.get(socket.id);
      if (!entry) return;
      consoles.delete(socket.id);
      await presence.removeSocket(entry.username, entry.socketId);
    },
    cannedMessages: () => settings.current().cannedMessages ?? config.cannedMessages,
    filePolicy: () => settings.current().filePolicy ?? config.filePolicy,
    iceConfig: () => ({ iceServers: settings.current().iceServers ?? config.iceServers, turn: config.turn, iceTransportPolicy: config.iceTransportPolicy }),
    async close() {
      if (refreshTimer) clearInterval(refreshTimer);
      await settings.close();
    },
  };
}

/** The client address of an HTTP request, as `clientIp` in http.ts gives it for sockets. */
function requestIp(req: IncomingMessage, trustProxy: boolean): string {
  return forwardedClientIp(req.headers, req.socket.remoteAddress ?? 'unknown', trustProxy);
}
