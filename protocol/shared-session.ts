/**
 * Peer messages of shared desk sessions (several reps with one customer).
 *
 * Topology: a star around the *host* rep (the one the customer is paired with). Each invited rep
 * has its own room and encrypted link with the host: a *colleague link* (the host is room role
 * `rep`, the invitee room role `customer`). The customer only ever has its link with the host.
 *
 * ```
 *   customer ══ customer link ══ host rep ══ colleague link ══ invited rep B
 *                                        ╚══ colleague link ══ invited rep C
 * ```
 *
 * On a colleague link:
 * - `shared-line`: one line of the shared conversation (a customer message relayed by the host,
 *   a rep's message to everyone, or a private one `to: 'reps'`).
 * - `shared-history`: the host hands a joining rep the last minutes of the conversation.
 * - `participants`: the host tells its colleagues who is in the session.
 * - `notes-update`: one rep's session notes, shown to the others.
 * - `shared-line-received`: a line reached everyone it was for ("Delivered").
 *
 * On the customer link (host → customer): `chat` with an `author` (a colleague's message the
 * host relays; peer.ts) and `participant-notice` (a colleague the customer may see joined or left).
 * Private lines never go there: the client enforces it in one place (shared-session-privacy.ts).
 */
import * as v from 'valibot';
import { MAX_CHAT_CHARS, MAX_NAME_CHARS, MAX_TIMESTAMP, QUEUE_ID_RE } from './limits.ts';

export const SharedType = {
  Line: 'shared-line',
  History: 'shared-history',
  Participants: 'participants',
  Notes: 'notes-update',
  Notice: 'participant-notice',
  HandoverReady: 'handover-ready',
  LineReceived: 'shared-line-received',
} as const;

/** Most lines in one `shared-history` message (a longer history goes in several). */
export const MAX_HISTORY_LINES_PER_MESSAGE = 40;
/** Most lines a joining rep takes in from one host (the rest are dropped with a warning). */
export const MAX_HISTORY_LINES = 2000;
/** Most people listed in `participants` (the customer, the host and its colleagues). */
export const MAX_PARTICIPANTS = 12;
/** Longest shared note. */
export const MAX_NOTES_CHARS = 20_000;

const Id = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{8,64}$/));
const Name = v.pipe(v.string(), v.maxLength(MAX_NAME_CHARS));
const Time = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(MAX_TIMESTAMP));

/** Who a line is for: everyone (the customer too) or the reps only (a private message). */
export const AudienceSchema = v.picklist(['all', 'reps']);
export type Audience = v.InferOutput<typeof AudienceSchema>;

/** Who wrote a line: the customer or a rep (by display name). */
export const AuthorSchema = v.object({ kind: v.picklist(['customer', 'rep']), name: Name });
export type Author = v.InferOutput<typeof AuthorSchema>;

const LineFields = {
  id: Id,
  text: v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_CHAT_CHARS)),
  sentAt: Time,
  /** Set by the host; a colleague's own lines are attributed by the host from its link, not from this field. */
  author: AuthorSchema,
  to: AudienceSchema,
};

/**
 * One line of the shared conversation on a colleague link.
 * @example { type: 'shared-line', id: 'm_3f9a0c1d', text: 'Can you check the invoice?', sentAt: 1767225600000, author: { kind: 'rep', name: 'Ana' }, to: 'reps' }
 */
export const SharedLineSchema = v.object({ type: v.literal(SharedType.Line), ...LineFields });
export type SharedLine = v.InferOutput<typeof SharedLineSchema>;

/** A line of handed-over history (no `type`). */
export const HistoryLineSchema = v.object(LineFields);
export type HistoryLine = v.InferOutput<typeof HistoryLineSchema>;

/**
 * Host → joining rep: the last minutes of the conversation, oldest first, in parts; `done` on the last.
 * @example { type: 'shared-history', lines: [{ id: 'm_1a2b3c4d', text: 'Hello', sentAt: 1767225600000, author: { kind: 'customer', name: 'Ada' }, to: 'all' }], done: true }
 */
export const SharedHistorySchema = v.object({
  type: v.literal(SharedType.History),
  lines: v.pipe(v.array(HistoryLineSchema), v.maxLength(MAX_HISTORY_LINES_PER_MESSAGE)),
  done: v.boolean(),
});

