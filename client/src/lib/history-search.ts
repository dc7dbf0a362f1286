/**
 * Searching past sessions by customer name, words of the conversation and date range. The
 * index is built once from one read of the stored chat messages (TranscriptStore.chatTextIndex)
 * and kept up to date one session at a time, so a keystroke costs a pass over an in-memory
 * array, never a database read per session.
 *
 * Matching ignores case and accents ("Zoe" finds "Zoé"); every word typed must appear
 * (in any order). Dates are calendar days in the rep's time zone, both ends included.
 */
import { fold } from './canned.ts';
import type { SessionRecord } from './transcript.ts';

export interface HistoryEntry {
  record: SessionRecord;
  /** Folded customer name (and e-mail), for the name search. */
  name: string;
  /** Folded text of every chat message of the session, and the customer's request. */
  text: string;
  messages: number;
}

export interface HistoryQuery {
  customer: string;
  text: string;
  /** `YYYY-MM-DD` from a date input, or ''. */
  from: string;
  until: string;
}

export const EMPTY_QUERY: HistoryQuery = { customer: '', text: '', from: '', until: '' };

/** One entry per session; `texts` holds each session's chat messages (TranscriptStore.chatTextIndex). */
export function buildEntry(record: SessionRecord, texts: readonly string[] = []): HistoryEntry {
  const name = fold([record.peerName ?? '', record.peerEmail ?? ''].join(' '));
  const text = fold([record.peerRequest ?? '', ...texts].join('\n'));
  return { record, name, text, messages: texts.length };
}

/** Start of a local calendar day (`YYYY-MM-DD`), or null for an empty or invalid input. */
export function dayStart(day: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return null;
  const date = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return Number.isNaN(date.getTime()) ? null : date.getTime();
}

/** True when the range cannot match anything (from after until). */
export function impossibleRange(query: HistoryQuery): boolean {
  const from = dayStart(query.from);
  const until = dayStart(query.until);
  return from !== null && until !== null && from > until;
}

function words(input: string): string[] {
  return fold(input).split(/\s+/).filter(Boolean);
}

/** The entries matching `query`, newest first (the order they came in is kept). */
export function searchHistory(entries: readonly HistoryEntry[], query: HistoryQuery): HistoryEntry[] {
  const nameWords = words(query.customer);
  const textWords = words(query.text);
  const from = dayStart(query.from);
  const untilStart = dayStart(query.until);
  // "Until 23 Nov" includes the whole of 23 Nov: up to the next day's start (DST-safe).
  const until = untilStart === null ? null : nextDay(untilStart);
  return entries.filter(({ record, name, text }) => {
    if (from !== null && record.startedAt < from) return false;
    if (until !== null && record.startedAt >= until) return false;
    if (!nameWords.every((w) => name.includes(w))) return false;
    return textWords.every((w) => text.includes(w));
  });
}

function nextDay(start: number): number {
  const date = new Date(start);
  date.setDate(date.getDate() + 1);
  return date.getTime();
}
