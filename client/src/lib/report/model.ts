/**
 * The session report as data: header fields, the customer's request, the log and the notes,
 * already in the report's language. The Markdown, JSON and HTML writers only lay it out, so
 * what a report says is decided once, here. Pure functions over stored records.
 *
 * Whose copy it is follows `session.role`: a rep's report carries the customer's device and
 * language and the rep's notes; a customer's never carries notes (they are the rep's alone).
 */
import type { Role } from '@protocol/cpace.ts';
import { SAS_SYMBOLS } from '@protocol/sas.ts';
import { en, type MessageKey } from '../i18n/en.ts';
import { translate, type Locale } from '../i18n/index.svelte.ts';
import type { NoteRecord, SessionRecord, SystemEvent, TranscriptEvent } from '../transcript.ts';
import { describeConsent, describeDevice, describeEmail, describeQueue } from './details.ts';
import { describeUserAgent, parseUserAgent, type Device } from './device.ts';
import { surveyAnswerRows, type SurveyAnswerRow } from '../tools/survey-text.ts';

export interface ReportInput {
  session: SessionRecord;
  events: TranscriptEvent[];
  note?: NoteRecord;
  locale: Locale;
  /** IANA time zone for the times people read; the browser's own when absent. */
  timeZone?: string;
  /** When the report is made (shown in the HTML footer); now when absent. */
  generatedAt?: number;
}

export type FieldId =
  | 'session'
  | 'queue'
  | 'customerEmail'
  | 'recordingConsent'
  | 'started'
  | 'ended'
  | 'duration'
  | 'rep'
  | 'customer'
  | 'customerDevice'
  | 'customerLocale'
  | 'safetyCode'
  | 'outcome';

export interface ReportField {
  id: FieldId;
  label: string;
  /** For people, in the report's language. */
  value: string;
  /** The same time as ISO 8601 UTC, for the fields that are times. */
  iso?: string;
}

export type ReportEntry =
  | { kind: 'chat'; seq: number; at: number; id: string; from: Role; name: string; text: string; own: boolean; delivered: boolean; private?: boolean }
  | { kind: 'system'; seq: number; at: number; key: string; params: Record<string, string | number>; level: SystemEvent['level']; text: string; private?: boolean };

export interface ReportModel {
  locale: Locale;
  /** Whose copy: the rep's or the customer's. */
  role: Role;
  session: SessionRecord;
  fields: ReportField[];
  device?: Device;
  customerUserAgent?: string;
  customerLocale?: string;
  /** The customer's "how can we help?" text, as typed (plain text). */
  request?: string;
  outcome: { key: MessageKey; params: Record<string, string> };
  durationMs?: number;
  entries: ReportEntry[];
  /** The rep's notes ('' when none); absent from a customer's copy. */
  notes?: string;
  /** Rep's copy of a solved session that asked the exit survey: the answers ([] when none came). */
  survey?: SurveyAnswerRow[];
  generatedAt: number;
  timeZone?: string;
}

