/**
 * SHA-256 of a file being received, fed chunk by chunk (noble's incremental hash), on the
 * receiving page's thread: see incoming.ts for why not in a Worker.
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

/** Hashing on the calling thread. */
export const localHash: HashFactory = () => {
  const hash = sha256.create();
  return {
    update: (bytes) => void hash.update(bytes),
    digest: async () => bytesToHex(hash.digest()),
    drop: () => {},
  };
};
