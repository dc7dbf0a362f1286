/**
 * Support desk signaling (socket.io events next to the room events of signaling.ts): queues,
 * offers, presence, shared sessions. The server holds queue state only; what the customer typed
 * (name, e-mail, problem) travels sealed to the reps' browsers (`nacl.box` to each rep console's
 * key), and everything after a rep accepts goes through an ordinary room (relay, PAKE, WebRTC).
 *
 * ```
 *  customer (portal)                    server                         rep console
 *   |                                     |<-- desk-hello {name, publicKey} (signed in, or open mode)
 *   |                                     |<-- desk-presence {available}
 *   |-- desk-request {queue} ------------>|
 *   |<- {requestId, repKeys} -------------|
 *   |-- desk-details {sealed per key} --->|
 *   |<- desk-waiting {position, wait} ----|--- desk-queue {entries (sealed details), offer} -->|
 *   |<- desk-seal-for {repKeys} ----------|   (a rep came online: seal for it too)
 *   |                                     |<-- desk-reject {requestId}  → offered to another rep
 *   |                                     |<-- desk-accept {requestId}
 *   |<- desk-accepted {sid, repName} -----|--- {ok, sid, ice…} ------------------------------->|
 *   |====== room `sid`: PAKE with the public password (unauthenticated), sealed signals ======|
 *   |<- desk-orphaned (no rep in time) ---|
 * ```
 *
 * Sessions that start here use CPace with a password both sides know (`deskPassword(sid)`), which
 * is an unauthenticated key agreement: safe from a passive server, not from an active one, until
 * the rep and customer compare the safety code (the UI says "not verified" until then).
 */
import * as v from 'valibot';
import { ERROR_CODES, type ErrorCode } from './errors.ts';
import { FilePolicySchema } from './file-policy.ts';
import { QUEUE_ID_RE } from './desk-config.ts';
import { IceSettingsSchema, type IceSettings } from './signaling.ts';

export const DeskClientEvent = {
  /** Rep console: "I am a rep" (needs a signed-in cookie once accounts exist) + its box key. */
  Hello: 'desk-hello',
  Presence: 'desk-presence',
  Accept: 'desk-accept',
  Reject: 'desk-reject',
  /** A rep sends a chat it is in back to a queue. */
  Move: 'desk-move',
  Invite: 'desk-invite',
  InviteAnswer: 'desk-invite-answer',
  /** The inviter hands the customer over to the rep that accepted a transfer invitation. */
  Handover: 'desk-handover',
  /** Customer: join a queue. */
  Request: 'desk-request',
  /** Customer: its details sealed for rep keys. */
  Details: 'desk-details',
  /** Customer: leave the queue. */
  Cancel: 'desk-cancel',
  /** Customer: take a waiting request back on a new socket (after a reconnection or reload). */
  Resume: 'desk-resume',
} as const;

export const DeskServerEvent = {
  /** To a rep: the queues it serves, its offers and invitations (a full snapshot on each change). */
  Queue: 'desk-queue',
  /** To a waiting customer: its position and estimated wait. */
  Waiting: 'desk-waiting',
  /** To a waiting customer: more rep keys to seal its details for. */
  SealFor: 'desk-seal-for',
  /** To a waiting customer: a rep accepted (or took over after a transfer): pair in room `sid`. */
  Accepted: 'desk-accepted',
  /** To a waiting customer: nobody answered within the orphan timeout; the request is closed. */
  Orphaned: 'desk-orphaned',
  /** To an inviter: the invitation was answered. */
  InviteAnswered: 'desk-invite-answered',
  /**
   * To a customer in a desk session: the rep sent the chat back to a queue ("Move queue"). The
   * room closes next; the customer takes the new request with `desk-resume` (on a new socket).
   */
  Requeued: 'desk-requeued',
} as const;

const SidSchema = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{43}$/));
/** A request id: 16 random bytes, base64url. */
export const RequestIdSchema = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{22}$/));
const QueueIdSchema = v.pipe(v.string(), v.regex(QUEUE_ID_RE));
/** A `nacl.box` public key, 32 bytes base64url. */
const BoxKeySchema = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{43}$/));
/** Server-chosen id of a rep console's key (one per rep socket). */
const KeyIdSchema = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,32}$/));
const ErrorCodeSchema = v.picklist(ERROR_CODES as ErrorCode[]);
const FailureSchema = v.object({ ok: v.literal(false), error: ErrorCodeSchema });
const ms = v.pipe(v.number(), v.integer(), v.minValue(0));

/** Largest sealed details blob (base64url characters): 2 kB of JSON once opened. */
export const MAX_SEALED_DETAILS_CHARS = 3000;
/** Most rep keys one request is sealed for. */
export const MAX_REP_KEYS = 200;

export const PresenceSchema = v.picklist(['available', 'away']);
export type Presence = v.InferOutput<typeof PresenceSchema> | 'offline';

