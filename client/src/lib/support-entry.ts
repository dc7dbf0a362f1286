/**
 * What the portal page reads from its address: `?queue=` (preselected queue) and the
 * organisation's signed identity token in the fragment (`#signed=…`: a fragment never reaches
 * the server's logs). The token is taken out of the address bar at once and kept for this tab
 * only, so a reload still has it.
 */
import { CUSTOMER_LIMITS } from '@protocol/limits.ts';

const SIGNED_KEY = 'parley.support.signed';

export function requestedQueue(search: string): string | null {
  return new URLSearchParams(search).get('queue');
}

/** Takes `signed` from the fragment (and out of the address bar and history), else the tab's saved one. */
export function takeSignedToken(loc: Pick<Location, 'hash' | 'pathname' | 'search'>, history?: Pick<History, 'replaceState'>, storage: Pick<Storage, 'getItem' | 'setItem'> | undefined = globalThis.sessionStorage): string | undefined {
  const fragment = new URLSearchParams(loc.hash.replace(/^#/, ''));
  const token = fragment.get('signed');
  if (token !== null) {
    history?.replaceState(null, '', loc.pathname + loc.search);
    if (token.length > 0 && token.length <= CUSTOMER_LIMITS.signed) {
      try {
        storage?.setItem(SIGNED_KEY, token);
      } catch {
        // storage blocked: the token still goes with this request
      }
      return token;
    }
    return undefined; // an oversized token is not passed on: the rep would only see it rejected
  }
  try {
    return storage?.getItem(SIGNED_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}
