/**
 * FreshIceSettings: the ICE servers and transport policy this session's peer connections use,
 * with TURN credentials that are never older than half their lifetime while the server can be
 * reached.
 *
 * The server hands out short-lived TURN credentials with each room answer
 * (`iceServersTtlSeconds`). A session can outlive them by hours, and it needs working ones
 * whenever it builds a connection again: an ICE restart after a network drop, a re-pair. Rather
 * than asking the server at that moment (the network may be the very thing that is down), this
 * asks for new ones (`turn-credentials`) once half of the lifetime has passed, so whatever a
 * restart or a re-pair reads from `current` is fresh. A resume answer (after a reconnection or a
 * reload) brings fresh credentials too, and restarts the clock.
 */
import { toParleyError } from '@protocol/errors.ts';
import type { IceServer, IceSettings, IceTransportPolicy } from '@protocol/signaling.ts';

/** What an RTCPeerConnection is configured with. */
export interface IceConfig {
  iceServers: IceServer[];
  iceTransportPolicy: IceTransportPolicy;
}

/** A refresh that failed (the server was unreachable or busy) is tried again this much later, at most. */
export const ICE_REFRESH_RETRY_MS = 30_000;
/** Never refresh more often than this, whatever lifetime a server announces. */
const MIN_REFRESH_MS = 5_000;

export interface FreshIceSettingsOptions {
  /** Asks the server for fresh settings (`turn-credentials`); rejects with a ParleyError. */
  fetch: () => Promise<IceSettings>;
  setTimer?: (run: () => void, ms: number) => unknown;
  clearTimer?: (timer: unknown) => void;
}

export class FreshIceSettings {
  private settings: IceSettings = { iceServers: [] };
  private timer: unknown = null;
  private stopped = false;
  private readonly setTimer: (run: () => void, ms: number) => unknown;
  private readonly clearTimer: (timer: unknown) => void;

  constructor(private readonly options: FreshIceSettingsOptions) {
    this.setTimer = options.setTimer ?? ((run, ms) => setTimeout(run, ms));
    this.clearTimer = options.clearTimer ?? ((timer) => clearTimeout(timer as ReturnType<typeof setTimeout>));
  }

  /** Settings from a room answer or a refresh; schedules the next refresh if they expire. */
  update({ iceServers, iceTransportPolicy, iceServersTtlSeconds }: IceSettings): void {
    if (this.stopped) return;
    this.settings = { iceServers, iceTransportPolicy, iceServersTtlSeconds };
    this.schedule(iceServersTtlSeconds === undefined ? null : Math.max(MIN_REFRESH_MS, (iceServersTtlSeconds * 1000) / 2));
  }

  /** What a peer connection made (or ICE-restarted) now should use. */
  get current(): IceConfig {
    return { iceServers: this.settings.iceServers, iceTransportPolicy: this.settings.iceTransportPolicy ?? 'all' };
  }

  /** The session is over: no more refreshes. */
  stop(): void {
    this.stopped = true;
    this.schedule(null);
  }

  private schedule(ms: number | null): void {
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
    if (ms === null || this.stopped) return;
    this.timer = this.setTimer(() => {
      this.timer = null;
      void this.refresh(ms);
    }, ms);
  }

  private async refresh(halfLife: number): Promise<void> {
    try {
      const fresh = await this.options.fetch();
      this.update(fresh);
    } catch (err) {
      if (this.stopped) return;
      // Not in a room (yet): our socket is reconnecting, and its resume answer will bring fresh
      // settings, or the room is gone and there is nothing to refresh for.
      if (toParleyError(err).code === 'NOT_IN_ROOM') return;
      // The server did not answer or was busy: the credentials still have half their life left.
      this.schedule(Math.min(ICE_REFRESH_RETRY_MS, halfLife));
    }
  }
}
