/**
 * The support desk queue engine in memory (one node). See queue-types.ts for the interface and
 * PROTOCOL.md "Support desk" for the behaviour:
 *
 * - Order: requests wait oldest first (`since`); positions count per queue.
 * - Offers: each waiting request whose customer is connected is offered to ONE available rep
 *   console serving its queue, never to a rep that rejected it or let its offer expire; among the
 *   candidates, the rep with the fewest live desk sessions, then the one idle longest (last
 *   offer or session longest ago). A console holds one offer at a time.
 * - Every change sends each rep console a fresh `desk-queue` snapshot and each waiting customer
 *   its `desk-waiting`. Deadlines (offer expiry, orphan timeout, disconnect grace) are checked
 *   by `sweep` (every second), so there are no timers.
 *
 * It never sees content: details are opaque sealed blobs, stored per rep key id and forgotten
 * with the request.
 */
import { randomBytes as nodeRandomBytes } from 'node:crypto';
import { toBase64Url } from '../../protocol/base64.ts';
import { MAX_REP_KEYS, type Colleague, type Invitation, type RepKey } from '../../protocol/desk.ts';
import { serves, type RepIdentity } from './identity.ts';
import {
  DEFAULT_DISCONNECT_GRACE_MS,
  DEFAULT_MAX_WAITING_PER_QUEUE,
  DEFAULT_OFFER_TIMEOUT_MS,
  WAIT_SAMPLE_WINDOW_MS,
  type Claimed,
  type DeskQueue,
  type DeskQueueOptions,
  type Result,
} from './queue-types.ts';
import { tokensEqual, type Console, type DeskSession, type DeskState, type Request } from './queue-state.ts';
import { publishViews } from './queue-views.ts';

export type { DeskState } from './queue-state.ts';


export class MemoryDeskQueue implements DeskQueue {
  readonly #o: Required<Omit<DeskQueueOptions, 'log'>> & Pick<DeskQueueOptions, 'log'>;
  readonly #consoles = new Map<string, Console>();
  /** Rep session sockets (hello with console: false) → rep id. */
  readonly #sessionSockets = new Map<string, string>();
  readonly #requests = new Map<string, Request>();
  readonly #byCustomer = new Map<string, string>();
  readonly #sessions = new Map<string, DeskSession>();
  /** Pending invitations per rep username, for the snapshots (shared sessions: invitation-router.ts). */
  readonly #invitations = new Map<string, Invitation[]>();
  /** Times to accept per queue: [accepted at, ms waited]. */
  readonly #samples = new Map<string, [number, number][]>();
  #seq = 0;
  #keySeq = 0;

