/**
 * Speed and time left of one transfer, from (time, bytes so far) samples over the last few
 * seconds: steady enough to read, quick to follow a change (a pause, a faster network).
 */
export class RateMeter {
  private samples: { at: number; bytes: number }[] = [];

  constructor(private readonly windowMs = 3000) {}

  /** Records the total bytes done at time `at` (ms). */
  add(at: number, bytes: number): void {
    const last = this.samples.at(-1);
    if (last && bytes < last.bytes) this.samples = []; // went back (a resume): start over
    this.samples.push({ at, bytes });
    while (this.samples.length > 2 && at - this.samples[0]!.at > this.windowMs) this.samples.shift();
  }

  /** Forgets the history (after a pause, the old pace says nothing). */
  reset(): void {
    this.samples = [];
  }

  /** Bytes per second, or null until there is half a second of history. */
  bytesPerSecond(): number | null {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || !last || last.at - first.at < 500) return null;
    return ((last.bytes - first.bytes) * 1000) / (last.at - first.at);
  }

  /** Seconds until `total` bytes at the current speed, or null when unknown (or stalled). */
  secondsLeft(total: number): number | null {
    const speed = this.bytesPerSecond();
    const last = this.samples.at(-1);
    if (!speed || speed <= 0 || !last) return null;
    return Math.max(0, (total - last.bytes) / speed);
  }
}
