/**
 * Storage faults in the transcript store: quota exhaustion, aborted transactions, no database
 * at all, an open blocked by an older tab, and a newer tab's upgrade (versionchange). Every
 * event must stay readable, land once and in order when storage comes back, and nothing
 * already written may be lost.
 */
import 'fake-indexeddb/auto';
import { describe, it, expect, afterEach, beforeEach, vi } from 'vitest';
import fc from 'fast-check';
import { TranscriptStore, type NewEvent, type SessionRecord, type StoreOptions, type TranscriptEvent } from '../../client/src/lib/transcript.ts';
import { gatherReport } from '../../client/src/lib/report/gather.ts';

let counter = 0;
const stores: TranscriptStore[] = [];
const raws: IDBDatabase[] = [];
const restores: Array<() => void> = [];
const freshName = () => `parley-fault-${process.pid}-${Date.now()}-${counter++}`;
/** Fast retries and a short wait for a held-up open, so the tests run quickly (nothing asserts on timing). */
const FAST: StoreOptions = { retryMs: { first: 5, max: 20 }, openWaitMs: 50 };
function open(name: string, options: StoreOptions = FAST): TranscriptStore {
  const store = new TranscriptStore(name, options);
  stores.push(store);
  return store;
}

beforeEach(() => {
  vi.spyOn(console, 'warn').mockImplementation(() => {}); // the store logs each new problem
});

afterEach(() => {
  vi.restoreAllMocks();
  for (const restore of restores.splice(0)) restore();
  for (const store of stores.splice(0)) store.close();
  for (const db of raws.splice(0)) db.close();
});

const session = (id: string): SessionRecord => ({ id, role: 'rep', startedAt: 1_000, ownName: 'Support', nameplate: '482' });
const chat = (text: string): NewEvent => ({ kind: 'chat', id: `m_${text}`, from: 'rep', name: 'Support', text, at: 1_000 });
const texts = (events: TranscriptEvent[]) => events.map((e) => (e.kind === 'chat' ? e.text : e.kind));

/** Replaces a method of the fake IndexedDB for the rest of the test. */
function patch<T extends object, K extends keyof T>(target: T, key: K, make: (original: T[K]) => T[K]): void {
  const original = target[key];
  target[key] = make(original);
  restores.push(() => (target[key] = original));
}

/** Makes every `add`/`put` throw QuotaExceededError while `fault.on` is true (how a full disk looks to a write). */
function quotaFault(): { on: boolean; hits: number } {
  const fault = { on: true, hits: 0 };
  for (const key of ['add', 'put'] as const) {
    patch(IDBObjectStore.prototype, key, (original) =>
      function (this: IDBObjectStore, ...args: unknown[]) {
        if (fault.on) {
          fault.hits++;
          throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
        }
        return (original as (...a: unknown[]) => IDBRequest).apply(this, args);
      } as never,
    );
  }
  return fault;
}

/** A second connection, as another tab would hold it. */
function rawOpen(name: string, version?: number, onUpgrade?: (req: IDBOpenDBRequest) => void): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(name, version);
    if (onUpgrade) req.onupgradeneeded = () => onUpgrade(req);
    req.onsuccess = () => {
      raws.push(req.result);
      resolve(req.result);
    };
    req.onerror = () => reject(req.error);
  });
}

/** What is really on disk (read through a connection of its own). */
async function onDisk(name: string, sessionId = 's1'): Promise<TranscriptEvent[]> {
  const db = await rawOpen(name);
  const events = await new Promise<TranscriptEvent[]>((resolve, reject) => {
    const req = db.transaction('events').objectStore('events').getAll(IDBKeyRange.bound([sessionId, 0], [sessionId, Number.MAX_SAFE_INTEGER]));
    req.onsuccess = () => resolve(req.result as TranscriptEvent[]);
    req.onerror = () => reject(req.error);
  });
  db.close();
  return events;
}

