/**
 * Puts two sockets in a new room, as if the first had created it and the second had joined with
 * its code: the desk pairs a rep with a customer this way (`desk-accept`), and shared sessions
 * pair a rep with an invited colleague. The room is an ordinary one (relay, claim, resume): the
 * two then run the key agreement with the desk password (protocol/desk.ts `deskPassword`).
 * `first` takes the rep slot (it is told `peer-joined`), `second` the customer slot.
 */
import type { Result, Rooms, RoomSocket } from '../room-types.ts';

export async function pairInNewRoom(
  rooms: Rooms,
  first: RoomSocket,
  second: RoomSocket,
  /** How `second` joins (several nodes: on the node that holds its socket, see server.ts). */
  join: (socket: RoomSocket, nameplate: string) => Promise<Result<{ sid: string }>> = async (socket, nameplate) => rooms.join(socket, nameplate),
): Promise<Result<{ sid: string }>> {
  const created = await rooms.create(first);
  if (!created.ok) return created;
  const joined = await join(second, created.nameplate);
  if (!joined.ok) {
    await rooms.leave(first, created.sid); // no half-made room is left behind
    return joined;
  }
  return { ok: true, sid: created.sid };
}