export const ParticipantSchema = v.object({
  /** Stable within the session: `customer`, `host`, or a colleague link's id. */
  id: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/)),
  name: Name,
  kind: v.picklist(['customer', 'rep']),
  /** The rep the customer is paired with. */
  host: v.boolean(),
  /** `invited`: asked, not joined yet. */
  status: v.picklist(['present', 'invited']),
  /** A rep the customer is not shown (nor told about). */
  hidden: v.boolean(),
});
export type Participant = v.InferOutput<typeof ParticipantSchema>;

/**
 * Host → colleagues: everyone in the session now.
 * @example { type: 'participants', list: [{ id: 'customer', name: 'Ada', kind: 'customer', host: false, status: 'present', hidden: false }] }
 */
export const ParticipantsSchema = v.object({
  type: v.literal(SharedType.Participants),
  list: v.pipe(v.array(ParticipantSchema), v.maxLength(MAX_PARTICIPANTS)),
});

/**
 * A rep's session notes, whole (the latest wins), shown read-only to the other reps.
 * @example { type: 'notes-update', text: 'Customer on plan B', updatedAt: 1767225600000 }
 */
export const NotesUpdateSchema = v.object({
  type: v.literal(SharedType.Notes),
  text: v.pipe(v.string(), v.maxLength(MAX_NOTES_CHARS)),
  updatedAt: Time,
  /** Filled in by the host when it passes a colleague's notes on (a sender's own value is ignored). */
  author: v.optional(Name),
});

/**
 * Host → customer: a colleague the customer may see joined or left the chat.
 * @example { type: 'participant-notice', event: 'joined', name: 'Ana' }
 */
export const ParticipantNoticeSchema = v.object({
  type: v.literal(SharedType.Notice),
  event: v.picklist(['joined', 'left']),
  name: Name,
});

/** The queue a desk chat came from: its id and its name as the host's console shows it. */
export const HandoverQueueSchema = v.object({ id: v.pipe(v.string(), v.regex(QUEUE_ID_RE)), name: v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_NAME_CHARS)) });

/**
 * Host → the invitee of a transfer: the server now lets it take the customer of room `sid`
 * (`desk-handover` from a fresh socket of its own). `queue`: the chat's queue, so the new rep's
 * details and reports name it (the server does not tell the new rep; absent for a code session).
 * @example { type: 'handover-ready', sid: '…43 chars…', inviteId: '…22 chars…', queue: { id: 'billing', name: 'Billing' } }
 */
export const HandoverReadySchema = v.object({
  type: v.literal(SharedType.HandoverReady),
  sid: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{43}$/)),
  inviteId: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{22}$/)),
  queue: v.optional(HandoverQueueSchema),
});

/**
 * A receipt for a line, on a colleague link. A colleague sends one for each live reps-only line
 * it takes in; the host sends one to a colleague once its line reached everyone it was for: every
 * other rep for a reps-only line, the customer's browser (its `ack`) for a line to everyone. The
 * author's line then shows "Delivered".
 * @example { type: 'shared-line-received', id: 'm_3f9a0c1d' }
 */
export const SharedLineReceivedSchema = v.object({ type: v.literal(SharedType.LineReceived), id: Id });

export const SHARED_MESSAGE_SCHEMAS = [
  SharedLineSchema,
  SharedHistorySchema,
  ParticipantsSchema,
  NotesUpdateSchema,
  ParticipantNoticeSchema,
  HandoverReadySchema,
  SharedLineReceivedSchema,
] as const;

export type SharedHistory = v.InferOutput<typeof SharedHistorySchema>;
export type Participants = v.InferOutput<typeof ParticipantsSchema>;
export type NotesUpdate = v.InferOutput<typeof NotesUpdateSchema>;
export type ParticipantNotice = v.InferOutput<typeof ParticipantNoticeSchema>;
export type HandoverReady = v.InferOutput<typeof HandoverReadySchema>;
export type HandoverQueue = v.InferOutput<typeof HandoverQueueSchema>;
export type SharedLineReceived = v.InferOutput<typeof SharedLineReceivedSchema>;
export type SharedMessage = SharedLine | SharedHistory | Participants | NotesUpdate | ParticipantNotice | HandoverReady | SharedLineReceived;
