/**
 * DeskRequest: a customer's chat request on the support desk (a Svelte 5 rune class), from
 * "Start chat" until a rep accepts, the customer cancels, or nobody answers in time.
 *
 * ```ts
 * const request = new DeskRequest({ onAccepted: (handover) => view.joinFromDesk(handover) });
 * await request.start('general', details);   // queued: position, waitSeconds, repsAvailable
 * request.ticket;                             // keep it (sessionStorage) to resume after a reload
 * await request.cancel();                     // leave the queue
 * ```
 * The details (name, e-mail, problem) are sealed in this browser for each rep console's key
 * (customer-details.ts) and again whenever the server names a new key (`desk-seal-for`): the
 * server only stores the blobs. A dropped connection resumes the request with its secret ticket;
 * once a rep accepts, the portal (already in the rep's room) is handed over to a Session.
 */
import { fromBase64Url } from '@protocol/base64.ts';
import { sealDetails, type CustomerDetails } from '@protocol/customer-details.ts';
import type { DeskAccepted, DeskWaiting, RepKey } from '@protocol/desk.ts';
import { ParleyError, toParleyError } from '@protocol/errors.ts';
import { Portal } from './portal.ts';

/** What a Session needs to pair with the rep who accepted (SessionView.joinFromDesk). */
export interface DeskHandover {
  portal: Portal;
  accepted: DeskAccepted;
  /** Relays that came in since the acceptance (the rep's first key-agreement message); taking them stops the buffering. */
  takeRelays(): string[];
}

/** The secret that takes a waiting request back (after a reload: `start(queue, details, ticket)`). */
export interface DeskTicket {
  requestId: string;
  requestToken: string;
}

export type DeskRequestPhase = 'idle' | 'requesting' | 'waiting' | 'accepted' | 'orphaned' | 'cancelled' | 'failed';

export interface DeskRequestOptions {
  serverUrl?: string;
  portal?: Portal;
  /** A rep accepted: called at once, with the portal to pair on (see {@link DeskHandover}). */
  onAccepted?: (handover: DeskHandover) => void;
}

/** Relays kept between the acceptance and the Session taking over (a handful at most). */
const MAX_EARLY_RELAYS = 16;

export class DeskRequest {
  phase = $state<DeskRequestPhase>('idle');
  /** 1 = next; null before the first update. */
  position = $state<number | null>(null);
  /** Estimated wait in seconds; null while the server has no estimate. */
  waitSeconds = $state<number | null>(null);
  repsAvailable = $state(0);
  /** Set while the connection to the server is down (the request is kept for a short while). */
  reconnecting = $state(false);
  /** The rep's name once accepted. */
  repName = $state<string | null>(null);
  error = $state<ParleyError | null>(null);
  ticket = $state<DeskTicket | null>(null);

  private readonly portal: Portal;
  private details: CustomerDetails | null = null;
  private readonly off: (() => void)[] = [];
  private handedOver = false;
  /** A `desk-waiting` that came before the answer to our request (see the listener). */
  private early: DeskWaiting | null = null;

  constructor(private readonly options: DeskRequestOptions = {}) {
    this.portal = options.portal ?? new Portal(options.serverUrl);
    this.off.push(
      this.portal.on('desk-waiting', (w) => {
        // The server sends the first place before its answer to `desk-request`: keep it until we know our id.
        if (this.phase === 'requesting') this.early = w;
        if (w.requestId !== this.ticket?.requestId || this.phase !== 'waiting') return;
        this.position = w.position;
        this.waitSeconds = w.waitSeconds;
        this.repsAvailable = w.repsAvailable;
      }),
      this.portal.on('desk-seal-for', ({ requestId, repKeys }) => {
        if (requestId === this.ticket?.requestId && this.phase === 'waiting') void this.seal(repKeys).catch((err: unknown) => this.fail(err));
      }),
      this.portal.on('desk-orphaned', ({ requestId }) => {
        if (requestId === this.ticket?.requestId && this.phase === 'waiting') this.phase = 'orphaned';
      }),
      this.portal.on('desk-accepted', (accepted) => this.onAccepted(accepted)),
      this.portal.on('disconnected', () => {
        if (this.phase === 'waiting') this.reconnecting = true;
      }),
      this.portal.on('reconnected', () => {
        if (this.phase === 'waiting' && this.ticket) void this.resume(this.ticket).catch((err: unknown) => this.fail(err));
      }),
    );
  }

