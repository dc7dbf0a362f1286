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
import { MAX_FILES_PER_OFFER, MAX_FILE_BYTES } from '../protocol/file.ts';
import { DEFAULT_FILE_POLICY, FILE_TYPE_PATTERN_RE, MAX_FILE_TYPE_PATTERNS, type FilePolicy } from '../protocol/file-policy.ts';
import { CannedTreeSchema, type CannedNode } from '../protocol/canned.ts';
import { IceServerSchema, IceTransportPolicySchema, MAX_ICE_SERVERS_TTL_SECONDS, type IceServer, type IceTransportPolicy } from '../protocol/signaling.ts';
import type { DeskConfig } from '../protocol/desk-config.ts';
import { NAMEPLATE_CAPACITY } from './rooms.ts';
import { loadDeskConfig } from './desk/config.ts';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

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

/**
 * Default TURN credential lifetime: 15 minutes. Browsers ask for new credentials once half of it
 * has passed (client/src/lib/ice-settings.ts), so it only has to outlast the gap between a
 * refresh and its use: a background tab whose timers fire a minute late, or a socket that is
 * rejoining (a resume answer brings fresh credentials anyway). coturn only checks the expiry
 * when it authenticates a new allocation, not on an allocation already relaying. Short, because
 * credentials copied out of a browser keep working this long after their session ends (only a
 * member of a live room can get new ones).
 */
export const DEFAULT_TURN_CREDENTIAL_TTL_SECONDS = 900;
const MIN_TURN_CREDENTIAL_TTL_SECONDS = 60;

/** A configuration problem list; `message` has one problem per line. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const wholeNumber = 'must be a whole number';

function integer(min: number, max: number) {
  const range = `must be between ${min} and ${max}`;
  return v.pipe(
    v.union([v.number(), v.pipe(v.string(), v.trim(), v.regex(/^[+-]?\d+$/, wholeNumber), v.transform(Number))], wholeNumber),
    v.integer(wholeNumber),
    v.minValue(min, range),
    v.maxValue(max, range),
  );
}

const TRUE_WORDS = ['true', '1', 'yes', 'on'];
const BOOL_WORDS = [...TRUE_WORDS, 'false', '0', 'no', 'off'];
const booleanSetting = v.union(
  [
    v.boolean(),
    v.pipe(
      v.string(),
      v.trim(),
      v.toLowerCase(),
      v.picklist(BOOL_WORDS, 'must be true or false'),
      v.transform((word) => TRUE_WORDS.includes(word)),
    ),
  ],
  'must be true or false',
);

const ICE_URL_RE = /^(stun|stuns|turn|turns):[^\s]+$/;
const iceServer = v.pipe(
  IceServerSchema,
  v.check(
    (server) => urlList(server.urls).length > 0 && urlList(server.urls).every((url) => ICE_URL_RE.test(url)),
    'urls must be one or more URLs starting with stun:, stuns:, turn: or turns:',
  ),
  v.check(
    (server) => !urlList(server.urls).some((url) => url.startsWith('turn')) || (!!server.username && !!server.credential),
    'a turn: or turns: server needs a username and a credential',
  ),
);
const iceServersExample = 'e.g. [{"urls":"stun:stun.example.org"}]';
const iceServersSetting = v.pipe(
  v.union([v.array(v.unknown()), v.string()], `must be a JSON array of ICE servers, ${iceServersExample}`),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    if (typeof dataset.value !== 'string') return dataset.value;
    try {
      return JSON.parse(dataset.value) as unknown;
    } catch {
      addIssue({ message: `is not valid JSON; expected an array of ICE servers, ${iceServersExample}` });
      return NEVER;
    }
  }),
  v.array(iceServer, `must be a JSON array of ICE servers, ${iceServersExample}`),
);

function urlList(urls: string | string[]): string[] {
  return typeof urls === 'string' ? [urls] : urls;
}

/** `turn:` or `turns:`, a host name, IPv4 or [IPv6] address, an optional port and `?transport=udp|tcp`. */
const TURN_URL_RE = /^turns?:(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?::(\d{1,5}))?(?:\?transport=(?:udp|tcp))?$/;
const turnUrlExample = 'e.g. turn:turn.example.org:3478?transport=udp or turns:turn.example.org:5349?transport=tcp';
const turnUrl = v.pipe(
  v.string(),
  v.trim(),
  v.check((url) => TURN_URL_RE.test(url) && Number(TURN_URL_RE.exec(url)?.[1] ?? 1) <= 65535, (issue) => `${JSON.stringify(issue.input)} is not a turn: or turns: URL (${turnUrlExample})`),
);
const turnUrlsSetting = v.pipe(
  v.union([v.array(v.string()), v.string()], `must be a comma-separated list or a JSON array of turn: URLs, ${turnUrlExample}`),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const value = dataset.value;
    if (Array.isArray(value)) return value;
    if (!value.trim().startsWith('[')) return value.split(',').map((url) => url.trim()).filter((url) => url !== '');
    try {
      return JSON.parse(value) as unknown;
    } catch {
      addIssue({ message: `is not valid JSON; expected an array of turn: URLs, ${turnUrlExample}` });
      return NEVER;
    }
  }),
  v.array(turnUrl, `must be a JSON array of turn: URLs, ${turnUrlExample}`),
  v.minLength(1, `must list at least one turn: URL, ${turnUrlExample}`),
  v.maxLength(8, 'may list at most 8 URLs'),
);
/** Printable ASCII without spaces, so it reads the same in coturn's config file. */
const turnSecretSetting = v.pipe(
  v.string('must be a string'),
  v.trim(),
  v.regex(/^[\x21-\x7e]*$/, 'must be printable ASCII without spaces (as in coturn\'s static-auth-secret)'),
  v.minLength(16, 'is too short: use at least 16 random characters, e.g. from `openssl rand -hex 32`'),
  v.maxLength(512, 'is too long (at most 512 characters)'),
);
const iceTransportPolicySetting = v.pipe(
  v.string('must be all or relay'),
  v.trim(),
  v.toLowerCase(),
  v.picklist(IceTransportPolicySchema.options, 'must be all or relay'),
);

