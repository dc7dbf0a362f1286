/** Collects what a report is made of from the transcript store. */
import type { Locale } from '../i18n/index.svelte.ts';
import type { SessionRecord, TranscriptStore } from '../transcript.ts';
import type { ReportInput } from './model.ts';

/**
 * Reads the stored session, its log and (for a rep) its notes. `fallback` is the in-memory
 * record, used when the stored one cannot be read. Callers flush pending writes first.
 */
export async function gatherReport(store: TranscriptStore, fallback: SessionRecord, locale: Locale): Promise<ReportInput> {
  const session = (await store.getSession(fallback.id)) ?? fallback;
  const [events, note] = await Promise.all([store.events(session.id), session.role === 'rep' ? store.getNote(session.id) : undefined]);
  return { session, events, note, locale };
}
