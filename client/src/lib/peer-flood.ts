/**
 * Receiving-side flood control: one token bucket per peer-message type. A modified peer can
 * send as fast as the data channel goes; each verified message it sends costs this side work
 * (a transcript write, a DOM node, a file card, a new tab), so beyond a rate no person could
 * reach, messages of that type are dropped (and the Session logs one warning per 10 s).
 *
 * The buckets are sized above what a person or the reference client sends (messages queued
 * during an outage arrive together; the chat benchmark sends its 100 messages at about 50/s;
 * a file transfer acknowledges every 8 chunks, ~20 acks/s at 10 MB/s), and low enough that a
 * flood is cut: no person keeps up 5 chat messages a second.
 */
import { PeerType } from '@protocol/peer.ts';

export interface BucketRule {
  /** Messages allowed in one burst. */
  capacity: number;
  /** Tokens added back per second. */
  perSecond: number;
}

/** A token bucket on an injected clock (ms), so it can be tested without waiting. */
export class TokenBucket {
  private tokens: number;
  private last: number | null = null;

  constructor(private readonly rule: BucketRule) {
    this.tokens = rule.capacity;
  }

  /** Takes one token if there is one. */
  take(now: number): boolean {
    if (this.last !== null && now > this.last) {
      this.tokens = Math.min(this.rule.capacity, this.tokens + ((now - this.last) / 1000) * this.rule.perSecond);
    }
    if (this.last === null || now > this.last) this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** Per-type limits. Types not listed share `other`. */
export const PEER_FLOOD_RULES: Readonly<Record<string, BucketRule>> = {
  [PeerType.Chat]: { capacity: 100, perSecond: 5 },
  [PeerType.Typing]: { capacity: 20, perSecond: 5 },
  [PeerType.Ack]: { capacity: 200, perSecond: 50 },
  // Each one can open a tab or a prompt on the receiving side.
  [PeerType.UrlPush]: { capacity: 5, perSecond: 0.2 },
  [PeerType.ScreenRequest]: { capacity: 5, perSecond: 0.2 },
  [PeerType.ScreenState]: { capacity: 10, perSecond: 1 },
  // Each offer makes a file card and transcript events.
  'file-offer': { capacity: 10, perSecond: 0.5 },
  file: { capacity: 500, perSecond: 200 },
  // Each offer makes a card and a log line; a person composes one every few seconds at most.
  offer: { capacity: 10, perSecond: 0.5 },
  'offer-pick': { capacity: 10, perSecond: 1 },
  // Sent once per session by the reference client.
  'session-end': { capacity: 3, perSecond: 0.05 },
  'survey-answers': { capacity: 3, perSecond: 0.05 },
  'customer-ending': { capacity: 3, perSecond: 0.05 },
  // Shared desk sessions: a colleague's lines as chat; history comes in parts at a join
  // (MAX_HISTORY_LINES / MAX_HISTORY_LINES_PER_MESSAGE = 50), then rarely.
  'shared-line': { capacity: 100, perSecond: 5 },
  // One per reps-only line, from each colleague (to the host) or from the host (to an author).
  'shared-line-received': { capacity: 200, perSecond: 20 },
  'shared-history': { capacity: 60, perSecond: 1 },
  participants: { capacity: 20, perSecond: 1 },
  'notes-update': { capacity: 20, perSecond: 2 },
  'participant-notice': { capacity: 10, perSecond: 0.5 },
  'handover-ready': { capacity: 3, perSecond: 0.1 },
  other: { capacity: 50, perSecond: 10 },
};

/**
 * Not limited here: messages with their own guards (one hello, bye ends, late proofs are warned,
 * nudges act once per window: NudgeGate) or handled below the inbox (rtc-signal).
 */
const UNLIMITED: ReadonlySet<string> = new Set([PeerType.Hello, PeerType.Bye, PeerType.FingerprintProof, PeerType.RtcSignal, PeerType.Nudge]);

function ruleName(type: string): string {
  if (type in PEER_FLOOD_RULES) return type;
  return type.startsWith('file-') ? 'file' : 'other';
}

export class PeerFloodGuard {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly rules: Readonly<Record<string, BucketRule>> = PEER_FLOOD_RULES) {}

  /** Whether a message of `type` arriving at `now` (ms) may be handled. */
  allow(type: string, now: number): boolean {
    if (UNLIMITED.has(type)) return true;
    const name = ruleName(type);
    let bucket = this.buckets.get(name); // at most one per rule: the map cannot grow with the input
    if (!bucket) {
      bucket = new TokenBucket(this.rules[name] ?? this.rules.other ?? PEER_FLOOD_RULES.other!);
      this.buckets.set(name, bucket);
    }
    return bucket.take(now);
  }
}
