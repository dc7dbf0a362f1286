/** Sessions and logs for the report tests: a normal rep session, and helpers to make events. */
import type { MessageKey } from '../../client/src/lib/i18n/en.ts';
import type { ReportInput } from '../../client/src/lib/report/model.ts';
import type { NoteRecord, SessionRecord, SystemEvent, TranscriptEvent } from '../../client/src/lib/transcript.ts';

export const CHROME_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
export const SAFARI_IOS =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

export const T0 = Date.UTC(2026, 10, 23, 14, 32, 5);

export const repSession: SessionRecord = {
  id: 'sess_4f2a9c',
  role: 'rep',
  startedAt: T0,
  endedAt: T0 + 12 * 60_000 + 7_000,
  nameplate: '482',
  ownName: 'Sam',
  peerName: 'Ada',
  peerUserAgent: CHROME_WINDOWS,
  peerLocale: 'fr-FR',
  peerRequest: 'My printer is offline\nsince the update',
  safetyCode: '🐶 🔑 🎸 🌵 🎩',
  outcome: 'ended',
};

export const repNote: NoteRecord = { sessionId: repSession.id, text: 'Driver reinstalled', updatedAt: T0 };

let seq = 0;
const base = (at: number) => ({ sessionId: repSession.id, seq: seq++, at });

export function chat(text: string, over: Partial<Extract<TranscriptEvent, { kind: 'chat' }>> = {}): TranscriptEvent {
  return { ...base(T0 + 1_000), kind: 'chat', id: `m_${String(seq).padStart(8, '0')}`, from: 'customer', name: 'Ada', text, ...over };
}

/** A system event; `key` may be one this build does not know (typed loosely on purpose). */
export function system(key: string, params?: Record<string, string | number>, level: SystemEvent['level'] = 'info', at = T0 + 2_000): TranscriptEvent {
  return { ...base(at), kind: 'system', key: key as MessageKey, params, level };
}

export function receipt(id: string): TranscriptEvent {
  return { ...base(T0 + 3_000), kind: 'receipt', id };
}

export const repEvents: TranscriptEvent[] = [
  system('event.sessionStarted', {}, 'info', T0),
  system('event.customerJoined', { name: 'Ada' }),
  system('event.secured', {}, 'success'),
  chat('Hello [b]Ada[/b] 👋', { from: 'rep', name: 'Sam', id: 'm_rep00001' }),
  receipt('m_rep00001'),
  chat('It prints again 🎉', { id: 'm_cus00001' }),
  chat('Unacknowledged', { from: 'rep', name: 'Sam', id: 'm_rep00002' }),
  system('event.urlPushed', { url: 'https://example.com/help?a=1&b=2' }),
  system('event.ended', {}, 'info', T0 + 12 * 60_000 + 7_000),
];

export function input(over: Partial<ReportInput> = {}): ReportInput {
  return { session: repSession, events: repEvents, note: repNote, locale: 'en', timeZone: 'UTC', generatedAt: T0 + 3_600_000, ...over };
}
