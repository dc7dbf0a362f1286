/**
 * File names from the other side are data, never paths: what the sender offers and what the
 * receiver saves go through {@link sanitizeFileName}, and the UI shows them with text
 * interpolation only.
 */
import { MAX_FILE_NAME_CHARS, UNSAFE_NAME_CHARS_RE } from '@protocol/file.ts';
import { extensionOf } from '@protocol/file-policy.ts';

const UNSAFE_GLOBAL = new RegExp(UNSAFE_NAME_CHARS_RE.source, 'g');
/** Kept when a long name is cut, so the file still opens with the right program. */
const MAX_KEPT_EXTENSION = 16;

/**
 * One safe path segment: the last segment of any path, without control or bidi-override
 * characters, without leading dots (no hidden files, no `..`), at most 255 characters with the
 * extension kept, and never empty.
 *
 * @example sanitizeFileName('C:\\Users\\a\\..\\report\u202Efdp.exe') // 'reportfdp.exe'
 */
export function sanitizeFileName(name: string, fallback = 'file'): string {
  const segment = name.normalize('NFC').split(/[/\\]/).pop() ?? '';
  const clean = segment.replace(UNSAFE_GLOBAL, '').trim().replace(/^\.+/, '').trim();
  if (!clean) return fallback;
  const chars = Array.from(clean); // by code point: never cut a surrogate pair in two
  if (chars.length <= MAX_FILE_NAME_CHARS && clean.length <= MAX_FILE_NAME_CHARS) return clean;
  const extension = extensionOf(clean);
  const keep = extension.length <= MAX_KEPT_EXTENSION ? extension : '';
  let stem = chars.slice(0, chars.length - keep.length);
  while (stem.join('').length + keep.length > MAX_FILE_NAME_CHARS) stem = stem.slice(0, -1);
  return stem.join('').trimEnd() + keep;
}
