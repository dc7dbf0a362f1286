/**
 * The server's part of shared desk sessions: `desk-invite`, `desk-invite-answer` and
 * `desk-handover`, plus expiry and clean-up. Every payload is validated here (from `unknown`);
 * what the reps say to each other never comes through: only who invites whom into which room.
 *
 * What it needs from the rest of the desk (accounts, queue engine, rooms) comes in as
 * {@link InvitationDeps}, so this module holds the invitation rules only and is tested alone.
 */
import * as v from 'valibot';
import { DeskInviteAnswerSchema, DeskInviteSchema, DeskHandoverSchema, DeskServerEvent } from '../../protocol/desk.ts';
import type { ErrorCode } from '../../protocol/errors.ts';
import type { FilePolicy } from '../../protocol/file-policy.ts';
import type { IceSettings } from '../../protocol/signaling.ts';
import { StoreUnavailableError } from '../room-types.ts';
import type { InvitationRecord, Invitations } from './invitations.ts';

type Awaitable<T> = T | Promise<T>;
type Failure = { ok: false; error: ErrorCode };
export type RoomAnswer = { ok: true; sid: string; filePolicy?: FilePolicy } & IceSettings;
export type AckFn = (answer: unknown) => void;

/** The rep a socket acts for (identity.ts `repIdentityOf`), as far as invitations need it. */
export interface InvitingRep {
  /** Stable rep id (`user:<name>`, or an open-mode console's). */
  id: string;
  username: string;
  displayName: string;
}

/** A socket as the router sees it. */
export interface InvitationSocket {
  id: string;
  rep: InvitingRep | null;
}

export interface InvitationDeps {
  invitations: Invitations;
  /**
   * Whether `rep` is the rep paired with the customer in room `sid` (the host). Checked by rep,
   * not socket: each of a console's sessions and colleague links has its own socket.
   */
  isHost(rep: InvitingRep, sid: string): Awaitable<boolean>;
  /** Whether `username` is a rep one may invite by name (known, signed in). */
  isColleague(username: string): Awaitable<boolean>;
  queueExists(queue: string): boolean;
  /** An available rep serving `queue`, other than `exclude`, or null. */
  pickRep(queue: string, exclude: string): Awaitable<string | null>;
  /** Sends fresh `desk-queue` snapshots to the consoles of `username` (its invitations changed). */
  refresh(username: string): void;
  /** Pairs two sockets in a new room: the first as room role `rep`, the second as `customer`. */
  pair(repSocketId: string, customerSocketId: string): Awaitable<RoomAnswer | Failure>;
  /**
   * The customer of room `sid` pairs anew with `toSocketId` (a new room, `toSocketId` as `rep`;
   * the customer gets `desk-accepted` naming the rep); the host leaves the customer's room.
   */
  handOver(sid: string, toSocketId: string, rep: InvitingRep): Awaitable<RoomAnswer | Failure>;
  /** Sends an event to a socket on any node. */
  deliver(socketId: string, event: string, payload: unknown): void;
  log?(level: 'debug' | 'info', event: string, fields?: Record<string, string | number>): void;
}

/** The three client events this router answers. */
export const INVITATION_EVENTS = new Set(['desk-invite', 'desk-invite-answer', 'desk-handover']);

export class InvitationRouter {
  constructor(private readonly deps: InvitationDeps) {}

  /** Handles one of {@link INVITATION_EVENTS}; answers every request, also when the store is away. */
  async handle(socket: InvitationSocket, event: string, payload: unknown, ack: AckFn | undefined): Promise<void> {
    if (!ack) return; // each of these is a request: one without an answer slot is malformed
    try {
      ack(await this.route(socket, event, payload));
    } catch (err) {
      if (!(err instanceof StoreUnavailableError)) this.deps.log?.('info', 'invitation-error');
      ack({ ok: false, error: 'SERVICE_UNAVAILABLE' });
    }
  }

  private async route(socket: InvitationSocket, event: string, payload: unknown): Promise<unknown> {
    switch (event) {
      case 'desk-invite':
        return this.invite(socket, payload);
      case 'desk-invite-answer':
        return this.answer(socket, payload);
      case 'desk-handover':
        return this.handover(socket, payload);
      default:
        return fail('MALFORMED');
    }
  }

