/**
 * The queue engine's state (queue-memory.ts): plain records, so that the whole state can be
 * written as JSON (queue-redis.ts keeps it in Redis between operations).
 */
import { timingSafeEqual } from 'node:crypto';
import type { Invitation } from '../../protocol/desk.ts';
import type { RepIdentity } from './identity.ts';

export interface Console {
  socketId: string;
  rep: RepIdentity;
  keyId: string;
  publicKey: string;
  presence: 'available' | 'away';
  /** When this console last got an offer or its rep a session ("idle longest" goes first). */
  busySince: number;
  /** The request offered to it now. */
  offer: string | null;
}

export interface Request {
  readonly id: string;
  token: string;
  queue: string;
  /** When the customer first asked (kept across a move): the order and the wait shown. */
  since: number;
  /** When it entered this queue: the orphan timeout counts from here. */
  queuedAt: number;
  seq: number;
  customer: string | null;
  /** When the customer's socket dropped (null while connected). */
  goneAt: number | null;
  sealed: Map<string, string>;
  /** Reps (RepIdentity.id) not to offer it to again: they rejected it or let the offer expire. */
  declinedBy: Set<string>;
  offer: { socketId: string; expiresAt: number } | null;
  movedBy?: string;
}

/** The engine's state as JSON (see `dump`). */
export interface DeskState {
  consoles: Console[];
  sessionSockets: [string, string][];
  requests: (Omit<Request, 'sealed' | 'declinedBy'> & { sealed: [string, string][]; declinedBy: string[] })[];
  sessions: [string, DeskSession][];
  samples: [string, [number, number][]][];
  /** Shared sessions: pending invitations per rep username (invitation-router.ts). */
  invitations?: [string, Invitation[]][];
  seq: number;
  keySeq: number;
}

/** A desk session's sockets: null while that side is away (it comes back with resume-room). */
export interface DeskSession {
  repSocketId: string | null;
  repId: string;
  customerSocketId: string | null;
  since: number;
  /** The customer's request (its `desk-accepted` names it again after a transfer). */
  requestId?: string;
}

/** Constant-time comparison of two tokens. */
export function tokensEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
