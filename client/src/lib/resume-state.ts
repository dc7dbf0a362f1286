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

/** Saves a verified session's key, room and epoch for `recordId` (see Session.resumeSnapshot). */
export function saveSnapshot(role: Role, snapshot: { sid: Uint8Array; isk: Uint8Array; epoch: number }, recordId: string): void {
  saveResumeState({ v: 1, role, sid: toBase64Url(snapshot.sid), isk: toBase64Url(snapshot.isk), epoch: snapshot.epoch, recordId, savedAt: Date.now() });
}

/** The saved key and room as bytes, with the epoch to continue from. */
export function savedKeys(state: ResumeState): { sid: Uint8Array; isk: Uint8Array; lastEpoch: number } {
  return { sid: fromBase64Url(state.sid), isk: fromBase64Url(state.isk), lastEpoch: state.epoch };
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
