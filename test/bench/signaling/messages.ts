/**
 * What the signaling bench (`test/bench/signaling.ts`) and its load generators
 * (`generator.ts`, child processes) say to each other over the Node IPC channel.
 *
 * A request carries an `id`; the generator answers it once with `{id, result}` or `{id, error}`.
 * In between it may send `progress` messages (counts so far) for long requests.
 */

/** A named set of sessions held by a generator (so later requests can use them). */
export type PoolName = string;

export type Request =
  /**
   * Opens `sessions` sessions at `rate` per second: both sockets connect, the rep creates a room
   * and, when `join`, the customer joins it. Kept in `pool`.
   */
  | { cmd: 'open'; pool: PoolName; sessions: number; rate: number; repUrl: string; customerUrl: string; join: boolean }
  /** Each of the first `count` sessions of `pool` sends one relay rep → customer. */
  | { cmd: 'probe'; pool: PoolName; count: number }
  /**
   * The customers of `pool` (opened with `join: false`) join on a schedule shared by all
   * generators: join k of `stride` generators together is due at `startAt` + k/`rate` s
   * (`startAt` in ms since the epoch), and this generator fires k = i × stride + offset.
   */
  | { cmd: 'joins'; pool: PoolName; rate: number; startAt: number; stride: number; offset: number }
  /** Relay ping-pong in every session of `pool`, counted over `windowMs` after `warmupMs`. */
  | { cmd: 'relay'; pool: PoolName; warmupMs: number; windowMs: number; inFlight: number; dataChars: number }
  /** Disconnects every socket of `pool`. */
  | { cmd: 'close'; pool: PoolName };

/** Failures by cause: a protocol error code (`ROOM_NOT_FOUND`…) or one of the bench's own (`CONNECT_TIMEOUT`…). */
export type ErrorCounts = Record<string, number>;

export interface OpenResult {
  /** Sessions that reached the requested state (created, or paired when joining). */
  ok: number;
  failed: number;
  errors: ErrorCounts;
  /** From the first connection started to the last session done. */
  ms: number;
}

export interface ProbeResult {
  delivered: number;
  count: number;
}

export interface JoinsResult {
  /** Join-to-paired of each successful join, ms: the customer's `join-room` emit → the rep's `peer-joined`. */
  latencies: number[];
  errors: ErrorCounts;
  /** How late the generator fired joins against the schedule (its own event loop), ms. */
  lagP99: number;
  lagMax: number;
  /** The generator's event-loop delay while joining (its own stalls, added to what it measures), ms. */
  loopDelayP99: number;
  loopDelayMax: number;
  /** Joins fired, and when the first and the last went out (ms since the epoch). */
  fired: number;
  firstAt: number;
  lastAt: number;
}

export interface RelayResult {
  /** Relays received (both directions) inside the window. */
  received: number;
  /** The window as it really was, ms. */
  ms: number;
  errors: ErrorCounts;
}

export interface Results {
  open: OpenResult;
  probe: ProbeResult;
  joins: JoinsResult;
  relay: RelayResult;
  close: { closed: number };
}

export type Reply =
  | { id: number; result: Results[keyof Results] }
  | { id: number; error: string }
  | { progress: { pool: PoolName; ok: number; failed: number } };

export type Envelope = Request & { id: number };
