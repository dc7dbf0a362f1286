/**
 * Binds the invitation router (invitation-router.ts) to the rest of the desk: the queue engine
 * (who hosts which session, who is available), the rooms (pairing sockets in new rooms) and
 * delivery to sockets on any node.
 */
import type { FilePolicy } from '../../protocol/file-policy.ts';
import type { IceSettings } from '../../protocol/signaling.ts';
import type { Rooms, RoomSocket } from '../room-types.ts';
import { deskSettings } from './settings.ts';
import { InvitationRouter } from './invitation-router.ts';
import { MemoryInvitations, type Invitations } from './invitations.ts';
import { pairInNewRoom } from './pair.ts';
import type { DeskQueue, Deliver } from './queue-types.ts';

export interface InvitationWiring {
  queue: DeskQueue;
  rooms: Rooms;
  deliver: Deliver;
  roomSettings(): IceSettings & { filePolicy?: FilePolicy };
  log(event: string, fields?: Record<string, string | number>): void;
  store?: Invitations;
}

export function createInvitationRouter(o: InvitationWiring): InvitationRouter {
  const store = o.store ?? new MemoryInvitations();
  /** A socket anywhere in the cluster, as the rooms need it. */
  const remote = (id: string): RoomSocket => ({ id, emit: (event, payload) => o.deliver(id, event, payload) });
  const deliver = o.deliver as (socketId: string, event: string, payload: unknown) => void;
  return new InvitationRouter({
    invitations: store,
    isHost: async (rep, sid) => (await o.queue.session(sid))?.repId === rep.id,
    isColleague: async (username) => (await o.queue.colleagues()).some((c) => c.username === username && c.presence !== 'offline'),
    queueExists: (queue) => deskSettings().queues.some((q) => q.id === queue),
    pickRep: async (queue, exclude) => (await o.queue.colleagues()).find((c) => c.presence === 'available' && c.queues.includes(queue) && c.username !== exclude)?.username ?? null,
    refresh: (username) => {
      void store.pendingFor(username).then(
        (list) => o.queue.setInvitations(username, list),
        () => o.log('invitation-refresh-failed'),
      );
    },
    pair: async (repSocketId, customerSocketId) => {
      const room = await pairInNewRoom(o.rooms, remote(repSocketId), remote(customerSocketId));
      return room.ok ? { ok: true, sid: room.sid, ...o.roomSettings() } : room;
    },
    handOver: async (sid, toSocketId, rep) => {
      const session = await o.queue.session(sid);
      if (!session?.requestId) return { ok: false, error: 'REQUEST_GONE' };
      const requestId = session.requestId;
      const room = await pairInNewRoom(o.rooms, remote(toSocketId), remote(session.customerSocketId));
      if (!room.ok) return room;
      await o.queue.handedOver(sid, room.sid, toSocketId, rep.id);
      const settings = o.roomSettings();
      // Told before the old room closes, so the customer's page starts the new session instead of ending.
      o.deliver(session.customerSocketId, 'desk-accepted', { requestId, sid: room.sid, repName: rep.displayName.slice(0, 80), ...settings });
      await o.rooms.leave(remote(session.repSocketId), sid);
      return { ok: true, sid: room.sid, ...settings };
    },
    deliver,
    log: (_level, event, fields) => o.log(event, fields),
  });
}
