/**
 * Server configuration from environment variables and an optional JSON file.
 *
 * The file (path in `PARLEY_CONFIG`) is a JSON object with the same names as the variables,
 * with JSON values (`{"PORT": 8080, "ICE_SERVERS": [{"urls": "stun:stun.example.org"}]}`) or
 * strings. Environment variables override the file. An empty variable counts as unset.
 * Everything is validated at start; {@link loadConfig} throws a {@link ConfigError} listing every
 * problem, each naming the setting and what was wrong.
 */
import { readFileSync } from 'node:fs';
import * as v from 'valibot';
import type { FilePolicy } from '../protocol/file-policy.ts';
import type { CannedNode } from '../protocol/canned.ts';
import type { IceServer, IceTransportPolicy } from '../protocol/signaling.ts';
import type { DeskConfig } from '../protocol/desk-config.ts';
import { NAMEPLATE_CAPACITY } from './rooms.ts';
import { loadDeskConfig } from './desk/config.ts';
import { SettingsSchema, urlList, type LogLevel } from './config-settings.ts';

export { DEFAULT_TURN_CREDENTIAL_TTL_SECONDS, LOG_LEVELS, type LogLevel } from './config-settings.ts';


export interface Config {
  /** TCP port (0 = any free port). `PORT`, default 8080. */
  port: number;
  /** Interface to bind. `HOST`, default `0.0.0.0`. */
  host: string;
  /** Lifetime of an unjoined code. `CODE_TTL_SECONDS`, default 900. */
  codeTtlSeconds: number;
  /** How long a closed room's nameplate stays reserved and answers why. `TOMBSTONE_TTL_SECONDS`, default 3600. */
  tombstoneTtlSeconds: number;
  /** Most tombstones kept in memory (of closed nameplates, and of closed sids). `MAX_TOMBSTONES`, default 50000. */
  maxTombstones: number;
  /**
   * How long a member of a verified (claimed) room whose connection dropped keeps its place, so a
   * reload or a network blip can `resume-room`. `REJOIN_WINDOW_SECONDS`, default 120; 0 turns
   * resuming off (a drop is a leave, as before).
   */
  rejoinWindowSeconds: number;
  /** Handed to the browsers' RTCPeerConnection. `ICE_SERVERS` (JSON array), default []. */
  iceServers: IceServer[];
  /**
   * A coturn server in `use-auth-secret` mode, whose short-lived credentials (turn.ts) go to the
   * members of live rooms only. `TURN_SECRET` (coturn's `static-auth-secret`), `TURN_URLS` (comma
   * list or JSON array of `turn:`/`turns:` URLs), `TURN_CREDENTIAL_TTL_SECONDS` (default 900):
   * both of the first two or neither; null when unset.
   */
  turn: TurnSettings | null;
  /** `ICE_TRANSPORT_POLICY`: `relay` forces every connection through TURN. Default `all`. */
  iceTransportPolicy: IceTransportPolicy;
  /**
   * `join-room` requests per client IP per minute. `JOINS_PER_MINUTE_PER_IP`, default 30. (Every
   * per-IP limit counts an IPv6 client by its /64: see `rateLimitKey` in `rate-limit.ts`.)
   */
  joinsPerMinutePerIp: number;
  /** `create-room` requests per client IP per minute. `ROOMS_PER_MINUTE_PER_IP`, default 30. */
  roomsPerMinutePerIp: number;
  /**
   * Concurrent socket.io connections per client IP; more are refused at the handshake
   * (`connect_error` `RATE_LIMITED`). `CONNECTIONS_PER_IP`, default 50.
   */
  connectionsPerIp: number;
  /** Sustained messages per second per socket. `MESSAGES_PER_SECOND_PER_SOCKET`, default 50. */
  messagesPerSecondPerSocket: number;
  /** Extra messages per socket allowed above the rate, refilled every 10 s. `MESSAGE_BURST_PER_SOCKET`, default 100. */
  messageBurstPerSocket: number;
  /** Rooms one socket may be in at once. `ROOMS_PER_SOCKET`, default 5. */
  roomsPerSocket: number;
  /** Live rooms on this server. `MAX_ROOMS`, default 100000. */
  maxRooms: number;
  /** Take the client IP from `X-Forwarded-For` (one trusted proxy in front). `TRUST_PROXY`, default false. */
  trustProxy: boolean;
  /** pino level. `LOG_LEVEL`, default `info`. */
  logLevel: LogLevel;
  /** Other origins allowed to connect. `CORS_ORIGINS` (comma list), default none: same origin only. */
  corsOrigins: string[];
  /**
   * What files may be sent, handed to both browsers with the room: `FILE_MAX_BYTES` (default
   * 20 MiB), `FILE_MAX_COUNT` (per message, 1–5, default 5), `FILE_TYPES` (comma list of MIME
   * types, `type/*` wildcards and `.ext` extensions, default `text/*,application/pdf,image/*`),
   * `FILE_AUTO_ACCEPT_FROM_REP` (default false).
   */
  filePolicy: FilePolicy;
  /** Canned messages and scripted URLs for the rep console. `CANNED_MESSAGES` (JSON tree, see protocol/canned.ts), default none. */
  cannedMessages: CannedNode[];
  /**
   * Shared state for several nodes: `REDIS_URL` (`redis://[user:password@]host:port[/db]`, or
   * `rediss://` for TLS). Unset (default): rooms and limits live in this process only.
   */
  redisUrl: string | null;
  /** Prefix of every Redis key and channel, so deployments can share one Redis. `REDIS_PREFIX`, default `parley:`. */
  redisPrefix: string;
  /**
   * Bearer token `/metrics` requires (`Authorization: Bearer <token>`). `METRICS_TOKEN`, default
   * none: `/metrics` answers anyone who reaches it, so the reverse proxy must not expose it.
   */
  metricsToken: string | null;
  /**
   * On SIGTERM, how long `/readyz` answers 503 (and new connections are refused) before the
   * connected clients are sent away to reconnect elsewhere: enough for a load balancer's health
   * checks to take the node out. `SHUTDOWN_DRAIN_SECONDS`, default 5.
   */
  shutdownDrainSeconds: number;
  /**
   * `Strict-Transport-Security: max-age=<this>` on every answer; 0 sends none. Only for a server
   * reached over HTTPS (behind a TLS proxy). `HSTS_SECONDS`, default 0.
   */
  hstsSeconds: number;
  /**
   * The support desk config file (rep accounts, queues, portal texts…; signaling/desk/config.ts):
   * `DESK_CONFIG`, a path, validated at start with the rest. Unset: open mode (no accounts).
   */
  desk: { file: string; initial: DeskConfig } | null;
}

