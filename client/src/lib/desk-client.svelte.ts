/**
 * DeskClient: the rep console's view of the support desk queues (a Svelte 5 rune class).
 *
 * It connects a Portal, says `desk-hello` with this tab's box key (desk-keys.ts), keeps the
 * latest `desk-queue` snapshot with each customer's details opened with our secret key, and
 * tells the console about new offers (for a notification and a sound).
 *
 * ```ts
 * const desk = new DeskClient({ displayName: 'Ada', onOffer: (entry) => notify(entry) });
 * await desk.connect();
 * desk.entries;            // waiting chats of my queues, oldest first
 * await desk.reject(id);   // decline an offer (offered to someone else)
 * // accept (an offer, or pick any waiting chat): sessionView.startFromQueue(id, desk.repIdentity)
 * ```
 * Accepting is done by the session (its own connection joins the room), not here: see
 * `SessionView.startFromQueue`. Errors are ParleyErrors; `error` holds the last one.
 */
import type { Colleague, Invitation, Presence, QueueEntry } from '@protocol/desk.ts';
import { openDetails, type CustomerDetails } from '@protocol/customer-details.ts';
import { ParleyError, toParleyError } from '@protocol/errors.ts';
import { deskKeyPair, type DeskKeyPair } from './desk-keys.ts';
import { Portal } from './portal.ts';
import type { DeskRepIdentity } from './desk-session.ts';

/** How long an offer waits for the customer's sealed details before it is announced without them. */
const OFFER_DETAILS_WAIT_MS = 2000;

/** A waiting chat as the console shows it. */
export interface DeskEntry extends QueueEntry {
  /** The customer's details opened with our key; null when not (yet) sealed for us or unreadable. */
  customer: CustomerDetails | null;
  /** Details were sealed for us but do not open or are not valid: show "details unavailable". */
  detailsUnavailable: boolean;
}

export interface DeskClientOptions {
  /** Open mode only: the name customers see (accounts use their own). */
  displayName?: string;
  serverUrl?: string;
  /** A portal to use (tests); by default a new one. */
  portal?: Portal;
  keys?: DeskKeyPair;
  /** A chat was just offered to us (once per offer): notify, play a sound. */
  onOffer?: (entry: DeskEntry) => void;
}

export type DeskConnection = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

export class DeskClient {
  connection = $state<DeskConnection>('idle');
  /** Our presence as the server knows it. */
  presence = $state<'available' | 'away'>('available');
  entries = $state<DeskEntry[]>([]);
  invitations = $state<Invitation[]>([]);
  colleagues = $state<Colleague[]>([]);
  /** Server clock minus ours (ms), from the last snapshot: waits shown without clock skew. */
  clockOffsetMs = $state(0);
  /** The last problem (connection, refused request), for an alert. */
  error = $state<ParleyError | null>(null);
  /** Our key's id on the server (changes on each connection). */
  keyId = $state<string | null>(null);

  /** Offers only. */
  readonly offers = $derived(this.entries.filter((e) => e.offered));

  private readonly portal: Portal;
  private readonly keys: DeskKeyPair;
  private readonly seenOffers = new Set<string>();
  /** Offers waiting for their details before they are announced (see setEntries). */
  private readonly offerTimers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Opened details by sealed blob: a snapshot repeats them, opening once is enough. */
  private readonly opened = new Map<string, CustomerDetails | null>();
  private readonly off: (() => void)[] = [];

  constructor(private readonly options: DeskClientOptions = {}) {
    this.portal = options.portal ?? new Portal(options.serverUrl);
    this.keys = options.keys ?? deskKeyPair();
    this.off.push(
      this.portal.on('desk-queue', (snapshot) => {
        this.clockOffsetMs = snapshot.now - Date.now();
        this.presence = snapshot.presence;
        this.invitations = snapshot.invitations;
        this.colleagues = snapshot.colleagues;
        this.setEntries(snapshot.entries);
      }),
      this.portal.on('disconnected', () => {
        if (this.connection === 'connected') this.connection = 'reconnecting';
      }),
      this.portal.on('reconnected', () => void this.hello().catch((err: unknown) => (this.error = toParleyError(err)))),
      this.portal.on('server-error', (code) => (this.error = new ParleyError(code))),
    );
  }

