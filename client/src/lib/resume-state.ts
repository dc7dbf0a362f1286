/**
 * What a page needs to rejoin its live session after a reload: kept in `sessionStorage`
 * (this tab only; it survives a reload and a reopened tab, not a new tab) and never sent
 * anywhere. The session key is in it: whoever can run script in this page could read it
 * anyway, which is why the page's own code is what must be trusted (SECURITY.md).
 */
import * as v from 'valibot';
import { fromBase64Url, toBase64Url } from '@protocol/base64.ts';
import type { Role } from '@protocol/cpace.ts';
import { PeerType, type Chat } from '@protocol/peer.ts';
import type { TranscriptEvent } from './transcript.ts';
import { RESUME_KEY_PREFIX } from './resume-key.ts';

const KEY_PREFIX = RESUME_KEY_PREFIX;
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
  /** False for a desk session whose safety code nobody has confirmed yet (absent: a code session). */
  authenticated: v.optional(v.boolean()),
});
export type ResumeState = v.InferOutput<typeof ResumeStateSchema>;

function storage(): Storage | null {
  try {
    return globalThis.sessionStorage ?? null;
  } catch {
    return null; // storage disabled: the session simply cannot be rejoined after a reload
  }
}

/**
 * A customer page has one session; a rep console has several (one per tab), each under its
 * own key so a reload rejoins all of them.
 */
function keyFor(role: Role, recordId?: string): string {
  return role === 'rep' && recordId ? `${KEY_PREFIX}rep-${recordId}` : KEY_PREFIX + role;
}

export function saveResumeState(state: ResumeState): void {
  try {
    storage()?.setItem(keyFor(state.role, state.recordId), JSON.stringify(state));
  } catch {
    // full or disabled: rejoining after a reload will not be possible, nothing else changes
  }
}

/** The saved state for `role` (a customer's one session), or null (none, or damaged: a damaged one is removed). */
export function loadResumeState(role: Role): ResumeState | null {
  return loadKey(KEY_PREFIX + role, role);
}

/** Every live session a rep console saved before a reload (one per tab); damaged entries are removed. */
export function loadRepResumeStates(): ResumeState[] {
  const keys: string[] = [];
  try {
    const store = storage();
    for (let i = 0; store && i < store.length; i++) {
      const key = store.key(i);
      if (key === KEY_PREFIX + 'rep' || key?.startsWith(`${KEY_PREFIX}rep-`)) keys.push(key);
    }
  } catch {
    return []; // storage denied: nothing to rejoin
  }
  return keys.flatMap((key) => loadKey(key, 'rep') ?? []);
}

function loadKey(key: string, role: Role): ResumeState | null {
  let raw: string | null | undefined;
  try {
    raw = storage()?.getItem(key);
  } catch {
    return null; // storage denied: nothing to rejoin
  }
  if (!raw) return null;
  try {
    const parsed = v.safeParse(ResumeStateSchema, JSON.parse(raw));
    // A rep entry must sit under its own record's key: a swapped entry is not trusted.
    if (parsed.success && parsed.output.role === role && (key === KEY_PREFIX + role || key === keyFor(role, parsed.output.recordId))) return parsed.output;
  } catch {
    // not JSON
  }
  removeKey(key);
  return null;
}

/** Forgets the saved state of `role` (a rep: of the session `recordId`). */
export function clearResumeState(role: Role, recordId?: string): void {
  removeKey(keyFor(role, recordId));
}

function removeKey(key: string): void {
  try {
    storage()?.removeItem(key);
  } catch {
    // nothing to clear
  }
}

/** Saves a verified session's key, room and epoch for `recordId` (see Session.resumeSnapshot). */
export function saveSnapshot(role: Role, snapshot: { sid: Uint8Array; isk: Uint8Array; epoch: number; authenticated?: boolean }, recordId: string): void {
  const { authenticated } = snapshot;
  saveResumeState({ v: 1, role, sid: toBase64Url(snapshot.sid), isk: toBase64Url(snapshot.isk), epoch: snapshot.epoch, recordId, savedAt: Date.now(), ...(authenticated === false ? { authenticated } : {}) });
}

/** The saved key and room as bytes, with the epoch to continue from (and whether the session is authenticated). */
export function savedKeys(state: ResumeState): { sid: Uint8Array; isk: Uint8Array; lastEpoch: number; authenticated: boolean } {
  return { sid: fromBase64Url(state.sid), isk: fromBase64Url(state.isk), lastEpoch: state.epoch, authenticated: state.authenticated ?? true };
}

/**
 * From the stored transcript: our chat messages the peer never acknowledged (sent again once a
 * link is up) and the ids of the peer's messages we already have (not shown twice).
 */
export function conversationFromTranscript(events: readonly TranscriptEvent[], role: Role): { unacked: Chat[]; seen: string[] } {
  const receipts = new Set(events.filter((e) => e.kind === 'receipt').map((e) => e.id));
  const chats = events.filter((e) => e.kind === 'chat');
  return {
    unacked: chats.filter((e) => e.from === role && !receipts.has(e.id)).map((e) => ({ type: PeerType.Chat, id: e.id, text: e.text, sentAt: e.at })),
    seen: chats.filter((e) => e.from !== role).map((e) => e.id),
  };
}