const origin = v.pipe(
  v.string(),
  v.check((value) => value !== '*', "'*' is not allowed: list each origin, e.g. https://support.example.com"),
  v.check((value) => value === '*' || isOrigin(value), (issue) => `${JSON.stringify(issue.input)} is not an origin like https://support.example.com (scheme and host, no path)`),
  v.transform((value) => new URL(value).origin),
);
const corsOriginsSetting = v.pipe(
  v.union(
    [v.array(v.string()), v.pipe(v.string(), v.transform((list) => list.split(',')))],
    'must be a comma-separated list of origins',
  ),
  v.transform((list) => list.map((item) => item.trim()).filter((item) => item !== '')),
  v.array(origin),
);

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value.replace(/\/$/, '');
  } catch {
    return false;
  }
}

const fileTypesSetting = v.pipe(
  v.union(
    [v.array(v.string()), v.pipe(v.string(), v.transform((list) => list.split(',')))],
    'must be a comma-separated list of types, e.g. text/*,application/pdf,image/*',
  ),
  v.transform((list) => list.map((item) => item.trim().toLowerCase()).filter((item) => item !== '')),
  v.array(
    v.pipe(
      v.string(),
      v.regex(FILE_TYPE_PATTERN_RE, (issue) => `${JSON.stringify(issue.input)} is not a MIME type (text/plain), a wildcard (image/*, *) or an extension (.log)`),
    ),
  ),
  v.maxLength(MAX_FILE_TYPE_PATTERNS, `may list at most ${MAX_FILE_TYPE_PATTERNS} types`),
);

const cannedExample = 'e.g. [{"title":"Greetings","items":[{"title":"Hello","text":"Hello, how can I help?"}]}]';
const cannedMessagesSetting = v.pipe(
  v.union([v.array(v.unknown()), v.string()], `must be a JSON list of categories and messages, ${cannedExample}`),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    if (typeof dataset.value !== 'string') return dataset.value;
    try {
      return JSON.parse(dataset.value) as unknown;
    } catch {
      addIssue({ message: `is not valid JSON; expected a list of categories and messages, ${cannedExample}` });
      return NEVER;
    }
  }),
  CannedTreeSchema,
);

const redisUrlSetting = v.pipe(
  v.string('must be a redis:// or rediss:// URL'),
  v.trim(),
  v.check((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '';
    } catch {
      return false;
    }
  }, 'must be a redis:// or rediss:// URL with a host, e.g. redis://127.0.0.1:6379'),
);