describe('quota exhausted', () => {
  it('holds events in memory, says so, and writes them once, in order, when space is back', async () => {
    const name = freshName();
    const store = open(name, { ...FAST, retryMs: { first: 60_000, max: 60_000 } }); // only a new write retries
    await store.putSession(session('s1'));
    await store.append('s1', chat('before-1'));
    await store.append('s1', chat('before-2'));

    const fault = quotaFault();
    const held = [await store.append('s1', chat('during-1')), await store.append('s1', chat('during-2'))];
    expect(store.health).toMatchObject({ problem: 'full', pending: 2, recovered: false });
    expect(store.health.detail).toContain('QuotaExceededError');
    // Provisional numbers follow the stored ones; the reads include the held events.
    expect(held.map((e) => e.seq)).toEqual([2, 3]);
    expect(texts(await store.events('s1'))).toEqual(['before-1', 'before-2', 'during-1', 'during-2']);
    // Nothing already written was touched, nothing new was written.
    expect(texts(await onDisk(name))).toEqual(['before-1', 'before-2']);

    // The next write, with space back, brings the held ones first.
    fault.on = false;
    const after = await store.append('s1', chat('after'));
    expect(after.seq).toBe(4);
    const disk = await onDisk(name);
    expect(texts(disk)).toEqual(['before-1', 'before-2', 'during-1', 'during-2', 'after']);
    expect(disk.map((e) => e.seq)).toEqual([0, 1, 2, 3, 4]);
    expect(store.health).toMatchObject({ problem: null, pending: 0, recovered: true });
  });

  it('retries on its own (backoff) when no new write comes', async () => {
    const name = freshName();
    const store = open(name);
    await store.putSession(session('s1'));
    const fault = quotaFault();
    await store.append('s1', chat('a'));
    await store.append('s1', chat('b'));
    expect(store.health.problem).toBe('full');
    const attempts = fault.hits;
    await vi.waitFor(() => expect(fault.hits).toBeGreaterThan(attempts)); // still failing: retried, still held
    expect(store.health).toMatchObject({ problem: 'full', pending: 2 });
    fault.on = false;
    await vi.waitFor(() => expect(store.health.problem).toBeNull());
    expect(texts(await onDisk(name))).toEqual(['a', 'b']);
  });

  it('holds session records and notes too, reads them merged, and writes the latest note once', async () => {
    const name = freshName();
    const store = open(name);
    await store.putSession(session('s1'));
    const fault = quotaFault();
    expect(await store.updateSession('s1', { peerName: 'Ada' })).toMatchObject({ id: 's1', peerName: 'Ada' });
    await store.putSession(session('s2'));
    await store.saveNote('s1', 'first draft');
    await store.saveNote('s1', 'final words');
    expect(store.health.pending).toBe(3); // the older note was replaced, not queued twice
    expect(await store.getSession('s1')).toMatchObject({ peerName: 'Ada' });
    expect((await store.getNote('s1'))?.text).toBe('final words');
    expect((await store.listSessions()).map((s) => s.id).sort()).toEqual(['s1', 's2']);

    fault.on = false;
    await vi.waitFor(() => expect(store.health.problem).toBeNull());
    const again = open(name);
    expect(await again.getSession('s1')).toMatchObject({ peerName: 'Ada' });
    expect(await again.getSession('s2')).toEqual(session('s2'));
    expect((await again.getNote('s1'))?.text).toBe('final words');
  });

  it('a batch that fails half way is written whole or not at all (no duplicates on retry)', async () => {
    const name = freshName();
    const store = open(name, { ...FAST, retryMs: { first: 60_000, max: 60_000 } });
    await store.putSession(session('s1'));
    const fault = quotaFault();
    for (const t of ['a', 'b', 'c', 'd']) await store.append('s1', chat(t));
    // Now only the third add of the next attempt fails: the first two were requested in that
    // same transaction and must not stay behind when it is aborted.
    fault.on = false;
    let calls = 0;
    patch(IDBObjectStore.prototype, 'add', (original) =>
      function (this: IDBObjectStore, ...args: unknown[]) {
        if (++calls === 3) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
        return (original as (...a: unknown[]) => IDBRequest).apply(this, args);
      } as never,
    );
    await store.append('s1', chat('e'));
    expect(store.health).toMatchObject({ problem: 'full', pending: 5 });
    expect(await onDisk(name)).toEqual([]);
    await store.append('s1', chat('f'));
    expect(texts(await onDisk(name))).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(store.health.problem).toBeNull();
  });

  it('any pattern of failing and working writes ends with every event once, in order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.boolean(), { minLength: 1, maxLength: 25 }), async (failing) => {
        const name = freshName();
        const store = open(name, { ...FAST, retryMs: { first: 60_000, max: 60_000 } });
        await store.putSession(session('s1'));
        const fault = quotaFault();
        const sent: string[] = [];
        for (const [i, fail] of failing.entries()) {
          fault.on = fail;
          sent.push(`m${i}`);
          await store.append('s1', chat(`m${i}`));
          expect(texts(await store.events('s1'))).toEqual(sent);
        }
        fault.on = false;
        sent.push('last');
        await store.append('s1', chat('last'));
        const disk = await onDisk(name);
        expect(texts(disk)).toEqual(sent);
        expect(disk.map((e) => e.seq)).toEqual(sent.map((_, i) => i));
        for (const restore of restores.splice(0)) restore();
        store.close();
      }),
      { numRuns: 25 },
    );
  });
});

