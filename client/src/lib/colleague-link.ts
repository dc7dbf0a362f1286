/**
 * The signaling side of shared desk sessions: each colleague link gets a socket of its own (a
 * Portal follows one room), introduced as a rep's session socket, then a desk-mode Session runs
 * on it (`Session.joinFromDesk`: CPace over the public desk password, "not verified" until the
 * reps compare the safety code).
 *
 * - host: {@link inviteColleague} asks, and resolves `answered` with the room once accepted;
 * - invitee: {@link acceptInvitation} answers yes and gets the room with the host;
 * - transfer: the host calls `portal.desk.allowHandover` on its link socket and says so over the
 *   link (`handover-ready`); the invitee then calls {@link takeCustomer} from a fresh socket.
 *
 * Relays that arrive before the Session takes the socket over are kept (a handful at most) and
 * handed to `joinFromDesk`.
 */
import { ParleyError } from '@protocol/errors.ts';
import type { DeskRoom } from './desk-portal.ts';
import type { DeskRepIdentity } from './desk-session.ts';
import { Portal } from './portal.ts';

const MAX_EARLY_RELAYS = 8;

/** A socket of its own for one link, in a room once `room` is known. */
export interface LinkSocket {
  portal: Portal;
  room: DeskRoom;
  /** Relays received before the session took over. */
  relays: string[];
}

async function sessionSocket(rep: DeskRepIdentity, serverUrl: string | undefined, portal?: Portal): Promise<{ portal: Portal; buffered: string[]; stop: () => void }> {
  const socket = portal ?? new Portal(serverUrl);
  const buffered: string[] = [];
  const stop = socket.on('relay', (data) => {
    if (buffered.length < MAX_EARLY_RELAYS) buffered.push(data);
  });
  try {
    await socket.connect();
    await socket.desk.hello(rep.publicKey, { displayName: rep.displayName, console: false });
  } catch (err) {
    stop();
    if (!portal) socket.destroy();
    throw err;
  }
  return { portal: socket, buffered, stop };
}

export interface SentInvitation {
  inviteId: string;
  /** The host's socket for this colleague link (the invitation was sent from it). */
  portal: Portal;
  /** The room with the colleague once accepted (`colleague`: its name); null when declined or expired. */
  answered: Promise<(LinkSocket & { colleague: string }) | null>;
  /** Withdraws (closes the socket: the server drops a pending invitation with it). */
  cancel(): void;
}

/** Host: invites a colleague into customer room `customerSid`. @throws ParleyError INVITE_PENDING, NO_REP_AVAILABLE, … */
export async function inviteColleague(o: {
  rep: DeskRepIdentity;
  customerSid: string;
  to: { username: string } | { queue: string };
  transfer: boolean;
  serverUrl?: string;
  portal?: Portal;
}): Promise<SentInvitation> {
  const { portal, buffered, stop } = await sessionSocket(o.rep, o.serverUrl, o.portal);
  let inviteId: string;
  try {
    inviteId = await portal.desk.invite(o.customerSid, o.to, o.transfer);
  } catch (err) {
    stop();
    portal.destroy();
    throw err;
  }
  let settle: (value: (LinkSocket & { colleague: string }) | null) => void = () => {};
  const answered = new Promise<(LinkSocket & { colleague: string }) | null>((resolve) => (settle = resolve));
  const offAnswer = portal.on('desk-invite-answered', (answer) => {
    if (answer.inviteId !== inviteId) return;
    offAnswer();
    stop();
    if (!answer.accepted) {
      portal.destroy();
      return settle(null);
    }
    const { sid, iceServers, iceTransportPolicy, iceServersTtlSeconds, filePolicy, colleague } = answer;
    settle({ portal, room: { sid, iceServers, iceTransportPolicy, iceServersTtlSeconds, ...(filePolicy ? { filePolicy } : {}) }, relays: buffered.splice(0), colleague });
  });
  const offGone = portal.on('disconnected', () => {
    offGone();
    offAnswer();
    stop();
    settle(null);
  });
  return {
    inviteId,
    portal,
    answered,
    cancel: () => {
      offAnswer();
      stop();
      portal.destroy();
      settle(null);
    },
  };
}

/** Invitee: accepts `inviteId` on a socket of its own. @throws ParleyError REQUEST_GONE (expired, withdrawn), … */
export async function acceptInvitation(o: { rep: DeskRepIdentity; inviteId: string; serverUrl?: string; portal?: Portal }): Promise<LinkSocket> {
  const { portal, buffered, stop } = await sessionSocket(o.rep, o.serverUrl, o.portal);
  try {
    const room = await portal.desk.acceptInvite(o.inviteId);
    return { portal, room, relays: buffered.splice(0) };
  } catch (err) {
    portal.destroy();
    throw err;
  } finally {
    stop();
  }
}

/** Invitee of a transfer: takes the customer of room `sid` on a fresh socket (the host allowed it). */
export async function takeCustomer(o: { rep: DeskRepIdentity; sid: string; inviteId: string; serverUrl?: string; portal?: Portal }): Promise<LinkSocket> {
  const { portal, buffered, stop } = await sessionSocket(o.rep, o.serverUrl, o.portal);
  try {
    const room = await portal.desk.takeHandover(o.sid, o.inviteId);
    return { portal, room, relays: buffered.splice(0) };
  } catch (err) {
    portal.destroy();
    throw err instanceof ParleyError ? err : new ParleyError('CONNECTION_FAILED', String(err));
  } finally {
    stop();
  }
}
