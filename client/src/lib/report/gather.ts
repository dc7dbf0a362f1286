/** Collects what a report is made of from the transcript store. */
import type { Locale } from '../i18n/index.svelte.ts';
import type { SessionRecord, TranscriptEvent, TranscriptStore } from '../transcript.ts';
import type { ReportInput } from './model.ts';

/**
 * Reads the stored session, its log and (for a rep) its notes; the store includes writes it
 * still holds in memory. `fallback` is the in-memory record and `memory` the log on screen:
 * used when storage cannot be read at all (another tab holds it, private mode), so an export
 * always works. Callers flush pending writes first. `complete` is the whole log when the
 * caller holds it (SessionView.completeLog): then the log is not read back from storage, which
 * took over a second for 100,000 events (IndexedDB's getAll alone).
 */
export async function gatherReport(
  store: TranscriptStore,
  fallback: SessionRecord,
  locale: Locale,
  memory?: readonly TranscriptEvent[],
  complete?: readonly TranscriptEvent[],
): Promise<ReportInput> {
  const session = (await store.getSession(fallback.id).catch(() => undefined)) ?? fallback;
  const [events, note] = await Promise.all([
    complete
      ? [...complete]
      : store.events(session.id).catch((err: unknown) => {
          if (memory) return [...memory];
          throw err;
        }),
    session.role === 'rep' ? store.getNote(session.id).catch(() => undefined) : undefined,
  ]);
  return { session, events, note, locale };
}
