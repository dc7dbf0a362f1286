/**
 * Image previews: the sender draws a small JPEG thumbnail on a canvas and puts it in the offer
 * as a `data:` URL (at most MAX_PREVIEW_CHARS), so the receiver sees the picture before
 * accepting. The receiver turns it back into a Blob and shows it with `<img src="blob:…">`.
 */
import { MAX_PREVIEW_CHARS, PREVIEW_RE } from '@protocol/file.ts';
import { isPreviewable } from './mime.ts';

/** Longest side of a thumbnail, in pixels (drawn at 2× for sharp screens, shown at ~64 px). */
const THUMBNAIL_PIXELS = 128;
/** Images above this are not decoded just for a thumbnail. */
const MAX_SOURCE_BYTES = 25 * 1024 * 1024;

export async function makePreview(file: Blob, mime: string): Promise<string | undefined> {
  if (!isPreviewable(mime) || file.size > MAX_SOURCE_BYTES || typeof createImageBitmap !== 'function') return undefined;
  const bitmap = await createImageBitmap(file);
  try {
    const scale = Math.min(1, THUMBNAIL_PIXELS / Math.max(bitmap.width, bitmap.height));
    const width = Math.max(1, Math.round(bitmap.width * scale));
    const height = Math.max(1, Math.round(bitmap.height * scale));
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext('2d');
    if (!context) return undefined;
    context.fillStyle = '#fff'; // JPEG has no transparency
    context.fillRect(0, 0, width, height);
    context.drawImage(bitmap, 0, 0, width, height);
    for (const quality of [0.8, 0.6, 0.4]) {
      const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality });
      const url = `data:image/jpeg;base64,${toBase64(new Uint8Array(await blob.arrayBuffer()))}`;
      if (url.length <= MAX_PREVIEW_CHARS) return url;
    }
    return undefined;
  } finally {
    bitmap.close();
  }
}

/** The image of a checked `data:` preview as a Blob (for an object URL), or null if it is not one. */
export function previewBlob(dataUrl: string | undefined): Blob | null {
  if (!dataUrl || dataUrl.length > MAX_PREVIEW_CHARS || !PREVIEW_RE.test(dataUrl)) return null;
  const comma = dataUrl.indexOf(',');
  const mime = dataUrl.slice(5, dataUrl.indexOf(';'));
  try {
    const binary = atob(dataUrl.slice(comma + 1));
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return new Blob([bytes], { type: mime });
  } catch {
    return null;
  }
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
