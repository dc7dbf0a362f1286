import 'fake-indexeddb/auto';
import { describe, it, expect, afterEach } from 'vitest';
import fc from 'fast-check';
import { TranscriptStore, type NewEvent, type SessionRecord, type TranscriptEvent } from '../../client/src/lib/transcript.ts';

let counter = 0;
const opened: TranscriptStore[] = [];
/** A store on a database of its own, so tests never see each other's data. */
function freshName(): string {
  return `parley-test-${process.pid}-${Date.now()}-${counter++}`;
}
function open(name: string): TranscriptStore {
  const store = new TranscriptStore(name);
  opened.push(store);
  return store;
}

afterEach(() => {
  for (const store of opened.splice(0)) store.close();
});

const session = (id: string, startedAt: number, extra: Partial<SessionRecord> = {}): SessionRecord => ({
  id,
  role: 'rep',
  startedAt,
  ownName: 'Support',
  nameplate: '482',
  ...extra,
});
const chat = (text: string, at = 1_000): NewEvent => ({ kind: 'chat', id: `m_${text.padEnd(8, '0')}`.slice(0, 20), from: 'rep', name: 'Support', text, at });

describe('sessions', () => {
  it('puts and gets a session', async () => {
    const store = open(freshName());
    const s = session('s1', 1000, { peerName: 'Ada', safetyCode: '🐶 🔑 🎸' });
    await store.putSession(s);
    expect(await store.getSession('s1')).toEqual(s);
    expect(await store.getSession('nope')).toBeUndefined();
  });

  it('put replaces a session with the same id', async () => {
    const store = open(freshName());
    await store.putSession(session('s1', 1000));
    await store.putSession(session('s1', 1000, { ownName: 'Bob' }));
    expect((await store.getSession('s1'))?.ownName).toBe('Bob');
    expect(await store.listSessions()).toHaveLength(1);
  });

  it('updates a session: merges the patch, keeps the id, returns what is stored', async () => {
    const store = open(freshName());
    await store.putSession(session('s1', 1000, { peerName: 'Ada' }));
    const updated = await store.updateSession('s1', { endedAt: 5000, outcome: 'ended' });
    expect(updated).toEqual(session('s1', 1000, { peerName: 'Ada', endedAt: 5000, outcome: 'ended' }));
    expect(await store.getSession('s1')).toEqual(updated);

    // A patch cannot move the record to another id.
    const moved = await store.updateSession('s1', { id: 'other', safetyCode: '123 456' });
    expect(moved?.id).toBe('s1');
    expect(await store.getSession('s1')).toEqual(moved);
    expect(await store.getSession('other')).toBeUndefined();
  });

  it('update of an unknown session creates nothing and returns undefined', async () => {
    const store = open(freshName());
    expect(await store.updateSession('ghost', { endedAt: 1 })).toBeUndefined();
    expect(await store.getSession('ghost')).toBeUndefined();
    expect(await store.listSessions()).toEqual([]);
  });

  it('lists sessions newest first, whatever the insertion order, up to the limit', async () => {
    const store = open(freshName());
    const starts = [3000, 1000, 5000, 2000, 4000];
    for (const [i, t] of starts.entries()) await store.putSession(session(`s${i}`, t));
    expect((await store.listSessions()).map((s) => s.startedAt)).toEqual([5000, 4000, 3000, 2000, 1000]);
    expect((await store.listSessions(2)).map((s) => s.startedAt)).toEqual([5000, 4000]);
    expect(await store.listSessions(0)).toEqual([]);
  });

  it('never stores the secret part of a code (only what the caller puts)', async () => {
    const store = open(freshName());
    await store.putSession(session('s1', 1000, { nameplate: '482' }));
    expect(JSON.stringify(await store.getSession('s1'))).not.toMatch(/913775/);
  });
});

