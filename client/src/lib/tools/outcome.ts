/** How a session ended, in a word for lists (history) and the wrap-up panel. */
import { t, type MessageKey } from '../i18n/index.svelte.ts';
import type { SessionRecord } from '../transcript.ts';

const KEYS: Record<NonNullable<SessionRecord['outcome']>, MessageKey> = {
  ended: 'rep.history.ended',
  failed: 'rep.history.failed',
  solved: 'rep.history.solved',
  cancelled: 'rep.history.cancelled',
  'customer-ended': 'rep.history.customerEnded',
};

export function outcomeLabel(record: Pick<SessionRecord, 'outcome'>): string {
  return t(KEYS[record.outcome ?? 'ended']);
}
