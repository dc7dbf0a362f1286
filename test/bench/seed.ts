/**
 * Synthetic transcripts for the export and scrolling benchmarks, written straight into the
 * page's IndexedDB (the rep console's `parley-rep` database, transcript.ts) in one transaction: chat messages
 * of varied length (some with BBCode and several lines), receipts and system events, as a long
 * session would have them.
 */
import type { Page } from '@playwright/test';

export interface SeedOptions {
  sessionId: string;
  /** Events to write. */
  count: number;
  /** First seq (after the session's real events). */
  firstSeq: number;
  /** Also write an ended session record with this customer name (a session in the history). */
  record?: { peerName: string; startedAt: number };
}

export async function seedTranscript(page: Page, options: SeedOptions): Promise<void> {
  await page.evaluate(async ({ sessionId, count, firstSeq, record }) => {
    const words = 'printer driver network restart settings update account password screen cable router window please thanks error'.split(' ');
    let rand = 42;
    const next = () => ((rand = (rand * 1103515245 + 12345) & 0x7fffffff), rand / 0x7fffffff);
    const text = (i: number) => {
      const n = 3 + Math.floor(next() * (next() < 0.1 ? 120 : 25));
      let out = Array.from({ length: n }, () => words[Math.floor(next() * words.length)]).join(' ');
      if (i % 17 === 0) out = `[b]${out}[/b]`;
      if (i % 23 === 0) out += '\n[url]https://example.com/help[/url]\nsecond line';
      if (i % 41 === 0) out = `${out}\n${out}\n${out}`;
      return out;
    };
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open('parley-rep');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    const tx = db.transaction(['sessions', 'events'], 'readwrite');
    const events = tx.objectStore('events');
    const start = record?.startedAt ?? Date.now() - count * 1000;
    let chatId = 0;
    for (let i = 0; i < count; i++) {
      const seq = firstSeq + i;
      const at = start + i * 1000;
      const r = next();
      if (r < 0.07) {
        events.put({ sessionId, seq, at, kind: 'system', key: i % 2 ? 'event.linkLost' : 'event.linkRestored', level: i % 2 ? 'warning' : 'success' });
      } else if (r < 0.3 && chatId > 0) {
        events.put({ sessionId, seq, at, kind: 'receipt', id: `bench-${chatId - 1}` });
      } else {
        const rep = next() < 0.5;
        events.put({ sessionId, seq, at, kind: 'chat', id: `bench-${chatId++}`, from: rep ? 'rep' : 'customer', name: rep ? 'Rep' : 'Customer', text: text(i) });
      }
    }
    if (record) {
      tx.objectStore('sessions').put({ id: sessionId, role: 'rep', startedAt: record.startedAt, endedAt: start + count * 1000, outcome: 'ended', ownName: 'Rep', peerName: record.peerName, nameplate: '999' });
    }
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
    });
    db.close();
  }, options);
}

/** The id of the rep's newest session record in the page's store. */
export async function newestSessionId(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open('parley-rep');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    const all = await new Promise<Array<{ id: string; startedAt: number }>>((resolve) => {
      const req = db.transaction('sessions').objectStore('sessions').getAll();
      req.onsuccess = () => resolve(req.result);
    });
    db.close();
    return all.sort((a, b) => b.startedAt - a.startedAt)[0]!.id;
  });
}
