/**
 * What this side said when a transfer ended, to say again when the peer may have missed it: the
 * link dropped around that moment, or the peer asks to resume a file that is already over.
 * Only endings this side decided are repeated; the peer knows its own.
 */
import { FileType, type FileMessage } from '@protocol/file.ts';
import type { IncomingFile } from './incoming.ts';
import type { OutgoingFile } from './outgoing.ts';

export function finalAnswer(t: IncomingFile | OutgoingFile): FileMessage | null {
  const { fid } = t;
  if (t.state === 'cancelled' && t.by === 'me') return { type: FileType.Cancel, fid, reason: 'cancelled' };
  if (t.direction === 'out') return t.state === 'failed' && t.failure === 'read' ? { type: FileType.Cancel, fid, reason: 'error' } : null;
  if (t.state === 'declined' && t.by !== 'peer') return { type: FileType.Decline, fid, reason: t.declineReason ?? 'declined' };
  if (t.state === 'done') return { type: FileType.Done, fid, ok: true };
  if (t.state !== 'failed') return null;
  if (t.failure === 'corrupt') return { type: FileType.Done, fid, ok: false };
  if (t.failure === 'protocol' || t.failure === 'check') return { type: FileType.Cancel, fid, reason: 'error' };
  return null;
}
