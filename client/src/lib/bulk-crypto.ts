/**
 * Sealing and opening of bulk-channel frames (file chunks), in order, off the page's main
 * thread where the browser allows it.
 *
 * Why a Worker: sealing and opening 64 kB chunks with tweetnacl kept both pages' main threads
 * about 90% busy during a transfer and held encrypted file throughput to ~55% of what a bare
 * data channel moved between the same pages. In a Worker the main thread only moves buffers
 * (transferred, never copied) and the page stays responsive.
 *
 * Every check stays as it was: the Worker runs the same Sealer/Opener (seal.ts), one of each per
 * channel, and a frame that fails to open rejects, which ends the link (bulk-channel.ts).
 * Requests are answered in order (one Worker, one queue), so frames keep their order.
 */
import { ParleyError, type ErrorCode } from '@protocol/errors.ts';
import { Opener, Sealer } from '@protocol/seal.ts';

export interface BulkCrypto {
  /** Seals the next outgoing frame. The bytes are handed over: the caller must not reuse them. */
  seal(plaintext: Uint8Array): Promise<Uint8Array>;
  /** Opens the next incoming frame (handed over). Rejects with ParleyError as Opener.open. */
  open(frame: ArrayBuffer): Promise<Uint8Array>;
  /** Forgets the keys; pending requests reject with PEER_GONE. */
  close(): void;
}

export interface BulkKeys {
  sendKey: Uint8Array;
  recvKey: Uint8Array;
  maxPlaintext: number;
}

export type BulkRequest =
  | { op: 'init'; ch: number; sendKey: Uint8Array; recvKey: Uint8Array; maxPlaintext: number }
  | { op: 'close'; ch: number }
  | { op: 'seal' | 'open'; ch: number; id: number; bytes: ArrayBuffer };
export type BulkReply = { ch: number; id: number; bytes: ArrayBuffer } | { ch: number; id: number; error: { code: ErrorCode; message: string } };

/** On the calling thread (tests, and browsers without module Workers). */
export function localBulkCrypto(keys: BulkKeys): BulkCrypto {
  const sealer = new Sealer(keys.sendKey);
  const opener = new Opener(keys.recvKey, { maxPlaintext: keys.maxPlaintext });
  let closed = false;
  const gone = () => Promise.reject(new ParleyError('PEER_GONE', 'bulk channel closed'));
  return {
    seal: (plaintext) => (closed ? gone() : run(() => sealer.seal(plaintext))),
    open: (frame) => (closed ? gone() : run(() => opener.open(new Uint8Array(frame)))),
    close: () => void (closed = true),
  };
}

function run(work: () => Uint8Array): Promise<Uint8Array> {
  try {
    return Promise.resolve(work());
  } catch (err) {
    return Promise.reject(err);
  }
}

type Pending = { resolve: (bytes: Uint8Array) => void; reject: (err: ParleyError) => void };

/** The page's one sealing Worker, started on first use and shared by its bulk channels. */
let shared: { worker: Worker; channels: Map<number, Map<number, Pending>> } | null | undefined;
let nextChannel = 0;

function sharedWorker(): typeof shared {
  if (shared !== undefined) return shared;
  let worker: Worker;
  try {
    worker = new Worker(new URL('./bulk-crypto-worker.ts', import.meta.url), { type: 'module' });
  } catch {
    return (shared = null);
  }
  const channels = new Map<number, Map<number, Pending>>();
  worker.addEventListener('message', ({ data }: MessageEvent<BulkReply>) => {
    const pending = channels.get(data.ch);
    const request = pending?.get(data.id);
    if (!request) return;
    pending!.delete(data.id);
    if ('error' in data) request.reject(new ParleyError(data.error.code, data.error.message));
    else request.resolve(new Uint8Array(data.bytes));
  });
  // A Worker that fails takes every channel's frames with it: each link ends (PEER_GONE) and
  // the next one starts a new Worker.
  const fail = () => {
    shared = undefined;
    worker.terminate();
    const err = new ParleyError('PEER_GONE', 'the sealing worker failed');
    for (const pending of channels.values()) for (const request of pending.values()) request.reject(err);
    channels.clear();
  };
  worker.addEventListener('error', fail);
  worker.addEventListener('messageerror', fail);
  return (shared = { worker, channels });
}

/**
 * In the page's sealing Worker; on the calling thread where Workers cannot be made. The Worker
 * is started in idle time when this module loads (see the end of this file), never on the join
 * path (a Worker costs the main thread a few ms).
 */
export function workerBulkCrypto(keys: BulkKeys): BulkCrypto {
  let backend: { post: (op: 'seal' | 'open', bytes: ArrayBuffer) => Promise<Uint8Array>; close: () => void } | BulkCrypto | null = null;
  let closed = false;
  const start = () => {
    if (backend) return backend;
    const host = sharedWorker();
    if (!host) return (backend = localBulkCrypto(keys));
    const ch = nextChannel++;
    const pending = new Map<number, Pending>();
    host.channels.set(ch, pending);
    host.worker.postMessage({ op: 'init', ch, sendKey: keys.sendKey, recvKey: keys.recvKey, maxPlaintext: keys.maxPlaintext } satisfies BulkRequest);
    let nextId = 0;
    return (backend = {
      post: (op, bytes) =>
        new Promise<Uint8Array>((resolve, reject) => {
          if (shared !== host) return reject(new ParleyError('PEER_GONE', 'the sealing worker failed'));
          const id = nextId++;
          pending.set(id, { resolve, reject });
          host.worker.postMessage({ op, ch, id, bytes } satisfies BulkRequest, [bytes]);
        }),
      close: () => {
        host.worker.postMessage({ op: 'close', ch } satisfies BulkRequest);
        host.channels.delete(ch);
        const err = new ParleyError('PEER_GONE', 'bulk channel closed');
        for (const request of pending.values()) request.reject(err);
        pending.clear();
      },
    });
  };
  const gone = () => Promise.reject(new ParleyError('PEER_GONE', 'bulk channel closed'));
  return {
    seal(plaintext) {
      if (closed) return gone();
      const b = start();
      if ('seal' in b) return b.seal(plaintext);
      // Handed over whole: a view into a larger buffer is copied once (the caller's bytes stay theirs).
      const own = plaintext.byteOffset === 0 && plaintext.byteLength === plaintext.buffer.byteLength ? plaintext : plaintext.slice();
      return b.post('seal', own.buffer as ArrayBuffer);
    },
    open(frame) {
      if (closed) return gone();
      const b = start();
      return 'open' in b ? b.open(frame) : b.post('open', frame);
    },
    close() {
      if (closed) return;
      closed = true;
      backend?.close();
    },
  };
}

/**
 * The Worker's script is fetched from the server that served the page. Fetch it as soon as this
 * module loads (while the customer types the code; a task of its own, after the module's importer ran), so files
 * still go through when the signaling server is down later in the session: a Worker started
 * only with the first file could not load then, and the transfer would stall.
 */
if (typeof Worker !== 'undefined' && typeof window !== 'undefined') {
  setTimeout(() => void sharedWorker(), 0);
}
