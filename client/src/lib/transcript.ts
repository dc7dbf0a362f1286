/**
 * The transcript store (IndexedDB via idb): sessions, append-only events ordered by
 * [sessionId, seq], and the rep's notes. The database is opened once per page and reused.
 * Every event is written before the UI shows it; a failed write is reported, never hidden.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { Role } from '@protocol/cpace.ts';
import type { MessageKey } from './i18n/en.ts';

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
  /** Customer side: the request text this customer sent. */
  ownRequest?: string;
  safetyCode?: string;
  outcome?: 'ended' | 'failed';
}

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

interface ParleyDB extends DBSchema {
  sessions: { key: string; value: SessionRecord; indexes: { startedAt: number } };
  events: { key: [string, number]; value: TranscriptEvent };
  notes: { key: string; value: NoteRecord };
}

const DB_NAME = 'parley';
const DB_VERSION = 1;

export class TranscriptStore {
  private dbPromise: Promise<IDBPDatabase<ParleyDB>> | null = null;

  constructor(private readonly name: string = DB_NAME) {}

  private db(): Promise<IDBPDatabase<ParleyDB>> {
    this.dbPromise ??= openDB<ParleyDB>(this.name, DB_VERSION, {
      upgrade(db, oldVersion) {
        // Cumulative migrations: each block brings a database from version N-1 to N.
        if (oldVersion < 1) {
          const sessions = db.createObjectStore('sessions', { keyPath: 'id' });
          sessions.createIndex('startedAt', 'startedAt');
          db.createObjectStore('events', { keyPath: ['sessionId', 'seq'] });
          db.createObjectStore('notes', { keyPath: 'sessionId' });
        }
      },
    });
    return this.dbPromise;
  }

  /** Opens the database ahead of need (the first open of a new database takes ~100 ms). */
  warmUp(): void {
    this.db().catch(() => {
      this.dbPromise = null; // reported on first real use
    });
  }

  async putSession(session: SessionRecord): Promise<void> {
    await (await this.db()).put('sessions', session);
  }

  async updateSession(id: string, patch: Partial<SessionRecord>): Promise<SessionRecord | undefined> {
    const db = await this.db();
    const tx = db.transaction('sessions', 'readwrite');
    const current = await tx.store.get(id);
    const updated = current ? { ...current, ...patch, id } : undefined;
    if (updated) await tx.store.put(updated);
    await tx.done;
    return updated;
  }

  async getSession(id: string): Promise<SessionRecord | undefined> {
    return (await this.db()).get('sessions', id);
  }

  /** Newest first. */
  async listSessions(limit = 50): Promise<SessionRecord[]> {
    const db = await this.db();
    const out: SessionRecord[] = [];
    let cursor = await db.transaction('sessions').store.index('startedAt').openCursor(null, 'prev');
    while (cursor && out.length < limit) {
      out.push(cursor.value);
      cursor = await cursor.continue();
    }
    return out;
  }

  /**
   * Appends one event and resolves once it is written, with its sequence number. The number is
   * taken inside the same transaction as the write, so two tabs (or a reload racing a live
   * page) can never hand out the same one.
   */
  async append(sessionId: string, event: NewEvent): Promise<TranscriptEvent> {
    const db = await this.db();
    // 'relaxed': complete once the OS has the write (survives a tab or browser crash), without
    // waiting for a disk flush; halves the time before a message can be shown.
    const tx = db.transaction('events', 'readwrite', { durability: 'relaxed' });
    const range = IDBKeyRange.bound([sessionId, 0], [sessionId, Number.MAX_SAFE_INTEGER]);
    const last = await tx.store.openCursor(range, 'prev');
    const stored = { ...event, sessionId, seq: last ? last.value.seq + 1 : 0 } as TranscriptEvent;
    await Promise.all([tx.store.add(stored), tx.done]);
    return stored;
  }

  async events(sessionId: string): Promise<TranscriptEvent[]> {
    const range = IDBKeyRange.bound([sessionId, 0], [sessionId, Number.MAX_SAFE_INTEGER]);
    return (await this.db()).getAll('events', range);
  }

  async saveNote(sessionId: string, text: string): Promise<void> {
    await (await this.db()).put('notes', { sessionId, text, updatedAt: Date.now() });
  }

  async getNote(sessionId: string): Promise<NoteRecord | undefined> {
    return (await this.db()).get('notes', sessionId);
  }

  /** Deletes one session: its record, its events and its note (the customer's "Leave session"). */
  async deleteSession(id: string): Promise<void> {
    const db = await this.db();
    const tx = db.transaction(['sessions', 'events', 'notes'], 'readwrite');
    const range = IDBKeyRange.bound([id, -Infinity], [id, Infinity]);
    await Promise.all([tx.objectStore('sessions').delete(id), tx.objectStore('events').delete(range), tx.objectStore('notes').delete(id), tx.done]);
  }

  /** Deletes everything (the customer's "clear my transcripts"). */
  async clearAll(): Promise<void> {
    const db = await this.db();
    const tx = db.transaction(['sessions', 'events', 'notes'], 'readwrite');
    await Promise.all([tx.objectStore('sessions').clear(), tx.objectStore('events').clear(), tx.objectStore('notes').clear(), tx.done]);
  }

  close(): void {
    void this.dbPromise?.then((db) => db.close());
    this.dbPromise = null;
  }
}
