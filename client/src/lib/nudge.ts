/**
 * The nudge cooldown, on both ends. The rep's side refuses to send a nudge within
 * NUDGE_COOLDOWN_MS of the last one; the customer's side does not trust that and acts on at
 * most one nudge per NUDGE_RECEIVER_WINDOW_MS, so a modified or buggy peer flooding nudges
 * cannot make the page shake and beep over and over.
 */
import { ParleyError } from '@protocol/errors.ts';
import { NUDGE_COOLDOWN_MS, NUDGE_RECEIVER_WINDOW_MS } from '@protocol/peer.ts';

/** Sender side: when the next nudge may go out. */
export class NudgeCooldown {
  private readyAt = 0;

  constructor(private readonly cooldownMs = NUDGE_COOLDOWN_MS) {}

  /**
   * Takes the next nudge: returns when the one after it is allowed (ms since the epoch).
   * @throws ParleyError `NUDGE_TOO_SOON` inside the cooldown (nothing is consumed)
   */
  take(now: number): number {
    if (now < this.readyAt) throw new ParleyError('NUDGE_TOO_SOON', `next nudge in ${this.readyAt - now} ms`);
    this.readyAt = now + this.cooldownMs;
    return this.readyAt;
  }
}

/**
 * Receiver side. `act`: show this nudge. `warn`: ignore it and say so (once per window, so the
 * log is not flooded either). `ignore`: ignore it quietly.
 */
export type NudgeVerdict = 'act' | 'warn' | 'ignore';

export class NudgeGate {
  private lastActed = -Infinity;
  private warned = false;

  constructor(private readonly windowMs = NUDGE_RECEIVER_WINDOW_MS) {}

  receive(now: number): NudgeVerdict {
    if (now - this.lastActed >= this.windowMs) {
      this.lastActed = now;
      this.warned = false;
      return 'act';
    }
    if (this.warned) return 'ignore';
    this.warned = true;
    return 'warn';
  }
}
