/**
 * The transcript store (IndexedDB via idb): sessions, append-only events ordered by
 * [sessionId, seq], and the rep's notes. The database is opened once per page and reused.
 *
 * Storage faults never lose an event and never stop a session. A write that cannot land
 * (quota exhausted, transaction aborted, database unavailable, blocked or closed for another
 * tab's upgrade) stays in an in-memory queue, in order; `health` says what is wrong; the queue
 * is retried on the next write and on a backoff timer, one all-or-nothing transaction per batch,
 * so everything lands once, in order, when storage comes back. Reads include the queue.
 * Nothing is ever deleted or cleared because of an error.
 */
import type { Role } from '@protocol/cpace.ts';
import type { SurveyAnswer } from '@protocol/session-tools.ts';
import type { SurveyQuestion } from '@protocol/survey.ts';
import type { IdentityCheck } from '@protocol/customer-identity.ts';
import { Emitter } from './emitter.ts';
import type { MessageKey } from './i18n/en.ts';
import { DB_VERSION, openTranscriptDb, writeBatch, type Db, type StorageHealth, type StorageProblem, type StoreOptions, type WriteOp } from './transcript-db.ts';

export type { StorageHealth, StorageProblem, StoreOptions } from './transcript-db.ts';

export interface SessionRecord {
  id: string;
  role: Role;
  startedAt: number;
  endedAt?: number;
  /** Nameplate only: the secret part of the code is never stored. */
  nameplate?: string;
  ownName: string;
  peerName?: string;
  peerUserAgent?: string;
  /** The browser language the peer announced in its hello (e.g. `fr-FR`). */
  peerLocale?: string;
  /** Rep side: the customer's "how can we help?" text from their hello (plain text). */
  peerRequest?: string;
  /** Rep side: the customer's signed identity, as checked when they joined. */
  peerIdentity?: IdentityCheck;
  /** Customer side: the request text this customer sent. */
  ownRequest?: string;
  safetyCode?: string;
  /**
   * How it ended: `solved` / `cancelled` (the rep's "Mark as solved" / "Cancel chat"),
   * `customer-ended` (the customer left), `ended` (any other end), `failed`.
   */
  outcome?: SessionOutcome;
  /** Rep side: the exit survey questions sent with "Mark as solved", and the customer's answers. */
  surveyQuestions?: SurveyQuestion[];
  surveyAnswers?: SurveyAnswer[];
  /** Desk sessions: the queue the customer asked in (its name as configured then); absent for a code session. */
  queue?: { id: string; name: string };
  /** Desk sessions, from the customer's sealed details: the e-mail they gave. */
  peerEmail?: string;
  /**
   * Whether the customer's name and e-mail came signed by the organisation's site and the
   * signature checked out (true), failed (false); absent when nothing was signed or checked.
   */
  peerVerified?: boolean;
  /** Desk sessions: browser and OS as the portal described them (code sessions have `peerUserAgent`). */
  peerBrowser?: string;
  peerOs?: string;
  /** The customer's answer to "may we keep a transcript?" (absent: not asked). */
  recordingConsent?: boolean;
}

export type SessionOutcome = 'ended' | 'failed' | 'solved' | 'cancelled' | 'customer-ended';

export type Delivery = 'sent' | 'delivered';

interface EventBase {
  sessionId: string;
  seq: number;
  at: number;
}
/** A chat message, sent (`from` = own role) or received. */
export interface ChatEvent extends EventBase {
  kind: 'chat';
  id: string;
  from: Role;
  name: string;
  text: string;
  /** For received messages: the time the sender's clock claimed (`at` is when we received it). */
  sentAt?: number;
  /** Shared sessions: written by another rep (`from` is then `rep` but the line is not ours). */
  colleague?: boolean;
  /** Shared sessions: a private line between reps ("Reps only"): never sent to the customer. */
  private?: boolean;
  /** Shared sessions: handed over from the host's history when this rep joined. */
  history?: boolean;
}
/** The peer acknowledged message `id`. Kept as its own event so the log stays append-only. */
export interface ReceiptEvent extends EventBase {
  kind: 'receipt';
  id: string;
}
/** Something that happened in the session, stored as a message key so it can be shown in any language. */
export interface SystemEvent extends EventBase {
  kind: 'system';
  key: MessageKey;
  params?: Record<string, string | number>;
  level: 'info' | 'success' | 'warning' | 'error';
  /** Shared sessions: a step of a file sent between reps only ("Reps only"): never the customer's. */
  private?: boolean;
}
export type TranscriptEvent = ChatEvent | ReceiptEvent | SystemEvent;
/** What callers pass: the store assigns `sessionId` and `seq`. */
export type NewEvent = DistributiveOmit<TranscriptEvent, 'sessionId' | 'seq'>;
type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;

