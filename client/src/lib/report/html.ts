/**
 * The session report as a printable, self-contained HTML document: inline CSS with print
 * styles, no script, no outside resource, and a Content-Security-Policy that would block both
 * anyway. Everything is built with html-builder.ts, which escapes every string.
 *
 * BBCode in messages is rendered, from the same parse tree the chat uses (bbcode.ts), as
 * elements: what the reader saw in the chat is what the report shows. Links are http(s) only
 * and colours from a fixed list, both checked by the parser and again by the builder.
 */
import { parseBBCode, type BBNode } from '../bbcode.ts';
import { translate, type MessageKey } from '../i18n/index.svelte.ts';
import { documentParts, el, element, empty, slot, style, type Child, type Markup } from './html-builder.ts';
import { REPORT_CSS } from './html-style.ts';
import { buildReport, formatDateTime, formatDay, formatTime, iso, zoneName, type ReportEntry, type ReportInput, type ReportModel } from './model.ts';

/** Nothing may load or run: styles inline only, images only as data: (none are used today). */
export const REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

export function toHtmlReport(input: ReportInput): string {
  return renderHtml(buildReport(input));
}

export function renderHtml(report: ReportModel): string {
  return renderHtmlParts(report).join('');
}

/** renderHtml's text in parts, for a Blob (documentParts). */
export function renderHtmlParts(report: ReportModel): string[] {
  const t = (key: MessageKey, params: Record<string, string | number> = {}) => translate(report.locale, key, params);
  const peer = report.fields.find((f) => f.id === (report.role === 'rep' ? 'customer' : 'rep'))?.value;
  const started = report.fields.find((f) => f.id === 'started')?.value;
  const title = [t('report.title'), peer, started].filter(Boolean).join(' — ');
  const generated = formatDateTime(report.generatedAt, report.locale, report.timeZone);
  // Log times are local to the reader's zone: say which, once, in the column heading.
  const zone = zoneName(report.entries[0]?.at ?? report.session.startedAt, report.locale, report.timeZone);

  const head = el(
    'head',
    {},
    empty('meta', { charset: 'utf-8' }),
    empty('meta', { 'http-equiv': 'Content-Security-Policy', content: REPORT_CSP }),
    empty('meta', { name: 'referrer', content: 'no-referrer' }),
    empty('meta', { name: 'viewport', content: 'width=device-width, initial-scale=1' }),
    empty('meta', { name: 'generator', content: 'Parley' }),
    el('title', {}, title),
    style(REPORT_CSS),
  );

  const masthead = el(
    'header',
    { class: 'masthead' },
    el('div', {}, el('div', { class: 'brand' }, el('span', { class: 'mark', 'aria-hidden': 'true' }, 'P'), 'Parley'), el('h1', {}, t('report.title'))),
    el('p', { class: 'copy' }, el('strong', {}, t(report.role === 'rep' ? 'report.copy.rep' : 'report.copy.customer')), generated ? t('report.generated', { time: generated }) : null),
  );

  const details = el(
    'section',
    { class: 'details', 'aria-labelledby': 'details-title' },
    el('h2', { id: 'details-title' }, t('report.details')),
    el(
      'dl',
      { class: 'fields' },
      report.fields.map((f) => el('div', { class: `field-${f.id}` }, el('dt', {}, f.label), el('dd', {}, f.iso ? el('time', { datetime: f.iso }, f.value) : f.value))),
    ),
    report.request !== undefined && el('div', { class: 'request' }, el('h3', {}, t('report.request')), el('p', { class: 'pre' }, report.request)),
  );

  const rows = slot();
  const log = el(
    'section',
    { class: 'log-section', 'aria-labelledby': 'log-title' },
    el('h2', { id: 'log-title' }, t('report.log')),
    el(
      'table',
      { class: 'log' },
      el('colgroup', {}, empty('col', { class: 'time' }), empty('col', { class: 'who' }), empty('col', {})),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, zone ? `${t('report.time')} (${zone})` : t('report.time')), el('th', { scope: 'col' }, t('report.from')), el('th', { scope: 'col' }, t('report.message')))),
      el('tbody', {}, rows),
    ),
  );

  const notes =
    report.notes !== undefined &&
    el(
      'section',
      { class: 'notes', 'aria-labelledby': 'notes-title' },
      el('h2', { id: 'notes-title' }, t('report.notes')),
      el('p', { class: 'hint' }, t('report.notes.hint')),
      report.notes ? el('p', { class: 'pre' }, report.notes) : el('p', { class: 'none' }, t('report.noNotes')),
    );

  const survey =
    report.survey !== undefined &&
    el(
      'section',
      { class: 'notes', 'aria-labelledby': 'survey-title' },
      el('h2', { id: 'survey-title' }, t('report.survey')),
      report.survey.length
        ? el('dl', {}, ...report.survey.flatMap((row) => [el('dt', {}, row.question), el('dd', { class: 'pre' }, row.answer)]))
        : el('p', { class: 'none' }, t('report.survey.none')),
    );

  const footer = el('footer', {}, el('p', {}, t('report.footer')));
  return documentParts(el('html', { lang: report.locale }, head, el('body', {}, el('main', { class: 'sheet' }, masthead, details, log, notes, survey, footer))), rows, logRows(report));
}

