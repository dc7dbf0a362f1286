import { beforeAll, describe, expect, it } from 'vitest';
import { en, type MessageKey } from '../../client/src/lib/i18n/en.ts';
import { loadLocale, translate, type Locale } from '../../client/src/lib/i18n/index.svelte.ts';
import { renderReport } from '../../client/src/lib/report.ts';
import { parseUserAgent } from '../../client/src/lib/report/device.ts';
import { reportFileName } from '../../client/src/lib/report/download.ts';
import { toHtmlReport } from '../../client/src/lib/report/html.ts';
import { toJsonReport } from '../../client/src/lib/report/json.ts';
import { toMarkdownReport } from '../../client/src/lib/report/markdown.ts';
import {
  buildReport,
  describeLocale,
  describeSafetyCode,
  formatDuration,
  outcomeOf,
  systemText,
  type FieldId,
} from '../../client/src/lib/report/model.ts';
import type { SessionRecord, TranscriptEvent } from '../../client/src/lib/transcript.ts';
import { scanHtml } from './html-scan.ts';
import { SAFARI_IOS, T0, chat, input, repNote, repSession, system } from './report-fixtures.ts';

beforeAll(() => loadLocale('fr'));

const LOCALES = ['en', 'fr'] as const;
/** What a reader of each format sees: Markdown without its escapes, HTML as decoded text. */
const readMarkdown = (md: string) => md.replace(/\\([!-/:-@[-`{-~])/g, '$1');
const readHtml = (html: string) => scanHtml(html).text;

describe('report model: header', () => {
  it('lists the fields of a rep\'s copy in order, with ISO times for the times', () => {
    const report = buildReport(input());
    expect(report.fields.map((f) => f.id)).toEqual<FieldId[]>([
      'session', 'queue', 'started', 'ended', 'duration', 'rep', 'customer', 'customerDevice', 'customerLocale', 'recordingConsent', 'safetyCode', 'outcome',
    ]);
    expect(report.fields.find((f) => f.id === 'queue')?.value).toBe('Code session');
    expect(report.fields.find((f) => f.id === 'recordingConsent')?.value).toBe('Not asked');
    const field = (id: FieldId) => report.fields.find((f) => f.id === id)!;
    expect(field('started')).toMatchObject({ value: 'November 23, 2026 at 14:32:05 UTC', iso: '2026-11-23T14:32:05.000Z' });
    expect(field('ended').iso).toBe('2026-11-23T14:44:12.000Z');
    expect(field('duration').value).toBe('12\u00a0min 7\u00a0s');
    expect(field('rep').value).toBe('Sam');
    expect(field('customer').value).toBe('Ada');
    expect(field('customerDevice').value).toMatch(/^Chrome 126[\d.]* \/ Windows 10$/);
    expect(field('customerLocale').value).toBe('French (France) · fr-FR');
    expect(field('outcome').value).toBe('Ended by the rep');
    expect(report.request).toBe('My printer is offline\nsince the update');
    expect(report.notes).toBe('Driver reinstalled');
  });

  it('heads a desk session with its queue, e-mail (verified or not), the portal’s browser and OS, and the recording consent', () => {
    const desk: SessionRecord = { ...repSession, peerUserAgent: undefined, queue: { id: 'billing', name: 'Billing' }, peerEmail: 'ada@example.org', peerBrowser: 'Firefox 140', peerOs: 'Linux', recordingConsent: true };
    const value = (session: SessionRecord, id: FieldId, locale: 'en' | 'fr' = 'en') => buildReport(input({ session, locale })).fields.find((f) => f.id === id)?.value;
    expect(value(desk, 'queue')).toBe('Billing');
    expect(value(desk, 'customerEmail')).toBe('ada@example.org (unverified)');
    expect(value({ ...desk, peerVerified: true }, 'customerEmail')).toBe('ada@example.org (verified)');
    expect(value({ ...desk, peerVerified: false }, 'customerEmail')).toBe('ada@example.org (signature did not check out)');
    expect(value(desk, 'customerDevice')).toBe('Firefox 140 / Linux');
    expect(value(desk, 'recordingConsent')).toBe('Allowed');
    expect(value({ ...desk, recordingConsent: false }, 'recordingConsent', 'fr')).toBe('Refusé');
    expect(value(desk, 'customerEmail', 'fr')).toBe('ada@example.org (non vérifiée)');
    // The hello's user agent, once there, is what the browser itself said.
    expect(value({ ...desk, peerUserAgent: repSession.peerUserAgent }, 'customerDevice')).toMatch(/^Chrome 126/);
    // Markdown, HTML and JSON carry the same block.
    const md = readMarkdown(toMarkdownReport(input({ session: desk })));
    expect(md).toContain('- **Queue:** Billing');
    expect(md).toContain('- **E-mail:** ada@example.org (unverified)');
    expect(md).toContain('- **Recording consent:** Allowed');
    const html = readHtml(toHtmlReport(input({ session: desk })));
    expect(html).toContain('Billing');
    expect(html).toContain('ada@example.org (unverified)');
    const json = JSON.parse(toJsonReport(input({ session: desk })));
    expect(json.session).toMatchObject({ queue: { id: 'billing', name: 'Billing' }, customerEmail: 'ada@example.org', customerVerified: null, recordingConsent: true, customerBrowser: 'Firefox 140', customerOs: 'Linux' });
  });

  it('parses browser and OS apart (Safari on iOS)', () => {
    expect(parseUserAgent(SAFARI_IOS)).toEqual({ browser: 'Safari 17.5', os: expect.stringMatching(/^iOS 17\.5/) });
    const report = buildReport(input({ session: { ...repSession, peerUserAgent: SAFARI_IOS } }));
    expect(report.device?.browser).toBe('Safari 17.5');
  });

  it('gives a customer\'s copy their own request, no device or language rows, and no notes', () => {
    const session: SessionRecord = { ...repSession, role: 'customer', ownName: 'Ada', peerName: 'Sam', ownRequest: 'Help with mail', peerLocale: 'en', peerRequest: 'not mine' };
    const report = buildReport(input({ session, note: repNote }));
    expect(report.fields.map((f) => f.id)).not.toContain('customerDevice');
    expect(report.fields.map((f) => f.id)).not.toContain('customerLocale');
    expect(report.fields.find((f) => f.id === 'rep')?.value).toBe('Sam');
    expect(report.fields.find((f) => f.id === 'customer')?.value).toBe('Ada');
    expect(report.request).toBe('Help with mail');
    expect(report.notes).toBeUndefined();
  });

  it('says "still open", "(no name given)" and "unknown" where the session lacks data', () => {
    const open: SessionRecord = { id: 's', role: 'rep', startedAt: T0, ownName: 'Sam' };
    const report = buildReport(input({ session: open, events: [system('event.customerJoinedAnonymous')], note: undefined }));
    const value = (id: FieldId) => report.fields.find((f) => f.id === id)?.value;
    expect(value('ended')).toBe('still open');
    expect(value('duration')).toBe('still open');
    expect(value('customer')).toBe('(no name given)');
    expect(value('customerDevice')).toBe('unknown');
    expect(value('safetyCode')).toBe('unknown');
    expect(value('outcome')).toBe('Still open');
    expect(report.request).toBeUndefined();
    expect(report.notes).toBe('');
  });

  it('formats durations in both languages', () => {
    expect(formatDuration(42_400, 'en')).toBe('42\u00a0s');
    expect(formatDuration(61_000, 'fr')).toBe('1\u00a0min 1\u00a0s');
    expect(formatDuration(3 * 3_600_000 + 5 * 60_000, 'en')).toBe('3\u00a0h 5\u00a0min');
  });

  it('names the customer\'s language, or shows the tag as sent when it is not one', () => {
    // The exact name comes from the ICU data of the runtime ("Swiss High German", "German (Switzerland)").
    expect(describeLocale('de-CH', 'en')).toMatch(/German.* · de-CH$/);
    expect(describeLocale('de-CH', 'fr')).toMatch(/allemand.* · de-CH$/);
    expect(describeLocale('<b>x</b>', 'en')).toBe('<b>x</b>');
    expect(describeLocale(undefined, 'en')).toBeUndefined();
  });

  it('names the safety code symbols, unless one is not in the table', () => {
    expect(describeSafetyCode('🐶 🔑', 'fr')).toBe('🐶 🔑 (Chien, Clé)');
    expect(describeSafetyCode('🐶 X', 'en')).toBe('🐶 X');
  });
});

describe('report model: outcome', () => {
  const ended: SessionRecord = { ...repSession, outcome: 'ended' };
  it.each<[string, SessionRecord, TranscriptEvent[], MessageKey]>([
    ['the rep ended it (rep copy)', ended, [], 'report.outcome.repEnded'],
    ['the customer left (rep copy)', ended, [system('event.peerLeft', { name: 'Ada' })], 'report.outcome.customerLeft'],
    ['the connection was lost', ended, [system('event.peerLost', { name: 'Ada' })], 'report.outcome.lost'],
    ['the console was reloaded', ended, [system('event.reloaded')], 'report.outcome.reloaded'],
    ['the rep ended it (customer copy)', { ...ended, role: 'customer' }, [system('event.peerEnded', { name: 'Sam' })], 'report.outcome.repEnded'],
    ['the customer left (customer copy)', { ...ended, role: 'customer' }, [], 'report.outcome.customerLeft'],
    ['still open', { ...repSession, outcome: undefined, endedAt: undefined }, [], 'report.outcome.open'],
    ['failed without a message', { ...repSession, outcome: 'failed' }, [], 'report.outcome.failedPlain'],
  ])('%s', (_name, session, events, key) => {
    expect(outcomeOf(session, events).key).toBe(key);
  });

  it('a failure carries its message', () => {
    const outcome = outcomeOf({ ...repSession, outcome: 'failed' }, [system('event.failed', { message: 'Security error: tampered' }, 'error')]);
    expect(translate('en', outcome.key, outcome.params)).toBe('Failed: Security error: tampered');
  });
});

/** One system event of each kind in the catalogue, with every placeholder filled. */
const EVENT_KEYS = (Object.keys(en) as MessageKey[]).filter((k) => k.startsWith('event.'));
function eventOfEachKind(): { events: TranscriptEvent[]; expected: (locale: Locale) => string[] } {
  const paramsOf = (key: MessageKey) => Object.fromEntries([...en[key].matchAll(/\{(\w+)\}/g)].map((m) => [m[1]!, `«${m[1]}-value»`]));
  const events = EVENT_KEYS.map((key) => system(key, paramsOf(key)));
  return { events, expected: (locale) => EVENT_KEYS.map((key) => translate(locale, key, paramsOf(key))) };
}

describe('every kind of event reaches every format', () => {
  it('there are event kinds to check, including the URL push', () => {
    expect(EVENT_KEYS.length).toBeGreaterThan(15);
    expect(EVENT_KEYS).toContain('event.urlPushed');
  });

  it.each(LOCALES)('Markdown, JSON and HTML show each event in the report language (%s)', (locale) => {
    const { events, expected } = eventOfEachKind();
    const md = readMarkdown(toMarkdownReport(input({ events, locale })));
    const json = JSON.parse(toJsonReport(input({ events, locale })));
    const html = readHtml(toHtmlReport(input({ events, locale })));
    for (const text of expected(locale)) {
      expect(text).not.toMatch(/\{\w+\}/);
      expect(md).toContain(text.replace(/[\r\n]+/g, ' '));
      expect(html).toContain(text);
    }
    expect(json.events.map((e: { text: string }) => e.text)).toEqual(expected(locale));
    expect(json.events.map((e: { key: string }) => e.key)).toEqual(EVENT_KEYS);
  });
});

describe('system events this build does not know', () => {
  const unknown = [
    system('event.fromTheFuture', { name: 'invoice.pdf', size: 48213 }),
    system('nudge.sent'),
    system('__proto__', { x: 1 }),
    system('constructor'),
    system('toString', { a: 'b' }),
  ];

  it('show as their key and values instead of vanishing or throwing', () => {
    expect(systemText('en', 'event.fromTheFuture', { name: 'invoice.pdf', size: 48213 })).toBe('event.fromTheFuture (name: invoice.pdf, size: 48213)');
    expect(systemText('fr', 'nudge.sent')).toBe('nudge.sent');
    expect(systemText('en', 'constructor')).toBe('constructor');
  });

  it.each(LOCALES)('appear in every format (%s)', (locale) => {
    const md = readMarkdown(toMarkdownReport(input({ events: unknown, locale })));
    const html = readHtml(toHtmlReport(input({ events: unknown, locale })));
    const json = JSON.parse(toJsonReport(input({ events: unknown, locale })));
    for (const text of ['event.fromTheFuture (name: invoice.pdf, size: 48213)', 'nudge.sent', '__proto__ (x: 1)', 'constructor', 'toString (a: b)']) {
      expect(md).toContain(text);
      expect(html).toContain(text);
    }
    expect(json.events[0]).toMatchObject({ kind: 'system', key: 'event.fromTheFuture', params: { name: 'invoice.pdf', size: 48213 } });
  });

  it('translate() itself shows an unknown key instead of throwing (the live chat log uses it too)', () => {
    expect(translate('fr', 'event.fromTheFuture' as MessageKey, { name: 'x' })).toBe('event.fromTheFuture');
  });

  it('a known key missing its parameters keeps the placeholder rather than failing', () => {
    expect(systemText('en', 'event.customerJoined')).toBe('{name} joined the session.');
  });
});

describe('Markdown: request and copies', () => {
  it('quotes the customer\'s request line by line, escaped', () => {
    const md = toMarkdownReport(input({ session: { ...repSession, peerRequest: '# not a heading\n[x](javascript:alert(1))' } }));
    expect(md).toContain('## Customer’s request\n\n> \\# not a heading\n> \\[x\\]\\(javascript:alert\\(1\\)\\)\n');
  });

  it('has no notes section in a customer\'s copy', () => {
    const md = toMarkdownReport(input({ session: { ...repSession, role: 'customer', ownName: 'Ada', peerName: 'Sam' } }));
    expect(md).not.toContain('## Notes');
    expect(md).not.toContain('Driver reinstalled');
  });
});

describe('JSON: new fields', () => {
  it('carries duration, outcome, browser, OS, language and request', () => {
    const json = JSON.parse(toJsonReport(input()));
    expect(json.session).toMatchObject({
      durationSeconds: 727,
      outcome: 'ended',
      outcomeText: 'Ended by the rep',
      customerBrowser: expect.stringMatching(/^Chrome 126/),
      customerOs: 'Windows 10',
      customerLocale: 'fr-FR',
      customerRequest: 'My printer is offline\nsince the update',
    });
    expect(json.notes).toBe('Driver reinstalled');
    expect(json.events.find((e: { key?: string }) => e.key === 'event.urlPushed')).toMatchObject({ params: { url: 'https://example.com/help?a=1&b=2' } });
  });

  it('leaves the notes key out of a customer\'s copy', () => {
    const json = JSON.parse(toJsonReport(input({ session: { ...repSession, role: 'customer' } })));
    expect(json).not.toHaveProperty('notes');
    expect(json.session.customerUserAgent).toBeNull();
  });
});

describe('files', () => {
  it('are named after the session start in local time, to the minute', () => {
    const local = new Date(2026, 10, 23, 14, 32, 59).getTime();
    expect(reportFileName(local, 'html')).toBe('parley-session-2026-11-23-1432.html');
    expect(reportFileName(local, 'md')).toBe('parley-session-2026-11-23-1432.md');
    expect(reportFileName(Number.NaN, 'json')).toBe('parley-session-unknown.json');
  });

  it.each([
    ['md', 'text/markdown;charset=utf-8', '# Parley session report'],
    ['json', 'application/json;charset=utf-8', '{'],
    ['html', 'text/html;charset=utf-8', '<!DOCTYPE html>'],
  ] as const)('renderReport(%s) gives name, type and content', (format, type, start) => {
    const file = renderReport(input(), format);
    expect(file.type).toBe(type);
    expect(file.name.endsWith(`.${format}`)).toBe(true);
    expect(file.content.startsWith(start)).toBe(true);
  });

  it('a long session renders quickly (2,000 messages)', () => {
    const events = Array.from({ length: 2_000 }, (_, i) => chat(`message ${i} [b]bold[/b]`, { at: T0 + i * 1_000 }));
    const started = performance.now();
    for (const format of ['md', 'json', 'html'] as const) renderReport(input({ events }), format);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