export interface NoteRecord {
  sessionId: string;
  text: string;
  updatedAt: number;
}


const DB_NAME = 'parley';
/** Operations per transaction when the queue drains (each batch is all-or-nothing). */
const BATCH = 100;

export class TranscriptStore extends Emitter<{ health: StorageHealth }> {
  private conn: Db | null = null;
  private opening: Promise<Db> | null = null;
  /** Bumped by close(), so an open that finishes after it is closed straight away. */
  private generation = 0;
  /** True while our open waits on another tab: operations then use memory instead of waiting. */
  private waiting = false;
  private readonly wakers = new Set<() => void>();
  /** Writes not yet written, oldest first. */
  private readonly queue: WriteOp[] = [];
  private chain: Promise<unknown> = Promise.resolve();
  private readonly nextSeq = new Map<string, number>();
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private retries = 0;
  private state: StorageHealth = { problem: null, pending: 0, recovered: false };

  constructor(
    private readonly name: string = DB_NAME,
    private readonly options: StoreOptions = {},
  ) {
    super();
  }

  get health(): StorageHealth {
    return this.state;
  }

  /** Opens the database ahead of need (the first open of a new database takes ~100 ms). */
  warmUp(): void {
    this.connect().catch(() => {}); // reported through `health`
  }

  async putSession(session: SessionRecord): Promise<void> {
    await this.write({ kind: 'put', record: { ...session } });
  }

  /** Merges `patch` into the stored record; resolves with the result (as held in memory while storage is down). */
  async updateSession(id: string, patch: Partial<SessionRecord>): Promise<SessionRecord | undefined> {
    const op: WriteOp = { kind: 'update', id, patch: { ...patch } };
    await this.write(op);
    if (!this.queue.includes(op)) return op.result;
    return this.getSession(id).catch(() => this.applyQueued(id, undefined)); // stored record + held changes
  }

  async getSession(id: string): Promise<SessionRecord | undefined> {
    return this.serial(async () => {
      try {
        return this.applyQueued(id, await (await this.ready()).get('sessions', id));
      } catch (err) {
        if (this.queue.some((op) => op.kind === 'put' && op.record.id === id)) return this.applyQueued(id, undefined);
        throw err;
      }
    });
  }

  /** Newest first, including sessions held in memory. */
  async listSessions(limit = 50): Promise<SessionRecord[]> {
    return this.serial(async () => {
      const db = await this.ready();
      const out: SessionRecord[] = [];
      let cursor = await db.transaction('sessions').store.index('startedAt').openCursor(null, 'prev');
      while (cursor && out.length < limit) {
        out.push(cursor.value);
        cursor = await cursor.continue();
      }
      const ids = new Set([...out.map((s) => s.id), ...this.queue.flatMap((op) => (op.kind === 'put' ? [op.record.id] : []))]);
      const merged = [...ids].flatMap((id) => this.applyQueued(id, out.find((s) => s.id === id)) ?? []);
      return merged.sort((a, b) => b.startedAt - a.startedAt).slice(0, limit);
    });
  }

  /**
   * Appends one event and resolves with it once it is written, or held in memory if storage
   * fails (then `seq` is provisional: the number it will most likely get). The number is taken
   * inside the writing transaction, so two tabs can never hand out the same one.
   */
  async append(sessionId: string, event: NewEvent): Promise<TranscriptEvent> {
    const seq = this.nextSeq.get(sessionId) ?? 0;
    this.nextSeq.set(sessionId, seq + 1);
    const op: WriteOp = { kind: 'append', sessionId, event, seq };
    await this.write(op);
    return op.result ?? ({ ...event, sessionId, seq } as TranscriptEvent);
  }

  /** The session's events: those written, then those held in memory, in order. */
  async events(sessionId: string): Promise<TranscriptEvent[]> {
    return this.serial(async () => {
      const range = IDBKeyRange.bound([sessionId, 0], [sessionId, Number.MAX_SAFE_INTEGER]);
      const stored = await (await this.ready()).getAll('events', range);
      let seq = (stored.at(-1)?.seq ?? -1) + 1;
      this.nextSeq.set(sessionId, Math.max(this.nextSeq.get(sessionId) ?? 0, seq));
      const held = this.queue.flatMap((op) => (op.kind === 'append' && op.sessionId === sessionId ? [{ ...op.event, sessionId, seq: seq++ } as TranscriptEvent] : []));
      return [...stored, ...held];
    });
  }

