/**
 * Desk mode of a Session (session.ts): a session that starts from the support desk queue
 * instead of a code. The rep's session socket accepts the chat (the server puts it and the
 * waiting customer's socket in a new room), then both run the usual CPace pairing with the
 * room's *public* desk password (protocol/desk.ts `deskPassword`): an unauthenticated key
 * agreement, safe from a passive server but not from an active one. Such a session is marked
 * `authenticated: false` until the people compare the safety code and one of them confirms it
 * (`Session.confirmSafetyCode`); UIs show "not verified" until then.
 */
import { toBase64Url } from '@protocol/base64.ts';
import { deskPassword } from '@protocol/desk.ts';
import { ParleyError, toParleyError } from '@protocol/errors.ts';
import type { DeskRoom } from './desk-portal.ts';
import type { Portal } from './portal.ts';
import { Session, type SessionOptions } from './session.ts';

/** After "Move queue", how long the rep waits before saying goodbye (see `moveToQueue`). */
const MOVE_GOODBYE_DELAY_MS = 500;

/** Who the rep is to the server: its console's box key, and in open mode the name customers see. */
export interface DeskRepIdentity {
  publicKey: Uint8Array;
  displayName?: string;
}

/**
 * Rep: connects the session's own socket, introduces it as a rep's session socket (not a
 * console: it gets no offers), and accepts `requestId` on it. Resolves with the room.
 * @throws ParleyError REQUEST_GONE (someone else was first, or the customer left), FORBIDDEN,
 * NOT_SIGNED_IN, SERVER_UNREACHABLE, …
 */
export async function acceptFromQueue(portal: Portal, requestId: string, rep: DeskRepIdentity): Promise<DeskRoom> {
  await portal.connect();
  await portal.desk.hello(rep.publicKey, { displayName: rep.displayName, console: false });
  return portal.desk.accept(requestId);
}

/** The pairing secret of a desk room. */
export function deskSecret(sid: string): { password: string } {
  return { password: deskPassword(sid) };
}

/**
 * A Session that can also start from the desk queue, confirm the safety code and move the chat
 * to another queue. It is an ordinary Session otherwise (a code session works the same), so the
 * UI can use it for every session.
 */
export class DeskSession extends Session {
  constructor(options: SessionOptions) {
    super(options);
    // Told before the rep leaves the room: the customer's page waits again instead of ending.
    this.portal.on('desk-requeued', (ticket) => this.emit('requeued', ticket));
  }

  /** Rep: accepts the waiting chat `requestId` (offered or picked) and pairs with its customer. @throws ParleyError */
  async startFromQueue(requestId: string, rep: DeskRepIdentity): Promise<void> {
    this.assertState('idle');
    this.authenticated = false;
    this.setState('joining'); // relays that race the answer are kept (earlyRelays)
    try {
      const room = await acceptFromQueue(this.portal, requestId, rep);
      this.assertAlive();
      this.joinFromDesk(room, []);
    } catch (err) {
      this.destroy(toParleyError(err));
      throw toParleyError(err);
    }
  }

  /** Customer: our portal (options.portal) is already in room `room.sid`; `relays` came in since the acceptance. */
  joinFromDesk(room: DeskRoom, relays: string[]): void {
    this.authenticated = false;
    this.useRoom(room, deskSecret(room.sid));
    this.beginPake();
    for (const data of [...relays, ...this.earlyRelays.splice(0)]) this.guard(() => this.onRelay(data));
  }

  /** Rep: sends the chat back to `queue` ("Move queue"); the session then ends for us. @throws ParleyError */
  async moveToQueue(queue: string): Promise<void> {
    if (!this.sid) throw new ParleyError('NOT_IN_ROOM', 'no room yet');
    await this.portal.desk.move(toBase64Url(this.sid), queue);
    // The server told the customer's socket before answering us; our goodbye over the direct
    // link could still overtake it, and the customer's page would then show an ended chat.
    await new Promise((resolve) => setTimeout(resolve, MOVE_GOODBYE_DELAY_MS));
    this.end();
  }

  /** The people compared the safety code and it matches: the session is now authenticated (event `authenticated`). */
  confirmSafetyCode(): void {
    if (this.authenticated || this.state !== 'verified') return;
    this.authenticated = true;
    this.emit('authenticated', true);
  }
}
