/**
 * Shared sessions in the console's tabs, on the invited rep's side: accepting an invitation opens
 * a tab whose SessionView only keeps the transcript (the handed-over history, then every line,
 * private ones marked) while a SharedGuestView talks with the host over the colleague link. A
 * transfer opens the customer's session in a new tab (the history heading its transcript) and
 * closes the colleague tab.
 */
import { describeError, type UserError } from '../lib/errors.ts';
import { SessionView } from '../lib/session-view.svelte.ts';
import { SharedGuestView, type SharedViewOptions } from '../lib/shared-session-view.svelte.ts';
import type { TranscriptStore } from '../lib/transcript.ts';
import type { ConsoleTab } from './console-tab.svelte.ts';

export interface ColleagueTabs {
  store: TranscriptStore;
  /** Adds a tab and shows it. */
  open(view: SessionView, guest: SharedGuestView | null): ConsoleTab;
  close(key: string): void;
}

/** Accepts `inviteId`; resolves to the error to show (the invitation lapsed, was withdrawn…) or null. */
export async function joinAsColleague(inviteId: string, options: SharedViewOptions, tabs: ColleagueTabs): Promise<UserError | null> {
  const guest = new SharedGuestView(options);
  const view = new SessionView('rep', tabs.store, options.name);
  // Lines may arrive before the record is open: they wait in order (addLine queues after it).
  // The handed-over history comes first, under "Earlier in this chat"; a line marks where we joined.
  let headed = false;
  let live = false;
  guest.onLine = (event) => {
    if (event.kind !== 'chat') return void view.addLine(event);
    if (event.from === 'customer' && !view.peerName) view.describe({ peerName: event.name });
    if (event.history && !headed) {
      headed = true;
      void view.log('shared.history', {}, 'info');
    } else if (!event.history && !live) {
      live = true;
      if (headed) void view.log('shared.joinedHere', {}, 'info');
    }
    void view.addLine(event);
  };
  guest.onDelivered = (id) => view.markDelivered(id);
  const opened = view.beginAsColleague();
  try {
    await guest.accept(inviteId);
  } catch (err) {
    guest.destroy();
    view.endAsColleague();
    view.destroy();
    return describeError(err, 'rep');
  }
  await opened;
  const tab = tabs.open(view, guest);
  guest.onHandoverReady((link, history, queue) => {
    const next = new SessionView('rep', tabs.store, options.name);
    const name = guest.customerName ?? view.peerName;
    // The queue comes from the host: without it the new tab's details would say "Code session".
    next.describe({ ...(name ? { peerName: name } : {}), ...(queue ? { queue } : {}) });
    next.takeOver(link, history);
    tabs.open(next, null);
    tabs.close(tab.key);
  });
  return null;
}