  /**
   * Every session's chat messages, in one read of the events store (the history search index:
   * history-search.ts). Held writes are included. Receipts and system events are skipped.
   */
  async chatTextIndex(): Promise<Map<string, string[]>> {
    return this.serial(async () => {
      const index = new Map<string, string[]>();
      const add = (event: TranscriptEvent) => {
        if (event.kind !== 'chat') return;
        const list = index.get(event.sessionId);
        if (list) list.push(event.text);
        else index.set(event.sessionId, [event.text]);
      };
      for (const event of await (await this.ready()).getAll('events')) add(event);
      for (const op of this.queue) if (op.kind === 'append') add({ ...op.event, sessionId: op.sessionId, seq: op.seq } as TranscriptEvent);
      return index;
    });
  }

  async saveNote(sessionId: string, text: string): Promise<void> {
    await this.serial(async () => {
      // Only the latest text matters: an older one still held is replaced.
      this.dropQueued((op) => op.kind === 'note' && op.note.sessionId === sessionId);
      this.queue.push({ kind: 'note', note: { sessionId, text, updatedAt: Date.now() } });
      await this.drain();
    });
  }

  async getNote(sessionId: string): Promise<NoteRecord | undefined> {
    return this.serial(async () => {
      const held = this.queue.filter((op) => op.kind === 'note' && op.note.sessionId === sessionId).pop();
      if (held?.kind === 'note') return held.note;
      return (await this.ready()).get('notes', sessionId);
    });
  }

  /** Deletes one session: its record, its events and its note (the customer's "Leave session"), held writes included. */
  async deleteSession(id: string): Promise<void> {
    return this.serial(async () => {
      this.dropQueued((op) => (op.kind === 'append' ? op.sessionId : op.kind === 'note' ? op.note.sessionId : op.kind === 'put' ? op.record.id : op.id) === id);
      this.nextSeq.delete(id);
      const db = await this.ready();
      const tx = db.transaction(['sessions', 'events', 'notes'], 'readwrite');
      const range = IDBKeyRange.bound([id, -Infinity], [id, Infinity]);
      await Promise.all([tx.objectStore('sessions').delete(id), tx.objectStore('events').delete(range), tx.objectStore('notes').delete(id), tx.done]);
    });
  }

  /** Deletes everything (the customer's "clear my transcripts"), held writes included. */
  async clearAll(): Promise<void> {
    return this.serial(async () => {
      this.dropQueued(() => true);
      this.nextSeq.clear();
      const db = await this.ready();
      const tx = db.transaction(['sessions', 'events', 'notes'], 'readwrite');
      await Promise.all([tx.objectStore('sessions').clear(), tx.objectStore('events').clear(), tx.objectStore('notes').clear(), tx.done]);
    });
  }

  /** Closes the connection and stops retrying; held writes stay in memory (the next operation reopens). */
  close(): void {
    this.generation++;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.conn?.close();
    this.conn = null;
    this.opening = null;
    this.waiting = false;
  }

  // --- the queue -------------------------------------------------------------------------

  private write(op: WriteOp): Promise<void> {
    return this.serial(async () => {
      this.queue.push(op);
      await this.drain();
    });
  }

  /**
   * Writes the held operations, oldest first, a batch per transaction. Never throws: a failure
   * leaves the batch in the queue (its transaction was aborted whole), says so, and retries later.
   */
  private async drain(): Promise<void> {
    if (!this.queue.length && !this.state.problem) return;
    try {
      const db = await this.ready();
      while (this.queue.length) {
        const batch = this.queue.slice(0, BATCH);
        await writeBatch(db, batch);
        this.queue.splice(0, batch.length);
        for (const op of batch) {
          if (op.kind === 'append' && op.result) this.nextSeq.set(op.sessionId, Math.max(this.nextSeq.get(op.sessionId) ?? 0, op.result.seq + 1));
        }
      }
    } catch (err) {
      this.report(this.classify(err), err);
      this.scheduleRetry();
      return;
    }
    this.retries = 0;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.setHealth({ problem: null, pending: 0, recovered: this.state.recovered || this.state.problem !== null });
  }

