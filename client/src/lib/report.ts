/**
 * Session reports: Markdown for people, JSON for machines, printable HTML for the record.
 * The pieces live in report/ (model, one writer per format, device parsing, download); this
 * module is the one entry point the UI imports.
 */
import { renderHtml, renderHtmlParts } from './report/html.ts';
import { toJsonReport } from './report/json.ts';
import { renderMarkdown } from './report/markdown.ts';
import { buildReport, type ReportInput } from './report/model.ts';
import { download, reportFileName, reportMimeType, type ReportFormat } from './report/download.ts';
import { gatherReport } from './report/gather.ts';
import type { Locale } from './i18n/index.svelte.ts';
import type { SessionRecord, TranscriptEvent, TranscriptStore } from './transcript.ts';

export { describeUserAgent, parseUserAgent } from './report/device.ts';
export { download, reportFileName, type ReportFormat } from './report/download.ts';
export { gatherReport } from './report/gather.ts';
export { REPORT_CSP, renderHtml, toHtmlReport } from './report/html.ts';
export { toJsonReport } from './report/json.ts';
export { renderMarkdown, toMarkdownReport } from './report/markdown.ts';
export { buildReport, describeEvent, systemText, type ReportInput, type ReportModel } from './report/model.ts';

/** The file for one format: name, content and MIME type. */
export function renderReport(input: ReportInput, format: ReportFormat): { name: string; content: string; type: string } {
  const content = format === 'json' ? toJsonReport(input) : format === 'html' ? renderHtml(buildReport(input)) : renderMarkdown(buildReport(input));
  return { name: reportFileName(input.session.startedAt, format), content, type: reportMimeType(format) };
}

/**
 * Gathers, renders and downloads one session's report. `memory` is the log on screen: the
 * report falls back on it when storage cannot be read (the store itself includes held writes).
 */
export async function saveReport(
  store: TranscriptStore,
  record: SessionRecord,
  memory: readonly TranscriptEvent[],
  format: ReportFormat,
  locale: Locale,
  /** The whole log when the caller holds it (SessionView.completeLog): not read back from storage. */
  complete?: readonly TranscriptEvent[],
): Promise<void> {
  const input = await gatherReport(store, record, locale, memory, complete);
  // HTML in parts: a long log's Blob is made twice as fast from ~64 kB strings (documentParts).
  const content = format === 'html' ? renderHtmlParts(buildReport(input)) : renderReport(input, format).content;
  download(reportFileName(input.session.startedAt, format), content, reportMimeType(format));
}
