/**
 * What files may be sent: set on the server (`FILE_MAX_BYTES`, `FILE_MAX_COUNT`, `FILE_TYPES`,
 * `FILE_AUTO_ACCEPT_FROM_REP`), handed to both browsers in the room answer, and enforced by
 * both: the sender before anything leaves, the receiver on every offer (PROTOCOL.md §11.3).
 */
import * as v from 'valibot';
import { MAX_FILES_PER_OFFER, MAX_FILE_BYTES } from './file.ts';

/**
 * An allowed type: a MIME type (`application/pdf`), a wildcard (`image/*`, `*` for anything) or
 * a file name extension (`.log`), all in lower case.
 */
export const FILE_TYPE_PATTERN_RE = /^(?:\*|\*\/\*|[a-z0-9][a-z0-9!#$&^_.+-]*\/(?:\*|[a-z0-9][a-z0-9!#$&^_.+-]*)|\.[a-z0-9][a-z0-9_+-]{0,15})$/;
/** Most patterns in a policy. */
export const MAX_FILE_TYPE_PATTERNS = 64;

/**
 * @example { maxBytes: 20971520, maxCount: 5, types: ['text/*', 'application/pdf', 'image/*'], autoAcceptFromRep: false }
 */
export const FilePolicySchema = v.object({
  /** Largest file, in bytes. */
  maxBytes: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(MAX_FILE_BYTES)),
  /** Most files with one message. */
  maxCount: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_FILES_PER_OFFER)),
  /** Allowed types; see {@link FILE_TYPE_PATTERN_RE}. Empty: no file may be sent. */
  types: v.pipe(v.array(v.pipe(v.string(), v.regex(FILE_TYPE_PATTERN_RE))), v.maxLength(MAX_FILE_TYPE_PATTERNS)),
  /** The customer's browser accepts files from the rep without asking. */
  autoAcceptFromRep: v.boolean(),
});
export type FilePolicy = v.InferOutput<typeof FilePolicySchema>;

/** Used when the server sends no policy: text, PDF and images, 5 files of up to 20 MB. */
export const DEFAULT_FILE_POLICY: Readonly<FilePolicy> = Object.freeze({
  maxBytes: 20 * 1024 * 1024,
  maxCount: 5,
  types: Object.freeze(['text/*', 'application/pdf', 'image/*']) as string[],
  autoAcceptFromRep: false,
});

/** A file's extension in lower case with its dot (`.tar.gz` → `.gz`), or '' if it has none. */
export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 && dot < name.length - 1 ? name.slice(dot).toLowerCase() : '';
}

/** Whether a file of this MIME type and name matches one of the patterns. */
export function typeAllowed(types: readonly string[], mime: string, name: string): boolean {
  const type = mime.toLowerCase();
  const extension = extensionOf(name);
  return types.some((pattern) => {
    if (pattern === '*' || pattern === '*/*') return true;
    if (pattern.startsWith('.')) return extension === pattern;
    if (pattern.endsWith('/*')) return type.startsWith(pattern.slice(0, -1));
    return type === pattern;
  });
}

/** Which rule a file breaks. */
export type FileRule =
  | { rule: 'type'; mime: string }
  | { rule: 'size'; size: number; max: number }
  | { rule: 'count'; max: number };

/** The rule one file breaks (type first, then size), or null. */
export function checkFile(policy: FilePolicy, file: { name: string; size: number; mime: string }): FileRule | null {
  if (!typeAllowed(policy.types, file.mime, file.name)) return { rule: 'type', mime: file.mime };
  if (file.size > policy.maxBytes) return { rule: 'size', size: file.size, max: policy.maxBytes };
  return null;
}

/**
 * The rule each file of one message breaks, in order: its own type and size first, then the
 * count (files past `maxCount` break it).
 */
export function checkBatch(policy: FilePolicy, files: readonly { name: string; size: number; mime: string }[]): (FileRule | null)[] {
  return files.map((file, index) => checkFile(policy, file) ?? (index >= policy.maxCount ? { rule: 'count', max: policy.maxCount } : null));
}
