/**
 * Peer messages: JSON objects sealed (seal.ts) and sent over the WebRTC data channel.
 * Receivers parse every message from `unknown` with {@link parsePeerMessage}; unknown keys
 * are ignored. An unknown or invalid message is rejected as MALFORMED: before the channel is
 * verified that ends the link (only `fp-proof` is expected then), afterwards it is logged and
 * skipped.
 */
import * as v from 'valibot';
import { ParleyError } from './errors.ts';
import { FILE_MESSAGE_SCHEMAS } from './file.ts';
import { TOOL_MESSAGE_SCHEMAS } from './session-tools.ts';
import { MAX_IDENTITY_TOKEN_CHARS } from './customer-identity.ts';
import { SHARED_MESSAGE_SCHEMAS } from './shared-session.ts';
import { MAX_CHAT_CHARS, MAX_LOCALE_CHARS, MAX_NAME_CHARS, MAX_REQUEST_CHARS, MAX_TIMESTAMP, MAX_USER_AGENT_CHARS } from './limits.ts';

/**
 * Longest SDP accepted. A data-channel (and later one video track) SDP is 1–4 kB; this leaves
 * room while keeping the sealed, JSON-escaped signal under MAX_RELAY_CHARS.
 */
export const MAX_SDP_CHARS = 9_000;

export { MAX_CHAT_CHARS, MAX_NAME_CHARS, MAX_PEER_PLAINTEXT, MAX_REQUEST_CHARS, MAX_TIMESTAMP } from './limits.ts';


export const PeerType = {
  Hello: 'hello',
  Chat: 'chat',
  Ack: 'ack',
  Typing: 'typing',
  FingerprintProof: 'fp-proof',
  Bye: 'bye',
  UrlPush: 'url-push',
  RtcSignal: 'rtc-signal',
  ScreenRequest: 'screen-request',
  ScreenState: 'screen-state',
  Nudge: 'nudge',
  Ping: 'ping',
} as const;

const Id = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{8,64}$/));
const Name = v.pipe(v.string(), v.maxLength(MAX_NAME_CHARS));

/**
 * First message each side sends once the channel is open.
 * `request` is the customer's "how can we help?" text (plain text, optional).
 * @example { type: 'hello', version: 3, role: 'customer', name: 'Ada', capabilities: ['chat'], userAgent: 'Mozilla/5.0 …', locale: 'fr', request: 'My printer is offline' }
 */
export const HelloSchema = v.object({
  type: v.literal(PeerType.Hello),
  version: v.number(),
  role: v.picklist(['rep', 'customer']),
  name: Name,
  capabilities: v.pipe(v.array(v.pipe(v.string(), v.maxLength(32))), v.maxLength(32)),
  userAgent: v.optional(v.pipe(v.string(), v.maxLength(MAX_USER_AGENT_CHARS))),
  locale: v.optional(v.pipe(v.string(), v.maxLength(MAX_LOCALE_CHARS))),
  request: v.optional(v.pipe(v.string(), v.maxLength(MAX_REQUEST_CHARS))),
  /** Customer: a signed identity token from the organisation's site (customer-identity.ts), checked by the rep. */
  identity: v.optional(v.pipe(v.string(), v.maxLength(MAX_IDENTITY_TOKEN_CHARS))),
});

/**
 * A chat message. `text` is plain text (BBCode, when added, is rendered by the receiver).
 * @example { type: 'chat', id: 'm_3f9a0c1d', text: 'Hello 👋', sentAt: 1767225600000 }
 */
export const ChatSchema = v.object({
  type: v.literal(PeerType.Chat),
  id: Id,
  text: v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_CHAT_CHARS)),
  // Milliseconds since the epoch, within the range a JavaScript Date can represent.
  sentAt: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(MAX_TIMESTAMP)),
  /**
   * Shared desk sessions, rep → customer only: the message was written by a colleague of the
   * rep (this display name) and relayed by the rep (shared-session.ts).
   */
  author: v.optional(Name),
});

