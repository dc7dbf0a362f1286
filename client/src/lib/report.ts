/**
 * Session report export: Markdown for people, JSON for machines. Both carry a header
 * (session id, start and end, who, customer browser and OS, safety code), the notes and
 * the full log. Pure functions over stored records, so they are easy to test.
 */
import Bowser from 'bowser';
import { translate, type Locale } from './i18n/index.svelte.ts';
import type { NoteRecord, SessionRecord, TranscriptEvent } from './transcript.ts';

export interface ReportInput {
  session: SessionRecord;
  events: TranscriptEvent[];
  note?: NoteRecord;
  locale: Locale;
}

export function describeUserAgent(userAgent: string | undefined): string | undefined {
  if (!userAgent) return undefined;
  const parsed = Bowser.parse(userAgent);
  const browser = [parsed.browser.name, parsed.browser.version].filter(Boolean).join(' ');
  const os = [parsed.os.name, parsed.os.versionName ?? parsed.os.version].filter(Boolean).join(' ');
  return browser || os ? `${browser || '?'} / ${os || '?'}` : undefined;
}

/** ISO time, or undefined for a missing or unrepresentable time (chat times come from the peer's clock). */
function iso(ms: number | undefined): string | undefined {
  if (ms === undefined) return undefined;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** The customer's user agent: only a rep's peer is the customer. */
function customerUserAgent(session: SessionRecord): string | undefined {
  return session.role === 'rep' ? session.peerUserAgent : undefined;
}

/** Ids of messages the peer acknowledged. */
function deliveredIds(events: TranscriptEvent[]): Set<string> {
  return new Set(events.flatMap((e) => (e.kind === 'receipt' ? [e.id] : [])));
}

/** One line of the log in plain text, in the report's language. */
export function describeEvent(event: TranscriptEvent, locale: Locale): string | null {
  switch (event.kind) {
    case 'chat':
      return `${event.name}: ${event.text}`;
    case 'system':
      return translate(locale, event.key, event.params);
    case 'receipt':
      return null;
  }
}

export function toJsonReport({ session, events, note, locale }: ReportInput): string {
  const delivered = deliveredIds(events);
  return JSON.stringify(
    {
      format: 'parley-session-report/1',
      session: {
        id: session.id,
        role: session.role,
        startedAt: iso(session.startedAt),
        endedAt: iso(session.endedAt),
        outcome: session.outcome ?? null,
        ownName: session.ownName,
        peerName: session.peerName ?? null,
        customerDevice: describeUserAgent(customerUserAgent(session)) ?? null,
        customerUserAgent: customerUserAgent(session) ?? null,
        safetyCode: session.safetyCode ?? null,
      },
      notes: note?.text ?? '',
      events: events
        .filter((e) => e.kind !== 'receipt')
        .map((e) =>
          e.kind === 'chat'
            ? { seq: e.seq, at: iso(e.at), kind: 'chat', id: e.id, from: e.from, name: e.name, text: e.text, delivered: e.from === session.role ? delivered.has(e.id) : undefined }
            : { seq: e.seq, at: iso(e.at), kind: 'system', level: e.kind === 'system' ? e.level : undefined, text: describeEvent(e, locale) },
        ),
    },
    null,
    2,
  );
}

/** Markdown special characters in user text are escaped so a message cannot forge report structure. */
/** For one-line fields (names, header values, system lines): a line break would end the list item. */
function oneLine(text: string): string {
  return escapeMarkdown(text.replace(/[\r\n]+/g, ' '));
}

function escapeMarkdown(text: string): string {
  return text.replace(/([\\`*_{}[\]()#+\-.!|<>~=])/g, '\\$1');
}

/** Lines as CommonMark sees them: a lone CR ends a line too. */
function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

export function toMarkdownReport({ session, events, note, locale }: ReportInput): string {
  const t = (key: Parameters<typeof translate>[1]) => translate(locale, key);
  const unknown = t('report.unknown');
  const lines = [
    `# ${t('report.title')}`,
    '',
    `- **${t('report.session')}:** ${session.id}`,
    `- **${t('report.started')}:** ${iso(session.startedAt)}`,
    `- **${t('report.ended')}:** ${iso(session.endedAt) ?? t('report.stillOpen')}`,
    `- **${t('report.rep')}:** ${oneLine(session.role === 'rep' ? session.ownName : session.peerName ?? unknown)}`,
    `- **${t('report.customer')}:** ${oneLine(session.role === 'customer' ? session.ownName : session.peerName ?? unknown)}`,
    `- **${t('report.customerDevice')}:** ${oneLine(describeUserAgent(customerUserAgent(session)) ?? unknown)}`,
    `- **${t('report.safetyCode')}:** ${session.safetyCode ?? unknown}`,
    '',
    `## ${t('report.notes')}`,
    '',
    note?.text ? splitLines(note.text).map((l) => `> ${escapeMarkdown(l)}`).join('\n') : `_${unknown}_`,
    '',
    `## ${t('report.log')}`,
    '',
  ];
  for (const event of events) {
    const text = describeEvent(event, locale);
    if (text === null) continue;
    const time = iso(event.at)?.replace('T', ' ').replace(/\.\d+Z$/, 'Z') ?? unknown;
    const body = event.kind === 'chat' ? `**${oneLine(event.name)}:** ${splitLines(event.text).map(escapeMarkdown).join('  \n    ')}` : `_${oneLine(text)}_`;
    lines.push(`- \`${time}\` ${body}`);
  }
  return lines.join('\n') + '\n';
}

/** Starts a download of `content` in the browser. */
export function download(filename: string, content: string, type: string): void {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
