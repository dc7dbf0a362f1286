/**
 * Offers (a question with choices the customer answers by a click) as the transcript records
 * them. The log is the source of truth: the cards on both sides are derived from it, so they
 * come back as they were after a reload or when a past session is reopened.
 */
import type { TranscriptEvent } from '../transcript.ts';

export interface OfferState {
  id: string;
  question: string;
  choices: string[];
  /** Index of the choice picked, once picked. */
  picked: number | null;
  /** Who sent it: this side (`own`, the rep) or the peer. */
  own: boolean;
}

/** Keys of the log lines an offer leaves. */
export const OFFER_SENT = 'event.offerSent';
export const OFFER_RECEIVED = 'event.offerReceived';
export const OFFER_PICKED = 'event.offerPicked';
export const OFFER_PEER_PICKED = 'event.offerPeerPicked';

/** The choices as one log parameter (JSON, so a choice may hold any character). */
export function encodeChoices(choices: readonly string[]): string {
  return JSON.stringify(choices);
}

function decodeChoices(value: unknown): string[] | null {
  if (typeof value !== 'string') return null;
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) && parsed.every((c) => typeof c === 'string') ? parsed : null;
  } catch {
    return null;
  }
}

/** Every offer of the log, oldest first, with its pick (the first one logged) if any. */
export function offersFromEvents(events: readonly TranscriptEvent[]): OfferState[] {
  const offers = new Map<string, OfferState>();
  for (const e of events) {
    if (e.kind !== 'system' || !e.params) continue;
    const id = String(e.params.offerId ?? '');
    if (e.key === OFFER_SENT || e.key === OFFER_RECEIVED) {
      const choices = decodeChoices(e.params.choicesJson);
      if (id && choices && !offers.has(id)) offers.set(id, { id, question: String(e.params.question ?? ''), choices, picked: null, own: e.key === OFFER_SENT });
    } else if (e.key === OFFER_PICKED || e.key === OFFER_PEER_PICKED) {
      const offer = offers.get(id);
      const index = Number(e.params.index);
      if (offer && offer.picked === null && Number.isInteger(index) && index >= 0 && index < offer.choices.length) offer.picked = index;
    }
  }
  return [...offers.values()];
}
