/**
 * The rep's queue list as rows to show: waiting chats of the rep's queues with what the
 * customer typed (opened from the sealed details in the rep's browser; null when they could not
 * be opened), the time waited and the offer's countdown on the server's clock (the snapshot's
 * `now` against ours gives the offset, so a rep whose clock is wrong still sees true waits).
 */
import type { CustomerDetails } from '@protocol/customer-details.ts';
import type { QueueEntry } from '@protocol/desk.ts';

/**
 * A snapshot entry with its details opened in this browser (the shape DeskClient keeps):
 * `customer` null when they are not sealed for us yet or could not be opened.
 */
export type OpenedEntry = QueueEntry & { customer: CustomerDetails | null; detailsUnavailable?: boolean };

export interface QueueRow {
  requestId: string;
  queueId: string;
  queueName: string;
  /** The customer's name and problem, or null when the details are unavailable or not sealed for us yet. */
  name: string | null;
  /** True while the customer's browser has not sealed the details for this console yet. */
  detailsPending: boolean;
  problem: string | null;
  email: string | null;
  waitingSeconds: number;
  position: number;
  offered: boolean;
  /** Seconds left to accept an offer (null when not offered or no deadline). */
  offerSecondsLeft: number | null;
  movedBy: string | null;
}

/** Server time minus local time, from a snapshot's `now` and when it arrived here. */
export function clockOffset(serverNow: number, receivedAt: number): number {
  return serverNow - receivedAt;
}

/** Offered chats first (the rep must answer them), then the longest waiting. */
export function queueRows(entries: readonly OpenedEntry[], offsetMs: number, localNow: number, queueNames: ReadonlyMap<string, string>): QueueRow[] {
  const serverNow = localNow + offsetMs;
  return entries
    .map((entry) => ({
      requestId: entry.requestId,
      queueId: entry.queue,
      queueName: queueNames.get(entry.queue) ?? entry.queue,
      name: entry.customer?.name ?? null,
      detailsPending: !entry.customer && entry.detailsUnavailable !== true,
      problem: entry.customer?.description ?? null,
      email: entry.customer?.email || null,
      waitingSeconds: Math.max(0, Math.floor((serverNow - entry.since) / 1000)),
      position: entry.position,
      offered: entry.offered,
      offerSecondsLeft: entry.offered && entry.offerExpiresAt !== undefined ? Math.max(0, Math.ceil((entry.offerExpiresAt - serverNow) / 1000)) : null,
      movedBy: entry.movedBy ?? null,
    }))
    .sort((a, b) => Number(b.offered) - Number(a.offered) || b.waitingSeconds - a.waitingSeconds || a.position - b.position);
}

/** Entries offered now that were not offered in the previous snapshot (each offer rings once). */
export function newOffers(previous: ReadonlySet<string>, entries: readonly OpenedEntry[]): OpenedEntry[] {
  return entries.filter((entry) => entry.offered && !previous.has(entry.requestId));
}
