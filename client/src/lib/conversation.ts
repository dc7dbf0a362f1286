/**
 * Conversation: what a verified session says to the peer — chat (with its outbox across
 * dropped links), receipts, typing, URL pushes and nudges — and the check on what arrives
 * (a chat message seen before is acknowledged again, never shown twice).
 *
 * Every send checks first and throws a typed ParleyError before anything leaves, so the caller
 * keeps the user's text on error.
 */
import type { Role } from '@protocol/cpace.ts';
import { ParleyError } from '@protocol/errors.ts';
import { MAX_CHAT_CHARS, PeerType, isPushableUrl, newMessageId, type Chat, type PeerMessage } from '@protocol/peer.ts';
import type { LinkManager } from './link-manager.ts';
import { NudgeCooldown } from './nudge.ts';
import { Outbox } from './outbox.ts';

export interface ConversationHost {
  role: Role;
  /** The session's links while it is verified, else null. */
  links(): LinkManager | null;
  /** Runs a step whose throw ends the session. */
  guard(step: () => void): void;
  /** A chat message that waited for the link has been sent. */
  chatSent(id: string): void;
}

export class Conversation {
  /** Chat not yet acknowledged by the peer, and ids already received (outbox.ts). */
  private readonly outbox = new Outbox();
  private readonly nudgesOut = new NudgeCooldown();

  constructor(private readonly host: ConversationHost) {}

  /**
   * Sends a chat message, or keeps it pending while the link is down (it goes as soon as a
   * link is up again). Returns the message (id and time) so it can be logged.
   * @throws ParleyError `PAYLOAD_TOO_LARGE`; `PEER_GONE` when not verified, or when MAX_OUTBOX
   *   messages already wait for the peer
   */
  sendChat(text: string, author?: string): Chat {
    if (text.length > MAX_CHAT_CHARS) throw new ParleyError('PAYLOAD_TOO_LARGE', 'chat message too long');
    const links = this.host.links();
    if (!links) throw new ParleyError('PEER_GONE', 'not connected');
    if (this.outbox.full) throw new ParleyError('PEER_GONE', 'too many messages waiting for the peer');
    const chat: Chat = { type: PeerType.Chat, id: newMessageId(), text, sentAt: Date.now(), ...(author === undefined ? {} : { author }) };
    let sentOn: number | null = null;
    if (links.isUp) {
      try {
        links.send(chat);
        sentOn = links.currentEpoch;
      } catch {
        // the link dropped between the check and the send: it waits like the others
      }
    }
    this.outbox.add(chat, sentOn);
    globalThis.performance?.mark?.('parley:chat-sent', { detail: chat.id });
    return chat;
  }

  /** True while our chat message `id` waits for a link to be sent on. */
  isPending(id: string): boolean {
    return this.outbox.isPending(id);
  }

  /** After a reload: our messages the peer never acknowledged, and the peer's we already have. */
  restore(unacked: Chat[], seen: string[]): void {
    for (const chat of unacked) this.outbox.add(chat, -1); // due on whatever link comes up
    this.outbox.remember(seen);
  }

  /** Sends, in order, every chat message the peer has not acknowledged and link `epoch` has not carried. */
  flush(epoch: number): void {
    const links = this.host.links();
    for (const chat of this.outbox.due(epoch)) {
      try {
        links?.send(chat);
      } catch {
        return; // down again: the next link takes the rest
      }
      if (this.outbox.sent(chat.id, epoch)) this.host.chatSent(chat.id);
    }
  }

  /** Looks at a verified peer message first: false when it must go no further (a repeated chat). */
  admit(message: PeerMessage): boolean {
    if (message.type === PeerType.Ack) this.outbox.acknowledged(message.id);
    if (message.type !== PeerType.Chat || this.outbox.firstSight(message.id)) return true;
    // Sent again after a dropped link: acknowledge again (the first ack may be what was lost), show once.
    this.acknowledge(message.id);
    return false;
  }

  /** Tells the peer its message `id` arrived (authenticated and valid). */
  acknowledge(id: string): void {
    const links = this.host.links();
    if (links?.isUp) this.host.guard(() => links.send({ type: PeerType.Ack, id }));
  }

  /**
   * Rep: asks the customer's browser to open `url`. Only absolute http(s) addresses; checked
   * here (so the rep's text is kept on error) and again by the receiver.
   */
  pushUrl(url: string): string {
    const address = url.trim();
    if (this.host.role !== 'rep' || !isPushableUrl(address)) throw new ParleyError('INVALID_URL', 'not an http(s) URL');
    this.send({ type: PeerType.UrlPush, id: newMessageId(), url: address });
    return address;
  }

  /**
   * Rep: asks for the customer's attention. Returns when the next nudge is allowed.
   * @throws ParleyError `NUDGE_TOO_SOON` within the cooldown, `PEER_GONE` when not connected
   */
  nudge(): number {
    if (this.host.role !== 'rep') throw new ParleyError('MALFORMED', 'only a rep may nudge');
    if (!this.host.links()?.isUp) throw new ParleyError('PEER_GONE', 'not connected');
    const readyAt = this.nudgesOut.take(Date.now());
    this.send({ type: PeerType.Nudge });
    return readyAt;
  }

  sendTyping(active: boolean): void {
    const links = this.host.links();
    if (links?.isUp) this.host.guard(() => links.send({ type: PeerType.Typing, active }));
  }

  /** @throws ParleyError `PEER_GONE` when not connected (the caller keeps what was to be sent). */
  send(message: PeerMessage): void {
    const links = this.host.links();
    if (!links) throw new ParleyError('PEER_GONE', 'not connected');
    links.send(message);
  }
}