describe('aborted transactions', () => {
  it('a transaction the browser aborts is reported as a failure and retried', async () => {
    const name = freshName();
    const store = open(name);
    await store.putSession(session('s1'));
    let abort = true;
    patch(IDBObjectStore.prototype, 'add', (original) =>
      function (this: IDBObjectStore, ...args: unknown[]) {
        const req = (original as (...a: unknown[]) => IDBRequest).apply(this, args);
        if (abort) this.transaction.abort();
        return req;
      } as never,
    );
    const held = await store.append('s1', chat('x'));
    expect(held).toMatchObject({ text: 'x', seq: 0 });
    expect(store.health).toMatchObject({ problem: 'failed', pending: 1 });
    abort = false;
    await vi.waitFor(() => expect(store.health.problem).toBeNull());
    expect(texts(await onDisk(name))).toEqual(['x']);
  });
});

describe('no database at all', () => {
  it('works from memory when IndexedDB cannot be opened (private mode), and catches up once it can', async () => {
    const name = freshName();
    let refuse = true;
    patch(indexedDB, 'open', (original) =>
      function (this: IDBFactory, ...args: unknown[]) {
        if (refuse) throw new DOMException('The operation is insecure.', 'SecurityError');
        return (original as (...a: unknown[]) => IDBOpenDBRequest).apply(this, args);
      } as never,
    );
    const store = open(name);
    await store.putSession(session('s1'));
    await store.append('s1', chat('one'));
    await store.append('s1', chat('two'));
    expect(store.health).toMatchObject({ problem: 'unavailable', pending: 3 });
    expect(await store.getSession('s1')).toEqual(session('s1')); // from memory
    await expect(store.events('s1')).rejects.toThrow();
    // The export falls back on the log on screen.
    const memory = [{ ...chat('one'), sessionId: 's1', seq: 0 }, { ...chat('two'), sessionId: 's1', seq: 1 }] as TranscriptEvent[];
    const input = await gatherReport(store, session('s1'), 'en', memory);
    expect(texts(input.events)).toEqual(['one', 'two']);

    refuse = false;
    await vi.waitFor(() => expect(store.health.problem).toBeNull());
    expect(texts(await onDisk(name))).toEqual(['one', 'two']);
  });
});

describe('other tabs', () => {
  it('an open blocked by an older tab warns, keeps working from memory, and finishes when that tab closes', async () => {
    const name = freshName();
    const old = open(name, FAST);
    await old.putSession(session('s1'));
    await old.append('s1', chat('old tab'));
    // An older tab that never lets go (no versionchange handler that closes).
    const holder = await rawOpen(name, 1);
    old.close();

    const store = open(name, { ...FAST, version: 2 });
    const held = await store.append('s1', chat('new tab'));
    expect(store.health.problem).toBe('blocked');
    expect(held).toMatchObject({ kind: 'chat', text: 'new tab' });
    await expect(store.events('s1')).rejects.toThrow(); // no waiting forever on the blocked open

    holder.close();
    await vi.waitFor(() => expect(store.health.problem).toBeNull());
    expect(store.health.recovered).toBe(true);
    expect(texts(await store.events('s1'))).toEqual(['old tab', 'new tab']);
  });

  it('a newer tab upgrading the database: this tab closes at once, holds writes, and resumes on the new version', async () => {
    const name = freshName();
    const store = open(name);
    await store.putSession(session('s1'));
    await store.append('s1', chat('before'));

    // The newer tab's migration runs a while (a transaction kept busy until released).
    let migrating = true;
    let blocked = false;
    const newer = new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open(name, 2);
      req.onblocked = () => (blocked = true);
      req.onupgradeneeded = () => {
        const store = req.transaction!.objectStore('sessions');
        const spin = () => {
          if (migrating) store.get('busy').onsuccess = spin;
        };
        spin();
        req.result.createObjectStore('v2-extra');
      };
      req.onsuccess = () => {
        raws.push(req.result);
        resolve(req.result);
      };
      req.onerror = () => reject(req.error);
    });
    await vi.waitFor(() => expect(store.health.problem).toBe('superseded'));

    await store.append('s1', chat('during-1'));
    await store.append('s1', chat('during-2'));
    expect(store.health).toMatchObject({ problem: 'superseded', pending: 2 });
    const report = await gatherReport(store, session('s1'), 'en', [
      { ...chat('before'), sessionId: 's1', seq: 0 },
      { ...chat('during-1'), sessionId: 's1', seq: 1 },
      { ...chat('during-2'), sessionId: 's1', seq: 2 },
    ] as TranscriptEvent[]);
    expect(texts(report.events)).toEqual(['before', 'during-1', 'during-2']);

    migrating = false;
    const db = await newer;
    expect(blocked).toBe(false); // we closed cleanly: the newer tab was never blocked
    expect(db.version).toBe(2);
    await vi.waitFor(() => expect(store.health.problem).toBeNull());
    const disk = await onDisk(name);
    expect(texts(disk)).toEqual(['before', 'during-1', 'during-2']);
    expect(disk.map((e) => e.seq)).toEqual([0, 1, 2]);
  });
});
