/**
 * Signaling messages between a client and the server (socket.io events).
 *
 * The server is an opaque relay: apart from room management it only moves `relay.data`
 * strings between the two members of a room and never looks inside them.
 *
 * ```
 *  rep                         server                        customer
 *   | create-room ------------->|                                |
 *   |<------ {nameplate, sid} --|                                |
 *   |   (rep shows NAMEPLATE-SECRET; SECRET never leaves it)     |
 *   |                           |<-------- join-room {nameplate} |
 *   |                           |--------- {sid} --------------->|
 *   |<------------ peer-joined -|                                |
 *   |-- relay PAKE(Ya) -------->|-- relay PAKE(Ya) ------------->|
 *   |<- relay PAKE(Yb) ---------|<- relay PAKE(Yb) --------------|
 *   |-- relay CONFIRM(Ta) ----->|-- relay CONFIRM(Ta) ---------->|
 *   |<- relay CONFIRM(Tb) ------|<- relay CONFIRM(Tb) -----------|
 *   |   (either side: bad confirm -> bad-key -> room burned, both told)
 *   |-- relay SIGNAL(sealed SDP/ICE) <-------------------------> |
 *   |=========== WebRTC data channel (DTLS + sealed messages) ===|
 *   |-- claim-room {proof} ---->|<---------- claim-room {proof} -|  (after verification)
 *   |-- turn-credentials ----->|  (any time, members only: fresh TURN credentials)
 *   |     (a member's socket drops: the other gets peer-away; the slot is kept for a while)
 *   |                           |<- resume-room {sid,role,proof} |  (new socket)
 *   |<-------------- peer-back -|--- {ok, peerPresent} --------->|
 * ```
 * See PROTOCOL.md for the full description.
 */
import * as v from 'valibot';
import { ERROR_CODES, type ErrorCode } from './errors.ts';
import { NAMEPLATE_MAX_DIGITS, NAMEPLATE_MIN_DIGITS } from './code.ts';
import { FilePolicySchema } from './file-policy.ts';
import type { DeskServerToClientEvents } from './desk.ts';

/** Largest `relay.data` string the server accepts (base64url characters). */
export const MAX_RELAY_CHARS = 16 * 1024;
/** socket.io `maxHttpBufferSize`: a little above the largest legal message. */
export const MAX_SOCKET_MESSAGE_BYTES = 32 * 1024;

/** Event names, client → server. */
export const ClientEvent = {
  CreateRoom: 'create-room',
  JoinRoom: 'join-room',
  Relay: 'relay',
  BadKey: 'bad-key',
  LeaveRoom: 'leave-room',
  ClaimRoom: 'claim-room',
  ResumeRoom: 'resume-room',
  TurnCredentials: 'turn-credentials',
} as const;

/** Event names, server → client. */
export const ServerEvent = {
  PeerJoined: 'peer-joined',
  Relay: 'relay',
  PeerLeft: 'peer-left',
  RoomClosed: 'room-closed',
  ServerError: 'server-error',
  PeerAway: 'peer-away',
  PeerBack: 'peer-back',
} as const;

/** An ICE server as handed to RTCPeerConnection. */
export const IceServerSchema = v.object({
  urls: v.union([v.pipe(v.string(), v.maxLength(512)), v.pipe(v.array(v.pipe(v.string(), v.maxLength(512))), v.maxLength(8))]),
  username: v.optional(v.pipe(v.string(), v.maxLength(512))),
  credential: v.optional(v.pipe(v.string(), v.maxLength(512))),
});
export type IceServer = v.InferOutput<typeof IceServerSchema>;

/** `RTCConfiguration.iceTransportPolicy`: `relay` makes every connection go through a TURN server. */
export const IceTransportPolicySchema = v.picklist(['all', 'relay']);
export type IceTransportPolicy = v.InferOutput<typeof IceTransportPolicySchema>;

/** Longest credential lifetime a server may announce (one day), so a client never waits longer to refresh. */
export const MAX_ICE_SERVERS_TTL_SECONDS = 86_400;

/**
 * ICE settings, for RTCPeerConnection: part of every room answer and of `turn-credentials`.
 * - `iceServers`: STUN/TURN servers, TURN entries with their (short-lived) credentials;
 * - `iceTransportPolicy`: absent means `all`; `relay` when the server's operator forces relaying;
 * - `iceServersTtlSeconds`: how long the credentials in `iceServers` work from the moment the
 *   answer arrives; absent when none expire. Clients ask `turn-credentials` for fresh ones once
 *   half of it has passed.
 * @example { iceServers: [{ urls: 'turn:turn.example.org:3478', username: '1767225600:q3ZK…', credential: 'bW9…' }], iceTransportPolicy: 'relay', iceServersTtlSeconds: 900 }
 */