export function buildReport(input: ReportInput): ReportModel {
  const { session, events, locale, timeZone } = input;
  const t = (key: MessageKey, params: Record<string, string | number> = {}) => translate(locale, key, params);
  const isRep = session.role === 'rep';
  // Only a rep's peer is the customer: a customer's own copy knows nothing of the rep's device.
  const customerUserAgent = isRep ? session.peerUserAgent : undefined;
  const customerLocale = isRep ? session.peerLocale : undefined;
  const request = (isRep ? session.peerRequest : session.ownRequest)?.trim() || undefined;
  const durationMs = session.endedAt !== undefined ? Math.max(0, session.endedAt - session.startedAt) : undefined;
  const outcome = outcomeOf(session, events);
  const anonymous = events.some((e) => e.kind === 'system' && e.key === 'event.customerJoinedAnonymous');
  const unknown = t('report.unknown');
  const customerName = isRep ? session.peerName ?? (anonymous ? t('report.noName') : unknown) : session.ownName;
  const device = parseUserAgent(customerUserAgent);

  const fields: ReportField[] = [
    { id: 'session', label: t('report.session'), value: session.id },
    { id: 'queue', label: t('details.queue'), value: describeQueue(session, locale) },
    { id: 'started', label: t('report.started'), value: formatDateTime(session.startedAt, locale, timeZone) ?? unknown, iso: iso(session.startedAt) },
    session.endedAt !== undefined
      ? { id: 'ended', label: t('report.ended'), value: formatDateTime(session.endedAt, locale, timeZone) ?? unknown, iso: iso(session.endedAt) }
      : { id: 'ended', label: t('report.ended'), value: t('report.stillOpen') },
    { id: 'duration', label: t('report.duration'), value: durationMs !== undefined ? formatDuration(durationMs, locale) : t('report.stillOpen') },
    { id: 'rep', label: t('report.rep'), value: isRep ? session.ownName : session.peerName ?? unknown },
    { id: 'customer', label: t('report.customer'), value: customerName },
  ];
  if (isRep) {
    const email = describeEmail(session, locale);
    if (email) fields.push({ id: 'customerEmail', label: t('details.email'), value: email });
    fields.push(
      { id: 'customerDevice', label: t('report.customerDevice'), value: describeDevice(session) ?? unknown },
      { id: 'customerLocale', label: t('report.customerLocale'), value: describeLocale(customerLocale, locale) ?? unknown },
      { id: 'recordingConsent', label: t('details.consent'), value: describeConsent(session, locale) },
    );
  }
  fields.push(
    { id: 'safetyCode', label: t('report.safetyCode'), value: describeSafetyCode(session.safetyCode, locale) ?? unknown },
    { id: 'outcome', label: t('report.outcome'), value: t(outcome.key, outcome.params) },
  );

  return {
    locale,
    role: session.role,
    session,
    fields,
    device,
    customerUserAgent,
    customerLocale,
    request,
    outcome,
    durationMs,
    entries: logEntries(session, events, locale),
    notes: isRep ? input.note?.text ?? '' : undefined,
    survey: isRep && session.surveyQuestions?.length ? surveyAnswerRows(session.surveyQuestions, session.surveyAnswers ?? []) : undefined,
    generatedAt: input.generatedAt ?? Date.now(),
    timeZone,
  };
}

/** The log without receipts; a message of ours says whether the peer acknowledged it. */
function logEntries(session: SessionRecord, events: TranscriptEvent[], locale: Locale): ReportEntry[] {
  const delivered = new Set<string>();
  for (const e of events) if (e.kind === 'receipt') delivered.add(e.id);
  const entries: ReportEntry[] = [];
  for (const e of events) {
    if (e.kind === 'chat') {
      const own = e.from === session.role && !e.colleague;
      const entry: ReportEntry = { kind: 'chat', seq: e.seq, at: e.at, id: e.id, from: e.from, name: e.name, text: e.text, own, delivered: own && delivered.has(e.id) };
      if (e.private) entry.private = true;
      entries.push(entry);
    } else if (e.kind === 'system') {
      const params = e.params ?? {};
      const entry: ReportEntry = { kind: 'system', seq: e.seq, at: e.at, key: e.key, params, level: e.level, text: systemText(locale, e.key, params) };
      if (e.private) entry.private = true;
      entries.push(entry);
    }
  }
  return entries;
}

/**
 * A system event in the report's language. A key this build has no text for (written by a
 * newer version, or by a feature merged later) still shows, as its key and values.
 */
export function systemText(locale: Locale, key: string, params: Record<string, string | number> = {}): string {
  if (Object.hasOwn(en, key)) return translate(locale, key as MessageKey, params);
  const values = Object.entries(params).map(([name, value]) => `${name}: ${String(value)}`);
  return values.length ? `${key} (${values.join(', ')})` : key;
}

/** One line of the log in plain text, in the report's language (null for receipts). */
export function describeEvent(event: TranscriptEvent, locale: Locale): string | null {
  switch (event.kind) {
    case 'chat':
      return `${event.name}: ${event.text}`;
    case 'system':
      return systemText(locale, event.key, event.params);
    case 'receipt':
      return null;
  }
}