  private scheduleRetry(): void {
    if (this.retryTimer) return;
    const { first, max } = this.options.retryMs ?? { first: 1_000, max: 30_000 };
    const delay = Math.min(max, first * 2 ** this.retries++);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.serial(() => this.drain());
    }, delay);
  }

  private dropQueued(match: (op: WriteOp) => boolean): void {
    for (let i = this.queue.length - 1; i >= 0; i--) if (match(this.queue[i]!)) this.queue.splice(i, 1);
    if (this.state.pending !== this.queue.length) this.setHealth({ ...this.state, pending: this.queue.length });
  }

  /** A session record as it will be once the held writes land. */
  private applyQueued(id: string, base: SessionRecord | undefined): SessionRecord | undefined {
    let record = base;
    for (const op of this.queue) {
      if (op.kind === 'put' && op.record.id === id) record = { ...op.record };
      else if (op.kind === 'update' && op.id === id && record) record = { ...record, ...op.patch, id };
    }
    return record;
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.chain.then(task, task);
    this.chain = run.catch(() => {});
    return run;
  }

  // --- the connection --------------------------------------------------------------------

  private connect(): Promise<Db> {
    if (this.conn) return Promise.resolve(this.conn);
    if (this.opening) return this.opening;
    const generation = this.generation;
    const opening = openTranscriptDb(this.name, this.options.version ?? DB_VERSION, {
      blocked: () => {
        this.waiting = true;
        this.report('blocked');
        this.wake();
      },
      versionchange: () => this.lost('superseded'),
      terminated: () => this.lost('failed'),
    });
    this.opening = opening;
    opening.then(
      (db) => {
        if (generation !== this.generation) return db.close();
        this.opening = null;
        this.waiting = false;
        this.conn = db;
        if (this.queue.length || this.state.problem) void this.serial(() => this.drain());
      },
      (err) => {
        if (generation !== this.generation) return;
        this.opening = null;
        this.waiting = false;
        this.report(err instanceof Error && err.name === 'QuotaExceededError' ? 'full' : 'unavailable', err);
        this.scheduleRetry();
      },
    );
    return opening;
  }

  /** The open database, or an error at once (or after openWaitMs) if it is held up by another tab. */
  private ready(): Promise<Db> {
    if (this.conn) return Promise.resolve(this.conn);
    const open = this.connect();
    // Held up by another tab (known, or found out by an earlier wait): carry on from memory at once.
    const problem = this.state.problem;
    if (this.waiting || problem === 'blocked' || problem === 'superseded') return Promise.reject(waitingError());
    return new Promise<Db>((resolve, reject) => {
      const settle = (fn: () => void) => {
        clearTimeout(timer);
        this.wakers.delete(giveUp);
        fn();
      };
      const giveUp = () => settle(() => reject(waitingError()));
      const timer = setTimeout(() => {
        this.waiting = true; // later operations don't wait for this open either
        giveUp();
      }, this.options.openWaitMs ?? 3_000);
      this.wakers.add(giveUp);
      open.then((db) => settle(() => resolve(db)), (err: unknown) => settle(() => reject(err)));
    });
  }

  private wake(): void {
    for (const giveUp of [...this.wakers]) giveUp();
  }

  /** The connection went away under us (another tab's upgrade, or the browser). */
  private lost(problem: StorageProblem): void {
    this.conn = null;
    this.report(problem);
    this.scheduleRetry();
  }

  private classify(err: unknown): StorageProblem {
    const name = err instanceof Error || err instanceof DOMException ? err.name : '';
    if (name === 'QuotaExceededError') return 'full';
    const current = this.state.problem;
    if (current && current !== 'full' && current !== 'failed') return current; // still waiting on the same cause
    if (name === WAITING) return 'blocked';
    return this.conn ? 'failed' : 'unavailable';
  }

  private report(problem: StorageProblem, err?: unknown): void {
    const detail = err instanceof Error || err instanceof DOMException ? `${err.name}: ${err.message}` : this.state.detail;
    if (problem !== this.state.problem) console.warn(`transcript storage: ${problem}`, detail ?? '');
    this.setHealth({ problem, pending: this.queue.length, recovered: false, detail });
  }

  private setHealth(next: StorageHealth): void {
    const s = this.state;
    if (s.problem === next.problem && s.pending === next.pending && s.recovered === next.recovered && s.detail === next.detail) return;
    this.state = next;
    this.emit('health', next);
  }
}

const WAITING = 'StorageWaitingError';
function waitingError(): DOMException {
  return new DOMException('the database is held by another tab', WAITING);
}