const iceSettingsEntries = {
  iceServers: v.array(IceServerSchema),
  iceTransportPolicy: v.optional(IceTransportPolicySchema),
  iceServersTtlSeconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_ICE_SERVERS_TTL_SECONDS))),
};
/** The ICE settings of an answer on their own (see `iceSettingsEntries` above). */
export const IceSettingsSchema = v.object(iceSettingsEntries);
export type IceSettings = v.InferOutput<typeof IceSettingsSchema>;

const NameplateSchema = v.pipe(
  v.string(),
  v.regex(new RegExp(`^[0-9]{${NAMEPLATE_MIN_DIGITS},${NAMEPLATE_MAX_DIGITS}}$`)),
);
const SidSchema = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{43}$/)); // 32 bytes base64url
const ErrorCodeSchema = v.picklist(ERROR_CODES as ErrorCode[]);

/**
 * `join-room` request.
 * @example socket.emit('join-room', { nameplate: '482' }, (res) => …)
 */
export const JoinRoomRequestSchema = v.object({ nameplate: NameplateSchema });
export type JoinRoomRequest = v.InferOutput<typeof JoinRoomRequestSchema>;

/**
 * `create-room` request. Empty for now; unknown keys are ignored.
 * @example socket.emit('create-room', {}, (res) => …)
 */
export const CreateRoomRequestSchema = v.object({});
export type CreateRoomRequest = v.InferOutput<typeof CreateRoomRequestSchema>;

/**
 * Optional room reference. A socket may be in several rooms (a rep with several open codes):
 * `sid` then says which one a `relay`, `bad-key` or `leave-room` is for. It may be omitted when
 * the socket is in exactly one room. The server always sets it on what it sends.
 * @example socket.emit('leave-room', { sid: '…43 chars…' })
 */
export const RoomRefSchema = v.optional(v.object({ sid: v.optional(SidSchema) }), {});
export type RoomRef = v.InferOutput<typeof RoomRefSchema>;

/**
 * `relay` in both directions: opaque base64url bytes for the other member.
 * `sid`: see {@link RoomRefSchema}.
 * @example socket.emit('relay', { data: 'AQ3x…' })
 */
export const RelaySchema = v.object({
  data: v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_RELAY_CHARS), v.regex(/^[A-Za-z0-9_-]+$/)),
  sid: v.optional(SidSchema),
});
export type Relay = v.InferOutput<typeof RelaySchema>;

/** Failure answer to a request. @example { ok: false, error: 'ROOM_CROWDED' } */
export const FailureSchema = v.object({ ok: v.literal(false), error: ErrorCodeSchema });
export type Failure = v.InferOutput<typeof FailureSchema>;

/**
 * Answer to `create-room`. `filePolicy` (file-policy.ts) says what files may be sent in the
 * room; without it clients use `DEFAULT_FILE_POLICY`.
 * @example { ok: true, nameplate: '482', sid: '…43 chars…', expiresAt: 1767225600000, iceServers: [], filePolicy: { maxBytes: 20971520, maxCount: 5, types: ['text/*'], autoAcceptFromRep: false } }
 */
export const CreateRoomResultSchema = v.union([
  v.object({
    ok: v.literal(true),
    nameplate: NameplateSchema,
    sid: SidSchema,
    expiresAt: v.pipe(v.number(), v.integer(), v.minValue(0)),
    ...iceSettingsEntries,
    filePolicy: v.optional(FilePolicySchema),
  }),
  FailureSchema,
]);
export type CreateRoomResult = v.InferOutput<typeof CreateRoomResultSchema>;

/**
 * Answer to `join-room`; `filePolicy` as for `create-room`.
 * @example { ok: true, sid: '…43 chars…', iceServers: [] }
 */
export const JoinRoomResultSchema = v.union([
  v.object({ ok: v.literal(true), sid: SidSchema, ...iceSettingsEntries, filePolicy: v.optional(FilePolicySchema) }),
  FailureSchema,
]);
export type JoinRoomResult = v.InferOutput<typeof JoinRoomResultSchema>;

/** A room proof (keys.ts `roomProof`): 32 bytes as 43 base64url characters. */
const ProofSchema = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{43}$/));

/**
 * `claim-room`: a member whose session is verified hands the server its room proof, so the room
 * can later be resumed (`resume-room`) by whoever shows the same proof. `sid`: see
 * {@link RoomRefSchema}.
 * @example socket.emit('claim-room', { proof: '…43 chars…' }, (res) => …) // res: { ok: true }
 */
export const ClaimRoomRequestSchema = v.object({ sid: v.optional(SidSchema), proof: ProofSchema });
export type ClaimRoomRequest = v.InferOutput<typeof ClaimRoomRequestSchema>;

/** Answer to `claim-room`. @example { ok: true } */
export const ClaimRoomResultSchema = v.union([v.object({ ok: v.literal(true) }), FailureSchema]);
export type ClaimRoomResult = v.InferOutput<typeof ClaimRoomResultSchema>;