/** How the session ended, from its record and the last departure the log recorded. */
export function outcomeOf(session: SessionRecord, events: TranscriptEvent[]): { key: MessageKey; params: Record<string, string> } {
  // Newest first (ES2022 has no findLast).
  const system = events.filter((e): e is SystemEvent => e.kind === 'system').reverse();
  if (session.outcome === 'failed') {
    const failure = system.find((e) => e.key === 'event.failed');
    const message = failure?.params?.message;
    return message !== undefined ? { key: 'report.outcome.failed', params: { message: String(message) } } : { key: 'report.outcome.failedPlain', params: {} };
  }
  if (session.outcome === 'solved') return { key: 'report.outcome.solved', params: {} };
  if (session.outcome === 'cancelled') return { key: 'report.outcome.cancelled', params: {} };
  if (session.outcome === 'customer-ended') return { key: session.role === 'rep' ? 'report.outcome.customerLeft' : 'report.outcome.ended', params: {} };
  if (session.outcome !== 'ended' && session.endedAt === undefined) return { key: 'report.outcome.open', params: {} };
  const departure = system.find((e) => ['event.reloaded', 'event.peerLost', 'event.peerEnded', 'event.peerLeft'].includes(e.key))?.key;
  if (departure === 'event.reloaded') return { key: 'report.outcome.reloaded', params: {} };
  if (departure === 'event.peerLost') return { key: 'report.outcome.lost', params: {} };
  if (departure === 'event.peerEnded') return { key: 'report.outcome.repEnded', params: {} };
  if (departure === 'event.peerLeft') return { key: session.role === 'rep' ? 'report.outcome.customerLeft' : 'report.outcome.ended', params: {} };
  // Nobody else left first: this side ended it.
  return { key: session.role === 'rep' ? 'report.outcome.repEnded' : 'report.outcome.customerLeft', params: {} };
}

/** ISO time, or undefined for a missing or unrepresentable time (chat times come from the peer's clock). */
export function iso(ms: number | undefined): string | undefined {
  if (ms === undefined || !representable(ms)) return undefined;
  const t = Math.trunc(ms); // as Date does
  const day = Math.floor(t / 86_400_000);
  const inDay = t - day * 86_400_000;
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  // Date.toISOString once per day, arithmetic for the time: a log has thousands of rows a day.
  return `${isoDate(day)}T${pad(Math.floor(inDay / 3_600_000))}:${pad(Math.floor(inDay / 60_000) % 60)}:${pad(Math.floor(inDay / 1000) % 60)}.${pad(inDay % 1000, 3)}Z`;
}

/** Within the range of a JavaScript Date (±8.64e15 ms). */
function representable(ms: number): boolean {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15;
}

const days = new Map<number, string>();
/** "2026-01-15" for a day number (days since the epoch, UTC), as toISOString writes it. */
function isoDate(day: number): string {
  let date = days.get(day);
  if (date === undefined) {
    if (days.size > 10_000) days.clear();
    const whole = new Date(day * 86_400_000).toISOString();
    days.set(day, (date = whole.slice(0, whole.indexOf('T'))));
  }
  return date;
}

