/**
 * The support desk queue engine's interface (queue-memory.ts: one node, in memory). It holds
 * queue state only: requests, which rep console has which offer, sealed details blobs it cannot
 * open, presence. It tells sockets what changed through `deliver` (on another node through the
 * socket.io Redis adapter), never decides anything about content.
 */
import type { ErrorCode } from '../../protocol/errors.ts';
import type { Colleague, Invitation, Presence, RepKey } from '../../protocol/desk.ts';
import type { DeskConfig } from '../../protocol/desk-config.ts';
import type { ServerEventName, ServerEventPayload } from '../room-types.ts';
import type { RepIdentity } from './identity.ts';

export type Failure = { ok: false; error: ErrorCode };
export type Result<T extends object = object> = ({ ok: true } & T) | Failure;
type Awaitable<T> = T | Promise<T>;

export type Deliver = <E extends ServerEventName>(socketId: string, event: E, payload: ServerEventPayload<E>) => void;

export interface DeskQueueOptions {
  deliver: Deliver;
  /** The live desk config (settings.ts). */
  settings: () => DeskConfig;
  now?: () => number;
  randomBytes?: (n: number) => Uint8Array;
  /** How long an offer waits for Accept or Reject before the next rep gets it. */
  offerTimeoutMs?: number;
  /** How long a waiting customer whose connection dropped keeps its place (desk-resume). */
  disconnectGraceMs?: number;
  /** Most waiting requests per queue; beyond it `request` answers SERVER_FULL. */
  maxWaitingPerQueue?: number;
  log?: (event: string, fields: Record<string, string | number>) => void;
}

export const DEFAULT_OFFER_TIMEOUT_MS = 30_000;
export const DEFAULT_DISCONNECT_GRACE_MS = 30_000;
export const DEFAULT_MAX_WAITING_PER_QUEUE = 500;
/** The wait estimate uses the times-to-accept of this long back. */
export const WAIT_SAMPLE_WINDOW_MS = 30 * 60_000;

/** What the server needs to pair the rep with the customer once `accept` said yes. */
export interface Claimed {
  customerSocketId: string;
  queue: string;
  since: number;
  /** Kept so that a request put back (`unclaim`) still resumes with the customer's ticket. */
  requestToken: string;
}

export interface DeskQueue {
  /** A rep socket: a console (offers, snapshots, sealed for) or a session socket (accept only). */
  hello(socketId: string, rep: RepIdentity, publicKey: string, console: boolean): Awaitable<Result<{ keyId: string }>>;
  presence(socketId: string, status: Exclude<Presence, 'offline'>): Awaitable<Result>;
  request(socketId: string, queue: string): Awaitable<Result<{ requestId: string; requestToken: string; repKeys: RepKey[] }>>;
  resume(socketId: string, requestId: string, requestToken: string): Awaitable<Result<{ repKeys: RepKey[] }>>;
  details(socketId: string, requestId: string, sealed: { keyId: string; data: string }[]): Awaitable<Result>;
  cancel(socketId: string, requestId: string): Awaitable<Result>;
  /** First come wins: takes the request out of the queue for this rep, or fails (REQUEST_GONE, FORBIDDEN, PEER_GONE). */
  claim(socketId: string, rep: RepIdentity, requestId: string): Awaitable<Result<Claimed>>;
  /** The room could not be made after a claim: the request goes back where it was. */
  unclaim(claimed: Claimed & { requestId: string }): Awaitable<void>;
  /** Records a started desk session (for `move`, and the rep's live session count). */
  started(sid: string, repSocketId: string, rep: RepIdentity, claimed: Claimed & { requestId?: string }): Awaitable<void>;
  reject(socketId: string, rep: RepIdentity, requestId: string): Awaitable<Result>;
  /** Sends the customer of the rep's session `sid` back to `queue` (a fresh request, keeping its wait start). */
  move(socketId: string, rep: RepIdentity, sid: string, queue: string): Awaitable<Result<{ customerSocketId: string; requestId: string; requestToken: string }>>;
  /** A member of desk session `sid` took its place back on a new socket (resume-room). */
  roomResumed(sid: string, socketId: string, role: 'rep' | 'customer'): Awaitable<void>;
  /** A socket went: the desk sessions (room sids) that ended with it (both their sockets gone). */
  disconnect(socketId: string): Awaitable<string[]>;
  /** Shared sessions: the desk session of room `sid` (who the host is, the customer's socket). */
  session(sid: string): Awaitable<{ repId: string; repSocketId: string; customerSocketId: string; requestId?: string } | null>;
  /** Shared sessions: the customer of `sid` now talks to `rep` in room `newSid` (a transfer). */
  handedOver(sid: string, newSid: string, repSocketId: string, repId: string): Awaitable<void>;
  /** Reps with a console, their presence and queues (as `desk-queue.colleagues`). */
  colleagues(): Awaitable<Colleague[]>;
  /** Shared sessions: the pending invitations to show `username` in its snapshots. */
  setInvitations(username: string, invitations: Invitation[]): Awaitable<void>;
  /** Expired offers, orphaned requests, customers gone past their grace period. */
  sweep(): Awaitable<void>;
  /** Waiting requests per queue id (the `parley_queue_length` gauge). */
  lengths(): Awaitable<Record<string, number>>;
}
