/**
 * SHA-256 of files, computed incrementally (never the whole file in memory): the sender hashes a
 * file before offering it, the receiver hashes each chunk as it arrives.
 *
 * The digest is plain SHA-256, so what the session report shows matches `sha256sum` on the file.
 * Web Crypto has no incremental digest, so it is hash-wasm's WebAssembly SHA-256: about 235 MB/s
 * in Chromium on the benchmark machine, against 55 MB/s for noble's JavaScript one, which held the
 * receiving page's thread for most of a large transfer. Where WebAssembly is unavailable (iOS
 * Lockdown Mode, a stricter CSP), noble's is used: slower, same digest. hash-wasm (~7 kB gzipped)
 * is loaded with the first file, not with the session screen.
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { ChunkReader } from './reader.ts';

export interface IncrementalHash {
  update(bytes: Uint8Array): void;
  /** The hex digest of everything given; rejects if it could not be computed. */
  digest(): Promise<string>;
  /** Forgets the hash (the transfer stopped). */
  drop(): void;
}

export type HashFactory = () => IncrementalHash;

interface Sha256 {
  update(bytes: Uint8Array): void;
  hex(): string;
}

/**
 * False once loading or starting hash-wasm failed on this page (WebAssembly refused, or its chunk
 * could not be fetched): later files go straight to noble's instead of failing the same way.
 */
let wasmUsable = typeof WebAssembly === 'object';

function nobleHash(): Sha256 {
  const hasher = nobleSha256.create();
  return { update: (bytes) => void hasher.update(bytes), hex: () => bytesToHex(hasher.digest()) };
}

async function openSha256(): Promise<Sha256> {
  if (wasmUsable) {
    try {
      const { createSHA256 } = await import('hash-wasm');
      const hasher = await createSHA256();
      return { update: (bytes) => void hasher.update(bytes), hex: () => hasher.digest('hex') };
    } catch {
      wasmUsable = false;
    }
  }
  return nobleHash();
}

/**
 * Bytes a received file may queue while hash-wasm loads (its chunk comes from the server, which
 * may be slow while the peer link is fast). Beyond this, or when the digest is asked for first,
 * noble's hash takes the queue over: the page never holds more, nor waits on the server.
 */
export const MAX_QUEUED_BYTES = 4 * 1024 * 1024;

/**
 * The receiver's hash, created with the first chunk. Usable at once: chunks that come before
 * the WebAssembly module is ready are copied and hashed, in order, when it is. A failure shows
 * in digest(), never in update(); a dropped hash never yields a digest.
 */
export const fileHash: HashFactory = () => {
  let hash: Sha256 | null = null;
  let queue: Uint8Array[] = [];
  let queued = 0;
  let failure: unknown = null;
  const feed = (bytes: Uint8Array) => {
    try {
      hash!.update(bytes);
    } catch (err) {
      failure ??= err;
    }
  };
  const start = (opened: Sha256) => {
    hash = opened;
    for (const bytes of queue) feed(bytes);
    queue = [];
    queued = 0;
  };
  void openSha256().then((opened) => {
    if (!hash && failure === null) start(opened); // else: noble took over, or the hash was dropped
  });
  return {
    update(bytes) {
      if (failure !== null) return;
      if (hash) return feed(bytes);
      queue.push(bytes.slice()); // the caller may reuse its buffer
      queued += bytes.length;
      if (queued > MAX_QUEUED_BYTES) start(nobleHash());
    },
    async digest() {
      if (failure === null && !hash) start(nobleHash());
      if (failure !== null) throw failure;
      const hex = hash!.hex();
      hash = null; // one digest per hash: its memory goes now, not with the transfer
      failure = new Error('digest already taken');
      return hex;
    },
    drop() {
      queue = [];
      queued = 0;
      hash = null;
      failure ??= new Error('dropped');
    },
  };
};

/** The SHA-256 of a whole Blob, read 1 MB at a time (one read ahead). */
export async function sha256Hex(source: Blob, onProgress?: (bytesHashed: number) => void): Promise<string> {
  const hash = await openSha256();
  const reader = new ChunkReader(source, 1024 * 1024, 1);
  let done = 0;
  for (let i = 0; i < reader.chunks; i++) {
    const bytes = await reader.read(i);
    hash.update(bytes);
    done += bytes.length;
    onProgress?.(done);
  }
  return hash.hex();
}
