/**
 * The IndexedDB side of the transcript store: the schema, opening (with the hooks a fault
 * needs: blocked, versionchange, terminated) and one transaction that writes a batch of
 * queued operations in order. TranscriptStore (transcript.ts) decides when to call these.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { NewEvent, NoteRecord, SessionRecord, TranscriptEvent } from './transcript.ts';

export interface ParleyDB extends DBSchema {
  sessions: { key: string; value: SessionRecord; indexes: { startedAt: number } };
  events: { key: [string, number]; value: TranscriptEvent };
  notes: { key: string; value: NoteRecord };
}
export type Db = IDBPDatabase<ParleyDB>;

/** What keeps writes from landing: full disk quota, a failed transaction, no database at all, another tab. */
export type StorageProblem = 'full' | 'failed' | 'unavailable' | 'blocked' | 'superseded';

export interface StorageHealth {
  /** null while writes land. */
  problem: StorageProblem | null;
  /** Writes held in this tab's memory only, waiting for storage. */
  pending: number;
  /** Set when a problem cleared and everything held in memory has been written. */
  recovered: boolean;
  /** The browser's words for the last error (name: message), for the console and bug reports. */
  detail?: string;
}

export interface StoreOptions {
  /** The schema version to ask for (tests open newer or older versions). */
  version?: number;
  /** How long an operation waits for the database to open before carrying on from memory. */
  openWaitMs?: number;
  /** Retry backoff for held writes: first delay, doubling up to max. */
  retryMs?: { first: number; max: number };
}

export const DB_VERSION = 1;
const STORES = ['sessions', 'events', 'notes'] as const;

/** A write waiting its turn; `result` is set once the transaction that wrote it has committed. */
export type WriteOp =
  | { kind: 'append'; sessionId: string; event: NewEvent; seq: number; result?: TranscriptEvent }
  | { kind: 'put'; record: SessionRecord }
  | { kind: 'update'; id: string; patch: Partial<SessionRecord>; result?: SessionRecord }
  | { kind: 'note'; note: NoteRecord };

export interface OpenHooks {
  /** Our open waits for another tab (an older version) to close the database. */
  blocked(): void;
  /** Another tab wants a newer version: the connection is already closed when this runs. */
  versionchange(): void;
  /** The browser closed the connection abnormally (storage cleared, disk error). */
  terminated(): void;
}

/**
 * Opens the database at `version`, running the cumulative migrations. If a newer Parley has
 * already moved the database past our version (VersionError), opens it at its current
 * version instead, provided the stores we use are still there (migrations only add).
 */
export async function openTranscriptDb(name: string, version: number, hooks: OpenHooks): Promise<Db> {
  let db: Db | null = null;
  const blocking = () => {
    db?.close(); // close at once so the other tab's upgrade can go ahead
    hooks.versionchange();
  };
  try {
    db = await openDB<ParleyDB>(name, version, {
      upgrade(db, oldVersion) {
        // Cumulative migrations: each block brings a database from version N-1 to N.
        if (oldVersion < 1) {
          const sessions = db.createObjectStore('sessions', { keyPath: 'id' });
          sessions.createIndex('startedAt', 'startedAt');
          db.createObjectStore('events', { keyPath: ['sessionId', 'seq'] });
          db.createObjectStore('notes', { keyPath: 'sessionId' });
        }
      },
      blocked: () => hooks.blocked(),
      blocking,
      terminated: () => hooks.terminated(),
    });
    return db;
  } catch (err) {
    if (!(err instanceof Error) || err.name !== 'VersionError') throw err;
  }
  db = await openDB<ParleyDB>(name, undefined, { blocking, terminated: () => hooks.terminated() });
  if (!STORES.every((s) => db!.objectStoreNames.contains(s))) {
    db.close();
    throw new DOMException(`the database "${name}" was changed by a newer version`, 'VersionError');
  }
  return db;
}

/**
 * Writes `ops` in one transaction, in order. All or nothing: on any error the transaction is
 * aborted (so a retry can never write an event twice) and the cause is thrown, preferring the
 * transaction's own error (a QuotaExceededError surfaces there, the requests only say "abort").
 * Sequence numbers are taken inside the transaction, after the last stored one.
 */
export async function writeBatch(db: Db, ops: readonly WriteOp[]): Promise<void> {
  const names = [...new Set(ops.map((op) => (op.kind === 'append' ? 'events' : op.kind === 'note' ? 'notes' : 'sessions')))];
  // 'relaxed': complete once the OS has the write (survives a tab or browser crash), without
  // waiting for a disk flush; halves the time before a message can be shown.
  const tx = db.transaction(names, 'readwrite', { durability: 'relaxed' });
  const done = tx.done;
  done.catch(() => {}); // awaited below; a rejection before then must not go unhandled
  const results: Array<TranscriptEvent | SessionRecord | undefined> = [];
  try {
    const next = new Map<string, number>();
    for (const op of ops) {
      if (op.kind === 'append') {
        let seq = next.get(op.sessionId);
        if (seq === undefined) {
          const range = IDBKeyRange.bound([op.sessionId, 0], [op.sessionId, Number.MAX_SAFE_INTEGER]);
          const last = await tx.objectStore('events').openCursor(range, 'prev');
          seq = last ? last.value.seq + 1 : 0;
        }
        next.set(op.sessionId, seq + 1);
        const stored = { ...op.event, sessionId: op.sessionId, seq } as TranscriptEvent;
        await tx.objectStore('events').add(stored);
        results.push(stored);
      } else if (op.kind === 'put') {
        await tx.objectStore('sessions').put(op.record);
        results.push(undefined);
      } else if (op.kind === 'update') {
        const current = await tx.objectStore('sessions').get(op.id);
        const updated = current ? { ...current, ...op.patch, id: op.id } : undefined;
        if (updated) await tx.objectStore('sessions').put(updated);
        results.push(updated);
      } else {
        await tx.objectStore('notes').put(op.note);
        results.push(undefined);
      }
    }
    await done;
  } catch (err) {
    try {
      tx.abort();
    } catch {
      // already finished (aborted by the browser)
    }
    await done.catch(() => {});
    throw tx.error ?? err;
  }
  // Only now, with the transaction committed, do the operations count as written.
  ops.forEach((op, i) => {
    if (op.kind === 'append') op.result = results[i] as TranscriptEvent;
    else if (op.kind === 'update') op.result = results[i] as SessionRecord | undefined;
  });
}
