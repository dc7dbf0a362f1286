/**
 * File transfer outcomes in words: the rule a file broke, a transfer's state, a failure.
 * Names are passed as parameters and shown with text interpolation only.
 */
import type { DeclineReason } from '@protocol/file.ts';
import type { FilePolicy } from '@protocol/file-policy.ts';
import { t } from '../i18n/index.svelte.ts';
import { formatBytes } from './format.ts';
import type { FileViolation } from './prepare.ts';
import type { FailureReason, Transfer } from './types.ts';

/** The sender's sentence for a refused file: “holiday.mov” can’t be sent: files of type video/quicktime are not allowed. */
export function describeViolation({ name, rule }: FileViolation): string {
  switch (rule.rule) {
    case 'type':
      return rule.mime ? t('files.refused.type', { file: name, type: rule.mime }) : t('files.refused.typeUnknown', { file: name });
    case 'size':
      return t('files.refused.size', { file: name, size: formatBytes(rule.size), max: formatBytes(rule.max) });
    case 'count':
      return t('files.refused.count', { file: name, max: rule.max });
  }
}

/** Why a policy declined a file (the receiver's policy comes from the same server as ours). */
export function describeDeclineReason(reason: Exclude<DeclineReason, 'declined'>, transfer: Pick<Transfer, 'meta'>, policy: FilePolicy): string {
  switch (reason) {
    case 'type':
      return transfer.meta.mime ? t('files.reason.type', { type: transfer.meta.mime }) : t('files.reason.typeUnknown');
    case 'size':
      return t('files.reason.size', { size: formatBytes(transfer.meta.size), max: formatBytes(policy.maxBytes) });
    case 'count':
      return t('files.reason.count', { max: policy.maxCount });
    case 'busy':
      return t('files.reason.busy');
  }
}

export function describeFailure(reason: FailureReason | undefined): string {
  return t(`files.failure.${reason ?? 'peer-error'}`);
}

/** What the status line needs of a transfer (the engine's object, or the UI's reactive mirror). */
export type TransferStatus = Pick<Transfer, 'direction' | 'meta' | 'state' | 'bytes' | 'by' | 'declineReason' | 'failure'>;

/** The status line of a transfer card row, or null while the progress bar says it all. */
export function describeState(transfer: TransferStatus, peerName: string, policy: FilePolicy): string | null {
  const name = peerName;
  const out = transfer.direction === 'out';
  switch (transfer.state) {
    case 'offered':
      return out ? t('files.state.waiting', { name }) : t('files.state.incoming');
    case 'active':
      return transfer.bytes === 0 ? t('files.state.starting') : null;
    case 'paused':
      return t('files.state.paused');
    case 'verifying':
      return t('files.state.verifying', { name });
    case 'done':
      return out ? t('files.state.sent', { name }) : t('files.state.received');
    case 'declined': {
      const reason = transfer.declineReason ?? 'declined';
      if (reason === 'declined') return transfer.by === 'me' ? t('files.state.declinedByMe') : t('files.state.declinedByPeer', { name });
      const why = describeDeclineReason(reason, transfer, policy);
      return out ? t('files.state.refusedByPeer', { name, reason: why }) : t('files.state.autoDeclined', { reason: why });
    }
    case 'cancelled':
      return transfer.by === 'me' ? t('files.state.cancelledByMe') : t('files.state.cancelledByPeer', { name });
    case 'failed':
      return t('files.state.failed', { reason: describeFailure(transfer.failure) });
  }
}
