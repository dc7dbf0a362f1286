/**
 * Files picked, dropped or pasted into the composer, before they are sent: each with the rule
 * it breaks (checked as soon as it is added, so nothing is refused by surprise at Send).
 */
import { checkBatch, type FilePolicy } from '@protocol/file-policy.ts';
import { describeViolation } from './describe.ts';
import { isPreviewable, offeredMime } from './mime.ts';
import { describeChosen } from './prepare.ts';

export interface Attachment {
  id: number;
  file: File;
  /** Object URL of the picture, for images (a thumbnail in the tray); revoke when removed. */
  thumbnail: string | null;
  /** The rule it breaks, as a sentence naming the file, or null. */
  problem: string | null;
}

let nextId = 1;

export function toAttachment(file: File): Attachment {
  const thumbnail = isPreviewable(offeredMime(file.type, file.name)) ? URL.createObjectURL(file) : null;
  return { id: nextId++, file, thumbnail, problem: null };
}

/** The same list with each file's problem worked out against the policy (files past the count included). */
export function checkAttachments(list: readonly Attachment[], policy: FilePolicy): Attachment[] {
  const described = list.map((a) => describeChosen(a.file));
  const rules = checkBatch(policy, described);
  return list.map((attachment, i) => {
    const rule = rules[i];
    const { name, mime } = described[i]!;
    return { ...attachment, problem: rule ? describeViolation({ name, mime, rule }) : null };
  });
}

/**
 * A pasted picture comes named `image.png` every time: give it a name that says what it is
 * and when it was taken.
 */
export function namePasted(file: File, now = new Date()): File {
  if (file.name && file.name !== 'image.png') return file;
  const stamp = now.toISOString().slice(0, 19).replace('T', '-').replace(/:/g, '-');
  const extension = file.type === 'image/jpeg' ? 'jpg' : (file.type.split('/')[1] ?? 'png').replace(/[^a-z0-9]/g, '') || 'png';
  return new File([file], `pasted-image-${stamp}.${extension}`, { type: file.type, lastModified: file.lastModified });
}

/** The file picker's `accept` list from the policy (a hint only: everything is checked anyway). */
export function acceptAttribute(policy: FilePolicy): string | undefined {
  if (policy.types.some((type) => type === '*' || type === '*/*')) return undefined;
  return policy.types.join(',');
}
