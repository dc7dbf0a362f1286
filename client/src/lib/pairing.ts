/**
 * Pairing: the code check (code-check.ts) carried over the relay, from the first PAKE share to
 * the confirmed key. It sends our share and confirmation, takes the peer's, and keeps the sealed
 * WebRTC signals that may arrive before the key is confirmed (they are handed over with it).
 * Anything out of place throws a typed ParleyError; the Session turns a throw into its one
 * teardown (a BAD_KEY then burns the room).
 */
import type { SessionCode } from '@protocol/code.ts';
import type { Role } from '@protocol/cpace.ts';
import { RelayKind, encodeRelay } from '@protocol/envelope.ts';
import { ParleyError } from '@protocol/errors.ts';
import { CodeCheck } from './code-check.ts';

/** Sealed signals kept while the key is being confirmed (an offer and its candidates fit easily). */
export const MAX_EARLY_SIGNALS = 64;

export interface PairingHost {
  relay(data: string): void;
  /** The key is confirmed on both sides; `earlySignals` arrived before it was. */
  confirmed(isk: Uint8Array, earlySignals: Uint8Array[]): void;
}

export class Pairing {
  private readonly check: CodeCheck;
  private readonly earlySignals: Uint8Array[] = [];
  private started = false;
  private done = false;

  constructor(
    options: ({ code: SessionCode } | { password: string }) & { sid: Uint8Array; role: Role },
    private readonly host: PairingHost,
  ) {
    this.check = new CodeCheck(options);
  }

  /** True once the peer proved it holds the same code. */
  get confirmed(): boolean {
    return this.check.confirmed;
  }

  /** True once we sent our confirmation and the peer has not (yet) confirmed its own. */
  get awaitingPeerConfirmation(): boolean {
    return this.check.awaitingPeerConfirmation;
  }

  /** Sends our share: the key agreement has begun (both members are in the room). */
  begin(): void {
    this.started = true;
    this.host.relay(encodeRelay(RelayKind.Pake, this.check.share));
  }

  /** One opened relay envelope before the key is confirmed. */
  handle(kind: RelayKind, body: Uint8Array): void {
    switch (kind) {
      case RelayKind.Pake:
        if (!this.started || this.done) throw new ParleyError('REPLAYED', 'unexpected PAKE message');
        // A bad share throws BAD_KEY.
        this.host.relay(encodeRelay(RelayKind.Confirm, this.check.onPeerShare(body)));
        return this.tryConfirm();
      case RelayKind.Confirm:
        // May come before the share it follows (they travel separately): kept until it can be checked.
        this.check.onPeerConfirmation(body);
        return this.tryConfirm();
      case RelayKind.Signal:
        // Signals can only follow a confirmed key; keep them until the link exists.
        if (this.earlySignals.length >= MAX_EARLY_SIGNALS) throw new ParleyError('MALFORMED', 'too many early signals');
        this.earlySignals.push(body);
        return;
      case RelayKind.Repair:
        throw new ParleyError('MALFORMED', 'repair before the key agreement');
    }
  }

  /** One guess per session: a wrong code (or tampering) throws BAD_KEY. */
  private tryConfirm(): void {
    if (!this.started || this.done) return;
    const isk = this.check.confirm();
    if (!isk) return;
    this.done = true;
    this.host.confirmed(isk, this.earlySignals.splice(0));
  }
}
