import { beforeAll, describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { describeEvent, describeUserAgent, toJsonReport, toMarkdownReport, type ReportInput } from '../../client/src/lib/report.ts';
import { loadLocale, translate, type Locale } from '../../client/src/lib/i18n/index.svelte.ts';

beforeAll(() => loadLocale('fr'));
import type { NoteRecord, SessionRecord, TranscriptEvent } from '../../client/src/lib/transcript.ts';

const CHROME_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const SAFARI_IOS =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

const T0 = Date.UTC(2026, 0, 15, 9, 30, 0);
const session: SessionRecord = {
  id: 'sess_4f2a9c',
  role: 'rep',
  startedAt: T0,
  endedAt: T0 + 30 * 60_000,
  nameplate: '482',
  ownName: 'Sam',
  peerName: 'Ada',
  peerUserAgent: CHROME_WINDOWS,
  safetyCode: '🐶 🔑 🎸 🌵',
  outcome: 'ended',
};
const note: NoteRecord = { sessionId: session.id, text: 'Printer driver reinstalled\nFollow up on Monday', updatedAt: T0 + 60_000 };

let seq = 0;
const base = (at: number) => ({ sessionId: session.id, seq: seq++, at });
const events: TranscriptEvent[] = [
  { ...base(T0), kind: 'system', key: 'event.sessionStarted', level: 'info' },
  { ...base(T0 + 1_000), kind: 'system', key: 'event.customerJoined', params: { name: 'Ada' }, level: 'success' },
  { ...base(T0 + 2_000), kind: 'chat', id: 'm_rep00001', from: 'rep', name: 'Sam', text: 'Hello 👋 how can I help?' },
  { ...base(T0 + 2_500), kind: 'receipt', id: 'm_rep00001' },
  { ...base(T0 + 3_000), kind: 'chat', id: 'm_cus00001', from: 'customer', name: 'Ada', text: 'Ça ne marche pas 😤🖨️ — 👩🏽‍💻' },
  { ...base(T0 + 4_000), kind: 'chat', id: 'm_rep00002', from: 'rep', name: 'Sam', text: 'Unacknowledged message' },
  { ...base(T0 + 5_000), kind: 'system', key: 'event.ended', level: 'info' },
];
const input = (locale: Locale, over: Partial<ReportInput> = {}): ReportInput => ({ session, events, note, locale, ...over });

/** The report with Markdown backslash escapes removed: what a reader sees. */
const unescape = (md: string) => md.replace(/\\([!-/:-@[-`{-~])/g, '$1');
/** CommonMark line endings: LF, CR LF and a lone CR all end a line. */
const lines = (md: string) => md.split(/\r\n|\r|\n/);

describe('describeUserAgent', () => {
  it('parses Chrome on Windows', () => {
    const d = describeUserAgent(CHROME_WINDOWS)!;
    expect(d).toMatch(/^Chrome 126[\d.]* \/ Windows 10$/);
  });

  it('parses Safari on iOS', () => {
    expect(describeUserAgent(SAFARI_IOS)).toMatch(/^Safari 17\.5 \/ iOS 17\.5/);
  });

  it('returns undefined for nothing or an unrecognisable string', () => {
    expect(describeUserAgent(undefined)).toBeUndefined();
    expect(describeUserAgent('')).toBeUndefined();
    expect(describeUserAgent('definitely not a browser')).toBeUndefined();
  });

  it('never throws on arbitrary strings (a peer chooses its userAgent)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 512 }), fc.string({ unit: 'binary', maxLength: 512 })), (ua) => {
        const d = describeUserAgent(ua);
        expect(d === undefined || typeof d === 'string').toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe('describeEvent', () => {
  it('describes chat as "name: text", system events translated, receipts as nothing', () => {
    const [started, joined, chat, receipt] = events;
    expect(describeEvent(chat!, 'en')).toBe('Sam: Hello 👋 how can I help?');
    expect(describeEvent(receipt!, 'en')).toBeNull();
    expect(describeEvent(started!, 'en')).toBe(translate('en', 'event.sessionStarted'));
    expect(describeEvent(started!, 'fr')).toBe(translate('fr', 'event.sessionStarted'));
    expect(describeEvent(joined!, 'en')).toBe(translate('en', 'event.customerJoined', { name: 'Ada' }));
    expect(describeEvent(joined!, 'fr')).toBe(translate('fr', 'event.customerJoined', { name: 'Ada' }));
  });

  it('fills placeholders and the two languages differ', () => {
    const joined = events[1]!;
    const en = describeEvent(joined, 'en')!;
    const fr = describeEvent(joined, 'fr')!;
    expect(en).toContain('Ada');
    expect(fr).toContain('Ada');
    expect(en).not.toMatch(/\{name\}/);
    expect(fr).not.toMatch(/\{name\}/);
    expect(fr).not.toBe(en);
  });
});

describe('toMarkdownReport', () => {
  it.each(['en', 'fr'] as const)('has the header fields (%s)', (locale) => {
    const md = toMarkdownReport(input(locale));
    const t = (key: Parameters<typeof translate>[1]) => translate(locale, key);
    const text = unescape(md);
    expect(md.startsWith(`# ${t('report.title')}\n`)).toBe(true);
    expect(text).toContain(`- **${t('report.session')}:** sess_4f2a9c`);
    expect(text).toContain(`- **${t('report.started')}:** 2026-01-15T09:30:00.000Z`);
    expect(text).toContain(`- **${t('report.ended')}:** 2026-01-15T10:00:00.000Z`);
    expect(text).toContain(`- **${t('report.rep')}:** Sam`);
    expect(text).toContain(`- **${t('report.customer')}:** Ada`);
    expect(text).toMatch(new RegExp(`- \\*\\*${t('report.customerDevice')}:\\*\\* Chrome 126[\\d.]* / Windows 10`));
    expect(text).toContain(`- **${t('report.safetyCode')}:** 🐶 🔑 🎸 🌵`);
    expect(md).toContain(`## ${t('report.notes')}`);
    expect(md).toContain(`## ${t('report.log')}`);
  });

  it('shows the customer device for an iOS customer', () => {
    const md = toMarkdownReport(input('en', { session: { ...session, peerUserAgent: SAFARI_IOS } }));
    expect(unescape(md)).toMatch(/Customer browser and OS:\*\* Safari 17\.5 \/ iOS 17\.5/);
  });

  it('names the sides by role when the report belongs to the customer', () => {
    const mine: SessionRecord = { ...session, role: 'customer', ownName: 'Ada', peerName: 'Sam', peerUserAgent: CHROME_WINDOWS };
    const text = unescape(toMarkdownReport(input('en', { session: mine })));
    expect(text).toContain('- **Rep:** Sam');
    expect(text).toContain('- **Customer:** Ada');
    // The peer of a customer is the rep: its browser is not the customer's.
    expect(text).not.toContain('Chrome');
  });

  it('says "still open" and "unknown" where the session lacks data', () => {
    const open: SessionRecord = { id: 's', role: 'rep', startedAt: T0, ownName: 'Sam' };
    for (const locale of ['en', 'fr'] as const) {
      const md = toMarkdownReport({ session: open, events: [], locale });
      const t = (key: Parameters<typeof translate>[1]) => translate(locale, key);
      expect(md).toContain(`:** ${t('report.stillOpen')}`);
      expect(unescape(md)).toContain(`- **${t('report.customer')}:** ${t('report.unknown')}`);
      expect(unescape(md)).toContain(`- **${t('report.safetyCode')}:** ${t('report.unknown')}`);
      expect(md).toContain(`_${t('report.noNotes')}_`);
    }
  });

  it('includes the notes as a quote, line by line', () => {
    const md = toMarkdownReport(input('en'));
    expect(unescape(md)).toContain('> Printer driver reinstalled\n> Follow up on Monday');
  });

  it('keeps chat text and emoji intact, in log order, without receipts', () => {
    const md = toMarkdownReport(input('en'));
    const text = unescape(md);
    expect(text).toContain('**Sam:** Hello 👋 how can I help?');
    expect(text).toContain('**Ada:** Ça ne marche pas 😤🖨️ — 👩🏽‍💻');
    const log = md.slice(md.indexOf('## Log'));
    const logLines = lines(log).filter((l) => l.startsWith('- `'));
    expect(logLines).toHaveLength(events.filter((e) => e.kind !== 'receipt').length);
    expect(logLines[0]).toMatch(/^- `2026-01-15 09:30:00Z` _/);
    expect(logLines[2]).toContain('Hello 👋');
    expect(log).not.toMatch(/receipt|m_rep00001/);
  });

  it.each(['en', 'fr'] as const)('translates system events (%s)', (locale) => {
    const text = unescape(toMarkdownReport(input(locale)));
    expect(text).toContain(`_${translate(locale, 'event.sessionStarted')}_`);
    expect(text).toContain(`_${translate(locale, 'event.customerJoined', { name: 'Ada' })}_`);
    expect(text).toContain(`_${translate(locale, 'event.ended')}_`);
  });

  it('keeps multi-line chat inside its log item', () => {
    const chat: TranscriptEvent = { ...base(T0), kind: 'chat', id: 'm_multi001', from: 'customer', name: 'Ada', text: 'line one\nline two\r\nline three\rline four' };
    const md = toMarkdownReport(input('en', { events: [chat] }));
    const log = lines(md.slice(md.indexOf('## Log'))).slice(2).filter((l) => l.trim() !== '');
    expect(log[0]).toMatch(/^- `/);
    for (const l of log.slice(1)) expect(l).toMatch(/^ {4}line/);
    expect(log).toHaveLength(4);
  });

  it('does not crash on an event time outside the Date range (peer-chosen sentAt)', () => {
    const chat: TranscriptEvent = { ...base(1e16), kind: 'chat', id: 'm_future01', from: 'customer', name: 'Ada', text: 'from the future' };
    expect(() => toMarkdownReport(input('en', { events: [chat] }))).not.toThrow();
    expect(() => toJsonReport(input('en', { events: [chat] }))).not.toThrow();
    expect(toMarkdownReport(input('en', { events: [chat] }))).toContain('from the future');
  });
});

/**
 * Structural check of a Markdown report: apart from the lines the report itself writes (title,
 * section headings, header items, log items, note quotes), no line may open a block, and nothing
 * outside a backslash escape may open a link, an image or HTML.
 */
function expectNoForgedStructure(md: string, expected: { logItems: number; noteLines: number; requestLines?: number }) {
  const BLOCK_START =
    /^(#{1,6}(\s|$)|[-*+](\s|$)|\d{1,9}[.)](\s|$)|>|```|~~~|<|\||=+\s*$|-+\s*$|(\*\s*){3,}$|(_\s*){3,}$|\[[^\]]*\]:)/;
  const counts = { title: 0, section: 0, header: 0, log: 0, note: 0 };
  for (const line of lines(md)) {
    if (line.startsWith('# ')) counts.title++;
    else if (line.startsWith('## ')) counts.section++;
    else if (line.startsWith('- **')) counts.header++;
    else if (line.startsWith('- `')) counts.log++;
    else if (line.startsWith('> ')) counts.note++;
    else expect(line.trimStart(), `line ${JSON.stringify(line)}`).not.toMatch(BLOCK_START);
  }
  const requestLines = expected.requestLines ?? 0;
  // Header items: session, queue, started, ended, duration, rep, customer, device, language, consent, safety code, outcome.
  expect(counts).toEqual({ title: 1, section: requestLines ? 3 : 2, header: 12, log: expected.logItems, note: expected.noteLines + requestLines });
  const unescaped = md.replace(/\\[\s\S]/g, '');
  // `javascript:` as plain text is harmless; as a link target it needs an unescaped `[`, `]` or `<`.
  expect(unescaped).not.toMatch(/[[\]<]/);
}

describe('Markdown injection', () => {
  const hostile = [
    '# fake header\n- **Rep:** evil',
    '[link](javascript:alert(1))',
    '![img](https://evil.example/x.png)',
    '<script>alert(1)</script>',
    '<javascript:alert(1)>',
    'ok\n===',
    'ok\n---',
    'ok\r# fake\r- item',
    'ok\r\r===\r\rfree text',
    '1. one\n2) two',
    '> quote\n```\ncode\n```',
    '| a | b |\n|---|---|',
    '[ref]: javascript:alert(1)',
    '* * *\n___',
    '\\# escaped by the user already\n\\- also',
  ];

  it.each(hostile)('a chat text %j cannot forge report structure', (text) => {
    const chat: TranscriptEvent = { ...base(T0), kind: 'chat', id: 'm_evil0001', from: 'customer', name: 'Ada', text };
    const md = toMarkdownReport(input('en', { events: [chat] }));
    expectNoForgedStructure(md, { logItems: 1, noteLines: 2 });
    expect(lines(md).filter((l) => l.trimStart().startsWith('- **Rep:**'))).toHaveLength(1);
    // The text is all there for the reader.
    const shown = unescape(md.slice(md.indexOf('**Ada:**') + '**Ada:** '.length)).replace(/ {2}\n {4}/g, '\n');
    expect(shown.replace(/\r\n?/g, '\n')).toContain(text.replace(/\r\n?/g, '\n'));
  });

  it.each(hostile)('a display name, request, note or system parameter %j cannot forge report structure', (evil) => {
    const system: TranscriptEvent = { ...base(T0), kind: 'system', key: 'event.customerJoined', params: { name: evil }, level: 'success' };
    const chat: TranscriptEvent = { ...base(T0), kind: 'chat', id: 'm_evil0001', from: 'customer', name: evil, text: 'hi' };
    const md = toMarkdownReport(
      input('en', {
        session: { ...session, peerName: evil, ownName: evil, peerRequest: evil, peerLocale: evil.slice(0, 16) },
        events: [system, chat],
        note: { ...note, text: evil },
      }),
    );
    // Names are single-line fields: their line breaks must not open blocks either.
    const BLOCK = /^(#{1,6}(\s|$)|[-*+](\s|$)|\d{1,9}[.)](\s|$)|>|```|~~~|<|\||=+\s*$|-+\s*$)/;
    for (const line of lines(md)) {
      if (/^(# |## |- \*\*|- `|> )/.test(line)) continue;
      expect(line.trimStart(), `line ${JSON.stringify(line)}`).not.toMatch(BLOCK);
    }
    const unescaped = md.replace(/\\[\s\S]/g, '');
    expect(unescaped).not.toMatch(/[[\]<]/);
  });

  it('holds for fuzzed chat text, requests and notes (fast-check)', () => {
    const token = fc.constantFrom(
      '#', '##', '-', '*', '+', '1.', '2)', '=', '===', '---', '***', '___', '\n', '\r', '\r\n', ' ', '    ', '\t',
      '>', '[', ']', '(', ')', '![', 'javascript:', '<', '`', '```', '~~~', '|', '\\', '_', ':', 'a', 'é', '👋',
    );
    const hostileText = fc.array(token, { minLength: 1, maxLength: 30 }).map((ts) => ts.join(''));
    fc.assert(
      fc.property(hostileText, hostileText, hostileText, (text, noteText, request) => {
        const chat: TranscriptEvent = { ...base(T0), kind: 'chat', id: 'm_fuzz0001', from: 'customer', name: 'Ada', text };
        const md = toMarkdownReport(input('en', { session: { ...session, peerRequest: request }, events: [chat], note: { ...note, text: noteText } }));
        const requestLines = request.trim() ? lines(request.trim()).length : 0;
        expectNoForgedStructure(md, { logItems: 1, noteLines: lines(noteText).length, requestLines });
      }),
      { numRuns: 1000 },
    );
  });
});

describe('toJsonReport', () => {
  it('carries the header, notes and log', () => {
    const json = JSON.parse(toJsonReport(input('en')));
    expect(json.format).toBe('parley-session-report/1');
    expect(json.session).toMatchObject({
      id: 'sess_4f2a9c',
      role: 'rep',
      startedAt: '2026-01-15T09:30:00.000Z',
      endedAt: '2026-01-15T10:00:00.000Z',
      outcome: 'ended',
      ownName: 'Sam',
      peerName: 'Ada',
      customerUserAgent: CHROME_WINDOWS,
      safetyCode: '🐶 🔑 🎸 🌵',
    });
    expect(json.session.customerDevice).toMatch(/^Chrome 126[\d.]* \/ Windows 10$/);
    expect(json.notes).toBe(note.text);
  });

  it('folds receipts into "delivered" on own messages only', () => {
    const json = JSON.parse(toJsonReport(input('en')));
    const kinds = json.events.map((e: { kind: string }) => e.kind);
    expect(kinds).not.toContain('receipt');
    expect(json.events).toHaveLength(events.length - 1);
    const byId = Object.fromEntries(json.events.filter((e: { kind: string }) => e.kind === 'chat').map((e: { id: string }) => [e.id, e]));
    expect(byId.m_rep00001.delivered).toBe(true);
    expect(byId.m_rep00002.delivered).toBe(false);
    expect(byId.m_cus00001).not.toHaveProperty('delivered'); // not ours to confirm
  });

  it('keeps chat text exactly, emoji and markup included', () => {
    const text = '# not a header [x](javascript:alert(1)) 👩🏽‍💻\n"quoted"';
    const chat: TranscriptEvent = { ...base(T0), kind: 'chat', id: 'm_json0001', from: 'rep', name: 'Sam', text };
    const json = JSON.parse(toJsonReport(input('en', { events: [chat] })));
    expect(json.events[0]).toMatchObject({ kind: 'chat', text, name: 'Sam', from: 'rep', at: new Date(T0).toISOString() });
  });

  it.each(['en', 'fr'] as const)('translates system events (%s)', (locale) => {
    const json = JSON.parse(toJsonReport(input(locale)));
    const system = json.events.filter((e: { kind: string }) => e.kind === 'system');
    expect(system.map((e: { text: string }) => e.text)).toEqual([
      translate(locale, 'event.sessionStarted'),
      translate(locale, 'event.customerJoined', { name: 'Ada' }),
      translate(locale, 'event.ended'),
    ]);
    expect(system.map((e: { level: string }) => e.level)).toEqual(['info', 'success', 'info']);
  });

  it('uses null for missing optional fields and an empty string for no notes', () => {
    const open: SessionRecord = { id: 's', role: 'rep', startedAt: T0, ownName: 'Sam' };
    const json = JSON.parse(toJsonReport({ session: open, events: [], locale: 'en' }));
    expect(json.session).toMatchObject({ outcome: null, peerName: null, customerDevice: null, customerUserAgent: null, safetyCode: null });
    expect(json.session.endedAt ?? null).toBeNull();
    expect(json.notes).toBe('');
    expect(json.events).toEqual([]);
  });
});