// Building an Intl.DateTimeFormat costs far more than using one, and a log has thousands of rows.
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(locale: Locale, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale} ${JSON.stringify(options)}`;
  let made = formatters.get(key);
  if (!made) {
    try {
      made = new Intl.DateTimeFormat(locale, options);
    } catch {
      // An unknown time zone name: fall back to UTC rather than lose the time.
      made = new Intl.DateTimeFormat(locale, { ...options, timeZone: 'UTC' });
    }
    formatters.set(key, made);
  }
  return made;
}

function format(ms: number, locale: Locale, options: Intl.DateTimeFormatOptions): string | undefined {
  return iso(ms) === undefined ? undefined : formatter(locale, options).format(ms);
}

/** "15 January 2026 at 09:30:00 UTC": date, time and zone, so a printed report is unambiguous. */
export function formatDateTime(ms: number, locale: Locale, timeZone?: string): string | undefined {
  return format(ms, locale, { dateStyle: 'long', timeStyle: 'long', hourCycle: 'h23', timeZone });
}

/**
 * Per minute of the log, its hour and minute and its day, formatted once: a long log has many
 * rows a minute, and Intl's formatting was most of an HTML export's time (two calls a row).
 * Time zone offsets are whole minutes, so only the seconds differ within a minute.
 */
/** The minute's time around its seconds ("09:30:" and ""), and its day. */
type Minute = { head: string; tail: string; day: string | undefined } | null;
const minutes = new Map<string, Minute>();
// The last minute asked for: a log's rows come in order, so most rows hit it without a key string.
let last: { locale: Locale; timeZone: string | undefined; minute: number; cached: Minute } | undefined;
function minuteOf(ms: number, locale: Locale, timeZone: string | undefined): Minute {
  const minute = Math.floor(ms / 60_000);
  if (last && last.minute === minute && last.locale === locale && last.timeZone === timeZone) return last.cached;
  const key = `${locale} ${timeZone ?? ''} ${minute}`;
  let cached = minutes.get(key);
  if (cached === undefined) {
    if (minutes.size > 50_000) minutes.clear(); // bounded across reports
    const at = minute * 60_000;
    const parts = formatter(locale, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZone }).formatToParts(at);
    // Old local mean times had offsets in seconds (St John's until 1935): such a minute, or a
    // locale without Latin 2-digit seconds, is formatted row by row (null).
    const seconds = parts.filter((p) => p.type === 'second');
    const whole = seconds.length === 1 && seconds[0]!.value === '00';
    const split = parts.findIndex((p) => p.type === 'second');
    const text = (from: number, to?: number) => parts.slice(from, to).map((p) => p.value).join('');
    cached = whole ? { head: text(0, split), tail: text(split + 1), day: format(at, locale, { dateStyle: 'full', timeZone }) } : null;
    minutes.set(key, cached);
  }
  last = { locale, timeZone, minute, cached };
  return cached;
}

/** "09:30:00" (24-hour) for log rows. */
export function formatTime(ms: number, locale: Locale, timeZone?: string): string | undefined {
  if (!representable(ms)) return undefined;
  const minute = minuteOf(ms, locale, timeZone);
  if (!minute) return format(ms, locale, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZone });
  // The minute's own text with this time's seconds.
  const second = Math.floor(ms / 1000) - Math.floor(ms / 60_000) * 60;
  return minute.head + (second < 10 ? `0${second}` : String(second)) + minute.tail;
}

/** "Thursday 15 January 2026" for the log's day separators. */
export function formatDay(ms: number, locale: Locale, timeZone?: string): string | undefined {
  if (!representable(ms)) return undefined;
  const minute = minuteOf(ms, locale, timeZone);
  return minute ? minute.day : format(ms, locale, { dateStyle: 'full', timeZone });
}

/** "2026-01-15 09:30:00Z": ISO 8601 UTC to the second, as the Markdown log shows it. Undefined as iso(). */
export function utcSeconds(ms: number): string | undefined {
  return iso(ms)?.replace('T', ' ').slice(0, -5).concat('Z');
}

/** The time zone's short name ("UTC", "CET", "GMT+1") at `ms`, for the log's time column. */
export function zoneName(ms: number, locale: Locale, timeZone?: string): string | undefined {
  if (iso(ms) === undefined) return undefined;
  return formatter(locale, { timeZoneName: 'short', timeZone }).formatToParts(ms).find((p) => p.type === 'timeZoneName')?.value;
}

export function formatDuration(ms: number, locale: Locale): string {
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return translate(locale, 'report.duration.hours', { h, m });
  if (m > 0) return translate(locale, 'report.duration.minutes', { m, s });
  return translate(locale, 'report.duration.seconds', { s });
}

/** "French (France) · fr-FR"; just the tag when the name is unknown or the tag is not one. */
export function describeLocale(tag: string | undefined, locale: Locale): string | undefined {
  if (!tag) return undefined;
  try {
    const name = new Intl.DisplayNames([locale], { type: 'language' }).of(tag);
    return name && name !== tag ? `${name} · ${tag}` : tag;
  } catch {
    return tag; // not a valid BCP 47 tag: shown as sent
  }
}

/** "🐶 🔑 🎸 🌵 🎩 (Dog, Key, Guitar, Cactus, Hat)": the names help on paper and when read aloud. */
export function describeSafetyCode(code: string | undefined, locale: Locale): string | undefined {
  if (!code) return undefined;
  const names = code.split(' ').map((emoji) => SAS_SYMBOLS.find((s) => s.emoji === emoji)?.[locale]);
  return names.every(Boolean) ? `${code} (${names.join(', ')})` : code;
}
