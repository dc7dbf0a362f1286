/**
 * The server settings one by one (schemas of config.ts): each setting's type, range and the
 * message a wrong value gets. config.ts reads them from the environment and the file.
 */
import * as v from 'valibot';
import { MAX_FILES_PER_OFFER, MAX_FILE_BYTES } from '../protocol/file.ts';
import { DEFAULT_FILE_POLICY, FILE_TYPE_PATTERN_RE, MAX_FILE_TYPE_PATTERNS } from '../protocol/file-policy.ts';
import { CannedTreeSchema } from '../protocol/canned.ts';
import { IceServerSchema, IceTransportPolicySchema, MAX_ICE_SERVERS_TTL_SECONDS } from '../protocol/signaling.ts';
import { NAMEPLATE_CAPACITY } from './rooms.ts';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

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
export const MIN_TURN_CREDENTIAL_TTL_SECONDS = 60;

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

export function urlList(urls: string | string[]): string[] {
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

export const SettingsSchema = v.object({
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
