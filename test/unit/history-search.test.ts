/**
 * The console's history search (client/src/lib/history-search.ts, rep/history.svelte.ts):
 * by customer name, words of the conversation and date range, accents and case ignored;
 * searched in memory from one read of the store, debounced, fast on hundreds of sessions.
 */
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { buildEntry, dayStart, impossibleRange, searchHistory, EMPTY_QUERY, type HistoryQuery } from '../../client/src/lib/history-search.ts';
import { TranscriptStore, type SessionRecord } from '../../client/src/lib/transcript.ts';
import { HistoryState, type Timers } from '../../client/src/rep/history.svelte.ts';

const at = (day: string, hour = 12) => new Date(`${day}T${String(hour).padStart(2, '0')}:00:00`).getTime();
const record = (id: string, startedAt: number, extra: Partial<SessionRecord> = {}): SessionRecord => ({ id, role: 'rep', startedAt, ownName: 'Sam', ...extra });
const q = (patch: Partial<HistoryQuery>): HistoryQuery => ({ ...EMPTY_QUERY, ...patch });

const entries = [
  buildEntry(record('zoe', at('2026-11-20'), { peerName: 'Zoé Martin', peerEmail: 'zoe@example.org' }), ['Mon imprimante affiche PC LOAD LETTER', 'Merci beaucoup']),
  buildEntry(record('ada', at('2026-11-18', 9), { peerName: 'Ada Lovelace', peerRequest: 'The analytical engine jams' }), ['It jams at card 42']),
  buildEntry(record('anon', at('2026-11-18', 23)), ['printer offline again']),
];
const ids = (query: HistoryQuery) => searchHistory(entries, query).map((e) => e.record.id);

describe('searchHistory', () => {
  it('an empty search lists everything, in the order given (newest first)', () => {
    expect(ids(EMPTY_QUERY)).toEqual(['zoe', 'ada', 'anon']);
  });

  it('by customer name or e-mail, ignoring case and accents, every word required', () => {
    expect(ids(q({ customer: 'zoe' }))).toEqual(['zoe']);
    expect(ids(q({ customer: 'MARTIN zoé' }))).toEqual(['zoe']);
    expect(ids(q({ customer: 'example.org' }))).toEqual(['zoe']);
    expect(ids(q({ customer: 'ada grace' }))).toEqual([]);
  });

  it('by words of the conversation or the request', () => {
    expect(ids(q({ text: 'load letter' }))).toEqual(['zoe']);
    expect(ids(q({ text: 'jams' }))).toEqual(['ada']);
    expect(ids(q({ text: 'analytical' }))).toEqual(['ada']); // the request
    expect(ids(q({ text: 'printer' }))).toEqual(['anon']);
    expect(ids(q({ text: 'merci imprimante' }))).toEqual(['zoe']);
  });

  it('by date range, both days included whole', () => {
    expect(ids(q({ from: '2026-11-19' }))).toEqual(['zoe']);
    expect(ids(q({ until: '2026-11-18' }))).toEqual(['ada', 'anon']); // 23:00 on the 18th is in
    expect(ids(q({ from: '2026-11-18', until: '2026-11-18' }))).toEqual(['ada', 'anon']);
    expect(ids(q({ from: '2026-11-21' }))).toEqual([]);
  });

  it('combines the criteria', () => {
    expect(ids(q({ customer: 'ada', text: 'card', until: '2026-11-18' }))).toEqual(['ada']);
    expect(ids(q({ customer: 'ada', text: 'printer' }))).toEqual([]);
  });

  it('ignores malformed dates and flags an impossible range', () => {
    expect(dayStart('2026-13-45x')).toBeNull();
    expect(ids(q({ from: 'yesterday' }))).toEqual(['zoe', 'ada', 'anon']);
    expect(impossibleRange(q({ from: '2026-11-20', until: '2026-11-19' }))).toBe(true);
    expect(impossibleRange(q({ from: '2026-11-19', until: '2026-11-19' }))).toBe(false);
  });

  it('finds the right ones among 1,000 sessions of 50 messages (one in-memory pass, no store read)', () => {
    const many = Array.from({ length: 1000 }, (_, i) =>
      buildEntry(record(`s${i}`, at('2026-11-01') + i * 60_000, { peerName: `Customer ${i}` }), Array.from({ length: 50 }, (_, k) => `message ${k} about ${i % 37 === 5 ? 'zebras' : 'cats'}`)),
    );
    const found = searchHistory(many, q({ text: 'ZEBRAS message', customer: 'customer' }));
    expect(found.map((e) => e.record.id)).toEqual(Array.from({ length: 27 }, (_, k) => `s${5 + 37 * k}`));
  });
});

