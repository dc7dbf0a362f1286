/**
 * A clock that ticks once a second while anyone reads it: the console's elapsed-time icons,
 * the queue's waiting times and offer countdowns all read `now` from one shared timer.
 * The timer functions are injectable so unit tests drive it with a fake clock.
 */
export interface ClockHost {
  now(): number;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

const realHost: ClockHost = {
  now: () => Date.now(),
  setInterval: (fn, ms) => globalThis.setInterval(fn, ms),
  clearInterval: (handle) => globalThis.clearInterval(handle as ReturnType<typeof setInterval>),
};

export class Clock {
  now = $state(0);
  private handle: unknown = null;

  constructor(
    private readonly host: ClockHost = realHost,
    private readonly periodMs = 1000,
  ) {
    this.now = host.now();
  }

  start(): void {
    if (this.handle !== null) return;
    this.now = this.host.now();
    this.handle = this.host.setInterval(() => (this.now = this.host.now()), this.periodMs);
  }

  stop(): void {
    if (this.handle === null) return;
    this.host.clearInterval(this.handle);
    this.handle = null;
  }
}