  constructor(options: DeskQueueOptions) {
    this.#o = {
      now: Date.now,
      randomBytes: (n) => nodeRandomBytes(n),
      offerTimeoutMs: DEFAULT_OFFER_TIMEOUT_MS,
      disconnectGraceMs: DEFAULT_DISCONNECT_GRACE_MS,
      maxWaitingPerQueue: DEFAULT_MAX_WAITING_PER_QUEUE,
      ...options,
    };
  }

  hello(socketId: string, rep: RepIdentity, publicKey: string, isConsole: boolean): Result<{ keyId: string }> {
    const now = this.#o.now();
    if (!isConsole) {
      this.#sessionSockets.set(socketId, rep.id);
      return { ok: true, keyId: `s${++this.#keySeq}` };
    }
    const old = this.#consoles.get(socketId);
    if (old) this.#dropConsole(old);
    const keyId = `k${++this.#keySeq}${toBase64Url(this.#o.randomBytes(6))}`;
    const console: Console = { socketId, rep, keyId, publicKey, presence: 'available', busySince: now - 1, offer: null };
    // A rep coming online is "idle" since now, after reps who have been waiting for work longer.
    console.busySince = now;
    this.#consoles.set(socketId, console);
    this.#o.log?.('desk-hello', { consoles: this.#consoles.size });
    // Waiting customers seal their details for the new key too.
    for (const request of this.#requests.values()) {
      if (request.customer && serves(rep, request.queue)) this.#o.deliver(request.customer, 'desk-seal-for', { requestId: request.id, repKeys: [{ keyId, publicKey }] });
    }
    this.#changed();
    return { ok: true, keyId };
  }

  presence(socketId: string, status: 'available' | 'away'): Result {
    const console = this.#consoles.get(socketId);
    if (!console) return { ok: false, error: 'FORBIDDEN' };
    console.presence = status;
    if (status === 'away' && console.offer) this.#withdrawOffer(console.offer, false);
    this.#changed();
    return { ok: true };
  }

  request(socketId: string, queue: string): Result<{ requestId: string; requestToken: string; repKeys: RepKey[] }> {
    if (!this.#o.settings().queues.some((q) => q.id === queue)) return { ok: false, error: 'UNKNOWN_QUEUE' };
    if (this.#byCustomer.has(socketId)) return { ok: false, error: 'ROOM_CROWDED' };
    if (this.#waitingIn(queue).length >= this.#o.maxWaitingPerQueue) return { ok: false, error: 'SERVER_FULL' };
    const now = this.#o.now();
    const request = this.#add(socketId, queue, now, now);
    this.#o.log?.('desk-request', { waiting: this.#requests.size });
    this.#changed();
    return { ok: true, requestId: request.id, requestToken: request.token, repKeys: this.#repKeys(queue) };
  }

  resume(socketId: string, requestId: string, requestToken: string): Result<{ repKeys: RepKey[] }> {
    const request = this.#requests.get(requestId);
    // Same answer for an unknown request and a wrong token: nothing to learn by guessing.
    if (!request || !tokensEqual(request.token, requestToken)) return { ok: false, error: 'REQUEST_GONE' };
    if (this.#byCustomer.has(socketId) && this.#byCustomer.get(socketId) !== requestId) return { ok: false, error: 'ROOM_CROWDED' };
    if (request.customer && request.customer !== socketId) this.#byCustomer.delete(request.customer);
    request.customer = socketId;
    request.goneAt = null;
    this.#byCustomer.set(socketId, requestId);
    this.#changed();
    return { ok: true, repKeys: this.#repKeys(request.queue) };
  }

  details(socketId: string, requestId: string, sealed: { keyId: string; data: string }[]): Result {
    const request = this.#own(socketId, requestId);
    if (!request) return { ok: false, error: 'REQUEST_GONE' };
    const keys = new Set(this.#repKeys(request.queue).map((k) => k.keyId));
    for (const { keyId, data } of sealed) {
      // Only for live consoles serving this queue (a customer cannot make the server store more).
      if (keys.has(keyId) && (request.sealed.has(keyId) || request.sealed.size < MAX_REP_KEYS)) request.sealed.set(keyId, data);
    }
    this.#changed();
    return { ok: true };
  }

  cancel(socketId: string, requestId: string): Result {
    const request = this.#own(socketId, requestId);
    if (!request) return { ok: false, error: 'REQUEST_GONE' };
    this.#remove(request);
    this.#o.log?.('desk-cancel', { waiting: this.#requests.size });
    this.#changed();
    return { ok: true };
  }

  claim(socketId: string, rep: RepIdentity, requestId: string): Result<Claimed> {
    const request = this.#requests.get(requestId);
    if (!request) return { ok: false, error: 'REQUEST_GONE' };
    if (!serves(rep, request.queue)) return { ok: false, error: 'FORBIDDEN' };
    if (!request.customer) return { ok: false, error: 'PEER_GONE' }; // reconnecting: try again in a moment
    if (request.customer === socketId) return { ok: false, error: 'FORBIDDEN' };
    const claimed = { customerSocketId: request.customer, queue: request.queue, since: request.since, requestToken: request.token };
    this.#remove(request);
    this.#changed();
    return { ok: true, ...claimed };
  }

  unclaim(claimed: Claimed & { requestId: string }): void {
    // The room could not be made (server full): the customer waits again, in its old place.
    const request = this.#add(claimed.customerSocketId, claimed.queue, claimed.since, this.#o.now(), claimed.requestId);
    request.token = claimed.requestToken;
    this.#changed();
  }

  started(sid: string, repSocketId: string, rep: RepIdentity, claimed: Claimed & { requestId?: string }): void {
    const now = this.#o.now();
    this.#sessions.set(sid, { repSocketId, repId: rep.id, customerSocketId: claimed.customerSocketId, since: claimed.since, ...(claimed.requestId ? { requestId: claimed.requestId } : {}) });
    const samples = this.#samples.get(claimed.queue) ?? [];
    samples.push([now, now - claimed.since]);
    this.#samples.set(claimed.queue, samples);
    for (const console of this.#consoles.values()) if (console.rep.id === rep.id) console.busySince = now;
    this.#o.log?.('desk-accept', { sessions: this.#sessions.size });
    this.#changed();
  }

  reject(socketId: string, rep: RepIdentity, requestId: string): Result {
    const request = this.#requests.get(requestId);
    if (!request) return { ok: false, error: 'REQUEST_GONE' };
    if (!serves(rep, request.queue)) return { ok: false, error: 'FORBIDDEN' };
    request.declinedBy.add(rep.id);
    if (request.offer && this.#consoles.get(request.offer.socketId)?.rep.id === rep.id) this.#withdrawOffer(request.id, false);
    void socketId;
    this.#changed();
    return { ok: true };
  }

  move(socketId: string, rep: RepIdentity, sid: string, queue: string): Result<{ customerSocketId: string; requestId: string; requestToken: string }> {
    const session = this.#sessions.get(sid);
    if (!session || session.repSocketId !== socketId) return { ok: false, error: 'NOT_IN_ROOM' };
    if (!this.#o.settings().queues.some((q) => q.id === queue)) return { ok: false, error: 'UNKNOWN_QUEUE' };
    const customerSocketId = session.customerSocketId;
    if (!customerSocketId) return { ok: false, error: 'PEER_GONE' }; // the customer is reconnecting: try again
    if (this.#waitingIn(queue).length >= this.#o.maxWaitingPerQueue) return { ok: false, error: 'SERVER_FULL' };
    this.#sessions.delete(sid);
    const now = this.#o.now();
    // Keeps its wait start: a customer already served once is not sent to the back of the line.
    const request = this.#add(customerSocketId, queue, session.since, now);
    request.movedBy = rep.displayName;
    this.#o.log?.('desk-move', { waiting: this.#requests.size });
    this.#changed();
    return { ok: true, customerSocketId, requestId: request.id, requestToken: request.token };
  }

  session(sid: string): { repId: string; repSocketId: string; customerSocketId: string; requestId?: string } | null {
    const session = this.#sessions.get(sid);
    if (!session?.repSocketId || !session.customerSocketId) return null;
    return { repId: session.repId, repSocketId: session.repSocketId, customerSocketId: session.customerSocketId, ...(session.requestId ? { requestId: session.requestId } : {}) };
  }

  handedOver(sid: string, newSid: string, repSocketId: string, repId: string): void {
    const session = this.#sessions.get(sid);
    if (!session) return;
    this.#sessions.delete(sid);
    this.#sessions.set(newSid, { ...session, repSocketId, repId });
    this.#changed();
  }

  colleagues(): Colleague[] {
    return this.#colleagues();
  }

  setInvitations(username: string, invitations: Invitation[]): void {
    if (invitations.length === 0) this.#invitations.delete(username);
    else this.#invitations.set(username, invitations);
    this.#changed();
  }

  roomResumed(sid: string, socketId: string, role: 'rep' | 'customer'): void {
    const session = this.#sessions.get(sid);
    if (!session) return;
    if (role === 'rep') session.repSocketId = socketId;
    else session.customerSocketId = socketId;
  }

  /** A socket went; resolves to the desk sessions (room sids) that ended with it (both sides gone). */
  disconnect(socketId: string): string[] {
    let changed = false;
    const ended: string[] = [];
    const console = this.#consoles.get(socketId);
    if (console) {
      this.#dropConsole(console);
      changed = true;
    }
    this.#sessionSockets.delete(socketId);
    for (const [sid, session] of this.#sessions) {
      if (session.repSocketId === socketId) session.repSocketId = null;
      if (session.customerSocketId === socketId) session.customerSocketId = null;
      // Both gone: the session is over (or both will resume; then it is simply no longer movable).
      if (!session.repSocketId && !session.customerSocketId) {
        this.#sessions.delete(sid);
        ended.push(sid);
      }
    }
    const requestId = this.#byCustomer.get(socketId);
    const request = requestId ? this.#requests.get(requestId) : undefined;
    if (request) {
      this.#byCustomer.delete(socketId);
      request.customer = null;
      request.goneAt = this.#o.now();
      if (request.offer) this.#withdrawOffer(request.id, false);
      changed = true;
    }
    if (changed) this.#changed();
    return ended;
  }

  sweep(): void {
    const now = this.#o.now();
    const orphanMs = this.#o.settings().portal.orphanTimeoutSeconds * 1000;
    let changed = false;
    for (const request of [...this.#requests.values()]) {
      if (request.goneAt !== null && now - request.goneAt >= this.#o.disconnectGraceMs) {
        this.#remove(request);
        changed = true;
      } else if (orphanMs > 0 && now - request.queuedAt >= orphanMs) {
        if (request.customer) this.#o.deliver(request.customer, 'desk-orphaned', { requestId: request.id });
        this.#remove(request);
        this.#o.log?.('desk-orphaned', { waiting: this.#requests.size });
        changed = true;
      } else if (request.offer && now >= request.offer.expiresAt) {
        this.#withdrawOffer(request.id, true);
        changed = true;
      }
    }
    for (const [queue, samples] of this.#samples) {
      const kept = samples.filter(([at]) => now - at < WAIT_SAMPLE_WINDOW_MS);
      if (kept.length !== samples.length) {
        if (kept.length) this.#samples.set(queue, kept);
        else this.#samples.delete(queue);
        changed = true;
      }
    }
    if (changed) this.#changed();
  }

  lengths(): Record<string, number> {
    const lengths: Record<string, number> = {};
    for (const queue of this.#o.settings().queues) lengths[queue.id] = 0;
    for (const request of this.#requests.values()) lengths[request.queue] = (lengths[request.queue] ?? 0) + 1;
    return lengths;
  }

  /** The whole state as plain JSON (queue-redis.ts keeps it in Redis between operations). */
  dump(): DeskState {
    return {
      consoles: [...this.#consoles.values()],
      sessionSockets: [...this.#sessionSockets],
      requests: [...this.#requests.values()].map((r) => ({ ...r, sealed: [...r.sealed], declinedBy: [...r.declinedBy] })),
      sessions: [...this.#sessions],
      samples: [...this.#samples],
      invitations: [...this.#invitations],
      seq: this.#seq,
      keySeq: this.#keySeq,
    };
  }

  /** Replaces the state with a dumped one (sends nothing). */
  restore(state: DeskState): void {
    this.#consoles.clear();
    for (const c of state.consoles) this.#consoles.set(c.socketId, c);
    this.#sessionSockets.clear();
    for (const [k, val] of state.sessionSockets) this.#sessionSockets.set(k, val);
    this.#requests.clear();
    this.#byCustomer.clear();
    for (const r of state.requests) {
      const request: Request = { ...r, sealed: new Map(r.sealed), declinedBy: new Set(r.declinedBy) };
      this.#requests.set(r.id, request);
      if (r.customer) this.#byCustomer.set(r.customer, r.id);
    }
    this.#sessions.clear();
    for (const [k, val] of state.sessions) this.#sessions.set(k, val);
    this.#samples.clear();
    for (const [k, val] of state.samples) this.#samples.set(k, val);
    this.#invitations.clear();
    for (const [k, val] of state.invitations ?? []) this.#invitations.set(k, val);
    this.#seq = state.seq;
    this.#keySeq = state.keySeq;
  }

  #add(customer: string, queue: string, since: number, queuedAt: number, id?: string): Request {
    const request: Request = {
      id: id ?? toBase64Url(this.#o.randomBytes(16)),
      token: toBase64Url(this.#o.randomBytes(16)),
      queue,
      since,
      queuedAt,
      seq: ++this.#seq,
      customer,
      goneAt: null,
      sealed: new Map(),
      declinedBy: new Set(),
      offer: null,
    };
    const previous = this.#byCustomer.get(customer);
    if (previous) {
      const old = this.#requests.get(previous);
      if (old) this.#remove(old);
    }
    this.#requests.set(request.id, request);
    this.#byCustomer.set(customer, request.id);
    return request;
  }

  #remove(request: Request): void {
    if (request.offer) this.#withdrawOffer(request.id, false);
    this.#requests.delete(request.id);
    if (request.customer && this.#byCustomer.get(request.customer) === request.id) this.#byCustomer.delete(request.customer);
  }

  #own(socketId: string, requestId: string): Request | null {
    const request = this.#requests.get(requestId);
    return request && request.customer === socketId ? request : null;
  }

  #dropConsole(console: Console): void {
    if (console.offer) this.#withdrawOffer(console.offer, false);
    this.#consoles.delete(console.socketId);
    for (const request of this.#requests.values()) request.sealed.delete(console.keyId);
  }

  /** Ends the offer of `requestId`; `declined`: the rep let it expire (not offered to it again). */
  #withdrawOffer(requestId: string, declined: boolean): void {
    const request = this.#requests.get(requestId);
    if (!request?.offer) return;
    const console = this.#consoles.get(request.offer.socketId);
    if (console?.offer === requestId) console.offer = null;
    if (declined && console) request.declinedBy.add(console.rep.id);
    request.offer = null;
  }

  /** Waiting requests of `queue`, in order. */
  #waitingIn(queue: string): Request[] {
    return [...this.#requests.values()].filter((r) => r.queue === queue).sort((a, b) => a.since - b.since || a.seq - b.seq);
  }

  #repKeys(queue: string): RepKey[] {
    const keys: RepKey[] = [];
    for (const console of this.#consoles.values()) {
      if (serves(console.rep, queue)) keys.push({ keyId: console.keyId, publicKey: console.publicKey });
      if (keys.length >= MAX_REP_KEYS) break;
    }
    return keys;
  }

  #liveSessions(repId: string): number {
    let n = 0;
    for (const session of this.#sessions.values()) if (session.repId === repId && session.repSocketId) n++;
    return n;
  }

  /** Gives each unoffered waiting request (oldest first) to the best free rep console. */
  #offer(): void {
    const now = this.#o.now();
    const ordered = [...this.#requests.values()].sort((a, b) => a.since - b.since || a.seq - b.seq);
    for (const request of ordered) {
      if (request.offer || !request.customer) continue;
      let best: Console | null = null;
      for (const console of this.#consoles.values()) {
        if (console.presence !== 'available' || console.offer || !serves(console.rep, request.queue) || request.declinedBy.has(console.rep.id)) continue;
        if (!best || this.#better(console, best)) best = console;
      }
      if (!best) continue;
      best.offer = request.id;
      best.busySince = now;
      request.offer = { socketId: best.socketId, expiresAt: now + this.#o.offerTimeoutMs };
    }
  }

  #better(a: Console, b: Console): boolean {
    const sa = this.#liveSessions(a.rep.id);
    const sb = this.#liveSessions(b.rep.id);
    return sa !== sb ? sa < sb : a.busySince < b.busySince;
  }

  /** After any change: new offers, then everyone's view (queue-views.ts). */
  #changed(): void {
    this.#offer();
    const queues = new Map<string, Request[]>();
    for (const queue of new Set([...this.#requests.values()].map((r) => r.queue))) queues.set(queue, this.#waitingIn(queue));
    publishViews({
      now: this.#o.now(),
      consoles: [...this.#consoles.values()],
      queues,
      colleagues: this.#colleagues(),
      invitationsFor: (username) => this.#invitations.get(username) ?? [],
      meanWaitMs: (queue) => this.#meanWaitMs(queue),
      deliver: this.#o.deliver,
    });
  }

  #meanWaitMs(queue: string): number | null {
    const now = this.#o.now();
    const recent = (this.#samples.get(queue) ?? []).filter(([at]) => now - at < WAIT_SAMPLE_WINDOW_MS);
    if (recent.length === 0) return null;
    return recent.reduce((sum, [, ms]) => sum + ms, 0) / recent.length;
  }

  #colleagues(): Colleague[] {
    const byRep = new Map<string, Colleague>();
    for (const console of this.#consoles.values()) {
      const known = byRep.get(console.rep.id);
      // A rep with any available console is available.
      if (known) {
        if (console.presence === 'available') known.presence = 'available';
        continue;
      }
      byRep.set(console.rep.id, {
        username: console.rep.username,
        displayName: console.rep.displayName,
        presence: console.presence,
        queues: console.rep.queues ?? this.#o.settings().queues.map((q) => q.id),
      });
    }
    return [...byRep.values()];
  }
}
