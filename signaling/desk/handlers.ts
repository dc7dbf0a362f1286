/**
 * The desk socket events (protocol/desk.ts) as the server handles them: every payload parsed
 * with its schema (MALFORMED otherwise), who may do what (repIdentityOf), then the queue engine
 * (queue-types.ts) and, on accept, a new room pairing the rep's socket with the customer's
 * (`pairInNewRoom`). Invitations and transfers are handled elsewhere (shared sessions).
 * Logs carry counts only: never names, details, ids or tokens.
 */
import * as v from 'valibot';
import {
  DeskClientEvent,
  DeskDetailsSchema,
  DeskHelloSchema,
  DeskMoveSchema,
  DeskPresenceSchema,
  DeskRequestSchema,
  DeskResumeSchema,
  RequestRefSchema,
} from '../../protocol/desk.ts';
import { ErrorCode } from '../../protocol/errors.ts';
import type { IceSettings } from '../../protocol/signaling.ts';
import type { FilePolicy } from '../../protocol/file-policy.ts';
import type { Limiter } from '../rate-limit.ts';
import type { Result, Rooms, RoomSocket } from '../room-types.ts';
import { repIdentityOf, type DeskSocketData } from './identity.ts';
import { pairInNewRoom } from './pair.ts';
import { createInvitationRouter } from './invitation-wiring.ts';
import type { Invitations } from './invitations.ts';
import type { DeskQueue, Deliver } from './queue-types.ts';
import { deskSettings, isOpenMode } from './settings.ts';

type AckFn = (result: unknown) => void;

export interface DeskHandlerOptions {
  queue: DeskQueue;
  rooms: Rooms;
  deliver: Deliver;
  /** Joins a socket (maybe on another node) to a room by nameplate; default `rooms.join`. */
  joinRoom?: (socket: RoomSocket, nameplate: string) => Promise<Result<{ sid: string }>>;
  /** `desk-request`s per client (per IP; an IPv6 client by its /64). */
  requests: Limiter;
  /** The ICE settings and file policy a room answer carries (the desk config may override them). */
  roomSettings(): IceSettings & { filePolicy?: FilePolicy };
  log(event: string, fields?: Record<string, string | number>): void;
  /** Shared-session invitations (default: in memory, one node). */
  invitations?: Invitations;
  /** A chat of `queue` was accepted after `waitedMs` (the wait histogram). */
  accepted?(queue: string, waitedMs: number): void;
}

/** The socket as the desk needs it: its id, its `data` (rep identity), and how to reach it. */
export interface DeskSocket {
  id: string;
  data: object;
  peer: RoomSocket;
  /** Rate-limit key of its client. */
  ip: string;
}

const DESK_EVENTS = new Set<string>(Object.values(DeskClientEvent));