describe('events', () => {
  it('append assigns increasing seq from 0 and returns the stored event', async () => {
    const store = open(freshName());
    const a = await store.append('s1', chat('hello', 10));
    const b = await store.append('s1', { kind: 'receipt', id: a.kind === 'chat' ? a.id : '', at: 11 });
    const c = await store.append('s1', { kind: 'system', key: 'event.ended', level: 'info', at: 12 });
    expect([a.seq, b.seq, c.seq]).toEqual([0, 1, 2]);
    expect(a).toMatchObject({ sessionId: 's1', kind: 'chat', text: 'hello', at: 10 });
    expect(await store.events('s1')).toEqual([a, b, c]);
  });

  it('keeps a separate sequence per session', async () => {
    const store = open(freshName());
    const a1 = await store.append('a', chat('a1'));
    const b1 = await store.append('b', chat('b1'));
    const a2 = await store.append('a', chat('a2'));
    expect([a1.seq, b1.seq, a2.seq]).toEqual([0, 0, 1]);
  });

  it('concurrent appends get distinct seqs in call order, and all are stored', async () => {
    const store = open(freshName());
    const n = 50;
    const results = await Promise.all(Array.from({ length: n }, (_, i) => store.append('s1', chat(`msg${i}`, i))));
    expect(results.map((e) => e.seq)).toEqual(Array.from({ length: n }, (_, i) => i));
    const stored = await store.events('s1');
    expect(stored).toHaveLength(n);
    expect(stored.map((e) => (e.kind === 'chat' ? e.text : ''))).toEqual(Array.from({ length: n }, (_, i) => `msg${i}`));
  });

  it('concurrent appends to several sessions on a fresh store stay per-session ordered', async () => {
    const store = open(freshName());
    const jobs: Promise<TranscriptEvent>[] = [];
    for (let i = 0; i < 30; i++) jobs.push(store.append(`s${i % 3}`, chat(`m${i}`, i)));
    const results = await Promise.all(jobs);
    for (const sid of ['s0', 's1', 's2']) {
      const seqs = results.filter((e) => e.sessionId === sid).map((e) => e.seq);
      expect(seqs).toEqual([...Array(10).keys()]);
      expect((await store.events(sid)).map((e) => e.seq)).toEqual(seqs);
    }
  });

  it('a new store instance (a page reload) continues after the last seq', async () => {
    const name = freshName();
    const first = open(name);
    for (let i = 0; i < 5; i++) await first.append('s1', chat(`before${i}`));
    await first.append('s2', chat('other'));
    first.close();

    const reloaded = open(name);
    const next = await reloaded.append('s1', chat('after'));
    expect(next.seq).toBe(5);
    expect((await reloaded.append('s2', chat('other2'))).seq).toBe(1);
    expect((await reloaded.append('s3', chat('new'))).seq).toBe(0);
    expect((await reloaded.events('s1')).map((e) => e.seq)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('a reloaded store continues correctly even when its first appends are concurrent', async () => {
    const name = freshName();
    const first = open(name);
    for (let i = 0; i < 3; i++) await first.append('s1', chat(`x${i}`));
    first.close();
    const reloaded = open(name);
    const results = await Promise.all([reloaded.append('s1', chat('a')), reloaded.append('s1', chat('b')), reloaded.append('s1', chat('c'))]);
    expect(results.map((e) => e.seq)).toEqual([3, 4, 5]);
  });

  it('events() returns only that session, in seq order, including ids that share a prefix', async () => {
    const store = open(freshName());
    await store.append('s1', chat('one'));
    await store.append('s10', chat('ten'));
    await store.append('s', chat('bare'));
    await store.append('s1', chat('two'));
    await store.append('s2', chat('zwei'));
    await store.append('s1', chat('three'));
    const texts = (await store.events('s1')).map((e) => (e.kind === 'chat' ? e.text : ''));
    expect(texts).toEqual(['one', 'two', 'three']);
    expect((await store.events('s1')).every((e) => e.sessionId === 's1')).toBe(true);
    expect(await store.events('unknown')).toEqual([]);
    expect((await store.events('s10')).map((e) => e.sessionId)).toEqual(['s10']);
  });

  it('stores chat text byte for byte (emoji, newlines, markup, long text)', async () => {
    const store = open(freshName());
    const texts = ['👩🏽‍💻 déjà vu', 'line 1\nline 2\r\n', '<script>alert(1)</script>', 'x'.repeat(10_000), '\u0000\uFFFD'];
    for (const text of texts) await store.append('s1', chat(text));
    expect((await store.events('s1')).map((e) => (e.kind === 'chat' ? e.text : ''))).toEqual(texts);
  });

  it('stores system events with their params', async () => {
    const store = open(freshName());
    const e = await store.append('s1', { kind: 'system', key: 'event.customerJoined', params: { name: 'Ada' }, level: 'success', at: 5 });
    expect(await store.events('s1')).toEqual([e]);
    expect(e).toMatchObject({ key: 'event.customerJoined', params: { name: 'Ada' }, level: 'success' });
  });

  it('round-trips arbitrary chat text (fast-check)', async () => {
    const store = open(freshName());
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 200 }), async (text) => {
        const stored = await store.append('fuzz', chat(text));
        const all = await store.events('fuzz');
        expect(all.at(-1)).toEqual(stored);
        expect(stored.kind === 'chat' && stored.text).toBe(text);
      }),
      { numRuns: 100 },
    );
  });
});

