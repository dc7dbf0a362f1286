/**
 * The support desk requests and events over a Portal's socket (protocol/desk.ts). Every answer
 * and every server event is validated with the protocol schemas (the server is not trusted);
 * refusals throw a ParleyError with the server's code, malformed answers `MALFORMED`, and a
 * request while disconnected `SERVER_UNREACHABLE` (as for the room requests).
 *
 * Used as `portal.desk.request('general')`, `portal.on('desk-waiting', …)`.
 */
import * as v from 'valibot';
import { ParleyError } from '@protocol/errors.ts';
import { toBase64Url } from '@protocol/base64.ts';
import {
  DeskAcceptResultSchema,
  DeskAcceptedSchema,
  DeskClientEvent,
  DeskHelloResultSchema,
  DeskOkResultSchema,
  DeskOrphanedSchema,
  DeskQueueSchema,
  DeskRequestResultSchema,
  DeskResumeResultSchema,
  DeskSealForSchema,
  DeskServerEvent,
  DeskWaitingSchema,
  DeskInviteAnsweredSchema,
  DeskInviteResultSchema,
  DeskRequeuedSchema,
  type DeskAccepted,
  type DeskRequeued,
  type DeskQueue,
  type DeskWaiting,
  type Presence,
  type RepKey,
} from '@protocol/desk.ts';
import type { FilePolicy } from '@protocol/file-policy.ts';
import type { IceSettings } from '@protocol/signaling.ts';

/** The desk events a Portal emits, validated. */
export interface DeskPortalEvents {
  'desk-queue': DeskQueue;
  'desk-waiting': DeskWaiting;
  'desk-seal-for': { requestId: string; repKeys: RepKey[] };
  'desk-accepted': DeskAccepted;
  'desk-orphaned': { requestId: string };
  'desk-invite-answered': v.InferOutput<typeof DeskInviteAnsweredSchema>;
  'desk-requeued': DeskRequeued;
}

const SERVER_EVENTS: { [K in keyof DeskPortalEvents]: v.GenericSchema<unknown, DeskPortalEvents[K]> } = {
  [DeskServerEvent.Queue]: DeskQueueSchema,
  [DeskServerEvent.Waiting]: DeskWaitingSchema,
  [DeskServerEvent.SealFor]: DeskSealForSchema,
  [DeskServerEvent.Accepted]: DeskAcceptedSchema,
  [DeskServerEvent.Orphaned]: DeskOrphanedSchema,
  [DeskServerEvent.InviteAnswered]: DeskInviteAnsweredSchema,
  [DeskServerEvent.Requeued]: DeskRequeuedSchema,
};

/** Subscribes to every desk server event of `socket`; malformed ones are dropped, never trusted. */
export function listenDesk(socket: { on(event: string, listener: (msg: unknown) => void): void }, emit: <K extends keyof DeskPortalEvents>(event: K, payload: DeskPortalEvents[K]) => void): void {
  for (const [event, schema] of Object.entries(SERVER_EVENTS) as [keyof DeskPortalEvents, v.GenericSchema][]) {
    socket.on(event, (msg) => {
      const parsed = v.safeParse(schema, msg);
      if (parsed.success) emit(event, parsed.output as never);
    });
  }
}

/** A rep's room from `desk-accept`: as a joined room (sid, ICE settings, file policy). */
export interface DeskRoom extends IceSettings {
  sid: string;
  filePolicy?: FilePolicy;
}

/** A queued request: its id, the secret to resume it, and the rep keys to seal the details for. */
export interface QueuedRequest {
  requestId: string;
  requestToken: string;
  repKeys: RepKey[];
}

type Request = (event: string, payload: object) => Promise<unknown>;

function roomOf(result: DeskRoom): DeskRoom {
  const { sid, iceServers, iceTransportPolicy, iceServersTtlSeconds, filePolicy } = result;
  return { sid, iceServers, iceTransportPolicy, iceServersTtlSeconds, filePolicy };
}

export class DeskCalls {
  constructor(private readonly send: Request) {}

  /** Rep: registers this socket (a console, or with `console: false` a session socket) and its box key. Resolves with the key id. */
  async hello(publicKey: Uint8Array, options: { displayName?: string; console?: boolean } = {}): Promise<string> {
    const result = await this.ask(DeskClientEvent.Hello, { publicKey: toBase64Url(publicKey), ...options }, DeskHelloResultSchema);
    return result.keyId;
  }

  /** Rep console: available or away. */
  async presence(status: Presence & ('available' | 'away')): Promise<void> {
    await this.ask(DeskClientEvent.Presence, { status }, DeskOkResultSchema);
  }