  /**
   * Joins `queue` (or, with a `ticket` kept from before a reload, takes that request back) and
   * seals `details` for the reps. @throws ParleyError UNKNOWN_QUEUE, SERVER_FULL, RATE_LIMITED,
   * REQUEST_GONE (the ticket's request is over), SERVER_UNREACHABLE
   */
  async start(queue: string, details: CustomerDetails, ticket?: DeskTicket): Promise<void> {
    if (this.phase !== 'idle' && this.phase !== 'failed') throw new ParleyError('CONNECTION_FAILED', `request is ${this.phase}`);
    this.details = details;
    this.phase = 'requesting';
    this.error = null;
    try {
      await this.portal.connect();
      if (ticket) {
        await this.resume(ticket);
        return;
      }
      const queued = await this.portal.desk.request(queue);
      this.ticket = { requestId: queued.requestId, requestToken: queued.requestToken };
      this.phase = 'waiting';
      this.takeEarlyPlace();
      await this.seal(queued.repKeys);
    } catch (err) {
      this.fail(err);
      throw this.error;
    }
  }

  /** Leaves the queue (the customer changed their mind, or left from a notice). */
  async cancel(): Promise<void> {
    const ticket = this.ticket;
    if (this.phase !== 'waiting' || !ticket) return;
    this.phase = 'cancelled';
    try {
      await this.portal.desk.cancel(ticket.requestId);
    } catch {
      // Gone or unreachable: the server drops the request after its grace period anyway.
    }
    this.destroy();
  }

  /** Closes the connection unless it was handed over to a session. */
  destroy(): void {
    for (const off of this.off.splice(0)) off();
    if (!this.handedOver) this.portal.destroy();
  }

  private async resume(ticket: DeskTicket): Promise<void> {
    const repKeys = await this.portal.desk.resume(ticket.requestId, ticket.requestToken);
    this.ticket = ticket;
    this.phase = 'waiting';
    this.reconnecting = false;
    this.takeEarlyPlace();
    await this.seal(repKeys);
  }

  /** The place the server sent before its answer (kept by the `desk-waiting` listener). */
  private takeEarlyPlace(): void {
    const early = this.early;
    this.early = null;
    if (!early || early.requestId !== this.ticket?.requestId) return;
    this.position = early.position;
    this.waitSeconds = early.waitSeconds;
    this.repsAvailable = early.repsAvailable;
  }

  private async seal(repKeys: RepKey[]): Promise<void> {
    const ticket = this.ticket;
    if (!ticket || !this.details || repKeys.length === 0) return;
    const details = this.details;
    const sealed = repKeys.flatMap(({ keyId, publicKey }) => {
      try {
        return [{ keyId, data: sealDetails(details, fromBase64Url(publicKey)) }];
      } catch {
        return []; // a malformed key from the server: that console cannot read them, the others can
      }
    });
    if (sealed.length > 0) await this.portal.desk.details(ticket.requestId, sealed);
  }

  private onAccepted(accepted: DeskAccepted): void {
    if (accepted.requestId !== this.ticket?.requestId || this.phase !== 'waiting') return;
    this.phase = 'accepted';
    this.repName = accepted.repName;
    this.handedOver = true;
    const relays: string[] = [];
    const stopBuffering = this.portal.on('relay', (data) => {
      if (relays.length < MAX_EARLY_RELAYS) relays.push(data);
    });
    for (const off of this.off.splice(0)) off();
    this.options.onAccepted?.({
      portal: this.portal,
      accepted,
      takeRelays: () => {
        stopBuffering();
        return relays.splice(0);
      },
    });
  }

  private fail(err: unknown): void {
    this.error = toParleyError(err);
    if (this.phase === 'requesting' || this.phase === 'waiting') this.phase = 'failed';
  }
}
