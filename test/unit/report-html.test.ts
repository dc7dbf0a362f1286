import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadLocale, translate } from '../../client/src/lib/i18n/index.svelte.ts';
import { escapeHtml } from '../../client/src/lib/report/html-builder.ts';
import { REPORT_CSS } from '../../client/src/lib/report/html-style.ts';
import { REPORT_CSP, renderHtmlParts, toHtmlReport } from '../../client/src/lib/report/html.ts';
import { buildReport } from '../../client/src/lib/report/model.ts';
import type { ReportInput } from '../../client/src/lib/report/model.ts';
import type { SessionRecord, TranscriptEvent } from '../../client/src/lib/transcript.ts';
import { scanHtml, type Scanned } from './html-scan.ts';
import { CHROME_WINDOWS, T0, chat, input, repSession, system } from './report-fixtures.ts';

beforeAll(() => loadLocale('fr'));

/** Every tag and attribute the report may contain; anything else means markup got through. */
const TAGS = new Set([
  'html', 'head', 'meta', 'title', 'style', 'body', 'main', 'header', 'footer', 'section', 'h1', 'h2', 'h3', 'p', 'div', 'span',
  'dl', 'dt', 'dd', 'table', 'colgroup', 'col', 'thead', 'tbody', 'tr', 'th', 'td', 'time', 'strong', 'em', 'u', 's', 'code', 'blockquote', 'a',
]);
const ATTRS = new Set(['class', 'lang', 'href', 'rel', 'datetime', 'style', 'colspan', 'scope', 'charset', 'name', 'content', 'http-equiv', 'id', 'aria-labelledby', 'aria-hidden']);

