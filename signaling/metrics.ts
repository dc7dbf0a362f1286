/**
 * Prometheus metrics of the signaling server (prom-client), served at `/metrics` (ops-http.ts).
 *
 * Every server has its own {@link ParleyMetrics} and its own `Registry`, so several servers in one
 * process (the tests) never count into each other. The process metrics (`collectDefaultMetrics`:
 * memory, CPU, event-loop lag, GC, file descriptors) describe the process, not a server: they are
 * collected once per process into a shared registry, merged into each scrape, instead of starting
 * one event-loop monitor and one GC observer per server.
 *
 * Label values are bounded by construction: error codes from the closed set in
 * protocol/errors.ts and a few fixed words. Never a sid, a nameplate, an IP or anything a client
 * chose.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ErrorCode } from '../protocol/errors.ts';

export const METRIC_PREFIX = 'parley_';

/** Why a socket.io connection was refused at its handshake. */
export type ConnectionRefusal = typeof ErrorCode.VERSION_MISMATCH | typeof ErrorCode.RATE_LIMITED | 'DRAINING' | 'ORIGIN';
/** Which per-client limit refused a request (`CONNECTIONS_PER_IP` refusals are in `parley_connections_refused_total`). */
export type RateLimitKind = 'message' | 'create' | 'join' | 'resume';
/** Why a room closed: the reason its members are told in `room-closed`. */
export type CloseReason = typeof ErrorCode.CODE_EXPIRED | typeof ErrorCode.ROOM_BURNED | typeof ErrorCode.PEER_GONE;

/**
 * What the gauges show, read at scrape time. `queues` stays absent until support-desk queues
 * exist: `parley_queue_length` is exported with no series until then (no made-up zeros).
 */
export interface MetricsSnapshot {
  /** Live sessions waiting for their customer. */
  waiting: number;
  /** Live sessions that have been joined (or restored after a restart). */
  paired: number;
  /** Members away (connection dropped, place kept for the rejoin window). */
  away: number;
  /** socket.io connections open on this node. */
  sockets: number;
  /** Length of each waiting queue, by queue name (an administrator's setting, not client data). */
  queues?: Readonly<Record<string, number>>;
}

/** The room logic's log events (rooms.ts) that end a room, and the reason each stands for. */
const CLOSING_EVENTS: Readonly<Record<string, CloseReason>> = {
  'room-expired': 'CODE_EXPIRED',
  'room-burned': 'ROOM_BURNED',
  'room-closed': 'PEER_GONE',
};

let processRegistry: Registry | null = null;

/** The process-wide default metrics, collected once per process (see the top of this file). */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, prefix: METRIC_PREFIX });
  }
  return processRegistry;
}

export class ParleyMetrics {
  readonly registry = new Registry();

  readonly #created = this.#counter('sessions_created_total', 'Sessions created (create-room answered with a code).');
  readonly #createsRefused = this.#counter('creates_refused_total', 'create-room requests refused, by error code (RATE_LIMITED, SERVER_FULL).', ['reason']);
  readonly #joined = this.#counter('sessions_joined_total', 'Customers who joined a session with its code.');
  readonly #joinsRefused = this.#counter('joins_refused_total', 'join-room requests refused, by error code (ROOM_NOT_FOUND, ROOM_CROWDED, CODE_EXPIRED, ROOM_BURNED, RATE_LIMITED, ...).', ['reason']);
  readonly #burned = this.#counter('sessions_burned_total', 'Sessions burned because a key confirmation failed (wrong code or tampering).');
  readonly #closed = this.#counter('sessions_closed_total', 'Sessions closed, by reason (CODE_EXPIRED, ROOM_BURNED, PEER_GONE).', ['reason']);
  readonly #restored = this.#counter('sessions_restored_total', 'Sessions this node did not know, restored by a resume-room with a proof (after a restart).');
  readonly #resumes = this.#counter('resumes_total', 'resume-room requests, by result (ok, or the error code).', ['result']);
  readonly #relayedMessages = this.#counter('relayed_messages_total', 'Sealed messages relayed between the two members of a session.');
  readonly #relayedBytes = this.#counter('relayed_bytes_total', 'Bytes of sealed data relayed (base64url text, as carried).');
  readonly #rateLimited = this.#counter('rate_limited_total', 'Requests refused by a per-client rate limit, by kind (message, create, join, resume).', ['kind']);
  readonly #connectionsRefused = this.#counter('connections_refused_total', 'socket.io connections refused at the handshake, by reason (VERSION_MISMATCH, RATE_LIMITED, DRAINING, ORIGIN).', ['reason']);

  readonly #signIns = this.#counter('rep_sign_ins_total', 'Rep sign-in attempts, by result (ok, wrong, locked).', ['result']);

