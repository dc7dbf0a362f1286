/**
 * The session report as Markdown, for people who paste it into a ticket. Every piece of text
 * that came from a person (names, messages, the request, notes, system event parameters) is
 * escaped, so nothing in it can forge the report's structure, a link or HTML. BBCode is kept
 * as the text that was typed: Markdown readers show it literally, which is what was sent.
 */
import { translate, type MessageKey } from '../i18n/index.svelte.ts';
import { buildReport, utcSeconds, type ReportInput, type ReportModel } from './model.ts';

/** Markdown special characters in user text are escaped so a message cannot forge report structure. */
const MARKDOWN_SPECIAL = /[\\`*_{}[\]()#+\-.!|<>~=]/;
function escapeMarkdown(text: string): string {
  // Most words need nothing: testing first spares a copy of each.
  return MARKDOWN_SPECIAL.test(text) ? text.replace(/([\\`*_{}[\]()#+\-.!|<>~=])/g, '\\$1') : text;
}

/** For one-line fields (names, header values, system lines): a line break would end the list item. */
function oneLine(text: string): string {
  return escapeMarkdown(text.replace(/[\r\n]+/g, ' '));
}

/** Lines as CommonMark sees them: a lone CR ends a line too. */
function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

/** A multi-line text as a block quote, line by line, escaped. */
function quote(text: string): string {
  return splitLines(text)
    .map((line) => `> ${escapeMarkdown(line)}`)
    .join('\n');
}

export function toMarkdownReport(input: ReportInput): string {
  return renderMarkdown(buildReport(input));
}

export function renderMarkdown(report: ReportModel): string {
  const t = (key: MessageKey) => translate(report.locale, key);
  const lines = [`# ${t('report.title')}`, ''];
  for (const field of report.fields) {
    // Times as ISO 8601 UTC: unambiguous wherever the Markdown is pasted.
    lines.push(`- **${field.label}:** ${field.iso ?? oneLine(field.value)}`);
  }
  lines.push('');
  if (report.request !== undefined) lines.push(`## ${t('report.request')}`, '', quote(report.request), '');
  if (report.notes !== undefined) {
    lines.push(`## ${t('report.notes')}`, '', report.notes ? quote(report.notes) : `_${t('report.noNotes')}_`, '');
  }
  if (report.survey !== undefined) {
    lines.push(`## ${t('report.survey')}`, '');
    for (const row of report.survey) lines.push(`- **${oneLine(row.question)}:** ${oneLine(row.answer)}`);
    if (!report.survey.length) lines.push(`_${t('report.survey.none')}_`);
    lines.push('');
  }
  lines.push(`## ${t('report.log')}`, '');
  const unknown = t('report.unknown');
  for (const entry of report.entries) {
    const time = utcSeconds(entry.at) ?? unknown;
    const body =
      entry.kind === 'chat'
        ? `**${oneLine(entry.name)}${entry.private ? ` (🔒 ${t('shared.private')})` : ''}:** ${splitLines(entry.text).map(escapeMarkdown).join('  \n    ')}`
        : `${entry.private ? `(🔒 ${t('shared.private')}) ` : ''}_${oneLine(entry.text)}_`;
    lines.push(`- \`${time}\` ${body}`);
  }
  return lines.join('\n') + '\n';
}