class ManualTimers implements Timers {
  pending: (() => void) | null = null;
  setTimeout(fn: () => void): unknown {
    this.pending = fn;
    return 1;
  }
  clearTimeout(): void {
    this.pending = null;
  }
  fire(): void {
    const fn = this.pending;
    this.pending = null;
    fn?.();
  }
}

describe('HistoryState over a real store (fake-indexeddb)', () => {
  const stores: TranscriptStore[] = [];
  afterEach(() => {
    for (const store of stores.splice(0)) store.close();
  });

  async function seeded(): Promise<TranscriptStore> {
    const store = new TranscriptStore(`history-${process.pid}-${Date.now()}-${Math.random()}`);
    stores.push(store);
    await store.putSession(record('a', at('2026-11-18'), { peerName: 'Ada', endedAt: at('2026-11-18', 13), outcome: 'ended' }));
    await store.putSession(record('b', at('2026-11-20'), { peerName: 'Bob', endedAt: at('2026-11-20', 13), outcome: 'ended' }));
    await store.append('a', { kind: 'chat', id: 'm1', from: 'customer', name: 'Ada', text: 'my screen is blank', at: at('2026-11-18') });
    await store.append('a', { kind: 'receipt', id: 'm1', at: at('2026-11-18') });
    await store.append('b', { kind: 'system', key: 'event.secured', level: 'success', at: at('2026-11-20') });
    await store.append('b', { kind: 'chat', id: 'm2', from: 'rep', name: 'Sam', text: 'try another cable', at: at('2026-11-20') });
    return store;
  }

  it('reads every session’s messages in one pass (chat only)', async () => {
    const store = await seeded();
    const index = await store.chatTextIndex();
    expect(Object.fromEntries(index)).toEqual({ a: ['my screen is blank'], b: ['try another cable'] });
  });

  it('loads newest first, and runs a search only once typing pauses', async () => {
    const timers = new ManualTimers();
    const history = new HistoryState(await seeded(), timers, 150);
    await history.load();
    expect(history.status).toBe('ready');
    expect(history.results.map((e) => e.record.id)).toEqual(['b', 'a']);

    history.set({ text: 'bla' });
    history.set({ text: 'blank' });
    expect(history.results.map((e) => e.record.id)).toEqual(['b', 'a']); // not yet
    timers.fire();
    expect(history.results.map((e) => e.record.id)).toEqual(['a']);
    expect(history.searching).toBe(true);

    history.clear();
    expect(history.searching).toBe(false);
    expect(history.results).toHaveLength(2);
  });

  it('a session written later shows after a reload of the history', async () => {
    const store = await seeded();
    const history = new HistoryState(store, new ManualTimers());
    await history.load();
    await store.putSession(record('c', at('2026-11-22'), { peerName: 'Cy' }));
    await store.append('c', { kind: 'chat', id: 'm3', from: 'customer', name: 'Cy', text: 'hello from Cy', at: at('2026-11-22') });
    await history.load();
    expect(history.entries.map((e) => e.record.id)).toEqual(['c', 'b', 'a']);
    expect(history.entries[0]!.messages).toBe(1);
  });

  it('says what went wrong when the store cannot be read', async () => {
    const history = new HistoryState({ listSessions: () => Promise.reject(new Error('disk gone')), chatTextIndex: async () => new Map() }, new ManualTimers());
    await history.load();
    expect(history.status).toBe('error');
    expect(history.error).toBe('disk gone');
  });
});
