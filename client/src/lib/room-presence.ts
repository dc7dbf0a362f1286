/**
 * RoomPresence: a verified session's place in the signaling room.
 *
 * Once verified, the direct link carries the session and the server's room is only the way to
 * re-pair it. This keeps that way open: it claims the room with a proof of the session key (so
 * either side can take its place again later), rejoins it whenever the signaling socket comes
 * back (a network change, a server restart), and follows the peer's comings and goings
 * (`peer-away` / `peer-back`, or the peer's own goodbye saying its page is closing).
 */
import { toBase64Url } from '@protocol/base64.ts';
import type { Role } from '@protocol/cpace.ts';
import { toParleyError, type ParleyError } from '@protocol/errors.ts';
import { roomProof } from '@protocol/keys.ts';
import type { IceSettings } from '@protocol/signaling.ts';
import type { LinkManager } from './link-manager.ts';
import type { Portal } from './portal.ts';

/** Wait before asking the server again to rejoin the room when it could not answer. */
export const REJOIN_RETRY_MS = 5_000;

export interface RoomPresenceHost {
  role: Role;
  portal: Portal;
  /** True once the session is verified (and not over). */
  verified(): boolean;
  /** Room id and session key, once confirmed. */
  credentials(): { sid: Uint8Array; isk: Uint8Array } | null;
  links(): LinkManager | null;
  peerAway(): void;
  /** The peer's own goodbye said its page is closing or reloading. */
  peerPageClosed(): void;
  peerBack(): void;
  signaling(up: boolean): void;
  /** The resume answer's ICE settings (fresh TURN credentials). */
  iceSettings(settings: IceSettings): void;
  warn(err: ParleyError): void;
}

export class RoomPresence {
  /** The peer's page closed or its socket went: it may come back. */
  private away = false;
  /** The peer itself said so (bye `away`): if it never comes back, it left rather than was lost. */
  private saidAway = false;
  private rejoining = false;
  private retry: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly host: RoomPresenceHost) {
    const { portal } = host;
    portal.on('peer-away', () => host.verified() && this.markAway());
    portal.on('peer-back', () => {
      if (!host.verified()) return;
      this.away = false;
      this.saidAway = false;
      host.links()?.peerPresentAgain();
      host.peerBack();
    });
    portal.on('disconnected', () => host.verified() && host.signaling(false));
    portal.on('reconnected', () => host.verified() && void this.rejoin());
  }

  /** The peer's goodbye said its page is closing or reloading. */
  peerSaidAway(): void {
    if (!this.saidAway) this.host.peerPageClosed();
    this.saidAway = true;
    this.markAway();
  }

  /** How a peer that is gone for good went: it said its page was closing, or it just vanished. */
  get goneReason(): 'left' | 'lost' {
    return this.saidAway ? 'left' : 'lost';
  }

  /** Proves to the server that we hold the session key, so either side may rejoin the room later. */
  claim(): void {
    const credentials = this.host.credentials();
    if (!credentials) return;
    this.host.portal.claimRoom(roomProof(credentials.isk, credentials.sid)).catch((err: unknown) => this.host.warn(toParleyError(err)));
  }

  /** Our socket is back after a drop (or a server restart): take our place in the room again. */
  private async rejoin(): Promise<void> {
    const credentials = this.host.credentials();
    if (!credentials || this.rejoining) return;
    this.rejoining = true;
    try {
      const room = await this.host.portal.resumeRoom(toBase64Url(credentials.sid), this.host.role, roomProof(credentials.isk, credentials.sid));
      this.host.iceSettings(room);
      if (this.host.verified()) this.host.signaling(true);
    } catch (err) {
      const error = toParleyError(err);
      if (!this.host.verified()) return;
      if (error.code === 'SERVER_UNREACHABLE' || error.code === 'RATE_LIMITED') {
        this.retry ??= setTimeout(() => {
          this.retry = null;
          if (this.host.verified()) void this.rejoin();
        }, REJOIN_RETRY_MS);
        return;
      }
      // The room is gone (the peer left for good, or the server refuses): the direct link may
      // go on, but a link that drops can no longer be re-paired.
      this.host.warn(error);
      this.host.links()?.peerAbsent();
    } finally {
      this.rejoining = false;
    }
  }

  stop(): void {
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
  }

  private markAway(): void {
    if (this.away) return;
    this.away = true;
    this.host.peerAway();
  }
}
