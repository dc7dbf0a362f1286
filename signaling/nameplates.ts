/**
 * Nameplate allocation for the signaling server.
 *
 * Nameplates are random (never sequential), never start with 0, and are unique among live rooms
 * *and* tombstones (the caller says what is taken), so a stale code never lands in someone else's
 * new room (where a wrong-code PAKE would burn it). Length 3 is used while at most half of the 900
 * three-digit nameplates are taken, then 4, 5, 6 digits. Keeping each length at most half full
 * bounds the random search to two draws on average.
 */
import { NAMEPLATE_MAX_DIGITS, NAMEPLATE_MIN_DIGITS } from '../protocol/code.ts';

/** Number of nameplates with `digits` digits (no leading zero). */
export function nameplateSpace(digits: number): number {
  return 9 * 10 ** (digits - 1);
}

/** Most nameplates that can be in use at once (each length at most half full). */
export const NAMEPLATE_CAPACITY = (() => {
  let total = 0;
  for (let d = NAMEPLATE_MIN_DIGITS; d <= NAMEPLATE_MAX_DIGITS; d++) total += Math.floor(nameplateSpace(d) / 2);
  return total;
})();

const MAX_DRAWS = 64;

export class NameplatePool {
  /** Nameplates in use per number of digits. */
  readonly #usedByDigits = new Map<number, number>();

  /** @param randomInt uniform random integer in [min, max) */
  constructor(private readonly randomInt: (min: number, max: number) => number) {}

  /** A random free nameplate of the shortest length that stays at most half used, or null. */
  allocate(taken: (nameplate: string) => boolean): string | null {
    for (let digits = NAMEPLATE_MIN_DIGITS; digits <= NAMEPLATE_MAX_DIGITS; digits++) {
      const space = nameplateSpace(digits);
      const used = this.#usedByDigits.get(digits) ?? 0;
      if ((used + 1) * 2 > space) continue;
      const low = 10 ** (digits - 1);
      for (let draw = 0; draw < MAX_DRAWS; draw++) {
        const nameplate = String(this.randomInt(low, low * 10));
        if (nameplate.length !== digits) continue; // a broken random source; never trust it
        if (taken(nameplate)) continue;
        this.#usedByDigits.set(digits, used + 1);
        return nameplate;
      }
    }
    return null;
  }

  release(nameplate: string): void {
    const digits = nameplate.length;
    const used = this.#usedByDigits.get(digits) ?? 0;
    if (used <= 1) this.#usedByDigits.delete(digits);
    else this.#usedByDigits.set(digits, used - 1);
  }

  /** Nameplates in use by number of digits. */
  byDigits(): Record<number, number> {
    return Object.fromEntries(this.#usedByDigits);
  }
}
