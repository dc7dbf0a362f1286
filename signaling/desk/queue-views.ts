/**
 * What each socket is told after a change of the queue state (queue-memory.ts): every rep
 * console its `desk-queue` snapshot (the entries of the queues it serves, with the details
 * sealed for its own key only), every waiting customer its own `desk-waiting` (never anything
 * about other requests).
 */
import type { Colleague, DeskQueue as DeskQueueSnapshot, Invitation, QueueEntry } from '../../protocol/desk.ts';
import { serves } from './identity.ts';
import type { Console, Request } from './queue-state.ts';
import type { Deliver } from './queue-types.ts';

export interface QueueViews {
  now: number;
  consoles: Console[];
  /** Waiting requests by queue, in order (position = index + 1). */
  queues: Map<string, Request[]>;
  colleagues: Colleague[];
  /** Pending shared-session invitations to a rep (by username). */
  invitationsFor(username: string): Invitation[];
  meanWaitMs(queue: string): number | null;
  deliver: Deliver;
}

export function publishViews({ now, consoles, queues, colleagues, invitationsFor, meanWaitMs, deliver }: QueueViews): void {
  for (const console of consoles) {
    const entries: QueueEntry[] = [];
    for (const [queue, requests] of queues) {
      if (!serves(console.rep, queue)) continue;
      requests.forEach((r, i) => {
        const offered = r.offer?.socketId === console.socketId;
        const details = r.sealed.get(console.keyId);
        entries.push({
          requestId: r.id,
          queue,
          since: r.since,
          position: i + 1,
          offered,
          ...(details ? { details } : {}),
          ...(offered && r.offer ? { offerExpiresAt: r.offer.expiresAt } : {}),
          ...(r.movedBy ? { movedBy: r.movedBy } : {}),
        });
      });
    }
    entries.sort((a, b) => a.since - b.since);
    const snapshot: DeskQueueSnapshot = { now, presence: console.presence, entries, invitations: invitationsFor(console.rep.username), colleagues: colleagues.filter((c) => c.username !== console.rep.username) };
    deliver(console.socketId, 'desk-queue', snapshot);
  }
  for (const [queue, requests] of queues) {
    const mean = meanWaitMs(queue);
    const repsAvailable = new Set(consoles.filter((c) => c.presence === 'available' && serves(c.rep, queue)).map((c) => c.rep.id)).size;
    requests.forEach((r, i) => {
      if (!r.customer) return;
      const position = i + 1;
      deliver(r.customer, 'desk-waiting', { requestId: r.id, position, waitSeconds: mean === null ? null : Math.round((position * mean) / 1000), repsAvailable });
    });
  }
}
