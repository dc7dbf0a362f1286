/**
 * The host's side of a shared desk session: the rep paired with the customer, at the centre of
 * the star (protocol/shared-session.ts). It relays the customer's words to its colleagues, their
 * words for everyone to the customer (through the CustomerGate, the only way to the customer),
 * private lines among the reps only, hands a joining rep the recent history, and keeps the
 * participants list.
 *
 * Framework-free: the view feeds it what the customer and the colleagues say, and shows what it
 * emits. It never trusts a colleague's claim about who wrote a line: the host names the author
 * from the link the line came in on.
 */
import type { Chat } from '@protocol/peer.ts';
import { newMessageId } from '@protocol/peer.ts';
import {
  MAX_HISTORY_LINES,
  MAX_HISTORY_LINES_PER_MESSAGE,
  SharedType,
  type Audience,
  type HandoverQueue,
  type HistoryLine,
  type Participant,
  type SharedMessage,
} from '@protocol/shared-session.ts';
import { ParleyError } from '@protocol/errors.ts';
import { Emitter } from './emitter.ts';
import { forgetOldest } from './forget-oldest.ts';
import type { CustomerGate } from './shared-session-gate.ts';

/** A colleague link as the host uses it (a desk Session's `sendPeer`). */
export interface ColleagueLink {
  send(message: SharedMessage): void;
}

/** A line the host's view should show (its own lines it shows as it sends them). */
export interface SharedLineEvent {
  line: HistoryLine;
  /** The colleague it came from. */
  colleagueId: string;
}

export interface SharedHostEvents {
  line: SharedLineEvent;
  participants: Participant[];
  notes: { colleagueId: string; name: string; text: string; updatedAt: number };
  /** A reps-only line of the host's reached every colleague it went to (its id). */
  delivered: string;
  /** A step failed for one colleague (its link is down): the others go on. */
  warning: ParleyError;
}

export interface SharedHostOptions {
  gate: CustomerGate;
  hostName: string;
  customerName: () => string;
  /** How much history a joining rep receives (desk config `sharedHistoryMinutes`). */
  historyMinutes: number;
  now?: () => number;
}

/**
 * Lines kept waiting for receipts (reps-only lines, and colleagues' lines relayed to the
 * customer, each); the oldest are forgotten beyond this (a peer that never sends receipts must
 * not grow the host's memory): they stay "Sent".
 */
export const MAX_UNRECEIVED_LINES = 500;

/** A colleague's line to everyone, relayed to the customer as a chat the customer has not acknowledged yet. */
interface Relayed {
  colleagueId: string;
  lineId: string;
}

/** A reps-only line not yet with every rep it went to. */
interface Unreceived {
  /** `host`, or the id of the colleague who wrote it (it gets the receipt). */
  author: string;
  /** Colleagues it went to that have not said they have it. */
  waiting: Set<string>;
}

interface Colleague {
  id: string;
  name: string;
  status: 'invited' | 'present';
  hidden: boolean;
  link: ColleagueLink | null;
}

export class SharedHost extends Emitter<SharedHostEvents> {
  /** The conversation as this host saw it, for handing over (bounded: MAX_HISTORY_LINES). */
  private readonly lines: HistoryLine[] = [];
  private readonly colleagues = new Map<string, Colleague>();
  private readonly unreceived = new Map<string, Unreceived>();
  /** By the id of the chat the customer got. */
  private readonly relayed = new Map<string, Relayed>();
  private readonly now: () => number;

  constructor(private readonly options: SharedHostOptions) {
    super();
    this.now = options.now ?? Date.now;
  }

  /** The customer said this (received on the customer link): colleagues see it too. */
  customerSaid(chat: Chat): void {
    this.record({ id: chat.id, text: chat.text, sentAt: this.now(), author: { kind: 'customer', name: this.options.customerName() }, to: 'all' });
  }

  /** The host said this to everyone (the view already sent it to the customer): colleagues see it too. */
  hostSaid(chat: Chat): void {
    this.record({ id: chat.id, text: chat.text, sentAt: this.now(), author: { kind: 'rep', name: this.options.hostName }, to: 'all' });
  }

  /**
   * The host writes to the reps only. Never touches the customer link.
   * @throws ParleyError `PEER_GONE` when no colleague is present to read it
   */
  sayToReps(text: string): HistoryLine {
    if (this.present().length === 0) throw new ParleyError('PEER_GONE', 'no colleague present');
    const line: HistoryLine = { id: newMessageId(), text, sentAt: this.now(), author: { kind: 'rep', name: this.options.hostName }, to: 'reps' };
    this.record(line);
    this.awaitReceipts(line.id, 'host');
    return line;
  }