  readonly #sessionsActive = this.#gauge('sessions_active', 'Live sessions, by state (waiting for the customer, or paired).', ['state']);
  readonly #membersAway = this.#gauge('members_away', 'Members whose connection dropped and whose place is kept for the rejoin window.');
  readonly #socketsConnected = this.#gauge('sockets_connected', 'socket.io connections open on this node.');
  readonly #queueLength = this.#gauge('queue_length', 'Customers waiting in each support queue (no series until queues exist).', ['queue']);

  /** Support desk: how long customers waited until a rep accepted, per queue (an administrator's setting). */
  readonly #queueWait = new Histogram({
    name: `${METRIC_PREFIX}queue_wait_seconds`,
    help: 'Time from a customer asking for a chat to a rep accepting it, by queue.',
    labelNames: ['queue'],
    buckets: [5, 15, 30, 60, 120, 300, 600, 1200, 3600],
    registers: [this.registry],
  });

  #source: (() => MetricsSnapshot | Promise<MetricsSnapshot>) | null = null;

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Where the gauges come from; read once per scrape. */
  setSnapshotSource(source: () => MetricsSnapshot | Promise<MetricsSnapshot>): void {
    this.#source = source;
  }

  created(): void {
    this.#created.inc();
  }

  /** A desk chat was accepted after `waitedMs`. */
  queueAccepted(queue: string, waitedMs: number): void {
    this.#queueWait.observe({ queue }, Math.max(0, waitedMs) / 1000);
  }

  createRefused(reason: ErrorCode): void {
    this.#createsRefused.inc({ reason });
  }

  joined(): void {
    this.#joined.inc();
  }

  joinRefused(reason: ErrorCode): void {
    this.#joinsRefused.inc({ reason });
  }

  burned(): void {
    this.#burned.inc();
  }

  resumed(result: 'ok' | ErrorCode): void {
    this.#resumes.inc({ result });
  }

  /** A relayed message of `chars` base64url characters (one byte each on the wire). */
  relayed(chars: number): void {
    this.#relayedMessages.inc();
    this.#relayedBytes.inc(chars);
  }

  rateLimited(kind: RateLimitKind): void {
    this.#rateLimited.inc({ kind });
  }

  /** A rep sign-in attempt (never who: only how it ended). */
  signIn(result: 'ok' | 'wrong' | 'locked'): void {
    this.#signIns.inc({ result });
  }

  connectionRefused(reason: ConnectionRefusal): void {
    this.#connectionsRefused.inc({ reason });
  }

  /** Counts what a room-logic log event (rooms.ts `log` option) says happened to a session. */
  onRoomEvent(event: string): void {
    const reason = CLOSING_EVENTS[event];
    if (reason) this.#closed.inc({ reason });
    if (event === 'room-restored') this.#restored.inc();
  }

  /**
   * The Prometheus text exposition, gauges refreshed from the snapshot source first. If the
   * source fails (a store that cannot be reached), the gauges are left without series rather than
   * showing stale numbers, the counters are still served, and the error goes to `onSourceError`:
   * a scrape does not fail because of the store (`/readyz` is where that shows).
   */
  async scrape(onSourceError?: (err: unknown) => void): Promise<string> {
    await this.#refreshGauges(onSourceError);
    return Registry.merge([processMetrics(), this.registry]).metrics();
  }

  async #refreshGauges(onSourceError?: (err: unknown) => void): Promise<void> {
    if (!this.#source) return;
    let snapshot: MetricsSnapshot;
    try {
      snapshot = await this.#source();
    } catch (err) {
      // No series at all: reset() alone would leave an unlabelled gauge at a made-up 0.
      for (const gauge of [this.#sessionsActive, this.#queueLength]) gauge.reset();
      for (const gauge of [this.#membersAway, this.#socketsConnected]) gauge.remove();
      onSourceError?.(err);
      return;
    }
    this.#sessionsActive.set({ state: 'waiting' }, snapshot.waiting);
    this.#sessionsActive.set({ state: 'paired' }, snapshot.paired);
    this.#membersAway.set(snapshot.away);
    this.#socketsConnected.set(snapshot.sockets);
    this.#queueLength.reset(); // a queue that no longer exists drops out
    for (const [queue, length] of Object.entries(snapshot.queues ?? {})) this.#queueLength.set({ queue }, length);
  }

  #counter<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return new Counter<L>({ name: METRIC_PREFIX + name, help, labelNames, registers: [this.registry] });
  }

  #gauge<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
    return new Gauge<L>({ name: METRIC_PREFIX + name, help, labelNames, registers: [this.registry] });
  }
}
