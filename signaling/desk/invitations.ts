/**
 * Invitations of shared desk sessions: a rep in a customer's room asks a colleague in (to help,
 * or to take the customer over: `transfer`). The server holds routing state only: who asked
 * whom into which room, until when. What the reps say travels on their own encrypted link.
 *
 * Rules (the same for both stores; test/unit/invitations.test.ts runs one suite on each):
 * - one pending invitation per customer room (`INVITE_PENDING`);
 * - a pending invitation expires after `pendingTtlMs` (the sweep reports it so the inviter hears);
 * - an accepted one is kept `acceptedTtlMs` so its inviter can hand the customer over
 *   (transfer only, once), or until the customer room ends;
 * - bounded: `maxPerInvitee` pending for one rep, `maxInvitations` in all (`RATE_LIMITED`).
 *
 * Invitation records hold usernames, display names and socket ids: never logged.
 */
import { randomBytes } from 'node:crypto';
import { toBase64Url } from '../../protocol/base64.ts';
import type { Invitation } from '../../protocol/desk.ts';
import type { Result } from '../room-types.ts';

export interface InvitationRecord {
  inviteId: string;
  /** The customer's room. */
  sid: string;
  fromUser: string;
  fromName: string;
  fromSocket: string;
  toUser: string;
  transfer: boolean;
  /** Set when the invitee was picked at random among a queue's reps. */
  queue?: string;
  /** Pending: when it lapses. Accepted: until when the inviter may hand over. */
  expiresAt: number;
  state: 'pending' | 'accepted';
  /** The invitee's socket and display name, once accepted. */
  toSocket?: string;
  toName?: string;
  /** Transfer: the inviter said the invitee may take the customer now (`desk-handover` from the inviter). */
  handover?: boolean;
}

export interface NewInvitation {
  sid: string;
  from: { username: string; name: string; socketId: string };
  toUser: string;
  transfer: boolean;
  queue?: string;
}

export interface InvitationOptions {
  pendingTtlMs?: number;
  acceptedTtlMs?: number;
  maxPerInvitee?: number;
  maxInvitations?: number;
  now?: () => number;
  /** 16 random bytes (tests pass a counter). */
  randomBytes?: (n: number) => Uint8Array;
}

export const DEFAULT_INVITATION_OPTIONS = {
  pendingTtlMs: 60_000,
  acceptedTtlMs: 60 * 60_000,
  maxPerInvitee: 20,
  maxInvitations: 10_000,
} as const;

export interface Invitations {
  create(input: NewInvitation): Promise<Result<{ invitation: InvitationRecord }>>;
  /** Pending invitations to `username`, oldest first, as the `desk-queue` snapshot shows them. */
  pendingFor(username: string): Promise<Invitation[]>;
  /**
   * `username` answers (from socket `socketId`). Declined: removed. Accepted: kept for a
   * handover. `REQUEST_GONE` when it is not pending for this rep any more.
   */
  answer(inviteId: string, username: string, accept: boolean, socketId: string, name: string): Promise<Result<{ invitation: InvitationRecord }>>;
  /** The inviter (from the socket it invited from) lets the invitee take the customer: an accepted transfer only. */
  allowHandover(inviteId: string, sid: string, fromSocket: string): Promise<Result<{ invitation: InvitationRecord }>>;
  /** The invitee takes the customer: the invitation (allowed by its inviter), removed. `REQUEST_GONE` otherwise. */
  takeForHandover(inviteId: string, sid: string, username: string): Promise<Result<{ invitation: InvitationRecord }>>;
  /** Removes and returns what lapsed (pending ones: their inviters should be told). */
  sweep(): Promise<InvitationRecord[]>;
  /** The customer room ended: removes and returns its invitations. */
  dropSession(sid: string): Promise<InvitationRecord[]>;
  /** The inviter's socket went: removes and returns the pending invitations it made. */
  dropSocket(socketId: string): Promise<InvitationRecord[]>;
}

/** The protocol view of a pending invitation (no socket ids, no usernames). */
export function toInvitation(record: InvitationRecord): Invitation {
  return { inviteId: record.inviteId, from: record.fromName, transfer: record.transfer, ...(record.queue ? { queue: record.queue } : {}), expiresAt: record.expiresAt };
}

export function newInviteId(random: (n: number) => Uint8Array = randomBytes): string {
  return toBase64Url(random(16));
}