  /**
   * The conversation before this shared session began (the tab's transcript), oldest first: a
   * joining colleague's history starts with it. Sends nothing.
   */
  seed(lines: HistoryLine[]): void {
    for (const line of lines) this.record(line);
  }

  /** A colleague's message on its link. */
  receive(colleagueId: string, message: SharedMessage): void {
    const from = this.colleagues.get(colleagueId);
    if (!from || from.status !== 'present') return;
    switch (message.type) {
      case SharedType.Line: {
        // An id already in the conversation (a replay, or a hostile rep reusing another's line
        // id to take its receipts over) is dropped.
        if (this.lines.some((l) => l.id === message.id)) return this.emit('warning', new ParleyError('REPLAYED', 'shared line id seen before'));
        // The author is who the link belongs to, whatever the message claims.
        const line: HistoryLine = { id: message.id, text: message.text, sentAt: this.now(), author: { kind: 'rep', name: from.name }, to: message.to };
        if (line.to === 'all') this.tryStep(() => this.relay(this.options.gate.say({ text: line.text, to: 'all', author: from.name }).id, colleagueId, line.id));
        this.record(line, colleagueId);
        if (line.to === 'reps') this.awaitReceipts(line.id, colleagueId);
        this.emit('line', { line, colleagueId });
        return;
      }
      case SharedType.LineReceived: {
        // Receipts for lines it was not waiting on (sent twice, or made up) change nothing.
        const entry = this.unreceived.get(message.id);
        if (entry?.waiting.delete(colleagueId)) this.settle(message.id, entry);
        return;
      }
      case SharedType.Notes: {
        const notes = { colleagueId, name: from.name, text: message.text, updatedAt: message.updatedAt };
        this.forEachPresent((c) => c.send({ type: SharedType.Notes, text: message.text, updatedAt: message.updatedAt, author: from.name }), colleagueId);
        this.emit('notes', notes);
        return;
      }
      default:
        // History, participants, notices and handovers come from a host, never to one.
        this.emit('warning', new ParleyError('MALFORMED', `${message.type} from a colleague`));
    }
  }

  /**
   * The customer's browser acknowledged chat `chatId`: if it was a colleague's line, its author
   * hears it was delivered.
   */
  customerReceived(chatId: string): void {
    const relayed = this.relayed.get(chatId);
    if (!relayed) return;
    this.relayed.delete(chatId);
    this.tellAuthor(relayed.colleagueId, relayed.lineId);
  }

  /** The host's own notes changed: the colleagues see them. */
  shareNotes(text: string, updatedAt = this.now()): void {
    this.forEachPresent((c) => c.send({ type: SharedType.Notes, text, updatedAt, author: this.options.hostName }));
  }

  /** An invitation went out (`name`: the rep's, or the queue's for a random rep). */
  invited(colleagueId: string, name: string): void {
    this.colleagues.set(colleagueId, { id: colleagueId, name, status: 'invited', hidden: true, link: null });
    this.participantsChanged();
  }

  /** The invitation was declined, expired or withdrawn. */
  inviteEnded(colleagueId: string): void {
    const c = this.colleagues.get(colleagueId);
    if (c?.status !== 'invited') return;
    this.colleagues.delete(colleagueId);
    this.participantsChanged();
  }

  /**
   * The colleague's link is up (its hello gave `name`): it receives the recent history, then
   * every line from now on. It joins hidden from the customer (see {@link show}).
   */
  joined(colleagueId: string, name: string, link: ColleagueLink): void {
    this.colleagues.set(colleagueId, { id: colleagueId, name, status: 'present', hidden: true, link });
    this.sendHistory(link);
    this.participantsChanged();
  }

  /** Shows a present colleague to the customer ("<name> joined"), or hides it again. */
  show(colleagueId: string, shown: boolean): void {
    const c = this.colleagues.get(colleagueId);
    if (!c || c.status !== 'present' || c.hidden === !shown) return;
    if (shown) {
      c.hidden = false;
      this.options.gate.announce(c, 'joined');
    } else {
      this.options.gate.announce(c, 'left');
      c.hidden = true;
    }
    this.participantsChanged();
  }

  /** The colleague left (its link closed, or a transfer completed). */
  left(colleagueId: string): void {
    const c = this.colleagues.get(colleagueId);
    if (!c) return;
    this.colleagues.delete(colleagueId);
    if (c.status === 'present' && !c.hidden) this.tryStep(() => this.options.gate.announce(c, 'left'));
    // Its lines will get no receipt; lines waiting on it are not "Delivered" to it either.
    for (const [id, entry] of this.unreceived) if (entry.author === colleagueId || entry.waiting.has(colleagueId)) this.unreceived.delete(id);
    for (const [id, relayed] of this.relayed) if (relayed.colleagueId === colleagueId) this.relayed.delete(id);
    this.participantsChanged();
  }