/** Receipt for a chat message. @example { type: 'ack', id: 'm_3f9a0c1d' } */
export const AckSchema = v.object({ type: v.literal(PeerType.Ack), id: Id });

/** Typing indicator. @example { type: 'typing', active: true } */
export const TypingSchema = v.object({ type: v.literal(PeerType.Typing), active: v.boolean() });

/**
 * Proof that both sides see the same DTLS certificates (keys.ts `fingerprintProof`).
 * @example { type: 'fp-proof', local: 'sha-256 ab:…', remote: 'sha-256 cd:…', mac: 'base64url' }
 */
export const FingerprintProofSchema = v.object({
  type: v.literal(PeerType.FingerprintProof),
  local: v.pipe(v.string(), v.maxLength(256)),
  remote: v.pipe(v.string(), v.maxLength(256)),
  mac: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{43}$/)),
});

/**
 * The sender is leaving: `ended` (the rep ended the session), `left` (the customer left), or
 * `away` (its page is closing or reloading: it may rejoin within the server's rejoin window, so
 * the session is kept, not ended).
 * @example { type: 'bye', reason: 'ended' }
 */
export const ByeSchema = v.object({ type: v.literal(PeerType.Bye), reason: v.picklist(['ended', 'left', 'away']) });

/** Longest pushed URL. */
export const MAX_URL_CHARS = 2048;

/**
 * The rep asks the customer's browser to open a web page (http/https only; the receiver checks
 * again with {@link isPushableUrl}).
 * @example { type: 'url-push', id: 'u_3f9a0c1dQx_', url: 'https://example.com/help' }
 */
export const UrlPushSchema = v.object({
  type: v.literal(PeerType.UrlPush),
  id: Id,
  url: v.pipe(v.string(), v.maxLength(MAX_URL_CHARS), v.check(isPushableUrl, 'not an http(s) URL')),
});