  private async invite({ id: socketId, rep }: InvitationSocket, payload: unknown): Promise<unknown> {
    const req = v.safeParse(DeskInviteSchema, payload);
    if (!req.success) return fail('MALFORMED');
    if (!rep) return fail('NOT_SIGNED_IN');
    const { sid, to, transfer } = req.output;
    if (!(await this.deps.isHost(rep, sid))) return fail('NOT_IN_ROOM');
    let toUser: string;
    let queue: string | undefined;
    if ('username' in to) {
      if (to.username === rep.username || !(await this.deps.isColleague(to.username))) return fail('NO_REP_AVAILABLE');
      toUser = to.username;
    } else {
      if (!this.deps.queueExists(to.queue)) return fail('UNKNOWN_QUEUE');
      const picked = await this.deps.pickRep(to.queue, rep.username);
      if (!picked) return fail('NO_REP_AVAILABLE');
      toUser = picked;
      queue = to.queue;
    }
    const made = await this.deps.invitations.create({ sid, from: { username: rep.username, name: rep.displayName, socketId }, toUser, transfer, ...(queue ? { queue } : {}) });
    if (!made.ok) return made;
    this.deps.refresh(toUser);
    this.deps.log?.('debug', 'invitation-sent', { transfer: transfer ? 1 : 0 });
    return { ok: true, inviteId: made.invitation.inviteId };
  }

  private async answer({ id: socketId, rep }: InvitationSocket, payload: unknown): Promise<unknown> {
    const req = v.safeParse(DeskInviteAnswerSchema, payload);
    if (!req.success) return fail('MALFORMED');
    if (!rep) return fail('NOT_SIGNED_IN');
    const { inviteId, accept } = req.output;
    const answered = await this.deps.invitations.answer(inviteId, rep.username, accept, socketId, rep.displayName);
    if (!answered.ok) return answered;
    const invitation = answered.invitation;
    this.deps.refresh(rep.username);
    if (!accept) {
      this.tellDeclined(invitation);
      return { ok: true };
    }
    const room = await this.deps.pair(invitation.fromSocket, socketId);
    if (!room.ok) {
      // The inviter is gone (or the store failed): the invitation cannot be kept.
      await this.deps.invitations.dropSession(invitation.sid);
      this.tellDeclined(invitation);
      return room.error === 'SERVICE_UNAVAILABLE' ? room : fail('REQUEST_GONE');
    }
    // The room's settings, file policy included: the two reps may send each other files.
    const { ok: _ok, sid: colleagueSid, ...settings } = room;
    this.deps.deliver(invitation.fromSocket, DeskServerEvent.InviteAnswered, { inviteId, accepted: true, sid: colleagueSid, colleague: rep.displayName, ...settings });
    this.deps.log?.('debug', 'invitation-accepted');
    return room;
  }

  /**
   * A transfer in two steps, both `desk-handover` {sid, inviteId}: the host (from the socket it
   * invited from) allows it; then the invitee, from a fresh socket of its own, takes the
   * customer: it is answered with the new room (as `desk-accept`). The invitee cannot take a
   * customer its host has not let go, and the host cannot push one on a rep who did not accept.
   */
  private async handover({ id: socketId, rep }: InvitationSocket, payload: unknown): Promise<unknown> {
    const req = v.safeParse(DeskHandoverSchema, payload);
    if (!req.success) return fail('MALFORMED');
    if (!rep) return fail('NOT_SIGNED_IN');
    const { sid, inviteId } = req.output;
    if (await this.deps.isHost(rep, sid)) {
      const allowed = await this.deps.invitations.allowHandover(inviteId, sid, socketId);
      return allowed.ok ? { ok: true } : allowed;
    }
    const taken = await this.deps.invitations.takeForHandover(inviteId, sid, rep.username);
    if (!taken.ok) return taken;
    const room = await this.deps.handOver(sid, socketId, rep);
    if (room.ok) this.deps.log?.('debug', 'invitation-handover');
    return room;
  }

  /** Expired pending invitations: their inviters hear "not accepted", their invitees' lists refresh. */
  async sweep(): Promise<void> {
    for (const invitation of await this.deps.invitations.sweep()) {
      if (invitation.state === 'pending') {
        this.tellDeclined(invitation);
        this.deps.refresh(invitation.toUser);
      }
    }
  }

  /** A socket went: its pending invitations are withdrawn. */
  async socketGone(socketId: string): Promise<void> {
    for (const invitation of await this.deps.invitations.dropSocket(socketId)) this.deps.refresh(invitation.toUser);
  }

  /** A customer room ended: its invitations go. */
  async sessionEnded(sid: string): Promise<void> {
    for (const invitation of await this.deps.invitations.dropSession(sid)) {
      if (invitation.state === 'pending') {
        this.tellDeclined(invitation);
        this.deps.refresh(invitation.toUser);
      }
    }
  }

  private tellDeclined(invitation: InvitationRecord): void {
    this.deps.deliver(invitation.fromSocket, DeskServerEvent.InviteAnswered, { inviteId: invitation.inviteId, accepted: false });
  }
}

function fail(error: ErrorCode): Failure {
  return { ok: false, error };
}
