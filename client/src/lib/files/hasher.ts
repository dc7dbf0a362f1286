/**
 * SHA-256 of a file being received, fed chunk by chunk (noble's incremental hash). In the
 * browser it runs in a Worker: on the receiving side hashing was the largest single cost on the
 * main thread (about a third of it, profiled), which the thread also needs for opening the
 * sealed frames and for the page.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

export interface IncrementalHash {
  update(bytes: Uint8Array): void;
  /** The hex digest of everything given; rejects if it could not be computed. */
  digest(): Promise<string>;
  /** Forgets the hash (the transfer stopped). */
  drop(): void;
}

export type HashFactory = () => IncrementalHash;

/** Hashing on the calling thread (tests, and browsers without module Workers). */
export const localHash: HashFactory = () => {
  const hash = sha256.create();
  return {
    update: (bytes) => void hash.update(bytes),
    digest: async () => bytesToHex(hash.digest()),
    drop: () => {},
  };
};

type Pending = { resolve: (digest: string) => void; reject: (err: Error) => void };

/**
 * Hashing in one Worker for the page, started in a task of its own once the factory exists: its
 * script comes from the server that served the page, so it must be fetched while that server is
 * there (a Worker started with the first file could not load once the signaling server is down,
 * and a received file would never be checked). Where Workers cannot be made, files are hashed on
 * the calling thread.
 */
export function workerHash(): HashFactory {
  let worker: Worker | null | undefined;
  let nextId = 0;
  const pending = new Map<number, Pending>();
  const failAll = () => {
    for (const { reject } of pending.values()) reject(new Error('the hashing worker failed'));
    pending.clear();
  };
  const start = (): Worker | null => {
    if (worker !== undefined) return worker;
    try {
      worker = new Worker(new URL('./hash-worker.ts', import.meta.url), { type: 'module' });
    } catch {
      return (worker = null);
    }
    worker.addEventListener('message', (event: MessageEvent<{ id: number; digest: string }>) => {
      pending.get(event.data.id)?.resolve(event.data.digest);
      pending.delete(event.data.id);
    });
    worker.addEventListener('error', failAll);
    worker.addEventListener('messageerror', failAll);
    return worker;
  };
  if (typeof Worker !== 'undefined') setTimeout(start, 0);
  return () => {
    const w = start();
    if (!w) return localHash();
    const id = nextId++;
    return {
      update(bytes) {
        // A copy the worker owns (transferred, not cloned): the caller keeps its bytes.
        const copy = bytes.slice();
        w.postMessage({ id, bytes: copy.buffer }, [copy.buffer]);
      },
      digest: () =>
        new Promise<string>((resolve, reject) => {
          pending.set(id, { resolve, reject });
          w.postMessage({ id, done: true });
        }),
      drop: () => w.postMessage({ id, drop: true }),
    };
  };
}