/**
 * `desk-hello` {displayName (open mode only; accounts use their own), publicKey, console}. ack: {ok, keyId}
 * `console` (default true): this socket is a rep console (it gets offers and `desk-queue`
 * snapshots, its key is sealed for). `false`: a rep's session socket that only accepts a chat
 * (each desk session has its own connection); it is not offered anything and gets no snapshots.
 */
export const DeskHelloSchema = v.object({
  displayName: v.optional(v.pipe(v.string(), v.maxLength(80))),
  publicKey: BoxKeySchema,
  console: v.optional(v.boolean(), true),
});
export const DeskHelloResultSchema = v.union([v.object({ ok: v.literal(true), keyId: KeyIdSchema }), FailureSchema]);

/** `desk-presence` {status}. ack: {ok} */
export const DeskPresenceSchema = v.object({ status: PresenceSchema });

export const RepKeySchema = v.object({ keyId: KeyIdSchema, publicKey: BoxKeySchema });
export type RepKey = v.InferOutput<typeof RepKeySchema>;

/**
 * `desk-request` {queue}. ack: {ok, requestId, requestToken, repKeys}. `requestToken` is a secret
 * (16 random bytes) that lets the customer take the request back with `desk-resume` after its
 * connection dropped (the request waits for a short grace period).
 */
export const DeskRequestSchema = v.object({ queue: QueueIdSchema });
export const DeskRequestResultSchema = v.union([
  v.object({ ok: v.literal(true), requestId: RequestIdSchema, requestToken: RequestIdSchema, repKeys: v.pipe(v.array(RepKeySchema), v.maxLength(MAX_REP_KEYS)) }),
  FailureSchema,
]);

/** `desk-resume` {requestId, requestToken}: this socket now waits for the request. ack: {ok, repKeys} (then `desk-waiting`). */
export const DeskResumeSchema = v.object({ requestId: RequestIdSchema, requestToken: RequestIdSchema });
export const DeskResumeResultSchema = v.union([
  v.object({ ok: v.literal(true), repKeys: v.pipe(v.array(RepKeySchema), v.maxLength(MAX_REP_KEYS)) }),
  FailureSchema,
]);

/** Answer of the requests without data (`desk-presence`, `desk-details`, `desk-cancel`, `desk-reject`, `desk-move`). */
export const DeskOkResultSchema = v.union([v.object({ ok: v.literal(true) }), FailureSchema]);

/**
 * `desk-details`: the customer's details (customer-details.ts) sealed for rep keys: each `data`
 * is base64url(ephemeral public key ‖ nonce ‖ nacl.box).
 */
export const SealedForKeySchema = v.object({ keyId: KeyIdSchema, data: v.pipe(v.string(), v.maxLength(MAX_SEALED_DETAILS_CHARS), v.regex(/^[A-Za-z0-9_-]+$/)) });
export const DeskDetailsSchema = v.object({ requestId: RequestIdSchema, sealed: v.pipe(v.array(SealedForKeySchema), v.maxLength(MAX_REP_KEYS)) });

/** `desk-cancel`, `desk-accept`, `desk-reject` {requestId}. ack: {ok} (accept: see below) */
export const RequestRefSchema = v.object({ requestId: RequestIdSchema });

/** Answer to `desk-accept`: the room to pair in, as for `join-room`. */
export const DeskAcceptResultSchema = v.union([
  v.object({ ok: v.literal(true), sid: SidSchema, ...IceSettingsSchema.entries, filePolicy: v.optional(FilePolicySchema) }),
  FailureSchema,
]);

/** `desk-move` {sid: the customer room, queue}: back to a queue (the rep leaves the room). ack: {ok} */
export const DeskMoveSchema = v.object({ sid: SidSchema, queue: QueueIdSchema });

/**
 * `desk-invite`: ask a colleague into the session of room `sid` (a named rep, or any available
 * rep of a queue); `transfer`: the inviter means to leave once the colleague is in. One pending
 * invitation per session. ack: {ok, inviteId}
 */
export const DeskInviteSchema = v.object({
  sid: SidSchema,
  to: v.union([v.object({ username: v.pipe(v.string(), v.maxLength(64)) }), v.object({ queue: QueueIdSchema })]),
  transfer: v.boolean(),
});
export const DeskInviteResultSchema = v.union([v.object({ ok: v.literal(true), inviteId: RequestIdSchema }), FailureSchema]);
/** `desk-invite-answer` {inviteId, accept}. ack on accept: a room with the inviter (as `desk-accept`). */
export const DeskInviteAnswerSchema = v.object({ inviteId: RequestIdSchema, accept: v.boolean() });
/**
 * `desk-handover` {sid: customer room, inviteId}, in two steps: from the host (the socket it
 * invited from) it lets the invitee of an accepted transfer take the customer (ack {ok}); then from
 * the invitee (a fresh socket) it takes it: the customer pairs with that socket in a new room
 * (ack: the room, as `desk-accept`; the customer gets `desk-accepted` again).
 */
export const DeskHandoverSchema = v.object({ sid: SidSchema, inviteId: RequestIdSchema });