  /**
   * Transfer: tells the colleague it may take the customer of room `sid` now (the server allowed
   * it). `queue`: the chat's queue, which only the host knows (the server does not tell the new rep).
   */
  handoverReady(colleagueId: string, sid: string, inviteId: string, queue?: HandoverQueue): void {
    const c = this.colleagues.get(colleagueId);
    if (c?.status !== 'present' || !c.link) throw new ParleyError('PEER_GONE', 'colleague not present');
    c.link.send({ type: SharedType.HandoverReady, sid, inviteId, ...(queue ? { queue } : {}) });
  }

  /** Everyone in the session, the customer and the host first. */
  participants(): Participant[] {
    return [
      { id: 'customer', name: this.options.customerName(), kind: 'customer', host: false, status: 'present', hidden: false },
      { id: 'host', name: this.options.hostName, kind: 'rep', host: true, status: 'present', hidden: false },
      ...[...this.colleagues.values()].map((c): Participant => ({ id: c.id, name: c.name, kind: 'rep', host: false, status: c.status, hidden: c.hidden })),
    ];
  }

  /** Colleagues present now. */
  present(): { id: string; name: string; hidden: boolean }[] {
    return [...this.colleagues.values()].filter((c) => c.status === 'present').map(({ id, name, hidden }) => ({ id, name, hidden }));
  }

  private record(line: HistoryLine, fromColleague?: string): void {
    this.lines.push(line);
    if (this.lines.length > MAX_HISTORY_LINES) this.lines.splice(0, this.lines.length - MAX_HISTORY_LINES);
    this.forEachPresent((c) => c.send({ type: SharedType.Line, ...line }), fromColleague);
  }

  /**
   * A reps-only line just went to every present colleague but its author: its author hears
   * "received" once they all have it (at once when there is no one else).
   */
  private awaitReceipts(id: string, author: string): void {
    const waiting = new Set(this.present().map((c) => c.id).filter((c) => c !== author));
    const entry = { author, waiting };
    this.unreceived.set(id, entry);
    forgetOldest(this.unreceived, MAX_UNRECEIVED_LINES);
    this.settle(id, entry);
  }

  /** Tells the author of `id` it was received, once no colleague is waited on. */
  private settle(id: string, entry: Unreceived): void {
    if (entry.waiting.size > 0) return;
    this.unreceived.delete(id);
    if (entry.author === 'host') this.emit('delivered', id);
    else this.tellAuthor(entry.author, id);
  }

  /** Remembers that chat `chatId` to the customer carries line `lineId` of a colleague. */
  private relay(chatId: string, colleagueId: string, lineId: string): void {
    this.relayed.set(chatId, { colleagueId, lineId });
    forgetOldest(this.relayed, MAX_UNRECEIVED_LINES);
  }

  /** Tells colleague `colleagueId` its line `lineId` reached everyone it was for ("Delivered"). */
  private tellAuthor(colleagueId: string, lineId: string): void {
    const author = this.colleagues.get(colleagueId);
    const link = author?.status === 'present' ? author.link : null;
    if (link) this.tryStep(() => link.send({ type: SharedType.LineReceived, id: lineId }));
  }

  private sendHistory(link: ColleagueLink): void {
    const since = this.now() - this.options.historyMinutes * 60_000;
    const recent = this.lines.filter((line) => line.sentAt >= since);
    for (let i = 0; i === 0 || i < recent.length; i += MAX_HISTORY_LINES_PER_MESSAGE) {
      const part = recent.slice(i, i + MAX_HISTORY_LINES_PER_MESSAGE);
      this.tryStep(() => link.send({ type: SharedType.History, lines: part, done: i + MAX_HISTORY_LINES_PER_MESSAGE >= recent.length }));
    }
  }

  private participantsChanged(): void {
    const list = this.participants();
    this.forEachPresent((c) => c.send({ type: SharedType.Participants, list }));
    this.emit('participants', list);
  }

  private forEachPresent(step: (link: ColleagueLink) => void, except?: string): void {
    for (const c of this.colleagues.values()) {
      if (c.status !== 'present' || !c.link || c.id === except) continue;
      const link = c.link;
      this.tryStep(() => step(link));
    }
  }

  private tryStep(step: () => void): void {
    try {
      step();
    } catch (err) {
      this.emit('warning', err instanceof ParleyError ? err : new ParleyError('PEER_GONE', String(err)));
    }
  }
}

export type { Audience };