/** Log rows, with a row naming the day at the start and whenever the date changes. */
function logRows(report: ReportModel): Markup[] {
  const row = rowWriter(report);
  const rows: Markup[] = [];
  let day: string | undefined;
  for (const entry of report.entries) {
    const today = formatDay(entry.at, report.locale, report.timeZone);
    if (today && today !== day) {
      rows.push(el('tr', { class: 'day' }, el('td', { colspan: 3 }, today)));
      day = today;
    }
    rows.push(row(entry));
  }
  return rows;
}

/**
 * One log row per entry. What every row shares (its elements' attributes, the translated
 * labels) is made once per report: with 100,000 rows, building them per row was most of
 * the HTML export's time.
 */
function rowWriter(report: ReportModel): (entry: ReportEntry) => Markup {
  const t = (key: MessageKey) => translate(report.locale, key);
  const unknown = t('report.unknown');
  const timeCell = element('td', { class: 'time' });
  const eventCell = element('td', { class: 'event', colspan: 2 });
  const whoCell = element('td', { class: 'who' });
  const msgCell = element('td', { class: 'msg' });
  const role = element('span', { class: 'role' });
  const roleOf = { rep: role(t('report.rep')), customer: role(t('report.customer')) };
  const privateMark = role(`🔒 ${t('shared.private')}`);
  const delivered = el('span', { class: 'delivery delivered' }, `✓✓ ${t('chat.delivered')}`);
  const sent = el('span', { class: 'delivery' }, `✓ ${t('chat.sent')}`);
  const rows = new Map<string, (...content: Child[]) => Markup>();
  const tr = (cls: string) => {
    let made = rows.get(cls);
    if (!made) rows.set(cls, (made = element('tr', { class: cls })));
    return made;
  };
  return (entry) => {
    const at = iso(entry.at);
    const time = timeCell(at ? el('time', { datetime: at }, formatTime(entry.at, report.locale, report.timeZone) ?? '') : unknown);
    if (entry.kind === 'system') return tr(`system ${entry.level}`)(time, eventCell(entry.private ? privateMark : null, entry.text));
    return tr(`chat ${entry.from}`)(
      time,
      whoCell(entry.name, roleOf[entry.from], entry.private ? privateMark : null),
      msgCell(richText(parseBBCode(entry.text)), entry.own && (entry.delivered ? delivered : sent)),
    );
  };
}

/** BBCode tree → elements. Text nodes are strings, which the builder escapes. */
function richText(nodes: BBNode[]): Child[] {
  return nodes.map((node): Child => {
    if (node.type === 'text') return node.text;
    const inner = richText(node.children);
    switch (node.tag) {
      case 'b':
        return el('strong', {}, inner);
      case 'i':
        return el('em', {}, inner);
      case 'u':
        return el('u', {}, inner);
      case 's':
        return el('s', {}, inner);
      case 'code':
        return el('code', {}, inner);
      case 'quote':
        return el('blockquote', {}, inner);
      case 'url': {
        // On paper a link's address is printed after its text, unless the text is the address.
        const labelled = node.children.map((c) => (c.type === 'text' ? c.text : '')).join('') !== node.attr;
        return el('a', { href: node.attr, rel: 'noopener noreferrer nofollow', class: labelled ? 'labelled' : undefined }, inner);
      }
      case 'color':
        return el('span', { style: `color: ${node.attr}` }, inner);
    }
  });
}
