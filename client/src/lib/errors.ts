/**
 * The one place where errors become words. Modules throw ParleyErrors; the UI calls
 * `describeError` and shows the result in a role="alert" element.
 */
import { ParleyError, SECURITY_ERRORS, isErrorCode } from '@protocol/errors.ts';
import type { Role } from '@protocol/cpace.ts';
import { t, type MessageKey } from './i18n/index.svelte.ts';
import { en } from './i18n/en.ts';

export interface UserError {
  message: string;
  /** Security errors get a stronger look: someone may be attacking. */
  security: boolean;
  code: string;
}

export function describeError(err: unknown, role: Role): UserError {
  if (err instanceof ParleyError && isErrorCode(err.code)) {
    // Some errors read differently for the rep (who gives codes) than for the customer (who types them).
    const repKey = `error.rep.${err.code}`;
    const key = (role === 'rep' && repKey in en ? repKey : `error.${err.code}`) as MessageKey;
    // A customer's failed code is almost always a typo: no alarm styling for them.
    const typo = role === 'customer' && (err.code === 'BAD_KEY' || err.code === 'ROOM_BURNED');
    return { message: t(key), security: SECURITY_ERRORS.has(err.code) && !typo, code: err.code };
  }
  const detail = err instanceof Error ? err.message : String(err);
  return { message: t('error.unknown', { detail }), security: false, code: 'UNKNOWN' };
}