const metricsTokenSetting = v.pipe(
  v.string('must be a string'),
  v.trim(),
  v.regex(/^[\x21-\x7e]{16,256}$/, 'must be 16 to 256 printable ASCII characters without spaces (e.g. from `openssl rand -hex 32`)'),
);

const SettingsSchema = v.object({
  PORT: v.optional(integer(0, 65535), 8080),
  HOST: v.optional(v.pipe(v.string('must be a host name or address'), v.trim(), v.nonEmpty('must not be empty'), v.maxLength(255, 'is too long')), '0.0.0.0'),
  CODE_TTL_SECONDS: v.optional(integer(1, 7 * 24 * 3600), 900),
  TOMBSTONE_TTL_SECONDS: v.optional(integer(0, 7 * 24 * 3600), 3600),
  MAX_TOMBSTONES: v.optional(integer(0, NAMEPLATE_CAPACITY), 50_000),
  REJOIN_WINDOW_SECONDS: v.optional(integer(0, 24 * 3600), 120),
  ICE_SERVERS: v.optional(iceServersSetting, []),
  TURN_SECRET: v.optional(turnSecretSetting),
  TURN_URLS: v.optional(turnUrlsSetting),
  TURN_CREDENTIAL_TTL_SECONDS: v.optional(integer(MIN_TURN_CREDENTIAL_TTL_SECONDS, MAX_ICE_SERVERS_TTL_SECONDS), DEFAULT_TURN_CREDENTIAL_TTL_SECONDS),
  ICE_TRANSPORT_POLICY: v.optional(iceTransportPolicySetting, 'all'),
  JOINS_PER_MINUTE_PER_IP: v.optional(integer(1, 1_000_000), 30),
  ROOMS_PER_MINUTE_PER_IP: v.optional(integer(1, 1_000_000), 30),
  CONNECTIONS_PER_IP: v.optional(integer(1, 1_000_000), 50),
  MESSAGES_PER_SECOND_PER_SOCKET: v.optional(integer(1, 1_000_000), 50),
  MESSAGE_BURST_PER_SOCKET: v.optional(integer(0, 1_000_000), 100),
  ROOMS_PER_SOCKET: v.optional(integer(1, 10_000), 5),
  MAX_ROOMS: v.optional(integer(1, NAMEPLATE_CAPACITY), 100_000),
  TRUST_PROXY: v.optional(booleanSetting, false),
  LOG_LEVEL: v.optional(
    v.pipe(v.string(`must be one of ${LOG_LEVELS.join(', ')}`), v.trim(), v.toLowerCase(), v.picklist(LOG_LEVELS, `must be one of ${LOG_LEVELS.join(', ')}`)),
    'info',
  ),
  CORS_ORIGINS: v.optional(corsOriginsSetting, []),
  FILE_MAX_BYTES: v.optional(integer(0, MAX_FILE_BYTES), DEFAULT_FILE_POLICY.maxBytes),
  FILE_MAX_COUNT: v.optional(integer(1, MAX_FILES_PER_OFFER), DEFAULT_FILE_POLICY.maxCount),
  FILE_TYPES: v.optional(fileTypesSetting, [...DEFAULT_FILE_POLICY.types]),
  FILE_AUTO_ACCEPT_FROM_REP: v.optional(booleanSetting, DEFAULT_FILE_POLICY.autoAcceptFromRep),
  CANNED_MESSAGES: v.optional(cannedMessagesSetting, []),
  REDIS_URL: v.optional(redisUrlSetting),
  REDIS_PREFIX: v.optional(v.pipe(v.string(), v.trim(), v.regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1 to 64 letters, digits or _ . : -')), 'parley:'),
  METRICS_TOKEN: v.optional(metricsTokenSetting),
  SHUTDOWN_DRAIN_SECONDS: v.optional(integer(0, 300), 5),
  HSTS_SECONDS: v.optional(integer(0, 2 * 365 * 24 * 3600), 0),
  DESK_CONFIG: v.optional(v.pipe(v.string('must be the path of a JSON file'), v.trim(), v.nonEmpty('must not be empty'), v.maxLength(4096, 'is too long'))),
});

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
