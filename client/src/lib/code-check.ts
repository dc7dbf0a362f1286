/**
 * The code check of one session: a CPace run over the session code with explicit key
 * confirmation (protocol/cpace.ts). Pure logic, no I/O: it says what to send and when the key
 * is confirmed; the Session moves the bytes through the relay.
 */
import { formatCode, type SessionCode } from '@protocol/code.ts';
import { cpaceFinish, cpaceStart, type CpaceResult, type CpaceStart, type Role } from '@protocol/cpace.ts';
import { ParleyError } from '@protocol/errors.ts';

export class CodeCheck {
  private readonly run: CpaceStart;
  private result: CpaceResult | null = null;
  private peerTag: Uint8Array | null = null;
  /** True once the peer proved it holds the same code (and so the same key). */
  confirmed = false;

  /**
   * `code`: the whole code is the password (the secret digits, and the nameplate binding it to
   * the room). `password`: a desk session's public password (protocol/desk.ts `deskPassword`):
   * the key agreement is then unauthenticated until the people compare the safety code.
   */
  constructor(options: ({ code: SessionCode } | { password: string }) & { sid: Uint8Array; role: Role }) {
    const password = 'code' in options ? formatCode(options.code) : options.password;
    this.run = cpaceStart({ password, sid: options.sid, role: options.role });
  }

  /** Our CPace share, to relay as a PAKE envelope. */
  get share(): Uint8Array {
    return this.run.message;
  }

  /**
   * The peer's share. Returns our confirmation tag to relay.
   * @throws ParleyError `REPLAYED` for a second share, `BAD_KEY` for an invalid one.
   */
  onPeerShare(share: Uint8Array): Uint8Array {
    if (this.result) throw new ParleyError('REPLAYED', 'unexpected PAKE message');
    this.result = cpaceFinish(this.run.state, share);
    return this.result.confirmation;
  }

  /** True once we sent our confirmation but the peer has not (yet) confirmed its own. */
  get awaitingPeerConfirmation(): boolean {
    return !!this.result && !this.confirmed;
  }

  /** The peer's confirmation tag; it may arrive before we have processed its share. */
  onPeerConfirmation(tag: Uint8Array): void {
    if (!this.confirmed) this.peerTag = tag;
  }

  /**
   * The shared key (ISK) once both the share and the tag are in and the tag checks out; null
   * while something is still missing (or after the key was already handed out).
   * @throws ParleyError `BAD_KEY` when the tag is wrong: a wrong code or tampering.
   */
  confirm(): Uint8Array | null {
    if (this.confirmed || !this.result || !this.peerTag) return null;
    if (!this.result.verifyPeer(this.peerTag)) throw new ParleyError('BAD_KEY', 'key confirmation failed');
    this.confirmed = true;
    return this.result.isk;
  }
}