  /** Customer: joins `queue`. @throws ParleyError UNKNOWN_QUEUE, SERVER_FULL, RATE_LIMITED, … */
  async request(queue: string): Promise<QueuedRequest> {
    const { requestId, requestToken, repKeys } = await this.ask(DeskClientEvent.Request, { queue }, DeskRequestResultSchema);
    return { requestId, requestToken, repKeys };
  }

  /** Customer: takes its waiting request back on this socket. @throws ParleyError REQUEST_GONE */
  async resume(requestId: string, requestToken: string): Promise<RepKey[]> {
    return (await this.ask(DeskClientEvent.Resume, { requestId, requestToken }, DeskResumeResultSchema)).repKeys;
  }

  /** Customer: its details sealed for rep keys (customer-details.ts `sealDetails`). */
  async details(requestId: string, sealed: { keyId: string; data: string }[]): Promise<void> {
    await this.ask(DeskClientEvent.Details, { requestId, sealed }, DeskOkResultSchema);
  }

  /** Customer: leaves the queue. */
  async cancel(requestId: string): Promise<void> {
    await this.ask(DeskClientEvent.Cancel, { requestId }, DeskOkResultSchema);
  }

  /** Rep: takes a waiting chat (offered or picked); this socket is put in the room. @throws ParleyError REQUEST_GONE, FORBIDDEN, … */
  async accept(requestId: string): Promise<DeskRoom> {
    const result = await this.ask(DeskClientEvent.Accept, { requestId }, DeskAcceptResultSchema);
    const { sid, iceServers, iceTransportPolicy, iceServersTtlSeconds, filePolicy } = result;
    return { sid, iceServers, iceTransportPolicy, iceServersTtlSeconds, filePolicy };
  }

  /** Rep: declines an offer; the chat is offered to another rep (never to this one again). */
  async reject(requestId: string): Promise<void> {
    await this.ask(DeskClientEvent.Reject, { requestId }, DeskOkResultSchema);
  }

  /** Rep: sends the chat of room `sid` (this socket is in it) back to `queue`; the room closes for this socket. */
  async move(sid: string, queue: string): Promise<void> {
    await this.ask(DeskClientEvent.Move, { sid, queue }, DeskOkResultSchema);
  }

  /**
   * Rep, shared sessions: asks a colleague (by username, or any available rep of a queue) into
   * the session of customer room `sid`; `transfer`: to take the customer over. Resolves with the
   * invitation id; the answer comes as `desk-invite-answered` on this socket.
   * @throws ParleyError INVITE_PENDING, NO_REP_AVAILABLE, UNKNOWN_QUEUE, NOT_IN_ROOM, …
   */
  async invite(sid: string, to: { username: string } | { queue: string }, transfer: boolean): Promise<string> {
    return (await this.ask(DeskClientEvent.Invite, { sid, to, transfer }, DeskInviteResultSchema)).inviteId;
  }

  /** Rep, shared sessions: declines an invitation. */
  async declineInvite(inviteId: string): Promise<void> {
    await this.ask(DeskClientEvent.InviteAnswer, { inviteId, accept: false }, DeskOkResultSchema);
  }

  /** Rep, shared sessions: accepts an invitation: this socket is put in a room with the inviter. @throws ParleyError REQUEST_GONE */
  async acceptInvite(inviteId: string): Promise<DeskRoom> {
    return roomOf(await this.ask(DeskClientEvent.InviteAnswer, { inviteId, accept: true }, DeskAcceptResultSchema));
  }

  /** Host of a transfer, from the socket it invited from: lets the invitee take the customer of room `sid`. */
  async allowHandover(sid: string, inviteId: string): Promise<void> {
    await this.ask(DeskClientEvent.Handover, { sid, inviteId }, DeskOkResultSchema);
  }

  /** Invitee of a transfer, from a fresh socket: takes the customer; this socket is put in a new room with it. */
  async takeHandover(sid: string, inviteId: string): Promise<DeskRoom> {
    return roomOf(await this.ask(DeskClientEvent.Handover, { sid, inviteId }, DeskAcceptResultSchema));
  }

  private async ask<T extends { ok: true }>(event: string, payload: object, schema: v.GenericSchema<unknown, T | { ok: false; error: ParleyError['code'] }>): Promise<T> {
    const parsed = v.safeParse(schema, await this.send(event, payload));
    if (!parsed.success) throw new ParleyError('MALFORMED', `bad ${event} answer`);
    const answer = parsed.output;
    if (!answer.ok) throw new ParleyError(answer.error);
    return answer;
  }
}
