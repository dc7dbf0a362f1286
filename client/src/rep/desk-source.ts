/**
 * What the console needs from the support desk (the rep-side DeskClient, desk-client.svelte.ts):
 * the waiting chats of the rep's queues with their opened details, the server clock offset, the
 * connection, and Reject. Accepting (an offer, or picking any waiting chat) starts a session in a
 * new tab: `SessionView.startFromQueue`, passed in as `start`.
 */
import type { ParleyError } from '@protocol/errors.ts';
import type { OpenedEntry } from '../lib/queue-rows.ts';
import type { SessionView } from '../lib/session-view.svelte.ts';

export type DeskConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface DeskQueueSource {
  readonly connection: DeskConnectionState;
  readonly entries: readonly OpenedEntry[];
  /** Server clock minus ours (ms), from the last snapshot. */
  readonly clockOffsetMs: number;
  readonly error: ParleyError | null;
  /** Declines an offer: it goes to another rep. @throws ParleyError REQUEST_GONE, … */
  reject(requestId: string): Promise<void>;
}

/** Starts the desk session of `requestId` in `view`; resolves false (with `view.error` set) when it could not. */
export type StartFromQueue = (view: SessionView, requestId: string) => Promise<boolean>;
