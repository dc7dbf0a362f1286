/**
 * What "Leave session" wipes besides the transcript: every key this origin keeps in
 * sessionStorage and localStorage, except preferences that belong to the person, not to a
 * session (language, text size, the rep's own name on a shared origin). A feature that stores
 * a new preference names it `parley.pref.…` (or adds it to PREFERENCE_KEYS) so it survives.
 */
export const PREFERENCE_KEYS: ReadonlySet<string> = new Set([
  'parley.locale',
  'parley.rep.name',
  'parley.customer.textSize',
  'parley.rep.textSize',
  // Asked once for notifications: leaving must not make the page ask again.
  'parley.notifications.asked',
]);

export function isPreferenceKey(key: string): boolean {
  return PREFERENCE_KEYS.has(key) || key.startsWith('parley.pref.');
}

/** Removes session data from the given storages (this page's by default); storage errors are ignored. */
export function forgetStoredSessionData(storages: () => Storage[] = () => [globalThis.sessionStorage, globalThis.localStorage]): void {
  let list: Storage[];
  try {
    list = storages().filter(Boolean);
  } catch {
    return; // storage blocked (private mode, policy): nothing was kept there either
  }
  for (const storage of list) {
    try {
      const keys = Array.from({ length: storage.length }, (_, i) => storage.key(i)).filter((k): k is string => k !== null);
      for (const key of keys) if (!isPreferenceKey(key)) storage.removeItem(key);
    } catch {
      // one storage failing must not stop the other
    }
  }
}