export function createDeskHandlers(o: DeskHandlerOptions) {
  const ok = { ok: true } as const;
  const refuse = (ack: AckFn | undefined, error: ErrorCode) => ack?.({ ok: false, error });
  /** A rep acting: its identity, or the refusal (not signed in once accounts exist; a customer). */
  const repOf = (socket: DeskSocket) => repIdentityOf(socket);
  const notRep = () => (isOpenMode() ? ErrorCode.FORBIDDEN : ErrorCode.NOT_SIGNED_IN);
  const roomSettings = () => {
    const settings = o.roomSettings();
    const desk = deskSettings();
    return { ...settings, ...(desk.iceServers ? { iceServers: desk.iceServers } : {}), filePolicy: desk.filePolicy ?? settings.filePolicy };
  };

  const invitations = createInvitationRouter({ queue: o.queue, rooms: o.rooms, deliver: o.deliver, roomSettings, log: o.log, store: o.invitations });

  /** Handles a desk event; false when `name` is not one (the caller goes on). */
  async function handle(socket: DeskSocket, name: unknown, payload: unknown, ack: AckFn | undefined): Promise<boolean> {
    if (typeof name !== 'string' || !DESK_EVENTS.has(name)) return false;
    // Every desk event is a request with an answer; without one it is malformed.
    if (!ack) return true;
    const parse = <S extends v.GenericSchema>(schema: S): v.InferOutput<S> | null => {
      const parsed = v.safeParse(schema, payload);
      return parsed.success ? parsed.output : null;
    };
    switch (name) {
      case DeskClientEvent.Hello: {
        const req = parse(DeskHelloSchema);
        if (!req) return malformed(ack);
        const data = socket.data as DeskSocketData; // socket.io's per-socket `data` object
        if (!data.rep) {
          if (!isOpenMode()) return refuse(ack, ErrorCode.NOT_SIGNED_IN), true;
          const displayName = req.displayName?.trim() || 'Support';
          data.deskHello = { displayName, publicKey: req.publicKey };
        }
        const rep = repOf(socket);
        if (!rep) return refuse(ack, notRep()), true;
        ack(await o.queue.hello(socket.id, rep, req.publicKey, req.console));
        return true;
      }
      case DeskClientEvent.Presence: {
        const req = parse(DeskPresenceSchema);
        if (!req) return malformed(ack);
        ack(await o.queue.presence(socket.id, req.status));
        return true;
      }
      case DeskClientEvent.Request: {
        const req = parse(DeskRequestSchema);
        if (!req) return malformed(ack);
        const decision = await o.requests.consume(socket.ip);
        if (!decision.allowed) return refuse(ack, ErrorCode.RATE_LIMITED), true;
        ack(await o.queue.request(socket.id, req.queue));
        return true;
      }
      case DeskClientEvent.Resume: {
        const req = parse(DeskResumeSchema);
        if (!req) return malformed(ack);
        ack(await o.queue.resume(socket.id, req.requestId, req.requestToken));
        return true;
      }
      case DeskClientEvent.Details: {
        const req = parse(DeskDetailsSchema);
        if (!req) return malformed(ack);
        ack(await o.queue.details(socket.id, req.requestId, req.sealed));
        return true;
      }
      case DeskClientEvent.Cancel: {
        const req = parse(RequestRefSchema);
        if (!req) return malformed(ack);
        ack(await o.queue.cancel(socket.id, req.requestId));
        return true;
      }
      case DeskClientEvent.Reject: {
        const req = parse(RequestRefSchema);
        if (!req) return malformed(ack);
        const rep = repOf(socket);
        if (!rep) return refuse(ack, notRep()), true;
        ack(await o.queue.reject(socket.id, rep, req.requestId));
        return true;
      }
      case DeskClientEvent.Accept: {
        const req = parse(RequestRefSchema);
        if (!req) return malformed(ack);
        const rep = repOf(socket);
        if (!rep) return refuse(ack, notRep()), true;
        const claimed = await o.queue.claim(socket.id, rep, req.requestId);
        if (!claimed.ok) return ack(claimed), true;
        const customer: RoomSocket = { id: claimed.customerSocketId, emit: (event, msg) => o.deliver(claimed.customerSocketId, event, msg) };
        const room = await pairInNewRoom(o.rooms, socket.peer, customer, o.joinRoom);
        if (!room.ok) {
          await o.queue.unclaim({ ...claimed, requestId: req.requestId });
          return ack(room), true;
        }
        await o.queue.started(room.sid, socket.id, rep, { ...claimed, requestId: req.requestId });
        const settings = roomSettings();
        o.deliver(claimed.customerSocketId, 'desk-accepted', { requestId: req.requestId, sid: room.sid, repName: rep.displayName.slice(0, 80), ...settings });
        ack({ ok: true, sid: room.sid, ...settings });
        o.accepted?.(claimed.queue, Date.now() - claimed.since);
        o.log('desk-paired');
        return true;
      }
      case DeskClientEvent.Move: {
        const req = parse(DeskMoveSchema);
        if (!req) return malformed(ack);
        const rep = repOf(socket);
        if (!rep) return refuse(ack, notRep()), true;
        const moved = await o.queue.move(socket.id, rep, req.sid, req.queue);
        if (!moved.ok) return ack(moved), true;
        // Told before the room closes, so the customer's page knows to wait again, not that it ended.
        o.deliver(moved.customerSocketId, 'desk-requeued', { requestId: moved.requestId, requestToken: moved.requestToken, queue: req.queue });
        await o.rooms.leave(socket.peer, req.sid);
        await invitations.sessionEnded(req.sid); // the chat left this room: its invitations go
        ack(ok);
        return true;
      }
      default:
        // Invitations and transfers (shared sessions: invitation-router.ts).
        await invitations.handle({ id: socket.id, rep: repOf(socket) }, name, payload, ack);
        return true;
    }
  }

  function malformed(ack: AckFn): true {
    ack({ ok: false, error: ErrorCode.MALFORMED });
    return true;
  }

  return {
    queue: o.queue,
    handle,
    disconnect: async (socketId: string) => {
      const ended = await o.queue.disconnect(socketId);
      await invitations.socketGone(socketId);
      // A chat that ended takes its shared-session invitations with it (their inviters are told).
      for (const sid of ended) await invitations.sessionEnded(sid);
    },
    sweep: async () => {
      await o.queue.sweep();
      await invitations.sweep();
    },
  };
}