describe('notes', () => {
  it('saves, overwrites and gets a note per session', async () => {
    const store = open(freshName());
    expect(await store.getNote('s1')).toBeUndefined();
    const before = Date.now();
    await store.saveNote('s1', 'first');
    await store.saveNote('s1', 'Customer on Windows 11.\nPrinter fixed ✅');
    await store.saveNote('s2', 'other');
    const note = await store.getNote('s1');
    expect(note).toMatchObject({ sessionId: 's1', text: 'Customer on Windows 11.\nPrinter fixed ✅' });
    expect(note!.updatedAt).toBeGreaterThanOrEqual(before);
    expect(note!.updatedAt).toBeLessThanOrEqual(Date.now());
    expect((await store.getNote('s2'))?.text).toBe('other');
  });

  it('keeps an empty note as empty text', async () => {
    const store = open(freshName());
    await store.saveNote('s1', '');
    expect((await store.getNote('s1'))?.text).toBe('');
  });
});

describe('deleteSession', () => {
  it('deletes one session\'s record, events and note, and nothing of the others', async () => {
    const name = freshName();
    const store = open(name);
    for (const id of ['s1', 's10', 's2']) {
      await store.putSession(session(id, 1000));
      await store.append(id, chat(`${id}-a`));
      await store.append(id, chat(`${id}-b`));
      await store.saveNote(id, `note ${id}`);
    }
    await store.deleteSession('s1');

    store.close();
    const reloaded = open(name); // gone from the database, not only from this instance
    expect(await reloaded.getSession('s1')).toBeUndefined();
    expect(await reloaded.events('s1')).toEqual([]);
    expect(await reloaded.getNote('s1')).toBeUndefined();
    expect((await reloaded.listSessions()).map((s) => s.id).sort()).toEqual(['s10', 's2']);
    expect(await reloaded.events('s10')).toHaveLength(2);
    expect(await reloaded.events('s2')).toHaveLength(2);
    expect((await reloaded.getNote('s10'))?.text).toBe('note s10');
  });

  it('is a no-op for an unknown session', async () => {
    const store = open(freshName());
    await store.putSession(session('s1', 1000));
    await store.deleteSession('nope');
    expect(await store.getSession('s1')).toBeDefined();
  });
});

describe('clearAll', () => {
  it('empties sessions, events and notes, and restarts sequences at 0', async () => {
    const name = freshName();
    const store = open(name);
    await store.putSession(session('s1', 1000));
    await store.putSession(session('s2', 2000));
    await store.append('s1', chat('a'));
    await store.append('s1', chat('b'));
    await store.saveNote('s1', 'note');
    await store.clearAll();

    expect(await store.listSessions()).toEqual([]);
    expect(await store.getSession('s1')).toBeUndefined();
    expect(await store.events('s1')).toEqual([]);
    expect(await store.getNote('s1')).toBeUndefined();
    expect((await store.append('s1', chat('c'))).seq).toBe(0);

    // …and it is really gone from the database, not only from this instance.
    store.close();
    const reloaded = open(name);
    expect(await reloaded.listSessions()).toEqual([]);
    expect((await reloaded.events('s1')).length).toBe(1);
  });

  it('leaves other databases alone', async () => {
    const a = open(freshName());
    const b = open(freshName());
    await a.putSession(session('s1', 1000));
    await b.putSession(session('s1', 1000));
    await a.clearAll();
    expect(await a.getSession('s1')).toBeUndefined();
    expect(await b.getSession('s1')).toBeDefined();
  });
});