/** An absolute http: or https: URL with a host: the only addresses a rep may push. */
export function isPushableUrl(value: string): boolean {
  if (!/^https?:\/\/[^\s]/i.test(value) || value.length > MAX_URL_CHARS) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/**
 * How often a rep may nudge. The receiver acts on one nudge per {@link NUDGE_RECEIVER_WINDOW_MS}
 * (a little shorter, so network jitter never swallows a nudge sent on time).
 */
export const NUDGE_COOLDOWN_MS = 5_000;
export const NUDGE_RECEIVER_WINDOW_MS = 4_000;

/**
 * The rep asks for the customer's attention (window brought forward, title flashes, a shake and
 * a sound). Rep → customer only, at most once per {@link NUDGE_COOLDOWN_MS}.
 * @example { type: 'nudge' }
 */
export const NudgeSchema = v.object({ type: v.literal(PeerType.Nudge) });

/**
 * What simple-peer emits as `signal` data: sealed inside a relay `signal` envelope while the
 * link is being set up, and inside an `rtc-signal` peer message once it is verified.
 * @example { type: 'offer', sdp: 'v=0…' }
 * @example { type: 'candidate', candidate: { candidate: 'candidate:…', sdpMLineIndex: 0, sdpMid: '0' } }
 */
export const PeerSignalSchema = v.variant('type', [
  v.object({ type: v.picklist(['offer', 'answer']), sdp: v.pipe(v.string(), v.maxLength(MAX_SDP_CHARS)) }),
  v.object({
    type: v.literal('candidate'),
    candidate: v.object({
      candidate: v.pipe(v.string(), v.maxLength(1024)),
      sdpMLineIndex: v.optional(v.nullable(v.number())),
      sdpMid: v.optional(v.nullable(v.pipe(v.string(), v.maxLength(64)))),
      usernameFragment: v.optional(v.nullable(v.pipe(v.string(), v.maxLength(256)))),
    }),
  }),
  v.object({ type: v.literal('renegotiate'), renegotiate: v.literal(true) }),
  // The non-initiator (customer) asks the initiator for a media transceiver (screen sharing).
  v.object({
    type: v.literal('transceiverRequest'),
    transceiverRequest: v.object({ kind: v.picklist(['video', 'audio']) }),
  }),
]);
export type PeerSignal = v.InferOutput<typeof PeerSignalSchema>;

/**
 * A WebRTC signal after the link is verified (renegotiation for screen sharing): it travels
 * over the encrypted data channel, never through the server.
 * @example { type: 'rtc-signal', signal: { type: 'renegotiate', renegotiate: true } }
 */
export const RtcSignalSchema = v.object({ type: v.literal(PeerType.RtcSignal), signal: PeerSignalSchema });

/** Rep → customer: please share your screen (the customer decides). @example { type: 'screen-request' } */
export const ScreenRequestSchema = v.object({ type: v.literal(PeerType.ScreenRequest) });

/**
 * Customer → rep: what became of screen sharing. `declined` answers a request; `started` is
 * sent when the stream is added (the video follows by renegotiation); `stopped` when it ends.
 * @example { type: 'screen-state', state: 'started' }
 */
export const ScreenStateSchema = v.object({
  type: v.literal(PeerType.ScreenState),
  state: v.picklist(['started', 'stopped', 'declined']),
});

/**
 * Heartbeat, sent every second on a verified link (peer-link.ts): a side that hears nothing
 * for a few seconds knows the connection stalled long before the browser would say so.
 * @example { type: 'ping' }
 */
export const PingSchema = v.object({ type: v.literal(PeerType.Ping) });

export const PeerMessageSchema = v.variant('type', [
  HelloSchema,
  ChatSchema,
  AckSchema,
  TypingSchema,
  FingerprintProofSchema,
  ByeSchema,
  UrlPushSchema,
  RtcSignalSchema,
  ScreenRequestSchema,
  ScreenStateSchema,
  NudgeSchema,
  PingSchema,
  // file-offer, file-accept, … (file.ts)
  ...FILE_MESSAGE_SCHEMAS,
  // offer, offer-pick, session-end, survey-answers (session-tools.ts)
  ...TOOL_MESSAGE_SCHEMAS,
  // shared-line, shared-history, participants, notes-update, participant-notice (shared-session.ts)
  ...SHARED_MESSAGE_SCHEMAS,
]);

export type Hello = v.InferOutput<typeof HelloSchema>;
export type Chat = v.InferOutput<typeof ChatSchema>;
export type Ack = v.InferOutput<typeof AckSchema>;
export type Typing = v.InferOutput<typeof TypingSchema>;
export type FingerprintProof = v.InferOutput<typeof FingerprintProofSchema>;
export type Bye = v.InferOutput<typeof ByeSchema>;
export type UrlPush = v.InferOutput<typeof UrlPushSchema>;
export type ScreenState = v.InferOutput<typeof ScreenStateSchema>['state'];
export type Nudge = v.InferOutput<typeof NudgeSchema>;
export type PeerMessage = v.InferOutput<typeof PeerMessageSchema>;

/** @throws ParleyError `MALFORMED` (or `PAYLOAD_TOO_LARGE` for an over-long chat text). */
export function parsePeerMessage(value: unknown): PeerMessage {
  const result = v.safeParse(PeerMessageSchema, value);
  if (result.success) return result.output;
  const tooLong =
    typeof value === 'object' && value !== null && (value as { type?: unknown }).type === PeerType.Chat &&
    typeof (value as { text?: unknown }).text === 'string' && (value as { text: string }).text.length > MAX_CHAT_CHARS;
  throw new ParleyError(tooLong ? 'PAYLOAD_TOO_LARGE' : 'MALFORMED', `bad peer message: ${result.issues[0]?.message ?? 'invalid'}`);
}

/** A fresh random message id: 12 base64url characters (72 random bits). */
export function newMessageId(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'[b & 63]).join('');
}


/** @throws ParleyError `MALFORMED` */
export function parsePeerSignal(value: unknown): PeerSignal {
  const result = v.safeParse(PeerSignalSchema, value);
  if (!result.success) throw new ParleyError('MALFORMED', 'bad peer signal');
  return result.output;
}