export interface TurnSettings {
  /** coturn's `static-auth-secret`: never logged, never sent anywhere. */
  secret: string;
  /** Where browsers reach coturn (`turn:host:port?transport=udp`, `turns:host:5349`…). */
  urls: string[];
  /** How long issued credentials work. */
  credentialTtlSeconds: number;
}


/** A configuration problem list; `message` has one problem per line. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** The setting names, as environment variables and as keys of the JSON file. */
export const SETTING_NAMES = Object.keys(SettingsSchema.entries) as (keyof typeof SettingsSchema.entries)[];

/** Settings whose value is not repeated in error messages (may hold credentials). */
const SECRET_SETTINGS = new Set(['ICE_SERVERS', 'REDIS_URL', 'METRICS_TOKEN', 'TURN_SECRET']);

/**
 * Reads and validates the configuration.
 *
 * @param env environment variables (usually `process.env`)
 * @param file path of a JSON config file; defaults to `env.PARLEY_CONFIG`
 * @throws ConfigError listing every problem
 */
export function loadConfig(env: Record<string, string | undefined>, file: string | undefined = env.PARLEY_CONFIG || undefined): Config {
  const problems: string[] = [];
  const raw: Record<string, unknown> = {};
  const source: Record<string, string> = {};

  if (file !== undefined) {
    const fromFile = readConfigFile(file, problems);
    for (const [key, value] of Object.entries(fromFile)) {
      raw[key] = value;
      source[key] = `in ${file}`;
    }
  }
  for (const name of SETTING_NAMES) {
    const value = env[name];
    if (typeof value === 'string' && value.trim() !== '') {
      raw[name] = value;
      source[name] = 'environment variable';
    }
  }

  const parsed = v.safeParse(SettingsSchema, raw);
  if (!parsed.success) {
    for (const issue of parsed.issues) {
      const path = v.getDotPath(issue) ?? '(config)';
      const name = path.split('.')[0] ?? path;
      const where = source[name] ? ` (${source[name]})` : '';
      const shown = preview(issue.input);
      // A list or an object (a canned messages tree) would only be a noisy preview: scalars are repeated.
      const scalar = typeof issue.input !== 'object' || issue.input === null;
      const got = SECRET_SETTINGS.has(name) || !scalar || issue.message.includes(shown) ? '' : `, got ${shown}`;
      problems.push(`${formatPath(path)}${where}: ${friendly(issue)}${got}`);
    }
  }
  // The desk file is checked even when other settings are wrong: every problem in one list.
  const deskFile = parsed.success ? parsed.output.DESK_CONFIG : typeof raw.DESK_CONFIG === 'string' && raw.DESK_CONFIG.trim() !== '' ? raw.DESK_CONFIG.trim() : undefined;
  let desk: Config['desk'] = null;
  if (deskFile !== undefined) {
    try {
      desk = { file: deskFile, initial: loadDeskConfig(deskFile) };
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(...err.problems);
    }
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);

  const s = parsed.output;
  if (s.MAX_ROOMS + s.MAX_TOMBSTONES > NAMEPLATE_CAPACITY) {
    problems.push(`MAX_ROOMS + MAX_TOMBSTONES must be at most ${NAMEPLATE_CAPACITY} (the nameplates available), got ${s.MAX_ROOMS} + ${s.MAX_TOMBSTONES}`);
  }
  const turn = s.TURN_SECRET !== undefined && s.TURN_URLS !== undefined ? { secret: s.TURN_SECRET, urls: s.TURN_URLS, credentialTtlSeconds: s.TURN_CREDENTIAL_TTL_SECONDS } : null;
  if ((s.TURN_SECRET === undefined) !== (s.TURN_URLS === undefined)) {
    const [set, unset] = s.TURN_SECRET === undefined ? ['TURN_URLS', 'TURN_SECRET'] : ['TURN_SECRET', 'TURN_URLS'];
    problems.push(`${set} is set but ${unset} is not: set both (coturn's static-auth-secret, and the turn: URLs browsers reach it at) or neither`);
  }
  const anyTurn = turn !== null || s.ICE_SERVERS.some((server) => urlList(server.urls).some((url) => url.startsWith('turn')));
  if (s.ICE_TRANSPORT_POLICY === 'relay' && !anyTurn) {
    problems.push('ICE_TRANSPORT_POLICY=relay needs a TURN server: set TURN_SECRET and TURN_URLS (or a turn: server in ICE_SERVERS)');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    port: s.PORT,
    host: s.HOST,
    codeTtlSeconds: s.CODE_TTL_SECONDS,
    tombstoneTtlSeconds: s.TOMBSTONE_TTL_SECONDS,
    maxTombstones: s.MAX_TOMBSTONES,
    rejoinWindowSeconds: s.REJOIN_WINDOW_SECONDS,
    iceServers: s.ICE_SERVERS,
    turn,
    iceTransportPolicy: s.ICE_TRANSPORT_POLICY,
    joinsPerMinutePerIp: s.JOINS_PER_MINUTE_PER_IP,
    roomsPerMinutePerIp: s.ROOMS_PER_MINUTE_PER_IP,
    connectionsPerIp: s.CONNECTIONS_PER_IP,
    messagesPerSecondPerSocket: s.MESSAGES_PER_SECOND_PER_SOCKET,
    messageBurstPerSocket: s.MESSAGE_BURST_PER_SOCKET,
    roomsPerSocket: s.ROOMS_PER_SOCKET,
    maxRooms: s.MAX_ROOMS,
    trustProxy: s.TRUST_PROXY,
    logLevel: s.LOG_LEVEL,
    corsOrigins: s.CORS_ORIGINS,
    filePolicy: {
      maxBytes: s.FILE_MAX_BYTES,
      maxCount: s.FILE_MAX_COUNT,
      types: s.FILE_TYPES,
      autoAcceptFromRep: s.FILE_AUTO_ACCEPT_FROM_REP,
    },
    cannedMessages: s.CANNED_MESSAGES,
    redisUrl: s.REDIS_URL ?? null,
    redisPrefix: s.REDIS_PREFIX,
    metricsToken: s.METRICS_TOKEN ?? null,
    shutdownDrainSeconds: s.SHUTDOWN_DRAIN_SECONDS,
    hstsSeconds: s.HSTS_SECONDS,
    desk,
  };
}

