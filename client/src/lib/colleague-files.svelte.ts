/**
 * Files between reps in a shared session ("Reps only"): the ordinary file engine and its view
 * (files/), run over a colleague link (the desk Session between the host and one colleague)
 * instead of the customer's link. Nothing here is given the customer's session, so a reps-only
 * file cannot reach the customer's browser: its offer, its chunks (the colleague link's own bulk
 * channel) and the answers only ever travel between the two reps.
 *
 * Every step is written to this rep's transcript as a system event marked `private` (shown with
 * the lock of private lines, kept in exports as "Reps only"). Both sides run as role `rep`: a
 * rep is always asked before a file is taken (auto-accept is a customer's setting for a rep's
 * files, and the invited rep is the colleague room's `customer`).
 */
import { ParleyError } from '@protocol/errors.ts';
import type { DeskSession } from './desk-session.ts';
import { describeError, type UserError } from './errors.ts';
import { FilesView } from './files/files-view.svelte.ts';
import type { ChosenFile } from './files/prepare.ts';
import type { NewEvent } from './transcript.ts';

export interface ColleagueFilesOptions {
  /** Appends to this rep's transcript of the shared session (SessionView.addLine). */
  write(event: NewEvent): Promise<void>;
  /** This rep's display name (the sender of its own files' messages). */
  ownName: string;
  /** The rep at the other end of the link. */
  colleagueName: () => string;
  /** Draws the rep's attention to an incoming offer (title, sound, notification while hidden). */
  notify(from: string, body: string): void;
}

/**
 * A FilesView for one colleague link, started once the link is verified and closed with it.
 * Returned at once so the caller can list it; `ready` turns true when files can be offered.
 */
export function colleagueFiles(session: DeskSession, o: ColleagueFilesOptions): FilesView {
  const files = new FilesView({
    role: 'rep',
    log: (key, params, level) => o.write({ kind: 'system', key, params, level, at: Date.now(), private: true }),
    chat: (id, direction, text) =>
      o.write({ kind: 'chat', id, from: 'rep', name: direction === 'out' ? o.ownName : o.colleagueName(), text, at: Date.now(), private: true, ...(direction === 'in' ? { colleague: true } : {}) }),
    acknowledge: (id) => session.acknowledge(id),
    peerName: o.colleagueName,
    notify: (from, body) => o.notify(from, body),
  });
  if (session.state === 'verified') files.start(session);
  else session.on('verified', () => files.start(session));
  session.on('state', (state) => (state === 'ended' || state === 'failed') && files.close());
  return files;
}

/**
 * Offers the same files to every colleague link that is ready (one offer, one card, per
 * colleague). Resolves to the first error to show (the composer keeps the files), or null.
 * The policy is the same on every link, so only a link that dropped meanwhile can fail after
 * the first: the offers already out stand.
 */
export async function offerToColleagues(links: readonly FilesView[], files: readonly ChosenFile[], text: string | undefined, onProgress?: (fraction: number) => void): Promise<UserError | null> {
  const ready = links.filter((f) => f.ready);
  if (ready.length === 0) return describeError(new ParleyError('PEER_GONE', 'no colleague to send files to'), 'rep');
  for (const [i, link] of ready.entries()) {
    const error = await link.send(files, text, (fraction) => onProgress?.((i + fraction) / ready.length));
    if (error) return error;
  }
  return null;
}