/** Scans the report and checks that nothing in it is live: the structure is the builder's alone. */
function expectInert(html: string): Scanned {
  const scanned = scanHtml(html);
  for (const { name, attrs } of scanned.tags) {
    expect(TAGS, `tag <${name}>`).toContain(name);
    for (const [attr, value] of Object.entries(attrs)) {
      expect(ATTRS, `attribute ${attr} on <${name}>`).toContain(attr);
      if (attr === 'href') expect(value).toMatch(/^https?:\/\/[^\s]+$/);
      if (attr === 'style') expect(value).toMatch(/^color: (#[0-9a-f]{3}|#[0-9a-f]{6}|[a-z]+)$/);
      if (attr === 'http-equiv') expect([value, attrs.content]).toEqual(['Content-Security-Policy', REPORT_CSP]);
    }
  }
  expect(scanned.styles).toEqual([REPORT_CSS]);
  return scanned;
}

/** Classic payloads, in every place text from the other side (or a person) reaches the report. */
const XSS = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '"><svg onload=alert(1)>',
  "'><svg/onload=alert(1)>",
  'javascript:alert(1)',
  '<a href="javascript:alert(1)">click</a>',
  '</td></tr></table><iframe src=//evil.example></iframe>',
  '<style>body{display:none}</style>',
  '<!-- comment --><![CDATA[x]]>',
  '&lt;script&gt; already escaped &amp; twice',
  '<meta http-equiv="refresh" content="0;url=https://evil.example">',
  '<base href="https://evil.example/">',
  '{{constructor.constructor("alert(1)")()}}',
];

function hostileInput(payload: string): ReportInput {
  const session: SessionRecord = {
    ...repSession,
    ownName: payload,
    peerName: payload,
    peerRequest: `${payload}\n${payload}`,
    peerUserAgent: `${payload} ${CHROME_WINDOWS}`,
    peerLocale: payload.slice(0, 16),
    safetyCode: payload,
  };
  const events: TranscriptEvent[] = [
    system('event.customerJoined', { name: payload }),
    chat(payload, { name: payload }),
    chat(`[b]${payload}[/b] [url]${payload}[/url] [url=${payload}]x[/url] [color=${payload}]c[/color] [code]${payload}[/code]`),
    system('event.urlPushed', { url: payload }),
    system('event.fileReceived', { name: `${payload}.exe`, size: 12 }), // a kind another branch may add
    system(payload, { [payload]: payload }), // even the key itself
  ];
  return input({ session, events, note: { sessionId: session.id, text: payload, updatedAt: T0 } });
}

describe('HTML report: document', () => {
  it('is a self-contained document with a restrictive CSP and no script at all', () => {
    const html = toHtmlReport(input());
    expect(REPORT_CSP).toBe("default-src 'none'; style-src 'unsafe-inline'; img-src data:");
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy"')).toBe(true);
    const { tags } = expectInert(html);
    expect(tags.filter((t) => t.name === 'meta').map((t) => t.attrs['http-equiv'] ?? t.attrs.name ?? 'charset')).toEqual([
      'charset', 'Content-Security-Policy', 'referrer', 'viewport', 'generator',
    ]);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|src=|url\(|@import/i);
  });

  it('has print styles: page margins, a repeated table header, rows kept whole', () => {
    expect(REPORT_CSS).toContain('@media print');
    expect(REPORT_CSS).toContain('@page');
    expect(REPORT_CSS).toMatch(/thead \{ display: table-header-group; \}/);
    expect(REPORT_CSS).toMatch(/tr, [^{]*\{ break-inside: avoid; \}/);
    expect(REPORT_CSS).not.toMatch(/[<]|url\(|@import|expression/);
  });

  it.each(['en', 'fr'] as const)('carries the header, request, log and notes in the report language (%s)', (locale) => {
    const { text, tags } = expectInert(toHtmlReport(input({ locale })));
    const t = (key: Parameters<typeof translate>[1], params = {}) => translate(locale, key, params);
    for (const key of ['report.title', 'report.details', 'report.session', 'report.started', 'report.ended', 'report.duration', 'report.rep', 'report.customer',
      'report.customerDevice', 'report.customerLocale', 'report.safetyCode', 'report.outcome', 'report.request', 'report.log', 'report.notes'] as const) {
      expect(text).toContain(t(key));
    }
    expect(text).toContain('sess_4f2a9c');
    expect(text).toMatch(/Chrome 126[\d.]* \/ Windows 10/);
    expect(text).toContain(locale === 'en' ? 'French (France) · fr-FR' : 'français (France) · fr-FR');
    expect(text).toContain(t('report.duration.minutes', { m: 12, s: 7 }));
    expect(text).toContain(t('report.outcome.repEnded'));
    expect(text).toContain('My printer is offline\nsince the update');
    expect(text).toContain(locale === 'en' ? '🐶 🔑 🎸 🌵 🎩 (Dog, Key, Guitar, Cactus, Hat)' : '🐶 🔑 🎸 🌵 🎩 (Chien, Clé, Guitare, Cactus, Chapeau)');
    expect(text).toContain(t('event.customerJoined', { name: 'Ada' }));
    expect(text).toContain(t('event.urlPushed', { url: 'https://example.com/help?a=1&b=2' }));
    expect(text).toContain('It prints again 🎉');
    expect(text).toContain('Driver reinstalled');
    expect(text).toContain(t('report.copy.rep'));
    // Times: the header with date and zone, log rows with <time datetime> in ISO.
    expect(text).toContain(locale === 'en' ? 'November 23, 2026 at 14:32:05 UTC' : '23 novembre 2026 à 14:32:05 UTC');
    expect(tags.filter((t) => t.name === 'time').map((t) => t.attrs.datetime)).toContain('2026-11-23T14:32:05.000Z');
    expect(text).toContain(`${t('report.time')} (UTC)`);
  });

  it('renders BBCode from the parse tree as elements; own messages say whether they were delivered', () => {
    const html = toHtmlReport(input());
    expect(html).toContain('Hello <strong>Ada</strong> 👋');
    const { text } = expectInert(html);
    expect(text).toContain('✓✓ Delivered');
    expect(text).toContain('✓ Sent'); // the unacknowledged one
  });

  it('keeps http(s) links as links, prints their address on paper, and refuses other schemes and CSS in colours', () => {
    const events = [chat('[url=https://example.com/a?b=1&c="2"]the guide[/url] [url]https://example.com/x[/url] [url=javascript:alert(1)]no[/url] [color=red;background:url(x)]c[/color] [color=#0a0]g[/color]')];
    const html = toHtmlReport(input({ events }));
    const { tags, text } = expectInert(html);
    const links = tags.filter((t) => t.name === 'a');
    expect(links.map((l) => [l.attrs.href, l.attrs.class, l.attrs.rel])).toEqual([
      ['https://example.com/a?b=1&c=%222%22', 'labelled', 'noopener noreferrer nofollow'],
      ['https://example.com/x', undefined, 'noopener noreferrer nofollow'],
    ]);
    expect(tags.filter((t) => t.attrs.style).map((t) => t.attrs.style)).toEqual(['color: #0a0']);
    expect(text).toContain('[url=javascript:alert(1)]no[/url]');
    expect(text).toContain('[color=red;background:url(x)]c[/color]');
  });

  it('starts the log with the day and marks each change of day', () => {
    const events = [system('event.sessionStarted', {}, 'info', T0), system('event.ended', {}, 'info', T0 + 86_400_000)];
    const { tags } = expectInert(toHtmlReport(input({ events })));
    expect(tags.filter((t) => t.name === 'tr' && t.attrs.class === 'day')).toHaveLength(2);
  });

  it("leaves the notes out of a customer's copy entirely", () => {
    const session: SessionRecord = { ...repSession, role: 'customer', ownName: 'Ada', peerName: 'Sam', ownRequest: 'Help me', peerRequest: undefined };
    const { text, tags } = expectInert(toHtmlReport(input({ session, note: { sessionId: session.id, text: 'SECRET NOTE', updatedAt: T0 } })));
    expect(text).not.toContain('SECRET NOTE');
    expect(text).not.toContain(translate('en', 'report.notes.hint'));
    expect(tags.some((t) => t.attrs.class === 'notes')).toBe(false);
    expect(text).toContain('Customer’s copy');
    expect(text).toContain('Help me');
    expect(text).not.toContain('Windows'); // the rep's device is not the customer's
  });

  it('shows an unknown or unrepresentable time as "unknown" without failing', () => {
    const { text } = expectInert(toHtmlReport(input({ events: [chat('from the future', { at: 1e16 })] })));
    expect(text).toContain('from the future');
    expect(text).toContain('unknown');
  });
});

describe('HTML report: nothing from the session becomes markup', () => {
  it.each(XSS)('payload %j in names, request, device, locale, safety code, messages, BBCode, URLs, file names, event keys and notes', (payload) => {
    const html = toHtmlReport(hostileInput(payload));
    const { text } = expectInert(html);
    // …and it is all there for the reader, as the text it was.
    expect(text).toContain(`${payload}\n${payload}`); // the request, line break kept
    expect(text).toContain(`${payload}.exe`);
    expect(text).toContain(translate('en', 'event.urlPushed', { url: payload }));
    expect(text.split(payload).length - 1).toBeGreaterThanOrEqual(8);
  });

  it('holds for fuzzed text in every field (fast-check)', () => {
    const token = fc.constantFrom('<', '>', '"', "'", '&', '=', '/', ' ', '\n', 'script', 'svg', 'onload', 'on', 'href', 'javascript:', '[url=', '[/url]', ']', '[b]', '#', ';', '(', ')', 'é', '👋', '&amp;', '&#x3c;', '\u0000', '\u2028');
    const hostile = fc.array(token, { minLength: 1, maxLength: 24 }).map((ts) => ts.join(''));
    fc.assert(
      fc.property(hostile, (payload) => {
        const { text } = expectInert(toHtmlReport(hostileInput(payload)));
        expect(text).toContain(payload);
      }),
      { numRuns: 200 },
    );
  });

  it('in parts (for a long log\'s Blob): the same text, no slot marker left, a forged marker stays text', () => {
    const events = Array.from({ length: 3000 }, (_, i) => chat(i === 7 ? '<!--parley-slot-1--> and <!--parley-slot-2-->' : `message ${i} ${'x'.repeat(40)}`));
    const report = buildReport(input({ events }));
    const parts = renderHtmlParts(report);
    expect(parts.length).toBeGreaterThan(2);
    const html = parts.join('');
    expect(html).toBe(toHtmlReport(input({ events })));
    expect(html).not.toContain('<!--');
    expect(expectInert(html).text).toContain('<!--parley-slot-1--> and <!--parley-slot-2-->');
  });

  it('escapes all five HTML specials', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });
});
