/**
 * An invited rep's side of a shared desk session: it talks to the host only (its colleague link)
 * and sees the conversation through it: the handed-over history first, then each line as the
 * host relays it, who is present, and the other reps' notes.
 *
 * A line id seen before is dropped (history and live lines may overlap; a modified host may
 * replay), and the history is capped at MAX_HISTORY_LINES. Framework-free.
 */
import { ParleyError } from '@protocol/errors.ts';
import { MAX_CHAT_CHARS, newMessageId } from '@protocol/peer.ts';
import { MAX_HISTORY_LINES, SharedType, type Audience, type HandoverQueue, type HistoryLine, type Participant, type SharedMessage } from '@protocol/shared-session.ts';
import { Emitter } from './emitter.ts';
import { forgetOldest } from './forget-oldest.ts';
import type { ColleagueLink } from './shared-session-host.ts';

export interface GuestLine extends HistoryLine {
  /** Handed over when this rep joined (written before it was there). */
  history: boolean;
}

export interface SharedGuestEvents {
  line: GuestLine;
  /** The last history part arrived. */
  'history-done': void;
  participants: Participant[];
  notes: { name: string; text: string; updatedAt: number };
  /** A line of this rep's reached everyone it was for (its id): the other reps, or the customer. */
  delivered: string;
  /** Transfer: the host let this rep take the customer (take it with `desk-handover`). */
  'handover-ready': { sid: string; inviteId: string; queue?: HandoverQueue };
  warning: ParleyError;
}

/** Own lines kept waiting for a receipt ("Delivered"); beyond this the oldest stay "Sent". */
export const MAX_UNDELIVERED_LINES = 500;

export class SharedGuest extends Emitter<SharedGuestEvents> {
  private readonly seen = new Set<string>();
  /** Our lines not yet said to be delivered. */
  private readonly undelivered = new Set<string>();
  private historyLines = 0;
  private historyDone = false;
  /** The conversation as received, oldest first (kept when the customer is handed over to this rep). */
  readonly lines: GuestLine[] = [];
  participants: Participant[] = [];

  constructor(
    private readonly link: ColleagueLink,
    private readonly ownName: string,
    private readonly now: () => number = Date.now,
  ) {
    super();
  }

  /** A message from the host on the colleague link (already validated and role-checked). */
  receive(message: SharedMessage): void {
    switch (message.type) {
      case SharedType.History: {
        if (this.historyDone) return this.emit('warning', new ParleyError('REPLAYED', 'history after its end'));
        for (const line of message.lines) {
          if (this.historyLines >= MAX_HISTORY_LINES) {
            this.emit('warning', new ParleyError('PAYLOAD_TOO_LARGE', 'history too long: the rest dropped'));
            break;
          }
          this.historyLines += 1;
          this.take({ ...line, history: true });
        }
        if (message.done) {
          this.historyDone = true;
          this.emit('history-done', undefined);
        }
        return;
      }
      case SharedType.Line: {
        const { type: _type, ...line } = message;
        // A reps-only line is acknowledged to the host, which tells its author once all have it.
        if (this.take({ ...line, history: false }) && line.to === 'reps') this.acknowledge(line.id);
        return;
      }
      case SharedType.LineReceived:
        // Only for a line of our own, once: anything else is ignored.
        if (this.undelivered.delete(message.id)) this.emit('delivered', message.id);
        return;
      case SharedType.Participants:
        this.participants = message.list;
        return this.emit('participants', message.list);
      case SharedType.Notes:
        return this.emit('notes', { name: message.author ?? '', text: message.text, updatedAt: message.updatedAt });
      case SharedType.Notice:
        // Meant for customers: a host never sends it to a colleague.
        return this.emit('warning', new ParleyError('MALFORMED', 'participant notice to a colleague'));
      case SharedType.HandoverReady:
        return this.emit('handover-ready', { sid: message.sid, inviteId: message.inviteId, ...(message.queue ? { queue: message.queue } : {}) });
    }
  }

  /**
   * Writes to everyone (the host passes it on to the customer) or to the reps only.
   * @throws ParleyError `PAYLOAD_TOO_LARGE`, or the link's error (nothing is recorded then)
   */
  say(text: string, to: Audience): GuestLine {
    if (text.length > MAX_CHAT_CHARS) throw new ParleyError('PAYLOAD_TOO_LARGE', 'chat message too long');
    const line: GuestLine = { id: newMessageId(), text, sentAt: this.now(), author: { kind: 'rep', name: this.ownName }, to, history: false };
    this.link.send({ type: SharedType.Line, id: line.id, text, sentAt: line.sentAt, author: line.author, to });
    this.seen.add(line.id);
    this.undelivered.add(line.id);
    // A receipt that never comes (the host forgot it, a rep left): the oldest are let go.
    forgetOldest(this.undelivered, MAX_UNDELIVERED_LINES);
    this.lines.push(line);
    return line;
  }

  shareNotes(text: string, updatedAt = this.now()): void {
    this.link.send({ type: SharedType.Notes, text, updatedAt });
  }

  /** Tells the host we have reps-only line `id`; a link going down loses it (the line stays "Sent" there). */
  private acknowledge(id: string): void {
    try {
      this.link.send({ type: SharedType.LineReceived, id });
    } catch (err) {
      this.emit('warning', err instanceof ParleyError ? err : new ParleyError('PEER_GONE', String(err)));
    }
  }

  /** Keeps and shows a line; false if it was seen before. */
  private take(line: GuestLine): boolean {
    if (this.seen.has(line.id)) return false;
    this.seen.add(line.id);
    this.lines.push(line);
    this.emit('line', line);
    return true;
  }
}
