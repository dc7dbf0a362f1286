/** Saving a report from the browser: file names and the download itself. */

export type ReportFormat = 'md' | 'json' | 'html';

const TYPES: Record<ReportFormat, string> = {
  md: 'text/markdown;charset=utf-8',
  json: 'application/json;charset=utf-8',
  html: 'text/html;charset=utf-8',
};

/** `parley-session-2026-11-23-1432.html`: the session's start, in local time, to the minute. */
export function reportFileName(startedAt: number, format: ReportFormat): string {
  const d = new Date(startedAt);
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = Number.isNaN(d.getTime())
    ? 'unknown'
    : `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}-${pad(d.getHours())}${pad(d.getMinutes())}`;
  return `parley-session-${stamp}.${format}`;
}

export function reportMimeType(format: ReportFormat): string {
  return TYPES[format];
}

/** Starts a download of `content` (one string, or parts to be joined) in the browser. */
export function download(filename: string, content: string | readonly string[], type: string): void {
  const url = URL.createObjectURL(new Blob(typeof content === 'string' ? [content] : [...content], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