/** One waiting chat in a rep's `desk-queue` snapshot. */
export const QueueEntrySchema = v.object({
  requestId: RequestIdSchema,
  queue: QueueIdSchema,
  /** When the customer asked (server clock, ms). */
  since: ms,
  /** 1 = next. */
  position: v.pipe(v.number(), v.integer(), v.minValue(1)),
  /** The details sealed for this rep's key, when the customer has sealed them. */
  details: v.optional(v.pipe(v.string(), v.maxLength(MAX_SEALED_DETAILS_CHARS))),
  /** Offered to this rep now (accept or reject before `offerExpiresAt`). */
  offered: v.boolean(),
  offerExpiresAt: v.optional(ms),
  /** The chat was moved here from another queue by a rep (display name). */
  movedBy: v.optional(v.string()),
});
export type QueueEntry = v.InferOutput<typeof QueueEntrySchema>;

export const InvitationSchema = v.object({
  inviteId: RequestIdSchema,
  from: v.string(),
  transfer: v.boolean(),
  queue: v.optional(QueueIdSchema),
  expiresAt: ms,
});
export type Invitation = v.InferOutput<typeof InvitationSchema>;

export const ColleagueSchema = v.object({ username: v.string(), displayName: v.string(), presence: v.picklist(['available', 'away', 'offline']), queues: v.array(v.string()) });
export type Colleague = v.InferOutput<typeof ColleagueSchema>;

/** `desk-queue` snapshot to a rep. `now`: server clock, to show waits without clock skew. */
export const DeskQueueSchema = v.object({
  now: ms,
  presence: PresenceSchema,
  entries: v.array(QueueEntrySchema),
  invitations: v.array(InvitationSchema),
  colleagues: v.array(ColleagueSchema),
});
export type DeskQueue = v.InferOutput<typeof DeskQueueSchema>;

/** `desk-waiting` to a customer. `waitSeconds` null: no estimate yet. `repsAvailable`: reps available for the queue now. */
export const DeskWaitingSchema = v.object({
  requestId: RequestIdSchema,
  position: v.pipe(v.number(), v.integer(), v.minValue(1)),
  waitSeconds: v.nullable(v.pipe(v.number(), v.minValue(0))),
  repsAvailable: v.pipe(v.number(), v.integer(), v.minValue(0)),
});
export type DeskWaiting = v.InferOutput<typeof DeskWaitingSchema>;

/** `desk-seal-for` {requestId, repKeys}: seal the details for these keys too (answer with `desk-details`). */
export const DeskSealForSchema = v.object({ requestId: RequestIdSchema, repKeys: v.pipe(v.array(RepKeySchema), v.maxLength(MAX_REP_KEYS)) });

/** `desk-accepted` to the customer: pair in room `sid` with the rep named `repName`. */
export const DeskAcceptedSchema = v.object({
  requestId: RequestIdSchema,
  sid: SidSchema,
  repName: v.pipe(v.string(), v.maxLength(80)),
  ...IceSettingsSchema.entries,
  filePolicy: v.optional(FilePolicySchema),
});
export type DeskAccepted = v.InferOutput<typeof DeskAcceptedSchema> & IceSettings;

/** `desk-orphaned` {requestId}. */
export const DeskOrphanedSchema = v.object({ requestId: RequestIdSchema });

/**
 * `desk-invite-answered` to the inviter: accepted (with the room to pair with the colleague in)
 * or not. `filePolicy`: what files the reps may send each other on that link (as `join-room`).
 */
export const DeskInviteAnsweredSchema = v.union([
  v.object({ inviteId: RequestIdSchema, accepted: v.literal(true), sid: SidSchema, colleague: v.string(), ...IceSettingsSchema.entries, filePolicy: v.optional(FilePolicySchema) }),
  v.object({ inviteId: RequestIdSchema, accepted: v.literal(false) }),
]);

/** `desk-requeued` {requestId, requestToken, queue}: the customer's new request after "Move queue". */
export const DeskRequeuedSchema = v.object({ requestId: RequestIdSchema, requestToken: RequestIdSchema, queue: QueueIdSchema });
export type DeskRequeued = v.InferOutput<typeof DeskRequeuedSchema>;

/** socket.io typing of the desk events, server → client (merged into signaling.ts's). */
export interface DeskServerToClientEvents {
  'desk-queue': (msg: DeskQueue) => void;
  'desk-waiting': (msg: DeskWaiting) => void;
  'desk-seal-for': (msg: v.InferOutput<typeof DeskSealForSchema>) => void;
  'desk-accepted': (msg: DeskAccepted) => void;
  'desk-orphaned': (msg: v.InferOutput<typeof DeskOrphanedSchema>) => void;
  'desk-invite-answered': (msg: v.InferOutput<typeof DeskInviteAnsweredSchema>) => void;
  'desk-requeued': (msg: DeskRequeued) => void;
}

/**
 * The CPace password of a desk session: public (the server knows the sid), so the key agreement
 * is unauthenticated until the safety code is compared; see the module comment.
 */
export function deskPassword(sid: string): string {
  return `parley-desk:${sid}`;
}
