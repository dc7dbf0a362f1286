/**
 * The one door from a shared session to the customer's link. Everything the shared-session code
 * (shared-session-host.ts) says to the customer goes through a CustomerGate, and the gate lets
 * through exactly two things:
 *
 * - a line meant for everyone (`to: 'all'`), as a `chat` (relayed with its author's name when a
 *   colleague wrote it);
 * - a `participant-notice` about a rep the customer is shown.
 *
 * A private line (`to: 'reps'`), a hidden rep, or any other message is refused with a thrown
 * error before anything is sent: private words cannot reach the customer's browser by a slip in
 * the calling code, because no other path to the customer exists in the shared-session code.
 */
import { ParleyError } from '@protocol/errors.ts';
import type { Chat } from '@protocol/peer.ts';
import { SharedType, type Audience, type ParticipantNotice } from '@protocol/shared-session.ts';

/** What the gate needs from the customer's session (Session implements it). */
export interface CustomerLink {
  sendChat(text: string, author?: string): Chat;
  sendPeer(message: ParticipantNotice): void;
}

export class PrivateToCustomerError extends ParleyError {
  constructor(what: string) {
    super('MALFORMED', `refused to send ${what} to the customer`);
  }
}

export class CustomerGate {
  constructor(private readonly link: CustomerLink) {}

  /**
   * Sends a line to the customer. `author` is a colleague's display name (left out for the
   * host's own words, which the customer knows by the link's hello).
   * @throws PrivateToCustomerError for a line not meant for everyone (nothing is sent)
   */
  say(line: { text: string; to: Audience; author?: string }): Chat {
    if (line.to !== 'all') throw new PrivateToCustomerError('a private line');
    return this.link.sendChat(line.text, line.author);
  }

  /**
   * Tells the customer a rep it is shown joined or left.
   * @throws PrivateToCustomerError for a hidden rep (nothing is sent)
   */
  announce(rep: { name: string; hidden: boolean }, event: 'joined' | 'left'): void {
    if (rep.hidden) throw new PrivateToCustomerError('a hidden rep');
    this.link.sendPeer({ type: SharedType.Notice, event, name: rep.name });
  }
}
