/**
 * What a page needs to rejoin its live session after a reload: kept in `sessionStorage`
 * (this tab only; it survives a reload and a reopened tab, not a new tab) and never sent
 * anywhere. The session key is in it: whoever can run script in this page could read it
 * anyway, which is why the page's own code is what must be trusted (SECURITY.md).
 */
import * as v from 'valibot';
import type { Role } from '@protocol/cpace.ts';

const KEY_PREFIX = 'parley-resume-';
const b64 = (chars: number) => v.pipe(v.string(), v.regex(new RegExp(`^[A-Za-z0-9_-]{${chars}}$`)));

const ResumeStateSchema = v.object({
  v: v.literal(1),
  role: v.picklist(['rep', 'customer']),
  /** Room id (32 bytes) and session key (the 64-byte CPace ISK), base64url. */
  sid: b64(43),
  isk: b64(86),
  /** Epoch of the last link that was up. */
  epoch: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(2 ** 31)),
  /** The transcript's record in IndexedDB. */
  recordId: v.pipe(v.string(), v.maxLength(64)),
  savedAt: v.number(),
});
export type ResumeState = v.InferOutput<typeof ResumeStateSchema>;

function storage(): Storage | null {
  try {
    return globalThis.sessionStorage ?? null;
  } catch {
    return null; // storage disabled: the session simply cannot be rejoined after a reload
  }
}

export function saveResumeState(state: ResumeState): void {
  try {
    storage()?.setItem(KEY_PREFIX + state.role, JSON.stringify(state));
  } catch {
    // full or disabled: rejoining after a reload will not be possible, nothing else changes
  }
}

/** The saved state for `role`, or null (none, or damaged: a damaged one is removed). */
export function loadResumeState(role: Role): ResumeState | null {
  let raw: string | null | undefined;
  try {
    raw = storage()?.getItem(KEY_PREFIX + role);
  } catch {
    return null; // storage denied: nothing to rejoin
  }
  if (!raw) return null;
  try {
    const parsed = v.safeParse(ResumeStateSchema, JSON.parse(raw));
    if (parsed.success && parsed.output.role === role) return parsed.output;
  } catch {
    // not JSON
  }
  clearResumeState(role);
  return null;
}

export function clearResumeState(role: Role): void {
  try {
    storage()?.removeItem(KEY_PREFIX + role);
  } catch {
    // nothing to clear
  }
}