/** The two members of a room. */
export const RoomRoleSchema = v.picklist(['rep', 'customer']);
export type RoomRole = v.InferOutput<typeof RoomRoleSchema>;

/**
 * `resume-room`: a member on a new socket (reconnected, reloaded page, or a restarted server)
 * takes its slot of the room back by showing the proof it claimed with.
 * @example socket.emit('resume-room', { sid: '…43 chars…', role: 'customer', proof: '…43 chars…' }, (res) => …)
 */
export const ResumeRoomRequestSchema = v.object({ sid: SidSchema, role: RoomRoleSchema, proof: ProofSchema });
export type ResumeRoomRequest = v.InferOutput<typeof ResumeRoomRequestSchema>;

/**
 * Answer to `resume-room`. `peerPresent`: the other member is connected now (otherwise expect
 * `peer-back` when it resumes); `iceServers` and `filePolicy` as for `join-room`.
 * @example { ok: true, peerPresent: true, iceServers: [] }
 */
export const ResumeRoomResultSchema = v.union([
  v.object({ ok: v.literal(true), peerPresent: v.boolean(), ...iceSettingsEntries, filePolicy: v.optional(FilePolicySchema) }),
  FailureSchema,
]);
export type ResumeRoomResult = v.InferOutput<typeof ResumeRoomResultSchema>;

/**
 * `turn-credentials`: a member of a live room asks for fresh ICE settings (new TURN credentials)
 * before its old ones expire. `sid`: see {@link RoomRefSchema}; without it, any room the socket
 * is in will do.
 * @example socket.emit('turn-credentials', {}, (res) => …)
 */
export const TurnCredentialsRequestSchema = RoomRefSchema;
export type TurnCredentialsRequest = v.InferOutput<typeof TurnCredentialsRequestSchema>;

/**
 * Answer to `turn-credentials`: the same ICE settings as a room answer, with fresh credentials;
 * `NOT_IN_ROOM` to a socket that is not a present member of a live room.
 * @example { ok: true, iceServers: [{ urls: 'turn:turn.example.org:3478', username: '1767225600:q3ZK…', credential: 'bW9…' }], iceServersTtlSeconds: 900 }
 */
export const TurnCredentialsResultSchema = v.union([v.object({ ok: v.literal(true), ...iceSettingsEntries }), FailureSchema]);
export type TurnCredentialsResult = v.InferOutput<typeof TurnCredentialsResultSchema>;

/** `room-closed`: the room can no longer be used. @example { reason: 'ROOM_BURNED' } */
export const RoomClosedSchema = v.object({ reason: ErrorCodeSchema, sid: v.optional(SidSchema) });
export type RoomClosed = v.InferOutput<typeof RoomClosedSchema>;

/** `server-error`: a request was refused. @example { code: 'RATE_LIMITED' } */
export const ServerErrorSchema = v.object({ code: ErrorCodeSchema });
export type ServerError = v.InferOutput<typeof ServerErrorSchema>;

/** Messages with no fields (`peer-joined`, `peer-left`, `peer-away`, `peer-back`, `bad-key`, `leave-room`). */
export const EmptySchema = v.optional(v.object({}), {});

type Ack<T> = (result: T) => void;

/** socket.io typing for the client → server direction. Types only: handlers still validate. */
export interface ClientToServerEvents {
  'create-room': (req: CreateRoomRequest, ack: Ack<CreateRoomResult>) => void;
  'join-room': (req: JoinRoomRequest, ack: Ack<JoinRoomResult>) => void;
  relay: (msg: Relay) => void;
  'bad-key': (msg: RoomRef) => void;
  'leave-room': (msg: RoomRef) => void;
  'claim-room': (req: ClaimRoomRequest, ack: Ack<ClaimRoomResult>) => void;
  'resume-room': (req: ResumeRoomRequest, ack: Ack<ResumeRoomResult>) => void;
  'turn-credentials': (req: TurnCredentialsRequest, ack: Ack<TurnCredentialsResult>) => void;
}

/** socket.io typing for the server → client direction (desk events: protocol/desk.ts). */
export interface ServerToClientEvents extends DeskServerToClientEvents {
  'peer-joined': (msg: RoomRef) => void;
  relay: (msg: Relay) => void;
  'peer-left': (msg: RoomRef) => void;
  'room-closed': (msg: RoomClosed) => void;
  'server-error': (msg: ServerError) => void;
  /** The other member's connection dropped; its slot is kept for the rejoin window. */
  'peer-away': (msg: RoomRef) => void;
  /** The other member resumed its slot (`resume-room`). */
  'peer-back': (msg: RoomRef) => void;
}

/** Handshake `auth` payload. @example { version: 3 } */
export const HandshakeAuthSchema = v.object({ version: v.number() });
