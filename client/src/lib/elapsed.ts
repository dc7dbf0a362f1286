/**
 * "Time since you last wrote to this customer", for the coloured icon on each console tab.
 * Pure functions over the transcript, so the rules are testable with a fake clock:
 *
 * - the clock runs only while the customer is connected (live and verified); otherwise the
 *   tab shows no colour ("idle");
 * - it counts from the rep's last message, or, before the rep wrote anything, from when the
 *   customer connected (a customer who just arrived is waiting for a first answer too);
 * - below `amberSeconds` it is green ("ok"), from `amberSeconds` amber, from `redSeconds` red.
 */
import type { ElapsedThresholds } from '@protocol/desk-config.ts';
import type { Role } from '@protocol/cpace.ts';
import type { TranscriptEvent } from './transcript.ts';

export type ElapsedLevel = 'idle' | 'ok' | 'amber' | 'red';




/** The system events that mean "the customer is connected now" (first join, or back after a drop). */
const CONNECTED_KEYS = new Set(['event.secured', 'event.rejoined']);

/**
 * When the clock started: the rep's last chat message, else the moment the customer connected;
 * null when neither happened yet. Scans from the end: a long log costs one short walk.
 */
export function elapsedSince(events: readonly TranscriptEvent[], ownRole: Role): number | null {
  let connectedAt: number | null = null;
  for (let i = events.length - 1; i >= 0; i--) {
    const event = events[i]!;
    if (event.kind === 'chat' && event.from === ownRole) return event.at;
    if (event.kind === 'system' && CONNECTED_KEYS.has(event.key)) connectedAt = event.at;
  }
  return connectedAt;
}

export function elapsedLevel(since: number | null, now: number, running: boolean, thresholds: ElapsedThresholds): ElapsedLevel {
  if (!running || since === null) return 'idle';
  const seconds = Math.max(0, now - since) / 1000;
  if (seconds >= thresholds.redSeconds) return 'red';
  if (seconds >= thresholds.amberSeconds) return 'amber';
  return 'ok';
}

/** Whole seconds elapsed (never negative: clocks step back sometimes). */
export function elapsedSeconds(since: number, now: number): number {
  return Math.max(0, Math.floor((now - since) / 1000));
}
