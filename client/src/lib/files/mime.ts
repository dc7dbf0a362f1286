/**
 * The MIME type offered for a file: the browser's, or a guess from the extension when the
 * browser has none (common for .log, .md, .csv on some systems). Both sides check the policy
 * against this claim; the bytes are never interpreted by type (see blobType).
 */
import { MAX_MIME_CHARS, MIME_RE } from '@protocol/file.ts';
import { extensionOf } from '@protocol/file-policy.ts';

const BY_EXTENSION: Record<string, string> = {
  '.txt': 'text/plain',
  '.log': 'text/plain',
  '.md': 'text/markdown',
  '.csv': 'text/csv',
  '.tsv': 'text/tab-separated-values',
  '.pdf': 'application/pdf',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.heic': 'image/heic',
};

/** The type to offer: lower case, valid, or '' when unknown. */
export function offeredMime(type: string, name: string): string {
  const claimed = type.toLowerCase().split(';')[0]!.trim();
  if (claimed && claimed.length <= MAX_MIME_CHARS && MIME_RE.test(claimed)) return claimed;
  return BY_EXTENSION[extensionOf(name)] ?? '';
}

/** Raster images a browser shows in `<img>` without running anything (so never SVG). */
const PREVIEWABLE = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif', 'image/bmp']);

export function isPreviewable(mime: string): boolean {
  return PREVIEWABLE.has(mime);
}

/**
 * The type given to a received file's Blob. A blob: URL has this page's origin, so a received
 * HTML or SVG file opened from it would run as Parley: everything but previewable images is
 * saved as opaque bytes.
 */
export function blobType(mime: string): string {
  return isPreviewable(mime) ? mime : 'application/octet-stream';
}
