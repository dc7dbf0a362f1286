/**
 * Turns files chosen by the person into an offer: checked against the policy first (nothing is
 * read or sent for a batch that breaks it), then hashed, then described.
 */
import { ParleyError, type ErrorCode } from '@protocol/errors.ts';
import { FileType, type FileMeta, type FileOffer } from '@protocol/file.ts';
import { checkBatch, type FilePolicy, type FileRule } from '@protocol/file-policy.ts';
import { MAX_CHAT_CHARS, MAX_PEER_PLAINTEXT } from '@protocol/limits.ts';
import { newMessageId } from '@protocol/peer.ts';
import { contentHashOf } from './hash-file.ts';
import { offeredMime } from './mime.ts';
import { sanitizeFileName } from './names.ts';

/** A file as the person chose it (a File, or any Blob with a name). */
export interface ChosenFile {
  readonly name: string;
  readonly size: number;
  readonly type: string;
  slice(start?: number, end?: number): Blob;
}

/** The rule a chosen file breaks, with the name and type it would be offered under. */
export interface FileViolation {
  name: string;
  mime: string;
  rule: FileRule;
}

const RULE_CODES: Record<FileRule['rule'], ErrorCode> = {
  size: 'FILE_TOO_LARGE',
  type: 'FILE_TYPE_NOT_ALLOWED',
  count: 'TOO_MANY_FILES',
};

/** Files that break the policy; `code` is the first one's. Thrown before anything is sent. */
export class FilePolicyError extends ParleyError {
  constructor(readonly violations: readonly FileViolation[]) {
    super(RULE_CODES[violations[0]!.rule.rule], violations.map((v) => `${v.name}: ${v.rule.rule}`).join(', '));
  }
}

/** Name and type each file would be offered under. */
export function describeChosen(file: ChosenFile): { name: string; size: number; mime: string } {
  const name = sanitizeFileName(file.name);
  return { name, size: file.size, mime: offeredMime(file.type, name) };
}

/** Every rule the files break, in order (empty when they may be sent). */
export function policyViolations(policy: FilePolicy, files: readonly ChosenFile[]): FileViolation[] {
  const described = files.map(describeChosen);
  return checkBatch(policy, described).flatMap((rule, i) => (rule ? [{ name: described[i]!.name, mime: described[i]!.mime, rule }] : []));
}

export interface PrepareOptions {
  policy: FilePolicy;
  /** Bytes hashed so far over the whole batch. */
  onProgress?: (hashed: number, total: number) => void;
  /** A small `data:` image preview for a file, or undefined. */
  makePreview?: (file: ChosenFile, mime: string) => Promise<string | undefined>;
}

/**
 * Checks, hashes and describes the files.
 * @throws FilePolicyError when a file breaks the policy, ParleyError `PAYLOAD_TOO_LARGE` for a text over the chat limit
 */
export async function prepareOffer(files: readonly ChosenFile[], text: string | undefined, options: PrepareOptions): Promise<FileOffer> {
  if (files.length === 0) throw new ParleyError('MALFORMED', 'no files');
  const violations = policyViolations(options.policy, files);
  if (violations.length > 0) throw new FilePolicyError(violations);
  if (text !== undefined && text.length > MAX_CHAT_CHARS) throw new ParleyError('PAYLOAD_TOO_LARGE', 'message too long');

  const total = files.reduce((sum, f) => sum + f.size, 0);
  let before = 0;
  const metas: FileMeta[] = [];
  for (const file of files) {
    const { name, size, mime } = describeChosen(file);
    const preview = options.makePreview?.(file, mime).catch(() => undefined);
    const offset = before;
    const sha256 = await contentHashOf(file.slice(), (done) => options.onProgress?.(offset + done, total));
    before += size;
    const meta: FileMeta = { fid: newMessageId(), name, size, mime, sha256 };
    const image = await preview;
    if (image) meta.preview = image;
    metas.push(meta);
  }
  return fitOffer({ type: FileType.Offer, id: newMessageId(), files: metas, ...(text ? { text } : {}) });
}

const encoder = new TextEncoder();

/** Previews are a nicety: dropped, last first, until the sealed offer fits in one peer message. */
export function fitOffer(offer: FileOffer): FileOffer {
  const files = offer.files.map((f) => ({ ...f }));
  const fitted = { ...offer, files };
  for (let i = files.length - 1; i >= 0 && encoder.encode(JSON.stringify(fitted)).length > MAX_PEER_PLAINTEXT; i--) {
    delete files[i]!.preview;
  }
  return fitted;
}
