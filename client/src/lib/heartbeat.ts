/**
 * Heartbeat: tells within seconds that a verified link has stalled.
 *
 * A browser only reports a dead connection when ICE consent fails (tens of seconds) or the
 * peer closes it. So each side sends a tiny sealed `ping` every HEARTBEAT_INTERVAL_MS and
 * counts any inbound frame (ping, chat, file chunk) as a sign of life: silence for
 * STALL_AFTER_MS means the path is broken, and the first frame after that means it is back.
 */

/** How often a ping goes out. Background tabs still run one-second timers. */
export const HEARTBEAT_INTERVAL_MS = 1_000;
/** Silence after which the link counts as stalled (about three missed pings). */
export const STALL_AFTER_MS = 3_500;

export interface HeartbeatOptions {
  /** Sends one ping; a throw (channel closing) is ignored, the silence will tell. */
  ping: () => void;
  onStalled: () => void;
  onResumed: () => void;
  now?: () => number;
  intervalMs?: number;
  stallAfterMs?: number;
}

export class Heartbeat {
  private timer: ReturnType<typeof setInterval> | null = null;
  private lastHeard: number;
  private stalled = false;
  private readonly now: () => number;

  constructor(private readonly options: HeartbeatOptions) {
    this.now = options.now ?? (() => performance.now());
    this.lastHeard = this.now();
  }

  start(): void {
    if (this.timer) return;
    this.lastHeard = this.now();
    this.timer = setInterval(() => this.tick(), this.options.intervalMs ?? HEARTBEAT_INTERVAL_MS);
  }

  /** Any authentic frame from the peer. */
  heard(): void {
    this.lastHeard = this.now();
    if (!this.stalled) return;
    this.stalled = false;
    this.options.onResumed();
  }

  get isStalled(): boolean {
    return this.stalled;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private tick(): void {
    try {
      this.options.ping();
    } catch {
      // the channel is closing: the link's own close handling takes over
    }
    if (this.stalled) return;
    if (this.now() - this.lastHeard < (this.options.stallAfterMs ?? STALL_AFTER_MS)) return;
    this.stalled = true;
    this.options.onStalled();
  }
}
