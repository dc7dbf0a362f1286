/**
 * Outbox: chat messages are delivered once, in order, across dropped links.
 *
 * Sender side: every chat stays here until the peer acknowledges it. One typed while the link
 * is down waits as *pending*; when a link comes up every unacknowledged message that was not
 * already sent on that same link is sent (again), oldest first. A link that recovers by ICE
 * restart keeps its data channel, whose own retransmission delivers what was sent on it.
 *
 * Receiver side: a message id seen before is acknowledged again (its first ack may be what
 * was lost) but not shown twice.
 */
import type { Chat } from '@protocol/peer.ts';

/**
 * Messages waiting for a link at most (a receiver takes a burst of 100 chats); beyond it sending
 * is refused and the text stays in the box.
 */
export const MAX_OUTBOX = 100;
/**
 * Sent messages kept for a resend at most. A peer acknowledges within milliseconds; one that
 * never does cannot make us grow without end: the oldest sent ones are let go first.
 */
export const MAX_UNACKED = 1_000;
/** Received ids remembered for de-duplication (oldest forgotten first). */
export const MAX_SEEN_IDS = 10_000;

interface Entry {
  chat: Chat;
  /** The link (epoch) it was last sent on, or null while pending. */
  sentOn: number | null;
}

export class Outbox {
  private readonly entries = new Map<string, Entry>();
  private readonly seen = new Set<string>();

  get size(): number {
    return this.entries.size;
  }

  /** True when MAX_OUTBOX messages already wait for a link. */
  get full(): boolean {
    let pending = 0;
    for (const entry of this.entries.values()) if (entry.sentOn === null && ++pending >= MAX_OUTBOX) return true;
    return false;
  }

  /** Keeps `chat` until acknowledged; `sentOn` is the link it went out on, or null if pending. */
  add(chat: Chat, sentOn: number | null): void {
    this.entries.set(chat.id, { chat, sentOn });
    if (this.entries.size <= MAX_UNACKED) return;
    for (const [id, entry] of this.entries) {
      if (entry.sentOn === null) continue; // never sent: never dropped
      this.entries.delete(id);
      break;
    }
  }

  /** The peer has it. Returns whether it was ours and waiting. */
  acknowledged(id: string): boolean {
    return this.entries.delete(id);
  }

  isPending(id: string): boolean {
    return this.entries.get(id)?.sentOn === null;
  }

  /** What to send now that link `epoch` is up, oldest first (mark each with `sent` once it went). */
  due(epoch: number): Chat[] {
    return [...this.entries.values()].filter((e) => e.sentOn !== epoch).map((e) => e.chat);
  }

  /** `id` went out on link `epoch`. Returns whether it had been pending until now. */
  sent(id: string, epoch: number): boolean {
    const entry = this.entries.get(id);
    if (!entry) return false;
    const wasPending = entry.sentOn === null;
    entry.sentOn = epoch;
    return wasPending;
  }

  /** Everything never acknowledged, oldest first (what a reloaded page must send again). */
  unacknowledged(): Chat[] {
    return [...this.entries.values()].map((e) => e.chat);
  }

  /** Receiver: true the first time an id is seen, false for a repeat. */
  firstSight(id: string): boolean {
    if (this.seen.has(id)) return false;
    this.seen.add(id);
    if (this.seen.size > MAX_SEEN_IDS) {
      const oldest = this.seen.values().next();
      if (!oldest.done) this.seen.delete(oldest.value);
    }
    return true;
  }

  /** Receiver, after a reload: ids already in the transcript. */
  remember(ids: Iterable<string>): void {
    for (const id of ids) this.firstSight(id);
  }
}
