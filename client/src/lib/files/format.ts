/**
 * Sizes, speeds and durations in the reader's language (25 MB, 25 Mo; 3.5 MB/s; 2 min), binary
 * multiples as file managers show them.
 */
import { formatTime, i18n } from '../i18n/index.svelte.ts';

const UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte'] as const;

// Building an Intl.NumberFormat costs far more than using one (the first one in a page took
// ~30 ms in the join profile): each is made once per locale and unit.
const formats = new Map<string, Intl.NumberFormat>();
function unitFormat(unit: string, fraction: number, display: 'short' | 'long' = 'short'): Intl.NumberFormat {
  const key = `${i18n.locale} ${unit} ${fraction} ${display}`;
  let format = formats.get(key);
  if (!format) formats.set(key, (format = new Intl.NumberFormat(i18n.locale, { style: 'unit', unit, unitDisplay: display, maximumFractionDigits: fraction })));
  return format;
}

/** @example formatBytes(25 * 1024 * 1024) // '25 MB' in English, '25 Mo' in French */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let step = 0;
  while (value >= 1024 && step < UNITS.length - 1) {
    value /= 1024;
    step += 1;
  }
  if (step === 0) return unitFormat('byte', 0, 'long').format(bytes);
  return unitFormat(UNITS[step]!, value < 10 ? 1 : 0).format(value);
}

/**
 * Builds the formats a session screen shows first (the file limit, file sizes, the time of each
 * line) ahead of time: the page's first unit format loads the locale's unit data (~17 ms in the
 * join profile) and the first time format ~6 ms, which otherwise land on the join's path while
 * the session screen renders.
 */
export function warmUpFormats(): void {
  for (const bytes of [1, 2 * 1024, 5 * 1024 ** 2, 25 * 1024 ** 2, 3 * 1024 ** 3]) formatBytes(bytes);
  formatTime(Date.now());
}

/** @example formatSpeed(3.5 * 1024 * 1024) // '3.5 MB/s' */
export function formatSpeed(bytesPerSecond: number): string {
  const perSecond = formatBytes(bytesPerSecond);
  return `${perSecond}/s`;
}

/** Whole seconds up to a minute, then minutes (rounded up), then hours and minutes. */
export function formatDuration(seconds: number): string {
  const s = Math.ceil(seconds);
  if (s < 60) return unitFormat('second', 0).format(s);
  const minutes = Math.ceil(s / 60);
  if (minutes < 60) return unitFormat('minute', 0).format(minutes);
  const hours = Math.floor(minutes / 60);
  return `${unitFormat('hour', 0).format(hours)} ${unitFormat('minute', 0).format(minutes % 60)}`;
}

export function formatPercent(fraction: number): string {
  return new Intl.NumberFormat(i18n.locale, { style: 'percent', maximumFractionDigits: 0 }).format(Math.min(1, Math.max(0, fraction)));
}