  /** Connects and says hello. @throws ParleyError SERVER_UNREACHABLE, NOT_SIGNED_IN, … */
  async connect(): Promise<void> {
    this.connection = 'connecting';
    try {
      await this.portal.connect();
      await this.hello();
    } catch (err) {
      this.connection = 'idle';
      this.error = toParleyError(err);
      throw this.error;
    }
  }

  private async hello(): Promise<void> {
    this.keyId = await this.portal.desk.hello(this.keys.publicKey, { displayName: this.options.displayName });
    this.connection = 'connected';
    if (this.presence === 'away') await this.portal.desk.presence('away');
  }

  /** Available (offers come) or away (none come; picking stays possible). */
  async setPresence(status: 'available' | 'away'): Promise<void> {
    await this.run(() => this.portal.desk.presence(status));
    this.presence = status;
  }

  /** Declines an offer: it goes to another rep and is not offered to us again. */
  reject(requestId: string): Promise<void> {
    return this.run(() => this.portal.desk.reject(requestId));
  }

  /** Declines a shared-session invitation (its inviter is told). */
  declineInvitation(inviteId: string): Promise<void> {
    return this.run(() => this.portal.desk.declineInvite(inviteId));
  }

  /** Who accepts for this console: pass it to `SessionView.startFromQueue(requestId, desk.repIdentity)`. */
  get repIdentity(): DeskRepIdentity {
    return { publicKey: this.keys.publicKey, displayName: this.options.displayName };
  }

  /** The server's clock now (ms), for "waiting for 3 min". */
  serverNow(): number {
    return Date.now() + this.clockOffsetMs;
  }

  destroy(): void {
    for (const timer of this.offerTimers.values()) clearTimeout(timer);
    this.offerTimers.clear();
    for (const off of this.off.splice(0)) off();
    this.portal.destroy();
    this.connection = 'closed';
  }

  private async run(step: () => Promise<void>): Promise<void> {
    try {
      await step();
    } catch (err) {
      this.error = toParleyError(err);
      throw this.error;
    }
  }

  private setEntries(entries: QueueEntry[]): void {
    const next = entries.map((entry) => this.view(entry));
    this.entries = next;
    const live = new Set(next.map((e) => e.requestId));
    for (const id of this.seenOffers) if (!live.has(id)) this.seenOffers.delete(id);
    for (const [id, timer] of this.offerTimers) if (!live.has(id)) (clearTimeout(timer), this.offerTimers.delete(id));
    for (const entry of next) {
      if (!entry.offered || this.seenOffers.has(entry.requestId)) continue;
      // The customer seals the details once the server names our key: announce with them (the
      // notification says who and what), or after a short wait without them.
      if (entry.details) this.announceOffer(entry.requestId);
      else if (!this.offerTimers.has(entry.requestId)) this.offerTimers.set(entry.requestId, setTimeout(() => this.announceOffer(entry.requestId), OFFER_DETAILS_WAIT_MS));
    }
    // Blobs of chats no longer listed are forgotten.
    const blobs = new Set(entries.map((e) => e.details));
    for (const blob of this.opened.keys()) if (!blobs.has(blob)) this.opened.delete(blob);
  }

  private announceOffer(requestId: string): void {
    clearTimeout(this.offerTimers.get(requestId));
    this.offerTimers.delete(requestId);
    const entry = this.entries.find((e) => e.requestId === requestId);
    if (!entry?.offered || this.seenOffers.has(requestId)) return;
    this.seenOffers.add(requestId);
    this.options.onOffer?.(entry);
  }

  private view(entry: QueueEntry): DeskEntry {
    if (!entry.details) return { ...entry, customer: null, detailsUnavailable: false };
    let customer = this.opened.get(entry.details);
    if (customer === undefined) {
      try {
        customer = openDetails(entry.details, this.keys.secretKey);
      } catch {
        customer = null; // tampered, not for us, not details: shown as unavailable, never fatal
      }
      this.opened.set(entry.details, customer);
    }
    return { ...entry, customer, detailsUnavailable: customer === null };
  }
}

export type { Presence };