/** A pending invitation as both stores keep it. */
export function newInvitationRecord(input: NewInvitation, inviteId: string, expiresAt: number): InvitationRecord {
  return {
    inviteId,
    sid: input.sid,
    fromUser: input.from.username,
    fromName: input.from.name,
    fromSocket: input.from.socketId,
    toUser: input.toUser,
    transfer: input.transfer,
    ...(input.queue ? { queue: input.queue } : {}),
    expiresAt,
    state: 'pending',
  };
}

const gone = { ok: false, error: 'REQUEST_GONE' } as const;

/** One node's invitations, in memory. */
export class MemoryInvitations implements Invitations {
  readonly #byId = new Map<string, InvitationRecord>();
  readonly #options: Required<Omit<InvitationOptions, 'randomBytes' | 'now'>>;
  readonly #now: () => number;
  readonly #random: (n: number) => Uint8Array;

  constructor(options: InvitationOptions = {}) {
    this.#options = { ...DEFAULT_INVITATION_OPTIONS, ...options };
    this.#now = options.now ?? Date.now;
    this.#random = options.randomBytes ?? randomBytes;
  }

  async create(input: NewInvitation): Promise<Result<{ invitation: InvitationRecord }>> {
    const now = this.#now();
    const live = [...this.#byId.values()].filter((r) => !(r.state === 'pending' && r.expiresAt <= now));
    if (live.some((r) => r.sid === input.sid && r.state === 'pending')) return { ok: false, error: 'INVITE_PENDING' };
    if (live.length >= this.#options.maxInvitations) return { ok: false, error: 'RATE_LIMITED' };
    if (live.filter((r) => r.toUser === input.toUser && r.state === 'pending').length >= this.#options.maxPerInvitee) return { ok: false, error: 'RATE_LIMITED' };
    const invitation = newInvitationRecord(input, newInviteId(this.#random), now + this.#options.pendingTtlMs);
    this.#byId.set(invitation.inviteId, invitation);
    return { ok: true, invitation: { ...invitation } };
  }

  async pendingFor(username: string): Promise<Invitation[]> {
    const now = this.#now();
    return [...this.#byId.values()]
      .filter((r) => r.toUser === username && r.state === 'pending' && r.expiresAt > now)
      .sort((a, b) => a.expiresAt - b.expiresAt)
      .map(toInvitation);
  }

  async answer(inviteId: string, username: string, accept: boolean, socketId: string, name: string): Promise<Result<{ invitation: InvitationRecord }>> {
    const record = this.#byId.get(inviteId);
    if (!record || record.toUser !== username || record.state !== 'pending' || record.expiresAt <= this.#now()) return gone;
    if (!accept) {
      this.#byId.delete(inviteId);
      return { ok: true, invitation: { ...record } };
    }
    record.state = 'accepted';
    record.toSocket = socketId;
    record.toName = name;
    record.expiresAt = this.#now() + this.#options.acceptedTtlMs;
    return { ok: true, invitation: { ...record } };
  }

  async allowHandover(inviteId: string, sid: string, fromSocket: string): Promise<Result<{ invitation: InvitationRecord }>> {
    const record = this.#byId.get(inviteId);
    if (!record || record.sid !== sid || record.fromSocket !== fromSocket || record.state !== 'accepted' || !record.transfer || record.expiresAt <= this.#now()) return gone;
    record.handover = true;
    return { ok: true, invitation: { ...record } };
  }

  async takeForHandover(inviteId: string, sid: string, username: string): Promise<Result<{ invitation: InvitationRecord }>> {
    const record = this.#byId.get(inviteId);
    if (!record || record.sid !== sid || record.toUser !== username || !record.handover || record.expiresAt <= this.#now()) return gone;
    this.#byId.delete(inviteId);
    return { ok: true, invitation: { ...record } };
  }

  async sweep(): Promise<InvitationRecord[]> {
    const now = this.#now();
    return this.#removeWhere((r) => r.expiresAt <= now);
  }

  async dropSession(sid: string): Promise<InvitationRecord[]> {
    return this.#removeWhere((r) => r.sid === sid);
  }

  async dropSocket(socketId: string): Promise<InvitationRecord[]> {
    return this.#removeWhere((r) => r.fromSocket === socketId && r.state === 'pending');
  }

  #removeWhere(test: (r: InvitationRecord) => boolean): InvitationRecord[] {
    const removed: InvitationRecord[] = [];
    for (const [id, record] of this.#byId) {
      if (!test(record)) continue;
      this.#byId.delete(id);
      removed.push({ ...record });
    }
    return removed.sort((a, b) => a.expiresAt - b.expiresAt);
  }
}
