/**
 * Who a socket is to the desk. With rep accounts, the accounts work sets `socket.data.rep` from
 * the sign-in cookie at connection; in open mode a socket that said `desk-hello` is an anonymous
 * rep serving every queue, named by what it said. `repIdentityOf` is the one accessor the queue
 * engine uses.
 */
import { createHash } from 'node:crypto';
import { isOpenMode } from './settings.ts';

export interface RepIdentity {
  /** Stable id of the rep: `user:<username>`, or in open mode `anon:<hash of its console key>`. */
  id: string;
  username: string;
  displayName: string;
  /** Queue ids served; null: every queue (open mode). */
  queues: string[] | null;
}

/** What the accounts work puts on `socket.data.rep` for a signed-in rep. */
export interface SignedInRep {
  username: string;
  displayName: string;
  queues: string[];
}

/** What `desk-hello` leaves on an open-mode socket. */
export interface OpenModeHello {
  displayName: string;
  publicKey: string;
}

export interface DeskSocketData {
  rep?: SignedInRep;
  deskHello?: OpenModeHello;
}

/** The rep this socket acts for, or null (a customer, or not signed in). */
export function repIdentityOf(socket: { data: unknown }): RepIdentity | null {
  const data = (socket.data ?? {}) as DeskSocketData;
  if (data.rep) return { id: `user:${data.rep.username.toLowerCase()}`, username: data.rep.username, displayName: data.rep.displayName, queues: data.rep.queues };
  if (!isOpenMode() || !data.deskHello) return null;
  const id = createHash('sha256').update(data.deskHello.publicKey).digest('base64url').slice(0, 16);
  return { id: `anon:${id}`, username: `anon-${id.slice(0, 8)}`, displayName: data.deskHello.displayName, queues: null };
}

export function serves(rep: RepIdentity, queue: string): boolean {
  return rep.queues === null || rep.queues.includes(queue);
}
