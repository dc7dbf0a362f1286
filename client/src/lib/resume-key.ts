/**
 * Where a page keeps what a reload needs to rejoin its session (resume-state.ts has the
 * rest). Apart so a page can ask "was this tab in a session?" before loading the session code.
 */
export const RESUME_KEY_PREFIX = 'parley-resume-';
/** The customer's one session (the customer page and the support portal share it: same tab). */
export const CUSTOMER_RESUME_KEY = `${RESUME_KEY_PREFIX}customer`;

/** Cheap check before loading the session code: was this tab in a live session before a reload? */
export function hasSavedCustomerSession(): boolean {
  try {
    return !!sessionStorage.getItem(CUSTOMER_RESUME_KEY);
  } catch {
    return false;
  }
}