function readConfigFile(file: string, problems: string[]): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    problems.push(`PARLEY_CONFIG: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    return {};
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    problems.push(`PARLEY_CONFIG: ${file} is not valid JSON: ${(err as Error).message}`);
    return {};
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    problems.push(`PARLEY_CONFIG: ${file} must contain a JSON object of settings`);
    return {};
  }
  const known = new Set<string>(SETTING_NAMES);
  const values: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(json)) {
    if (!known.has(key)) {
      problems.push(`PARLEY_CONFIG: unknown setting ${JSON.stringify(key)} in ${file} (known: ${SETTING_NAMES.join(', ')})`);
    } else if (value !== null) {
      values[key] = value;
    }
  }
  return values;
}

/** Our own messages as they are; valibot's generic ones (from protocol schemas) made plainer. */
function friendly(issue: v.BaseIssue<unknown>): string {
  if (!issue.message.startsWith('Invalid ')) return issue.message;
  if (issue.input === undefined) return 'is missing';
  return issue.expected ? `has the wrong type or format (expected ${issue.expected})` : 'is not valid';
}

/** `ICE_SERVERS.0.urls` → `ICE_SERVERS[0].urls` */
function formatPath(path: string): string {
  return path.replace(/\.(\d+)(?=\.|$)/g, '[$1]');
}

function preview(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
